"""First paint (issue 17) in headless Chromium: the shipped map draws every located
marker from the sites in the page, asking the API for none of them; a catalogue past the
inline limit still loads them from the API."""

from __future__ import annotations

import pytest
from support import DATA
from support.synthetic import add_synthetic_sites

from webmap.web import pages

pytestmark = pytest.mark.browser

REQUESTED = "() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"
MARKED = "() => performance.getEntriesByName('webmap:first-markers').length"


def test_the_shipped_map_draws_every_located_marker_without_asking_for_sites(server, open_page, catalogue):
    page, _ = open_page(server)
    located = sum(f.geometry is not None for f in catalogue.features.values())
    assert page.locator(".leaflet-marker-pane .site-marker").count() == located
    assert page.evaluate(MARKED) == 1
    requested = page.evaluate(REQUESTED)
    assert not [u for u in requested if u in ("/api/sites", "/api/columns")], requested
    # What came after the first markers is there all the same: filters, list, planner.
    assert page.locator("#facets input[type=checkbox]").count() > 0
    assert page.locator("#site-list li").count() > 0
    assert page.evaluate("() => !!(window.WebMapApp.planner && window.WebMapApp.facets)")
    assert any(u.endswith("/planner.css") for u in requested)


def test_a_catalogue_past_the_inline_limit_loads_from_the_api(serve, open_page, tmp_path):
    data = add_synthetic_sites(DATA, tmp_path / "big", pages.INLINE_MAX_SITES + 1)
    server = serve(data)
    page, _ = open_page(server)
    assert page.locator(".site-cluster").count() > 0
    assert page.evaluate(MARKED) == 1
    assert "/api/columns" in page.evaluate(REQUESTED)


# Layout shifts since the page began, as the browser scores them (Cumulative Layout Shift).
SHIFTED = """() => new Promise((done) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => done(total), 300);
})"""


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)])
def test_nothing_on_the_map_page_jumps_while_it_loads(server, open_page, width, height):
    """The phone's list sheet is drawn at its peek bar from the first paint (it used to be
    drawn half open and then jump down when the scripts ran: CLS 0.16 in Lighthouse)."""
    page, _ = open_page(server, "/?lang=zh", width=width, height=height)
    assert page.evaluate(SHIFTED) < 0.05  # "good" is below 0.1
