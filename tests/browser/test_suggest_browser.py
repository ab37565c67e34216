"""Residents suggest corrections from a phone (#13): "我来纠错 / Suggest a correction" on the
site page, in popups and on the list of places to be located; the form's small map, a
photo scaled down in the browser, the status page; no cookie, no position sent unless
asked, the spam trap out of people's way, hostile text shown as text. Real server, real
Chromium, a real SQLite file; fails on console errors, dialogs and outside requests."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from support.stewardship import make_database
from support.xss_corpus import PAYLOADS

from webmap.suggestions import Suggestions

pytestmark = pytest.mark.browser

UNLOCATED = "yungang-library"
LOCATED = "yungang-grottoes"
PHONE = {"width": 390, "height": 844}
# A position the browser would give: inside the district, and digits no tap would make.
HERE = {"latitude": 40.0123456, "longitude": 113.1234567}
HERE_TEXT = ("40.012346", "113.123457", "40.0123", "113.1234")
# Counts calls to the geolocation API (set before any of the page's scripts run).
COUNT_GEO = """(() => {
  window.__geoCalls = 0;
  if (!navigator.geolocation) return;
  for (const name of ["getCurrentPosition", "watchPosition"]) {
    const real = navigator.geolocation[name].bind(navigator.geolocation);
    navigator.geolocation[name] = (...args) => { window.__geoCalls += 1; return real(...args); };
  }
})();"""
BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"


@pytest.fixture
def site(tmp_path, serve):
    db = make_database(tmp_path)
    uploads = tmp_path / "uploads"
    server = serve(env={"WEBMAP_DATABASE_URL": db.url, "WEBMAP_UPLOADS_DIR": str(uploads)})
    return server, db, uploads


def phone_photo() -> bytes:
    """A real JPEG the size a phone takes (4000×3000, several MB: noise compresses badly)."""
    from PIL import Image

    noise = Image.frombytes("RGB", (1000, 750), os.urandom(1000 * 750 * 3)).resize((4000, 3000))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=92)
    assert out.tell() > 1024 * 1024  # more than the server's 1 MB body limit as it is
    return out.getvalue()


def ready(page, map: bool = True) -> None:
    """The form's script has run (and drawn its small map). Polled from here: the page's
    CSP forbids the eval that Playwright's in-page polling uses."""
    expect(page.locator("#point-buttons")).to_be_visible()
    if map:
        expect(page.locator("#point-map.leaflet-container")).to_be_visible()


def small_photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def tap_map(page) -> tuple[float, float]:
    page.locator("#point-map").scroll_into_view_if_needed()
    box = page.locator("#point-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def tall_enough(locator) -> bool:
    box = locator.bounding_box()  # layout in fractions of a pixel: 43.99997 is the 44 px the CSS asks for
    return box is not None and round(box["height"], 2) >= 44 and round(box["width"], 2) >= 44


def sent_bodies(page) -> list[bytes]:
    bodies: list[bytes] = []
    page.on("request", lambda r: r.method == "POST" and bodies.append(r.post_data_buffer or b""))
    return bodies


def test_a_visitor_on_a_phone_suggests_where_an_unlocated_place_is_with_a_photo(site, open_page):
    server, db, uploads = site
    # A shared link to a place not on the map yet: the position is granted to the site,
    # but nothing may ask for it unless the visitor presses the button.
    page, watch = open_page(
        server, f"/?site={UNLOCATED}&lang=zh", permissions=["geolocation"], geolocation=HERE, **PHONE
    )
    page.context.add_init_script(COUNT_GEO)
    # the place is in the list of places to be located, under the map's sheet
    page.locator("#sheet-toggle").click()
    page.locator("#unlocated > summary").click()
    link = page.locator(f"#unlocated-list > li[data-site-id={UNLOCATED}] a.suggest-on-list")
    link.scroll_into_view_if_needed()  # list rows are laid out once scrolled near (content-visibility)
    expect(link).to_have_text("我来纠错", use_inner_text=True)  # as drawn, once scrolled to
    assert tall_enough(link)
    assert no_horizontal_scroll(page)
    link.click()
    page.wait_for_url(f"{server.url}/suggest/{UNLOCATED}")
    ready(page)
    assert no_horizontal_scroll(page)
    for button in ("#use-my-location", "#clear-point", "#suggest-submit"):
        assert tall_enough(page.locator(button)), button
    assert "除非您按下“使用我的位置”" in page.locator("#geo-note").inner_text()
    assert "只有地图管理员能看到" in page.locator("#contact-hint").inner_text()

    page.get_by_label("哪里不对？").fill("图书馆在新区的文化中心里，不在这里。")
    lon, lat = tap_map(page)
    point = page.evaluate("WebMapSuggestForm.point()")
    assert abs(point["lng"] - lon) < 1e-6 and abs(point["lat"] - lat) < 1e-6
    assert 112.8 < lon < 113.4 and 39.8 < lat < 40.2
    # the picker speaks the page's language, not the browser's ("Choose Files")
    assert page.locator(".file-pick").inner_text() == "选择照片" and page.locator("#photo").bounding_box()["width"] <= 1
    assert page.locator("#photo-chosen").inner_text() == "尚未选择照片"
    page.set_input_files("#photo", files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": phone_photo()}])
    assert page.locator("#photo-chosen").inner_text() == "已选 1 张照片"
    page.locator("#photo_credit").fill("王小明")
    page.locator("#photo_licence").select_option("cc-by-4.0")
    bodies = sent_bodies(page)
    refused = []  # what the server refused, to say why if the status page never comes
    page.on("response", lambda r: r.status >= 400 and refused.append(r))
    page.get_by_role("button", name="发送建议").click()
    try:
        page.wait_for_url(f"{server.url}/suggestions/*")
    except PlaywrightTimeout:
        said = [(r.url, r.status, r.text()[:500]) for r in refused]
        raise AssertionError(f"the suggestion was not taken: {said}; server log: {server.log[-15:]}") from None

    # The status page, in Chinese, says the suggestion is open and shows what was sent.
    status = page.locator("#suggestion-status")
    assert status.get_attribute("data-status") == "open"
    assert status.inner_text() == "待处理：等待管理员处理"
    assert page.locator("#suggestion-text").inner_text() == "图书馆在新区的文化中心里，不在这里。"
    assert "已提交照片 1 张" in page.locator("main").inner_text()
    assert no_horizontal_scroll(page)
    # No cookie for a visitor; the position was never asked for, nor sent.
    assert page.context.cookies() == []
    assert page.evaluate("window.__geoCalls") == 0
    assert len(bodies) == 1 and len(bodies[0]) <= 1024 * 1024  # the photo fitted the body limit
    assert not any(text.encode() in bodies[0] for text in HERE_TEXT)

    # What the stewards get: the point tapped, the photo scaled down, credit and licence kept.
    sid = page.url.rsplit("/", 1)[-1]
    got = Suggestions(db.repo, Path(uploads)).for_stewards(sid)
    assert got["site_id"] == UNLOCATED and got["contact"] is None
    assert got["proposed_location"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    [photo] = got["photos"]
    assert max(photo["width"], photo["height"]) <= 2000 and photo["width"] > photo["height"]
    assert (photo["credit"], photo["licence"]) == ("王小明", "cc-by-4.0")


def test_use_my_location_asks_only_when_pressed_and_fills_the_point(site, open_page):
    server, _, _ = site
    page, _ = open_page(server, "/", wait_ready=False, permissions=["geolocation"], geolocation=HERE, **PHONE)
    page.context.add_init_script(COUNT_GEO)
    page.goto(f"{server.url}/suggest/{UNLOCATED}?lang=en")
    ready(page)
    page.get_by_label("What is wrong?").fill("It is next to the new school.")
    assert page.evaluate("window.__geoCalls") == 0
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#lon")).not_to_have_value("")
    assert page.evaluate("window.__geoCalls") == 1
    assert (page.locator("#lat").input_value(), page.locator("#lon").input_value()) == HERE_TEXT[:2]
    assert "Check it" in page.locator("#geo-status").inner_text()
    # "Clear the point" takes it back out: nothing of it is sent
    page.get_by_role("button", name="Clear the point").click()
    assert page.locator("#lon").input_value() == "" and page.evaluate("WebMapSuggestForm.point()") is None
    bodies = sent_bodies(page)
    page.get_by_role("button", name="Send suggestion").click()
    page.wait_for_url(f"{server.url}/suggestions/*?lang=en")
    assert page.locator("#suggestion-status").inner_text() == "Open: waiting for a steward"
    assert not any(text.encode() in bodies[0] for text in HERE_TEXT)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_link_is_in_every_popup_and_on_each_place_to_be_located(site, open_page, lang):
    server, _, _ = site
    label = {"zh": "我来纠错", "en": "Suggest a correction"}[lang]
    tail = "?lang=en" if lang == "en" else ""
    page, _ = open_page(server, f"/?site={LOCATED}&lang={lang}", **PHONE)
    link = page.locator(".leaflet-popup-content a.popup-suggest")
    link.wait_for()
    assert link.inner_text() == label and tall_enough(link), link.bounding_box()
    assert link.get_attribute("href") == f"/suggest/{LOCATED}{tail}"
    # the list of places to be located (redrawn by the page: every item keeps its link)
    page.evaluate("document.getElementById('unlocated').open = true")
    items = page.locator("#unlocated-list > li[data-site-id]")
    assert items.count() > 0
    assert page.locator("#unlocated-list > li[data-site-id] a.suggest-on-list").count() == items.count()
    page.locator("#search").fill("图书馆" if lang == "zh" else "library")
    page.wait_for_timeout(400)
    page.locator("#search").fill("")
    page.wait_for_timeout(400)
    assert page.locator("#unlocated-list > li[data-site-id] a.suggest-on-list").count() == items.count()
    item = page.locator(f"#unlocated-list > li[data-site-id={UNLOCATED}] a.suggest-on-list")
    assert item.inner_text() == label
    page.goto(server.url + item.get_attribute("href"))
    assert page.locator("h1").inner_text().startswith(label)
    assert no_horizontal_scroll(page)
    # and on each place's own page
    page.goto(f"{server.url}/sites/{LOCATED}{tail}")
    link = page.locator("#suggest-site")
    assert link.inner_text() == label and tall_enough(link), link.bounding_box()
    link.click()
    page.wait_for_url(f"{server.url}/suggest/{LOCATED}{tail}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_text_stays_text_and_the_trap_is_out_of_peoples_way(site, open_page, lang):
    server, _, _ = site
    tail = "?lang=en" if lang == "en" else ""
    page, watch = open_page(server, f"/suggest/{UNLOCATED}{tail}", wait_ready=False, **PHONE)
    ready(page, map=False)
    # The trap: hidden from screen readers, off the screen, never reached with Tab.
    trap = page.locator("#website")
    assert trap.evaluate("e => e.closest('[aria-hidden=true]') !== null")
    box = trap.bounding_box()
    assert box["x"] + box["width"] <= 0
    page.locator("#what_is_wrong").focus()
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
    assert "website" not in focused and "suggest-submit" in focused

    # Four photos: said at the photo field before anything is sent.
    small = small_photo()
    files = [{"name": f"p{i}.jpg", "mimeType": "image/jpeg", "buffer": small} for i in range(4)]
    page.set_input_files("#photo", files=files)
    page.locator("#what_is_wrong").fill("four photos")
    bodies = sent_bodies(page)
    page.locator("#suggest-submit").click()
    expect(page.locator("#error-photo")).to_have_text({"zh": "最多 3 张照片。", "en": "At most 3 photos."}[lang])
    assert bodies == []
    page.set_input_files("#photo", files=[])

    # A point outside the district: the answer is shown at the longitude, in the page's language.
    text = " ".join(PAYLOADS[:6])
    page.locator("#what_is_wrong").fill(text)
    page.locator("#lon").fill("100.5")
    page.locator("#lat").fill("40.0")
    page.locator("#suggest-submit").click()
    error = page.locator("#error-lon")
    error.wait_for()
    expected = {"zh": "这个点在云冈区以外。请在区界以内点选位置。", "en": "This point is outside Yungang District."}
    assert error.inner_text().startswith(expected[lang])
    assert page.locator("#lon").get_attribute("aria-invalid") == "true"
    assert watch.console_errors == [BAD_REQUEST]
    watch.console_errors.clear()

    page.locator("#lon").fill("")
    page.locator("#lat").fill("")
    page.locator("#suggest-submit").click()
    page.wait_for_url(f"{server.url}/suggestions/*")
    assert page.locator("#suggestion-text").evaluate("e => e.textContent") == text
    assert page.locator("#suggestion-text *").count() == 0
    assert page.context.cookies() == []


def test_without_javascript_the_form_still_sends(site, open_page):
    server, _, _ = site
    page, watch = open_page(
        server, f"/suggest/{UNLOCATED}?lang=en", wait_ready=False, java_script_enabled=False, **PHONE
    )
    assert page.locator("noscript").count() == 1
    page.locator("#what_is_wrong").fill("Closed since March.")
    page.locator("#lon").fill("100")
    page.locator("#lat").fill("40")
    page.locator("#suggest-submit").click()
    assert page.locator("#error-lon").inner_text().startswith("This point is outside Yungang District.")
    assert page.locator("#what_is_wrong").input_value() == "Closed since March."  # nothing typed is lost
    assert watch.console_errors in ([], [BAD_REQUEST])  # the refused form came back with its 400
    watch.console_errors.clear()
    page.locator("#lon").fill("")
    page.locator("#lat").fill("")
    page.locator("#suggest-submit").click()
    page.wait_for_url(f"{server.url}/suggestions/*?lang=en")
    assert page.locator("#suggestion-status").inner_text() == "Open: waiting for a steward"
    assert page.context.cookies() == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_form_has_no_wcag_22_aa_violation_on_a_phone(site, open_page, lang):
    from test_visitor_axe import _violations

    server, _, _ = site
    page, _ = open_page(server, f"/suggest/{UNLOCATED}?lang={lang}", wait_ready=False, **PHONE)
    ready(page)
    assert _violations(page) == []
    tap_map(page)
    assert _violations(page) == []


def test_a_popup_with_its_link_has_no_wcag_22_aa_violation_on_a_phone(site, open_page):
    from test_visitor_axe import _violations

    server, _, _ = site
    page, _ = open_page(server, f"/?site={LOCATED}", **PHONE)
    page.locator(".leaflet-popup-content a.popup-suggest").wait_for()
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    # the markers' own spacing is test_visitor_axe.py's business, as it excludes them there
    assert _violations(page, exclude=(".leaflet-marker-icon",)) == []
