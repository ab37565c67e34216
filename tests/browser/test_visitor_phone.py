"""The map as a resident uses it on a phone (390×844, touch): pinch zoom works, and the
page is readable at any zoom. Every test here also fails on console errors, dialogs and
outside requests (see ``open_page`` in conftest)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def test_pinch_zoom_is_allowed_on_a_phone(server, open_page):
    page, _ = open_page(server, "/", **PHONE)
    metas = page.locator('meta[name="viewport"]').evaluate_all("els => els.map(e => e.content)")
    assert len(metas) == 1, metas
    assert "user-scalable=no" not in metas[0].replace(" ", "") and "maximum-scale=1" not in metas[0].replace(" ", "")
    # A real two-finger pinch on the top bar (outside the map, which handles its own) zooms the page.
    cdp = page.context.new_cdp_session(page)
    box = page.locator(".topbar h1").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def fingers(d):
        return [{"x": cx - d, "y": cy, "id": 1}, {"x": cx + d, "y": cy, "id": 2}]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": fingers(10)})
    for d in range(15, 120, 5):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": fingers(d)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function("() => window.visualViewport.scale > 1.5", timeout=5_000)


def test_site_pages_and_itineraries_do_not_scroll_sideways_on_a_phone(server, open_page, catalogue):
    page, _ = open_page(server, "/sites/", wait_ready=False, **PHONE)
    wide = {}
    trips = page.evaluate("() => fetch('/api/trips').then(r => r.json())")
    paths = [f"/sites/{sid}" for sid in catalogue.features] + [f"/trip?{t['query']}" for t in trips["trips"]]
    for path in ["/sites/", *paths]:
        page.goto(server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[path] = width
    assert wide == {}, "these pages scroll sideways at 390 px"


@pytest.mark.parametrize("site", ["pingquanlu-subdistrict", "yungang-grottoes", "gaoshan-town-countryside"])
def test_a_desktop_link_with_a_popup_opened_on_a_phone_shows_the_whole_popup(server, open_page, site):
    """Desktop → chat app → phone: the link's view was framed for 1440 px. On the phone the
    popup must be fully inside the visible map (below the top bar, above the sheet, within
    the screen's width), with the scale bar not drawn over its text."""
    desk, _ = open_page(server, f"/?lang=en&site={site}")
    desk.wait_for_selector(".leaflet-popup-content")
    desk.wait_for_function("() => new URLSearchParams(location.search).has('view')")
    link = desk.url.removeprefix(server.url).replace("lang=en", "lang=zh")

    phone, _ = open_page(server, link, **PHONE)
    phone.wait_for_selector(".leaflet-popup-content")
    phone.wait_for_function("() => !document.body.hasAttribute('data-map-moving')")
    popup = phone.locator(".leaflet-popup-content-wrapper").bounding_box()
    top = phone.locator(".topbar").bounding_box()
    sheet = phone.locator("#sidebar").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= 390, popup
    assert popup["y"] >= top["y"] + top["height"], (popup, top)
    assert popup["y"] + popup["height"] <= sheet["y"], (popup, sheet)
    assert not phone.locator(".leaflet-control-scale").is_visible()
