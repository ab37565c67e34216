"""Cluster mode (issue 7) in headless Chromium: what a visitor sees when the catalogue
is large. Forced on the shipped data with WEBMAP_CLUSTER_AT=1, and reached naturally
with 3,000 synthetic sites."""

from __future__ import annotations

import pytest
from support import DATA, screenshot
from support.browser import LOCATED_VISIBLE, ON_MAP, settled, zoomed_in_from
from support.synthetic import add_synthetic_sites

from webmap.catalogue import load_catalogue

pytestmark = pytest.mark.browser


def test_clusters_count_every_located_site_exactly_once(serve, open_page, catalogue):
    server = serve(env={"WEBMAP_CLUSTER_AT": "1"})
    requests: list[str] = []
    page, _ = open_page(server, wait_ready=False)
    page.on("request", lambda r: requests.append(r.url))
    page.wait_for_selector("body[data-state=ready]")
    located = sum(c["located"] for c in catalogue.layer_counts().values())
    assert page.locator(".site-cluster").count() > 0, "the shipped places are close enough to cluster"
    assert page.evaluate(ON_MAP) == located
    assert page.evaluate("() => performance.getEntriesByName('webmap:first-markers').length") == 1

    # A filter re-clusters: what is drawn is exactly what passes it.
    page.locator("#filters summary").click()
    page.locator("label[for=f-layer-communities]").click()
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE) < located
    page.locator("label[for=f-layer-communities]").click()
    assert page.evaluate(ON_MAP) == located

    # Clicking a cluster zooms in to where it splits.
    zoom = page.evaluate("() => WebMap.map.getZoom()")
    page.locator(".site-cluster").first.click()
    zoomed_in_from(page, zoom)


def test_a_popup_in_cluster_mode_fetches_the_full_story(serve, open_page, catalogue):
    server = serve(env={"WEBMAP_CLUSTER_AT": "1"})
    page, _ = open_page(server)
    site = catalogue.features["hengan-compound-renovation"]
    page.locator('#site-list button[data-site-id="hengan-compound-renovation"]').click()
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert popup.locator(".popup-title").inner_text() == site.properties.name.zh
    assert site.properties.summary.zh in popup.inner_text()  # not in the compact data: fetched
    assert page.locator('.site-marker[data-site-id="hengan-compound-renovation"]').count() == 1


def test_a_large_catalogue_clusters_lists_200_and_says_how_many_more(serve, open_page, tmp_path):
    data = add_synthetic_sites(DATA, tmp_path / "big", 3000)
    server = serve(data)
    page, _ = open_page(server, width=390, height=844)
    assert page.locator(".site-cluster").count() > 0
    assert page.locator(".site-marker").count() < 100
    located = 3000 + sum(f.geometry is not None for f in load_catalogue(DATA).features.values())
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE) == located
    assert page.locator("#site-list li").count() == 200
    page.locator("#sheet-toggle").click()  # the phone's list sheet opens at its peek bar
    more = page.locator("#list-more")
    assert more.is_visible() and str(located) in more.inner_text()
    screenshot(page, "scale-3000-phone")

    # Search narrows both the list and the clusters, exactly.
    page.locator("#search").fill("马军营小学")
    page.wait_for_function("() => document.querySelectorAll('#site-list li').length < 200")
    settled(page)
    shown = page.evaluate(LOCATED_VISIBLE)
    assert 0 < shown < 3011
    assert page.evaluate(ON_MAP) == shown
