"""Hostile text in every data field shows literally and never runs, in the browser.

One dataset carries all of ``xss_corpus.PAYLOADS``, a different one in each text field;
the pages are checked field by field. ``open_page`` also fails the test on any alert
(a payload that ran) and any console error (a CSP violation)."""

from __future__ import annotations

import pytest
from conftest import DATA, LiveServer
from xss_corpus import PAYLOADS, PROTO_ID, assert_nothing_ran, make_hostile_dataset, text_of

pytestmark = pytest.mark.browser

# Fields of a site that each view shows (the rest, e.g. credit.en, are not shown there).
POPUP_FIELDS = (
    "name.en",
    "summary.zh",
    "summary.en",
    "article_section.zh",
    "location.note.zh",
    "label.zh",
    "facts.",  # fact values and units
    "caption.zh",
    "credit.zh",
)


def _popup_texts(fields: dict[str, str], approximate: bool) -> list[str]:
    out = []
    for path, text in fields.items():
        if path.startswith("properties.facts.") and path.endswith((".label.en", ".unit.en")):
            continue
        if path == "properties.location.note.zh" and not approximate:  # shown with the approximate note
            continue
        if any(key in path for key in POPUP_FIELDS):
            out.append(text)
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(server, slots, catalogue): one server on the hostile dataset for the whole module."""
    from webmap.catalogue import load_catalogue

    tmp = tmp_path_factory.mktemp("hostile")
    slots = make_hostile_dataset(DATA, tmp / "data")
    server = LiveServer(tmp / "data", tmp)
    yield server, slots, load_catalogue(tmp / "data")
    server.stop()


def _covering_sites(slots, cat) -> list[str]:
    """A few site ids whose fields together carry every payload (greedy set cover), plus
    the prototype-named site and one whose location is to be confirmed."""
    chosen = [PROTO_ID, next(fid for fid, f in cat.features.items() if f.geometry is None)]
    missing = set(PAYLOADS) - {t for fid in chosen for t in slots.site(fid).values()}
    while missing:
        best = max(cat.features, key=lambda fid: len(missing & set(slots.site(fid).values())))
        chosen.append(best)
        missing -= set(slots.site(best).values())
    return chosen


def test_map_page_popups_legend_and_lists_show_every_payload_literally(hostile, open_page):
    server, slots, cat = hostile
    page, _ = open_page(server)
    assert_nothing_ran(page)

    # A real click on the marker whose id is an Object.prototype name, then every other popup.
    page.locator(f'.site-marker[data-site-id="{PROTO_ID}"]').click()
    page.locator(f'.leaflet-popup-content .popup[data-site-id="{PROTO_ID}"]').wait_for()
    for fid in [fid for fid, f in cat.features.items() if f.geometry]:
        # Leaflet builds the popup synchronously; read it in the same round trip.
        shown = page.evaluate(
            """id => {
                WebMap.markers[id].openPopup();
                // The previous popup fades out for a moment: pick this one by its id.
                const p = document.querySelector(`.leaflet-popup-content .popup[data-site-id="${CSS.escape(id)}"]`);
                return {id: p.dataset.siteId, title: p.querySelector('.popup-title').textContent,
                        content: p.textContent, label: WebMap.markers[id].getElement().getAttribute('aria-label')};
            }""",
            fid,
        )
        fields = slots.site(fid)
        assert shown["id"] == fid and shown["title"] == fields["properties.name.zh"]
        for text in _popup_texts(fields, cat.features[fid].properties.location.approximate):
            assert text in shown["content"], (fid, text)
        layer = slots.layers[cat.features[fid].properties.layer]
        assert layer["name.zh"] in shown["content"] and layer["name.en"] in shown["content"]
        assert fields["properties.name.zh"] in shown["label"]
        assert_nothing_ran(page)

    # Legend, layer control, and the "to be confirmed" list.
    for lid, layer in slots.layers.items():
        legend = text_of(page, f'#legend li[data-layer="{lid}"]')
        assert layer["name.zh"] in legend and layer["name.en"] in legend
    page.locator(".leaflet-control-layers").hover()
    labels = page.locator(".leaflet-control-layers-overlays label")
    assert labels.count() == len(slots.layers)
    for i, lid in enumerate(cat.layer_ids):
        label = text_of(labels.nth(i))
        assert slots.layers[lid]["name.zh"] in label and slots.layers[lid]["icon"] in label
    page.locator("#unlocated summary").click()
    for fid, f in cat.features.items():
        if f.geometry is None:
            item = text_of(page, f'#unlocated-list li[data-site-id="{fid}"]')
            assert slots.site(fid)["properties.name.zh"] in item and slots.site(fid)["properties.name.en"] in item
    assert_nothing_ran(page)


def test_site_parameter_is_only_ever_a_lookup(hostile, open_page):
    """?site= picks a marker by id; names of Object.prototype members must find nothing."""
    server, _, _ = hostile
    page, _ = open_page(server, f"/?site={PROTO_ID}")  # a real site with that id
    assert page.locator(".leaflet-popup-content .popup").get_attribute("data-site-id") == PROTO_ID
    for query in ("?site=__proto__", "?site=toString", "?site=hasOwnProperty", "?site=%3Cb%3E"):
        page.goto(server.url + "/" + query)
        page.wait_for_selector("body[data-state=ready]")
        assert page.locator(".leaflet-popup-content .popup").count() == 0, query
        assert_nothing_ran(page)


def test_site_pages_show_every_payload_literally(hostile, open_page):
    server, slots, cat = hostile
    themes = {t.id: t for t in cat.themes}
    page, _ = open_page(server, "/sites/", wait_ready=False)
    index = text_of(page, "main")
    for fid in cat.features:
        assert slots.site(fid)["properties.name.zh"] in index and slots.site(fid)["properties.name.en"] in index
    assert_nothing_ran(page)

    for fid in _covering_sites(slots, cat):
        f = cat.features[fid]
        page.goto(f"{server.url}/sites/{fid}")
        fields = slots.site(fid)
        assert text_of(page, "h1") == fields["properties.name.zh"]
        assert text_of(page, "title").startswith(fields["properties.name.zh"] + " · ")
        description = page.locator('meta[name="description"]').get_attribute("content")
        assert description == f"{fields['properties.summary.zh']} {fields['properties.summary.en']}"
        main = text_of(page, "main")
        for path, text in fields.items():
            if not path.endswith("credit.en"):  # the page shows the zh credit only
                assert text in main, (fid, path)
        for t in f.properties.themes:
            assert themes[t].name.zh in main
        assert_nothing_ran(page)


@pytest.mark.parametrize("payload", ["<img src=x onerror=alert(1)>", "{{7*7}}", "\u202e<svg onload=alert(2)>"])
def test_error_page_shows_a_hostile_id_literally(hostile, open_page, payload):
    server, _, _ = hostile
    from urllib.parse import quote

    page, watch = open_page(server, "/sites/" + quote(payload), wait_ready=False)
    assert payload in text_of(page, "main")
    assert_nothing_ran(page)
    # Chromium logs the page's own 404 status; that one console error is expected.
    assert watch.console_errors == ["Failed to load resource: the server responded with a status of 404 (NOT FOUND)"]
    watch.console_errors.clear()
