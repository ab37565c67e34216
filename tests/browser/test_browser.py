"""The real page in headless Chromium, as a visitor uses it. Every test here also
fails on a console error, a dialog, or a request that leaves the machine
(see ``open_page`` in conftest)."""

from __future__ import annotations

import pytest
from support import screenshot

pytestmark = pytest.mark.browser


def _visible_markers(page, layer: str | None = None) -> int:
    selector = ".leaflet-marker-pane .site-marker" + (f"[data-layer={layer}]" if layer else "")
    return page.locator(selector).count()


def test_every_located_site_is_a_marker_in_its_layer(server, open_page, catalogue):
    page, _ = open_page(server)
    counts = catalogue.layer_counts()
    for layer in catalogue.layer_ids:
        assert _visible_markers(page, layer) == counts[layer]["located"], layer
    ids = set(page.locator(".site-marker").evaluate_all("els => els.map(e => e.dataset.siteId)"))
    assert ids == {i for i, f in catalogue.features.items() if f.geometry}
    # The legend (the layer filter) counts every site of the layer, located or not.
    page.locator("#filters summary").click()
    for layer in catalogue.layer_ids:
        legend_count = page.locator(f"#legend li[data-layer={layer}] .count").inner_text()
        assert legend_count == str(counts[layer]["total"])


def test_toggling_a_layer_hides_exactly_its_markers(server, open_page, catalogue):
    page, _ = open_page(server)
    total = _visible_markers(page)
    layer = max(catalogue.layer_ids, key=lambda x: catalogue.layer_counts()[x]["located"])
    n = catalogue.layer_counts()[layer]["located"]
    name = next(x.name.zh for x in catalogue.layers if x.id == layer)

    page.locator(".leaflet-control-layers").hover()
    checkbox = page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")
    checkbox.uncheck()
    assert _visible_markers(page, layer) == 0
    assert _visible_markers(page) == total - n
    assert page.locator(f".uncertainty-{layer}").count() == 0  # its uncertainty circles go too
    # The layer filter in the sidebar follows the layer control, and drives it.
    page.locator("#filters summary").click()
    assert not page.locator(f"#f-layer-{layer}").is_checked()
    page.locator(".leaflet-control-layers").hover()
    checkbox.check()
    assert _visible_markers(page, layer) == n
    assert _visible_markers(page) == total
    page.locator(f"label[for=f-layer-{layer}]").click()
    assert _visible_markers(page, layer) == 0
    page.locator(".leaflet-control-layers").hover()
    assert not checkbox.is_checked()


def test_clicking_a_marker_opens_its_popup(server, open_page, catalogue):
    page, _ = open_page(server)
    site = catalogue.features["hengan-compound-renovation"]
    page.locator('.site-marker[data-site-id="hengan-compound-renovation"]').click()
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert popup.locator(".popup-title").inner_text() == site.properties.name.zh
    text = popup.inner_text()
    for fact in site.properties.facts:
        assert fact.label.zh in text and fact.value in text
    assert site.properties.article_section.zh in text
    assert "近似位置" in text  # an approximate place says so
    link = popup.locator(".more a")
    assert link.get_attribute("href") == "/sites/hengan-compound-renovation"


def test_exact_and_approximate_places_look_different(server, open_page, catalogue):
    page, _ = open_page(server)
    exact = page.locator('.site-marker[data-site-id="yungang-grottoes"]')
    approx = page.locator('.site-marker[data-site-id="red-memorial-hall"]')
    style = "el => { const s = getComputedStyle(el); return [s.borderTopStyle, s.backgroundColor]; }"
    colour = next(x.colour for x in catalogue.layers if x.id == "heritage")
    rgb = "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))
    assert exact.evaluate(style) == ["solid", rgb]  # solid disc in the layer colour
    assert approx.evaluate(style) == ["dashed", "rgb(255, 255, 255)"]  # hollow, dashed ring
    assert "approx" in (approx.get_attribute("class") or "")
    # One dashed uncertainty circle per layer and area (places may share one), none for exact ones.
    areas = {
        (f.properties.layer, f.geometry.coordinates, f.properties.location.uncertainty_m)
        for f in catalogue.features.values()
        if f.geometry and f.properties.location.approximate
    }
    assert page.locator("path.uncertainty").count() == len(areas)
    assert page.locator("path.uncertainty").first.get_attribute("stroke-dasharray") == "5 5"
    # The accessible name says it is approximate too.
    assert "近似位置" in approx.locator("xpath=..").get_attribute("aria-label")


def test_unlocated_sites_are_listed_as_to_be_confirmed(server, open_page, catalogue):
    page, _ = open_page(server)
    unlocated = {i for i, f in catalogue.features.items() if f.geometry is None}
    assert page.locator("#unlocated-count").inner_text() == str(len(unlocated))
    page.locator("#unlocated summary").click()
    items = page.locator("#unlocated-list li")
    assert set(items.evaluate_all("els => els.map(e => e.dataset.siteId)")) == unlocated
    assert items.first.is_visible()
    first = page.locator("#unlocated-list li button").first
    first.click()
    page.wait_for_url("**/sites/*")
    assert "位置待确认" in page.locator(".locator figcaption").inner_text()


def test_site_link_opens_the_popup(server, open_page):
    page, _ = open_page(server, "/?site=yungang-grottoes")
    assert page.locator(".leaflet-popup-content .popup-title").inner_text() == "云冈石窟"


def test_osm_tiles_are_the_only_outside_host(serve, open_page):
    server = serve(tiles="osm")
    tile_requests = []
    page, _ = open_page(server, allow_hosts=("tile.openstreetmap.org",), wait_ready=False)
    page.on("request", lambda r: "tile.openstreetmap.org" in r.url and tile_requests.append(r.url))
    page.wait_for_selector("body[data-state=ready]")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()


def test_map_without_tiles_still_shows_outline_and_markers(server, open_page):
    page, _ = open_page(server)
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator(".leaflet-overlay-pane path").count() >= 1  # the district outline
    assert _visible_markers(page) > 0


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_layout_fits_the_screen(server, open_page, width, height):
    page, _ = open_page(server, width=width, height=height)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, "the page scrolls sideways"
    # The whole district outline is in view at start.
    outline = page.locator(".leaflet-overlay-pane path").first.bounding_box()
    mapbox = page.locator(".folium-map").bounding_box()
    assert outline["x"] >= mapbox["x"] - 1 and outline["x"] + outline["width"] <= mapbox["x"] + mapbox["width"] + 1
    assert outline["y"] >= mapbox["y"] - 1
    screenshot(page, f"map-{width}x{height}")
    page.locator('.site-marker[data-site-id="gaotun-help-workshop"]').click()
    page.locator(".leaflet-popup-content .popup").wait_for()
    # Wait for the fade-in and the pan that brings the popup into view.
    page.wait_for_function("""() => {
        const p = document.querySelector('.leaflet-popup'), r = p.getBoundingClientRect();
        return getComputedStyle(p).opacity === '1' && r.top >= 0 && r.left >= 0 && r.right <= innerWidth;
    }""")
    popup = page.locator(".leaflet-popup").bounding_box()
    assert popup["width"] <= width
    screenshot(page, f"popup-{width}x{height}")


def test_a_script_that_subscribes_after_the_data_came_in_still_hears_ready(server, open_page, catalogue):
    # The page's data is preloaded, so it can arrive before a later <script> (the
    # planner) has run and subscribed: "ready" must reach late subscribers too.
    page, _ = open_page(server)
    got = page.evaluate(
        """() => new Promise((resolve) => {
             setTimeout(() => resolve("never called"), 5000);
             WebMap.on("ready", (features) => resolve(features.length));
           })"""
    )
    assert got == len(catalogue.features)
