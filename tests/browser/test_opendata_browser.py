"""The panel's export links and embed snippet, and embed mode, in headless Chromium."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from support import screenshot

pytestmark = pytest.mark.browser


def _toggle(page, catalogue, layer_id: str, on: bool) -> None:
    name = next(x.name.zh for x in catalogue.layers if x.id == layer_id)
    page.locator(".leaflet-control-layers").hover()
    box = page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")
    box.check() if on else box.uncheck()


def test_export_links_follow_the_selection(server, open_page, catalogue):
    page, _ = open_page(server)
    csv_link = page.locator('#export-links a[data-format="csv"]')
    assert csv_link.get_attribute("href") == "/api/export.csv"  # nothing selected: everything
    page.locator("#export-box summary").click()
    assert page.locator("#export-selection").inner_text() == f"全部 {len(catalogue.features)} 处地点。"

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

    # Search narrows the export too: it holds what the list shows.
    page.locator("#search").fill("高屯")
    page.wait_for_function("() => document.querySelector('#export-links a[data-format=csv]').href.includes('q=')")
    with page.expect_download() as info:
        csv_link.click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
    listed = page.evaluate("WebMap.visibleFeatures().map(f => f.id)")
    assert sorted(r["id"] for r in rows) == sorted(listed) and rows

    _toggle(page, catalogue, "heritage", False)
    _toggle(page, catalogue, "communities", False)
    assert csv_link.get_attribute("aria-disabled") == "true"
    assert "没有符合条件" in page.locator("#export-selection").inner_text()


def test_embed_snippet_carries_the_view_and_embed_mode(server, open_page, catalogue):
    page, _ = open_page(server)
    page.locator("#embed-box summary").click()
    code = page.locator("#embed-code")
    assert code.input_value().startswith(f'<iframe src="{server.url}/?')
    _toggle(page, catalogue, "parks", False)
    snippet = code.input_value()
    src = snippet.split('src="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(src).query)
    assert query["embed"] == ["1"]
    assert query["layers"] == [",".join(x for x in catalogue.layer_ids if x != "parks")]
    hint = page.locator("#embed-box").inner_text()  # in words for a resident, not a setting name
    assert "管理方" in hint and "WEBMAP_FRAME_ANCESTORS" not in hint
    page.locator("#embed-copy").click()
    assert page.locator("#embed-copied").inner_text() != ""  # set synchronously by the click
    assert page.evaluate("document.activeElement.id") == "embed-code"
    assert page.evaluate("document.activeElement.selectionEnd") == len(page.locator("#embed-code").input_value())


def test_embed_mode_has_no_top_bar_and_keeps_the_url_filters(server, open_page, catalogue):
    page, _ = open_page(server, "/?embed=1&layers=heritage", width=800, height=480)
    assert page.locator(".topbar").is_hidden()
    assert page.locator("#embed-box").is_hidden()
    assert page.locator(".sidebar").bounding_box()["width"] <= 270
    located = {i for i in catalogue.site_ids("heritage") if catalogue.features[i].geometry}
    ids = set(page.locator(".site-marker").evaluate_all("els => els.map(e => e.dataset.siteId)"))
    assert ids == located
    assert page.locator('#export-links a[data-format="kml"]').get_attribute("href") == "/api/export.kml?layers=heritage"
    full = parse_qs(urlsplit(page.locator("#embed-full-map").get_attribute("href")).query)
    assert full["layers"] == ["heritage"] and "embed" not in full
    screenshot(page, "embed-800x480")


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_sidebar_with_export_and_embed_fits(server, open_page, width, height):
    page, _ = open_page(server, width=width, height=height)
    if width < 700:
        page.locator("#sheet-toggle").click()
    page.locator("#export-box summary").click()
    box = page.locator(".sidebar").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#export-box").scroll_into_view_if_needed()
    assert page.locator('#export-links a[data-format="csv"]').is_visible()
    screenshot(page, f"export-panel-{width}x{height}")
    page.locator("#export-box summary").click()
    page.locator("#embed-box summary").click()
    page.locator("#embed-code").scroll_into_view_if_needed()
    assert page.locator("#embed-code").is_visible()
    screenshot(page, f"embed-panel-{width}x{height}")
