"""The map page's front-end plumbing as a user notices it, in headless Chromium: one action
writes the address bar once, a filter click tests each site once, the export links and the
planner use the map's URL parameters, and switching language keeps the selection."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from support.browser import address

pytestmark = pytest.mark.browser

COUNT_URL_WRITES = """() => {
  window.__urlWrites = 0;
  const original = history.replaceState.bind(history);
  history.replaceState = (...args) => { window.__urlWrites++; return original(...args); };
}"""


def _some_theme(catalogue) -> str:
    used = {t for f in catalogue.features.values() for t in f.properties.themes}
    return sorted(used)[0]


def test_a_list_click_writes_the_address_once(server, open_page, catalogue):
    page, _ = open_page(server)
    # Every part of the page in: a part that arrives later (the planner's "add to trip")
    # rebuilds an open popup, which may pan the map once more, and that move is written.
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    page.evaluate(COUNT_URL_WRITES)
    button = page.locator("#site-list li button").first
    site_id = button.get_attribute("data-site-id")
    button.click()
    page.wait_for_selector(".leaflet-popup-content .popup-title")
    page.wait_for_selector("body:not([data-map-moving])", state="attached")
    page.wait_for_function("() => window.__urlWrites > 0")
    assert address(page)["site"] == [site_id]
    assert page.evaluate("window.__urlWrites") == 1


def test_a_filter_click_tests_each_site_once_and_writes_once(server, open_page, catalogue):
    page, _ = open_page(server)
    theme = _some_theme(catalogue)
    page.locator("#filters summary").click()
    page.evaluate(COUNT_URL_WRITES)
    before = page.evaluate("WebMap.stats.filterRuns")
    page.locator(f"#f-theme-{theme}").check()
    page.wait_for_function("() => window.__urlWrites > 0")
    assert page.evaluate("WebMap.stats.filterRuns") - before == len(catalogue.features)
    assert page.evaluate("window.__urlWrites") == 1
    assert address(page)["theme"] == [theme]
    shown = page.evaluate("WebMap.visibleFeatures().map(f => f.id)")
    assert shown and all(theme in catalogue.features[i].properties.themes for i in shown)


def test_export_links_spell_theme_as_the_map_does_and_old_links_still_parse(server, open_page, catalogue):
    theme = _some_theme(catalogue)
    page, _ = open_page(server, f"/?themes={theme}")  # the spelling export links used to write
    assert page.locator(f"#f-theme-{theme}").is_checked()
    href = page.locator('#export-links a[data-format="csv"]').get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"theme": [theme]}
    page.wait_for_function("() => location.search.includes('theme=')")
    assert "themes" not in address(page) and address(page)["theme"] == [theme]


def test_planner_and_map_share_the_address(server, open_page, catalogue):
    theme = _some_theme(catalogue)
    page, _ = open_page(server, f"/?theme={theme}&trip=yungang-grottoes,red-memorial-hall&mode=walk")
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    assert page.locator("#trip-list li").count() == 2
    assert page.locator(f"#f-theme-{theme}").is_checked()
    assert page.locator("#trip-mode").input_value() == "walk"
    page.locator("#filters summary").click()
    page.locator("#f-school-1").check()  # a map filter keeps the trip in the address
    page.wait_for_function("() => location.search.includes('school=1')")
    q = address(page)
    assert q["trip"] == ["yungang-grottoes,red-memorial-hall"] and q["mode"] == ["walk"] and q["theme"] == [theme]
    page.locator("#trip-mode").select_option("car")  # a planner change keeps the filters
    page.wait_for_function("() => location.search.includes('mode=car')")
    q = address(page)
    assert q["theme"] == [theme] and q["school"] == ["1"] and q["trip"] == ["yungang-grottoes,red-memorial-hall"]


def test_switching_language_keeps_the_selection(server, open_page, catalogue):
    theme = _some_theme(catalogue)
    page, _ = open_page(server)
    page.locator("#filters summary").click()
    page.locator(f"#f-theme-{theme}").check()
    page.locator("#search").fill("云冈")
    page.wait_for_function("() => location.search.includes('q=')")
    page.locator("#lang-switch").click()
    page.wait_for_selector("html[lang=en] body[data-state=ready]")
    q = address(page)
    assert q["lang"] == ["en"] and q["theme"] == [theme] and q["q"] == ["云冈"]
    assert page.locator(f"#f-theme-{theme}").is_checked()
    assert page.locator("#search").input_value() == "云冈"


def test_clear_all_renders_once_and_shows_every_site(server, open_page, catalogue):
    theme = _some_theme(catalogue)
    layer = sorted({f.properties.layer for f in catalogue.features.values()})[0]
    page, _ = open_page(server, f"/?theme={theme}&layers={layer}&school=1")
    page.locator("#filters summary").click()
    page.evaluate(COUNT_URL_WRITES)
    before = page.evaluate("WebMap.stats.filterRuns")
    # One click shows the hidden layers again and clears three filters: one re-render.
    page.locator("#clear-filters").click()
    page.wait_for_function("() => window.__urlWrites > 0")
    assert page.evaluate("WebMap.stats.filterRuns") - before == len(catalogue.features)
    assert page.evaluate("window.__urlWrites") == 1
    q = address(page)
    assert "theme" not in q and "layers" not in q and "school" not in q
    assert page.evaluate("WebMap.visibleFeatures().length") == len(catalogue.features)
    assert page.locator("#facets input:checked").count() == page.evaluate("WebMap.config.layers.length")
