"""The map's phone layout (issue 14, "the visitor's map holds up, phone first"), as a
visitor on a 390×844 phone notices it: a chosen place's story is a card docked at the
bottom with the map visible above it, the list sheet snaps to three heights, the layout
follows the window across 760 px, and the card is usable from the keyboard. Every test
also fails on console errors, dialogs and outside requests (``open_page`` in conftest)."""

from __future__ import annotations

import pytest
from support.browser import settled

pytestmark = pytest.mark.browser

W, H = 390, 844
PHONE = {"width": W, "height": H, "is_mobile": True, "has_touch": True}
SITE = "yungang-grottoes"
LONG = "gaotun-party-branch-site"  # a long story: the card scrolls
ORIGIN = "pingquanlu-subdistrict"  # places within 10 km
WAIT = 5_000

BOX = "(s) => { const e = document.querySelector(s); return e ? e.getBoundingClientRect().toJSON() : null; }"
SHOWN = """(s) => [...document.querySelectorAll(s)].filter(e => e.getClientRects().length
          && getComputedStyle(e).visibility !== 'hidden').map(e => e.getBoundingClientRect().toJSON())"""


def box(page, selector):
    return page.evaluate(BOX, selector)


def shown(page, selector):
    return page.evaluate(SHOWN, selector)


def meet(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def settle(page):
    settled(page, WAIT)


def card_open(page, site_id):
    page.locator(f'#site-card .popup[data-site-id="{site_id}"]').wait_for(timeout=WAIT)
    settle(page)


def map_left_visible(page) -> float:
    """How much of the map's height is not covered by the sheet or the card (px)."""
    top = box(page, ".folium-map")["y"]
    covers = [r["y"] for r in shown(page, "#sidebar, #site-card .leaflet-popup")]
    return min(covers) - top


def test_a_place_opens_as_a_card_below_the_visible_map(server, open_page):
    page, _ = open_page(server, f"/?site={LONG}", **PHONE)
    card_open(page, LONG)
    assert page.locator(".leaflet-popup-pane .leaflet-popup").count() == 0  # no bubble over the map
    card = box(page, "#site-card .leaflet-popup-content-wrapper")
    # full width, fully inside the screen, nothing scrolls sideways
    assert card["x"] == 0 and card["width"] == W and card["y"] + card["height"] <= H, card
    assert page.evaluate("document.documentElement.scrollWidth") <= W
    # the map shows above it: at least 40 % of the screen's height below the top bar
    top = box(page, ".topbar")
    assert card["y"] - (top["y"] + top["height"]) >= 0.4 * H, (card, top)
    # the marker of the place is in that visible part of the map
    marker = box(page, f'.site-marker[data-site-id="{LONG}"]')
    assert top["y"] + top["height"] <= marker["y"] and marker["y"] + marker["height"] <= card["y"], (marker, card)
    # readable text, and the long story scrolls inside the card, not the page
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('#site-card .summary')).fontSize)") >= 15
    scroller = page.locator("#site-card .leaflet-popup-content-wrapper")
    assert scroller.evaluate("e => e.scrollHeight > e.clientHeight")
    scroller.evaluate("e => e.scrollTo(0, e.scrollHeight)")
    page.locator("#site-card .more a").wait_for(state="visible")
    assert page.evaluate("[window.scrollX, window.scrollY]") == [0, 0]
    # the scale bar and the attribution are never over the card's text
    for control in shown(page, ".leaflet-control-scale, .leaflet-control-attribution"):
        assert not meet(control, card), (control, card)
    # a visible close button, a thumb-sized target with a label in the page's language
    close = page.locator("#site-card .leaflet-popup-close-button")
    b = close.bounding_box()
    assert b["width"] >= 44 and b["height"] >= 44 and meet(b, card)
    assert close.get_attribute("aria-label") == "关闭地点介绍"
    # the sheet is down to its peek bar, below the card
    toggle = page.locator("#sheet-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert box(page, "#sidebar")["y"] >= card["y"] + card["height"] - 1
    # the focus is in the card
    assert page.evaluate("document.getElementById('site-card').contains(document.activeElement)")
    close.click()
    page.locator("#site-card .leaflet-popup").wait_for(state="detached", timeout=WAIT)
    assert "site=" not in page.url


def test_choosing_another_place_replaces_the_card(server, open_page, catalogue):
    page, _ = open_page(server, f"/?site={SITE}", **PHONE)
    card_open(page, SITE)
    page.locator(f'.site-marker[data-site-id="{ORIGIN}"]').click()
    card_open(page, ORIGIN)
    assert page.locator("#site-card .popup").count() == 1
    assert page.locator("#site-card .popup-title").inner_text() == catalogue.features[ORIGIN].properties.name.zh
    page.wait_for_url(f"**site={ORIGIN}**", timeout=WAIT)
    # from the list too: the sheet opens, a list item replaces the card and the sheet goes back down
    page.locator("#sheet-toggle").click()
    item = page.locator("#site-list li button").filter(has_not_text=catalogue.features[ORIGIN].properties.name.zh).first
    other = item.get_attribute("data-site-id")
    item.click()
    card_open(page, other)
    assert page.locator("#site-card .popup").count() == 1
    assert page.locator("#sheet-toggle").get_attribute("aria-expanded") == "false"


def test_the_card_works_from_the_keyboard(server, open_page):
    page, _ = open_page(server, "/", **PHONE)
    page.locator("#sheet-toggle").click()
    item = page.locator("#site-list li button").first
    site_id = item.get_attribute("data-site-id")
    item.focus()
    page.keyboard.press("Enter")
    card_open(page, site_id)
    assert page.evaluate("document.activeElement.classList.contains('popup-title')")
    assert page.evaluate("document.getElementById('site-card').contains(document.activeElement)")
    # Shift+Tab reaches the close button; Enter closes the card and the focus comes back
    # to the place on the map (the list is folded away under the peek bar).
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.classList.contains('leaflet-popup-close-button')")
    page.keyboard.press("Enter")
    page.locator("#site-card .leaflet-popup").wait_for(state="detached", timeout=WAIT)
    back = page.evaluate(
        "(() => { const m = document.activeElement.querySelector('.site-marker'); return m && m.dataset.siteId; })()"
    )
    assert back == site_id
    # Enter on the marker opens the card again; Escape closes it, focus back on the marker
    page.keyboard.press("Enter")
    card_open(page, site_id)
    assert page.evaluate("document.getElementById('site-card').contains(document.activeElement)")
    page.keyboard.press("Escape")
    page.locator("#site-card .leaflet-popup").wait_for(state="detached", timeout=WAIT)
    assert page.evaluate("document.activeElement.querySelector('.site-marker') !== null")


@pytest.mark.parametrize(
    ("lang", "labels", "close", "region"),
    [
        ("zh", ["查看列表", "展开整个列表", "查看地图"], "关闭地点介绍", "地点介绍"),
        ("en", ["Show list", "Show the whole list", "Show map"], "Close this place", "About this place"),
    ],
)
def test_the_sheet_snaps_to_peek_half_and_full(server, open_page, lang, labels, close, region):
    page, _ = open_page(server, f"/?lang={lang}", **PHONE)
    toggle = page.locator("#sheet-toggle")
    main = box(page, ".map-main")
    seen = []
    for expanded, label in zip(["false", "true", "true"], labels, strict=True):
        assert toggle.get_attribute("aria-expanded") == expanded
        assert toggle.inner_text() == label
        left = map_left_visible(page)
        seen.append(left)
        # Leaflet's attribution and the map's controls never sit over the toggle
        t = box(page, "#sheet-toggle")
        for control in shown(page, ".leaflet-control-attribution, .leaflet-control-zoom, .leaflet-control-layers"):
            assert not meet(control, t), (label, control, t)
        toggle.click()
    peek, half, full = seen
    # peek: only the toggle and the summary line; the map fills the rest
    assert peek >= main["height"] - 100, seen
    assert abs(half - main["height"] * 0.5) <= 0.06 * main["height"], seen
    assert main["height"] - full >= 0.8 * main["height"], seen  # ~88 %, below the zoom buttons
    assert toggle.get_attribute("aria-expanded") == "false" and toggle.inner_text() == labels[0]  # round again
    assert page.locator("#status").is_visible() and not page.locator("#filters").is_visible()
    # the card's close button says what it does in the page's language
    page.locator(f'.site-marker[data-site-id="{ORIGIN}"]').click()
    card_open(page, ORIGIN)
    assert page.locator("#site-card .leaflet-popup-close-button").get_attribute("aria-label") == close
    assert page.get_by_role("region", name=region, exact=True).locator(".popup-title").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= W


def test_map_targets_are_big_enough_and_clear_of_the_toggle(server, open_page):
    page, _ = open_page(server, "/", **PHONE)
    t = box(page, "#sheet-toggle")
    targets = shown(page, ".site-marker-wrap, .leaflet-control a, .leaflet-control-layers-toggle")
    assert targets
    for r in targets:
        assert r["width"] >= 24 and r["height"] >= 24, r
    for r in shown(page, ".leaflet-control, .leaflet-control-attribution a"):
        assert not meet(r, t), (r, t)


def test_places_near_here_opens_the_half_sheet_at_the_results(server, open_page, catalogue):
    page, _ = open_page(server, "/", **PHONE)
    page.locator(f'.site-marker[data-site-id="{ORIGIN}"]').click()
    card_open(page, ORIGIN)
    page.locator("#site-card .near-this").click()
    page.locator("#near-status").wait_for(timeout=WAIT)
    settle(page)
    toggle = page.locator("#sheet-toggle")
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.inner_text() == "展开整个列表"
    assert page.locator("#site-card .leaflet-popup").count() == 0  # the card made way for the results
    sheet, main = box(page, "#sidebar"), box(page, ".map-main")
    assert abs(sheet["height"] - main["height"] * 0.5) <= 0.06 * main["height"]
    # the results' top is in view in the sheet: their heading and the first places
    first = box(page, "#site-list li")
    head = box(page, ".results-head")
    bottom = box(page, "#sheet-toggle")["y"] + box(page, "#sheet-toggle")["height"]
    assert bottom <= head["y"] and first["y"] + first["height"] <= H, (head, first)
    assert page.locator("#site-list li").first.get_attribute("data-site-id") == ORIGIN
    # the places found are on the map left above the sheet
    for sid in page.locator("#site-list li").evaluate_all("els => els.map(e => e.dataset.siteId)")[:3]:
        if not catalogue.features[sid].geometry:
            continue
        m = box(page, f'.site-marker[data-site-id="{sid}"]')
        assert m and m["y"] + m["height"] / 2 <= sheet["y"], (sid, m, sheet)


def test_crossing_760_px_switches_between_popup_and_card(server, open_page):
    page, _ = open_page(server, f"/?site={SITE}", width=1000, height=H)
    page.locator(".leaflet-popup-pane .leaflet-popup-content .popup").wait_for(timeout=WAIT)
    assert page.locator("#site-card .leaflet-popup").count() == 0
    assert box(page, "#sidebar")["height"] > H * 0.8  # a column beside the map
    page.set_viewport_size({"width": W, "height": H})
    card_open(page, SITE)
    assert page.locator(".leaflet-popup-pane .leaflet-popup").count() == 0
    card = box(page, "#site-card .leaflet-popup-content-wrapper")
    assert card["x"] == 0 and card["width"] == W and card["y"] + card["height"] <= H
    assert box(page, "#sidebar")["y"] >= card["y"] + card["height"] - 1  # the sheet, at its peek, below
    assert page.evaluate("document.documentElement.scrollWidth") <= W
    page.set_viewport_size({"width": 1000, "height": H})
    page.locator(".leaflet-popup-pane .leaflet-popup-content .popup").wait_for(timeout=WAIT)
    assert page.locator("#site-card .leaflet-popup").count() == 0
    popup = box(page, ".leaflet-popup-content-wrapper")
    assert popup["width"] < 400 and popup["x"] > 360, popup  # a bubble again, on the map beside the list
    assert page.locator(".leaflet-popup-tip").is_visible()
    assert box(page, "#sidebar")["height"] > H * 0.8
    assert f"site={SITE}" in page.url


COVERED = """() => {
  const edge = document.getElementById('sidebar').getBoundingClientRect().top;
  return [...document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')].map((m) => ({
    under: m.getBoundingClientRect().bottom > edge, target: m.getAttribute('tabindex') !== '-1'
      && getComputedStyle(m).pointerEvents !== 'none' && !m.hasAttribute('aria-hidden')}));
}"""


def test_markers_under_the_sheet_are_no_targets_until_it_folds(server, open_page):
    page, _ = open_page(server, "/", **PHONE)
    toggle = page.locator("#sheet-toggle")
    while toggle.get_attribute("data-snap") != "full":
        toggle.click()
    page.wait_for_timeout(200)  # a frame for the check
    markers = page.evaluate(COVERED)
    assert any(m["under"] for m in markers), "the full sheet should cover some markers"
    assert all(m["target"] != m["under"] for m in markers), markers  # covered: not tappable, not in the tab order
    toggle.click()  # full -> peek
    page.wait_for_selector("body.sheet-peek", state="attached")
    page.wait_for_timeout(200)
    back = page.evaluate(COVERED)
    assert all(m["target"] != m["under"] for m in back) and sum(m["target"] for m in back) > sum(
        m["target"] for m in markers
    )


def test_folding_the_sheet_closes_the_share_box_it_holds(server, open_page):
    """On a phone the share box opens the sheet to full; folding the sheet to its peek bar
    closes the box, so the share button no longer says it is open and one tap opens it."""
    page, _ = open_page(server, "/?lang=zh", **PHONE)
    share, toggle = page.locator("#share-button"), page.locator("#sheet-toggle")
    share.click()
    assert page.locator("#share-url").is_visible() and share.get_attribute("aria-expanded") == "true"
    assert toggle.get_attribute("data-snap") == "full"
    toggle.click()  # full -> peek
    assert toggle.get_attribute("data-snap") == "peek"
    assert share.get_attribute("aria-expanded") == "false" and page.locator("#share").is_hidden()
    share.click()  # one tap, not two
    assert page.locator("#share-url").is_visible() and share.get_attribute("aria-expanded") == "true"


def test_tapping_each_marker_at_the_first_zoom_opens_that_place(server, open_page):
    """The Heng'an subdistricts share approximate points: fanned out, no two markers'
    boxes overlap, and a tap on the middle of each opens its own card (a tap on the 和顺街道
    marker once opened 平泉路街道)."""
    page, _ = open_page(server, "/?lang=zh", **PHONE)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.site-marker')].map((m) => {
        const r = m.getBoundingClientRect(); return {id: m.dataset.siteId, x: r.x, y: r.y, width: r.width,
        height: r.height}; })""")
    assert len(boxes) >= 9
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not meet(a, b), (a, b)
    for site_id in [b["id"] for b in boxes]:
        # A person's pace: two taps within Leaflet's 200 ms on the map are a double tap (a zoom).
        page.wait_for_timeout(300)
        b = box(page, f'.site-marker[data-site-id="{site_id}"]')  # an opened card may have panned the map
        page.touchscreen.tap(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
        card_open(page, site_id)
        page.keyboard.press("Escape")
        page.locator("#site-card .leaflet-popup").wait_for(state="detached", timeout=WAIT)
        settle(page)
