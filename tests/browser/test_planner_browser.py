"""The trip planner in headless Chromium: build a trip from popups, reorder it by
keyboard and by dragging, reload its link, then print the itinerary to PDF and read it
back. Every test here also fails on console errors, dialogs and outside requests."""

from __future__ import annotations

import io
import unicodedata

import pytest
from support import screenshot

pytestmark = pytest.mark.browser

STOPS = ["yungang-grottoes", "red-memorial-hall", "pingquanlu-subdistrict"]


def _trip_ids(page) -> list[str]:
    return page.locator("#trip-list li").evaluate_all("els => els.map(e => e.dataset.siteId)")


def _wait_planned(page, ids: list[str]) -> None:
    """Until the list, the URL and the schedule all show ``ids`` in this order."""
    page.wait_for_function(
        """ids => {
          const rows = [...document.querySelectorAll('#trip-schedule tr[data-kind=stop]')].map(r => r.dataset.id);
          const url = new URLSearchParams(location.search).get('trip');
          return document.getElementById('planner').dataset.planState === 'ok'
            && JSON.stringify(rows) === JSON.stringify(ids) && url === ids.join(',');
        }""",
        arg=ids,
        timeout=10_000,
    )


def _add_from_popup(page, site_id: str) -> None:
    page.locator(f'.site-marker[data-site-id="{site_id}"]').click()
    button = page.locator(f'.leaflet-popup-content button[data-trip-add="{site_id}"]')
    button.click()
    page.locator(".leaflet-popup", has=button).locator(".leaflet-popup-close-button").click()


def test_build_reorder_reload_and_print(server, open_page, catalogue, tmp_path):
    page, _ = open_page(server)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    for sid in STOPS:
        _add_from_popup(page, sid)
    _wait_planned(page, STOPS)
    assert page.locator("#trip-count").inner_text() == "3"
    page.locator("#planner-box > summary").click()
    assert _trip_ids(page) == STOPS

    # Keyboard: focus "move down" on the first stop and press Enter.
    page.locator('#trip-list li[data-site-id="yungang-grottoes"] button.down').focus()
    page.keyboard.press("Enter")
    order = ["red-memorial-hall", "yungang-grottoes", "pingquanlu-subdistrict"]
    _wait_planned(page, order)

    # Drag the last stop onto the first.
    page.locator('#trip-list li[data-site-id="pingquanlu-subdistrict"]').drag_to(
        page.locator('#trip-list li[data-site-id="red-memorial-hall"]')
    )
    order = ["pingquanlu-subdistrict", "red-memorial-hall", "yungang-grottoes"]
    _wait_planned(page, order)

    page.select_option("#trip-mode", "car")
    page.fill("#trip-start", "08:15")
    page.locator("#trip-start").dispatch_event("change")
    page.select_option("#trip-from", "yungang-town")
    page.wait_for_function("() => new URLSearchParams(location.search).get('from') === 'yungang-town'")
    _wait_planned(page, order)
    schedule = page.locator("#trip-schedule").inner_text()
    assert "08:15" in schedule
    screenshot(page, "planner-desktop")

    # Reloading the link restores the same trip.
    url = page.url
    assert "mode=car" in url and "start=08:15" in url
    page2, _ = open_page(server, url.removeprefix(server.url))
    page2.wait_for_selector("#planner[data-ready=true]", state="attached")
    _wait_planned(page2, order)
    assert page2.locator("#trip-mode").input_value() == "car"
    assert page2.locator("#trip-start").input_value() == "08:15"
    assert page2.locator("#trip-from").input_value() == "yungang-town"
    assert page2.locator("#trip-schedule").inner_text() == schedule

    # The itinerary page, printed to PDF by Chromium, names every stop.
    page2.locator("#trip-itinerary-link").click()
    page2.wait_for_selector(".itinerary")
    for sid in order:
        assert catalogue.features[sid].properties.name.zh in page2.locator(".schedule").inner_text()
    screenshot(page2, "itinerary-desktop")
    pdf = page2.pdf(format="A4", print_background=True)
    from pypdf import PdfReader

    # Chromium's CJK fonts map some characters to Kangxi radicals (⾏ for 行) and ligatures
    # (ﬁ): NFKC folds them, and full-width punctuation, the same way on both sides.
    def flat(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    text = flat("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for sid in order:
        name = catalogue.features[sid].properties.name
        assert flat(name.zh) in text, name.zh
        assert flat(name.en) in text, name.en


def test_a_trip_planned_in_english_opens_its_itinerary_and_comes_back_in_english(server, open_page):
    """Map (English) → itinerary → "Edit on the map": the language and the trip survive both ways."""
    stops = "gaotun-party-branch-site,red-memorial-hall"
    page, _ = open_page(server, f"/?lang=en&trip={stops}")
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    _wait_planned(page, stops.split(","))
    page.locator("#trip-itinerary-link").click()
    page.wait_for_selector(".itinerary")
    page.locator("nav.crumbs a").click()
    page.wait_for_selector("html[lang=en] body[data-state=ready]")
    _wait_planned(page, stops.split(","))
    assert page.locator("#lang-switch").inner_text() == "中文"


def test_best_order_shows_distance_saved(server, open_page):
    zigzag = "yungang-grottoes,gaotun-party-branch-site,gaotun-community,red-memorial-hall"
    page, _ = open_page(server, "/?trip=" + zigzag)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    _wait_planned(page, zigzag.split(","))
    page.locator("#trip-best").click()
    page.wait_for_selector("#trip-saved")
    assert "公里" in page.locator("#trip-saved").inner_text()
    new = page.evaluate("new URLSearchParams(location.search).get('trip')")
    assert sorted(new.split(",")) == sorted(zigzag.split(",")) and new != zigzag


def test_themed_trip_loads_in_one_click_and_unlocated_sites_cannot_be_added(server, open_page, catalogue):
    page, _ = open_page(server, width=390, height=844)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    page.locator("#sheet-toggle").click()  # the phone's list sheet opens at its peek bar
    page.locator("#planner-box > summary").click()
    page.locator('#trip-themes button[data-theme="red-heritage"]').click()
    ids = [s.site for s in catalogue.trips.trips["red-heritage"].stops]
    _wait_planned(page, ids)
    assert "trip_theme=red-heritage" in page.url
    screenshot(page, "planner-phone")
    # Unlocated sites are listed with a disabled button that says why.
    page.locator("#unlocated > summary").click()
    disabled = page.locator("#unlocated-list button.trip-add-disabled")
    assert disabled.count() == sum(1 for f in catalogue.features.values() if f.geometry is None)
    assert disabled.first.is_disabled()


def test_a_link_with_unknown_or_unlocated_stops_says_so(server, open_page):
    page, _ = open_page(server, "/?trip=yungang-grottoes,shilihe-forest-park,nope")
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    _wait_planned(page, ["yungang-grottoes"])
    # Said in the map's one link notice (js/core/url.js), by name for a place the map has.
    notice = page.locator("#link-notice .link-notice")
    text = notice.inner_text()
    assert notice.is_visible() and "“nope”" in text and "位置待确认" in text, text


def test_itinerary_page_on_a_phone(server, open_page, catalogue):
    trip = catalogue.trips.trips["ecology-livelihood"]
    q = "trip=" + ",".join(s.site for s in trip.stops) + "&trip_theme=ecology-livelihood&from=herui-subdistrict"
    page, _ = open_page(server, "/trip?" + q, width=390, height=844, wait_ready=False)
    page.wait_for_selector(".itinerary")
    assert trip.title.zh in page.locator("h1").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the itinerary scrolls sideways on a phone"
    screenshot(page, "itinerary-phone")


def test_end_point_picked_on_the_map_and_visit_minutes_edited(server, open_page):
    page, _ = open_page(server, "/?trip=yungang-grottoes,red-memorial-hall&start=09:00")
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    _wait_planned(page, ["yungang-grottoes", "red-memorial-hall"])
    page.select_option("#trip-to", "@pick")
    assert page.locator("#trip-pick-hint").is_visible()
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
    page.wait_for_function(
        "() => /^\\d+\\.\\d+,\\d+\\.\\d+$/.test(new URLSearchParams(location.search).get('to') || '')"
    )
    page.wait_for_selector('#trip-schedule tr[data-kind="end"]')
    lon, lat = map(float, page.evaluate("new URLSearchParams(location.search).get('to')").split(","))
    assert 112.8 < lon < 113.5 and 39.8 < lat < 40.3
    # A zero-minute visit: arrival equals departure, and the link remembers it.
    visit = page.locator('#trip-list li[data-site-id="yungang-grottoes"] input.visit')
    visit.fill("0")
    visit.dispatch_event("change")
    page.wait_for_function("() => new URLSearchParams(location.search).get('visit') === 'yungang-grottoes:0'")
    page.wait_for_function(
        "() => (document.querySelector('#trip-schedule tr[data-id=\"yungang-grottoes\"] td:nth-child(3)') || {})"
        ".textContent"
        " === '09:00–09:00'"
    )
