"""The planner tells the truth: "Best order" never reverses a trip for nothing, legs
between places on one proxy point are "distance unknown", approximate trips say their
order and times are estimates, and a theme with no located place is a reading list.
Every test here also fails on console errors, dialogs and outside requests."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_best_order_keeps_a_themed_trip_it_cannot_shorten(server, open_page, catalogue):
    ids = [s.site for s in catalogue.trips.trips["red-heritage"].stops]
    page, _ = open_page(server)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    page.locator("#planner-box > summary").click()
    page.locator('#trip-themes button[data-theme="red-heritage"]').click()
    page.wait_for_function("ids => new URLSearchParams(location.search).get('trip') === ids.join(',')", arg=ids)
    page.locator("#trip-best").click()
    page.wait_for_selector("#trip-saved")
    # The story starts at the Gaotun branch site: the trip still does, and says the order was kept.
    assert "原顺序已是最短" in page.locator("#trip-saved").inner_text()
    assert page.evaluate("new URLSearchParams(location.search).get('trip')") == ",".join(ids)
    rows = page.locator("#trip-schedule tr[data-kind=stop]").evaluate_all("rs => rs.map(r => r.dataset.id)")
    assert rows == ids


def test_itinerary_of_approximate_places_says_what_it_does_not_know(server, open_page, catalogue):
    trip = catalogue.trips.trips["ecology-livelihood"]
    q = "trip=" + ",".join(s.site for s in trip.stops) + "&trip_theme=ecology-livelihood"
    page, _ = open_page(server, "/trip?" + q, wait_ready=False)
    page.wait_for_selector(".itinerary")
    schedule = page.locator("table.schedule").inner_text()
    # hengan-compound-renovation and gaotun-help-workshop both stand on the 和瑞街道 point.
    assert "距离未知" in schedule and "0.0 km · 0 分" not in schedule
    warnings = page.locator(".trip-warnings").inner_text()
    assert "顺序、路程和时间都只是估计" in warnings
    assert "相距多远不知道" in warnings


def test_a_theme_with_no_located_place_is_a_reading_list(server, open_page, catalogue):
    trip = catalogue.trips.trips["energy-transition"]
    q = "trip=" + ",".join(s.site for s in trip.stops) + "&trip_theme=energy-transition"
    page, _ = open_page(server, "/trip?" + q, wait_ready=False)
    page.wait_for_selector(".itinerary")
    reading = page.locator("#trip-reading")
    assert "阅读清单，不是路线" in reading.inner_text()
    energy = [f for f in catalogue.features.values() if "energy-transition" in f.properties.themes]
    assert energy and all(f.geometry is None for f in energy)
    for f in energy:
        link = reading.locator(f'a[href="/sites/{f.id}"]')
        assert link.inner_text() == f.properties.name.zh


def test_language_switch_keeps_trip_edits(server, open_page):
    page, _ = open_page(server, "/?trip=yungang-grottoes,red-memorial-hall,pingquanlu-subdistrict")
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    page.wait_for_function("() => document.getElementById('planner').dataset.planState === 'ok'")
    page.evaluate("document.getElementById('planner-box').open = true")
    page.locator('#trip-list li[data-site-id="yungang-grottoes"] button.down').click()
    edited = "red-memorial-hall,yungang-grottoes,pingquanlu-subdistrict"
    page.wait_for_function("t => new URLSearchParams(location.search).get('trip') === t", arg=edited)
    page.locator("#lang-switch").click()
    page.wait_for_selector("body[data-state=ready]")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("new URLSearchParams(location.search).get('trip')") == edited


def test_planner_shows_unknown_distance_between_places_on_one_point(server, open_page, catalogue):
    trip = catalogue.trips.trips["ecology-livelihood"]
    page, _ = open_page(server, "/?trip=" + ",".join(s.site for s in trip.stops))
    page.wait_for_function("() => document.getElementById('planner').dataset.planState === 'ok'")
    schedule = page.locator("#trip-schedule").text_content()
    assert "距离未知" in schedule and "0.0 公里" not in schedule
