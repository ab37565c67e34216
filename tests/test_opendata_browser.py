"""The panel's export links and embed snippet, and embed mode, in headless Chromium."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import screenshot

pytestmark = pytest.mark.browser


def _toggle(page, catalogue, layer_id: str, on: bool) -> None:
    name = next(x.name.zh for x in catalogue.layers if x.id == layer_id)
    page.locator(".leaflet-control-layers").hover()
    box = page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")
    box.check() if on else box.uncheck()


def test_export_links_follow_the_layer_control(server, open_page, catalogue):
    page, _ = open_page(server)
    csv_link = page.locator('#export-links a[data-format="csv"]')
    assert csv_link.get_attribute("href") == "/api/export.csv"  # all layers on: everything
    page.locator("#export-box summary").click()
    assert "全部图层" in page.locator("#export-selection").inner_text()

    for lid in catalogue.layer_ids:
        if lid not in ("heritage", "communities"):
            _toggle(page, catalogue, lid, False)
    assert csv_link.get_attribute("href") == "/api/export.csv?layers=heritage,communities"
    assert (
        page.locator('#export-links a[data-format="gpx"]')
        .get_attribute("href")
        .endswith("?layers=heritage,communities")
    )

    # The link downloads exactly those layers' sites, under a name that says so.
    with page.expect_download() as info:
        csv_link.click()
    download = info.value
    assert download.suggested_filename.startswith("云冈区地点-heritage-communities-")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert [r["id"] for r in rows] == [
        i for i, f in catalogue.features.items() if f.properties.layer in ("heritage", "communities")
    ]

    _toggle(page, catalogue, "heritage", False)
    _toggle(page, catalogue, "communities", False)
    assert csv_link.get_attribute("aria-disabled") == "true"
    assert "没有打开的图层" in page.locator("#export-selection").inner_text()


def test_embed_snippet_carries_the_layers_and_embed_mode(server, open_page, catalogue):
    page, _ = open_page(server)
    page.locator("#embed-box summary").click()
    code = page.locator("#embed-code")
    assert code.input_value().startswith(f'<iframe src="{server.url}/?embed=1"')
    _toggle(page, catalogue, "parks", False)
    snippet = code.input_value()
    src = snippet.split('src="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(src).query)
    assert query["embed"] == ["1"]
    assert query["layers"] == [",".join(x for x in catalogue.layer_ids if x != "parks")]
    assert "WEBMAP_FRAME_ANCESTORS" in page.locator("#embed-box").inner_text()
    page.locator("#embed-copy").click()
    assert page.locator("#embed-copied").inner_text() != ""  # set synchronously by the click
    assert page.evaluate("document.activeElement.id") == "embed-code"
    assert page.evaluate("document.activeElement.selectionEnd") == len(page.locator("#embed-code").input_value())


def test_embed_mode_has_no_top_bar_and_keeps_the_url_filters(server, open_page, catalogue):
    page, _ = open_page(server, "/?embed=1&layers=heritage", width=640, height=420)
    assert page.locator(".topbar").is_hidden()
    assert page.locator("#embed-box").is_hidden()
    assert page.locator(".panel").bounding_box()["width"] <= 240
    located = {i for i in catalogue.site_ids("heritage") if catalogue.features[i].geometry}
    ids = set(page.locator(".site-marker").evaluate_all("els => els.map(e => e.dataset.siteId)"))
    assert ids == located
    assert page.locator('#export-links a[data-format="kml"]').get_attribute("href") == "/api/export.kml?layers=heritage"
    assert page.locator("#embed-full-map").get_attribute("href") == f"{server.url}/?layers=heritage"
    screenshot(page, "embed-640x420")


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_panel_with_export_and_embed_fits(server, open_page, width, height):
    page, _ = open_page(server, width=width, height=height)
    page.locator("#export-box summary").click()
    panel = page.locator(".panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#export-box").scroll_into_view_if_needed()
    assert page.locator('#export-links a[data-format="csv"]').is_visible()
    screenshot(page, f"export-panel-{width}x{height}")
    page.locator("#export-box summary").click()
    page.locator("#embed-box summary").click()
    page.locator("#embed-code").scroll_into_view_if_needed()
    assert page.locator("#embed-code").is_visible()
    screenshot(page, f"embed-panel-{width}x{height}")
