"""Cluster mode's quick paths (issue 17) give what the slow ones gave, in headless Chromium:
the list's top 200 are those a full sort of every site in view would put first, in every
order; showing and hiding a layer (which no longer re-clusters) keeps the numbers on the
map exact and clusters still zoom in when clicked; the filter counts match a count site
by site."""

from __future__ import annotations

import pytest
from support import DATA
from support.browser import LOCATED_VISIBLE, ON_MAP, settled, zoomed_in_from
from support.synthetic import add_synthetic_sites

pytestmark = pytest.mark.browser

N = 3000

# The list as the old code made it: every site in view, sorted with the collator and
# config.layers.indexOf, the first 200 kept.
FULL_SORT = """(lang) => {
  const collator = new Intl.Collator(lang === "zh" ? "zh-Hans-u-co-pinyin" : "en");
  const features = WebMap.state.features, name = (f) => WebMap.tr(f.properties.name);
  const ranked = features.map((f, i) => [name(f), i]).sort((x, y) => collator.compare(x[0], y[0]));
  const rank = new Map(ranked.map(([, i], r) => [features[i].id, r]));
  const layerAt = (f) => WebMap.config.layers.findIndex((l) => l.id === f.properties.layer);
  const {sort, distances, hits} = WebMap.state;
  const compare = (a, b) => {
    if (sort === "distance" && distances) {
      const da = distances.get(a.id), db = distances.get(b.id);
      return (da ? da.distance_m : Infinity) - (db ? db.distance_m : Infinity);
    }
    if (sort === "relevance" && hits) return hits.get(a.id).rank - hits.get(b.id).rank;
    if (sort === "relevance" && layerAt(a) !== layerAt(b)) return layerAt(a) - layerAt(b);
    return rank.get(a.id) - rank.get(b.id);
  };
  const bounds = WebMap.map.getBounds();
  const shown = WebMap.visibleFeatures();
  const inView = shown.filter((f) => f.geometry
    && bounds.contains(L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]))).sort(compare);
  const unlocated = shown.filter((f) => !f.geometry).sort(compare);
  return {list: inView.slice(0, 200).map((f) => f.id), unlocated: unlocated.slice(0, 200).map((f) => f.id)};
}"""
LISTED = """() => ({
  list: [...document.querySelectorAll('#site-list li')].map((li) => li.dataset.siteId),
  unlocated: [...document.querySelectorAll('#unlocated-list li')].map((li) => li.dataset.siteId),
})"""
# The filter counts as the old code made them: per value, the sites failing no facet but
# (perhaps) this one, asked site by site.
COUNTS_BY_SITE = """() => {
  const app = window.WebMapApp, F = app.filter.FACETS, out = {};
  for (const facet of F) {
    for (const [v] of facet.values()) {
      out["f-" + facet.id + "-" + v] = WebMap.state.features.filter((f) => !app.filter.outside(f)
        && F.every((g) => g.id === facet.id || !app.filter.fails(g, f)) && facet.has(f, v)).length;
    }
  }
  return out;
}"""
COUNTS_SHOWN = """() => Object.fromEntries([...document.querySelectorAll('#facets li')].map(
  (li) => [li.querySelector('input').id, Number(li.querySelector('.count').textContent)]))"""


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return add_synthetic_sites(DATA, tmp_path_factory.mktemp("interactions") / "data", N)


def _same_as_full_sort(page, lang):
    assert page.evaluate(LISTED) == page.evaluate(FULL_SORT, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_list_shows_the_first_200_a_full_sort_would_in_every_order(serve, open_page, big, lang):
    page, _ = open_page(serve(big), f"/?lang={lang}")
    assert page.locator("#site-list li").count() == 200
    _same_as_full_sort(page, lang)  # relevance without a search: layer, then name

    page.select_option("#sort", "name")
    _same_as_full_sort(page, lang)

    page.select_option("#sort", "distance")  # from the map centre: the server's distances
    page.wait_for_function("() => WebMap.state.distances !== null", timeout=20_000)
    _same_as_full_sort(page, lang)

    # A pan: the same sites, another part of them in view.
    page.evaluate("() => WebMap.map.panBy([300, 120], {animate: false})")
    page.wait_for_function("() => WebMap.state.distances !== null", timeout=20_000)
    settled(page)
    page.select_option("#sort", "name")
    _same_as_full_sort(page, lang)

    # A search: the server's ranking, then name order within the hits.
    page.locator("#search").fill("马军营")
    page.wait_for_function("() => WebMap.state.hits !== null", timeout=20_000)
    assert 0 < page.locator("#site-list li").count() < 200
    _same_as_full_sort(page, lang)
    page.select_option("#sort", "relevance")
    _same_as_full_sort(page, lang)


def test_showing_and_hiding_layers_in_cluster_mode_keeps_counts_exact_and_clusters_zoom(serve, open_page, big):
    page, _ = open_page(serve(big))
    page.locator("#filters summary").click()
    located = page.evaluate(LOCATED_VISIBLE)
    assert page.evaluate(ON_MAP) == located > N - 10

    page.locator("label[for=f-layer-communities]").click()
    page.locator("label[for=f-layer-heritage]").click()
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE) < located
    assert page.locator('.site-marker[data-layer="communities"], .site-marker[data-layer="heritage"]').count() == 0
    assert page.evaluate(COUNTS_SHOWN) == page.evaluate(COUNTS_BY_SITE)

    # Another filter while layers are hidden, then the layers back: still exact.
    page.locator("#f-status-open").check()
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE)
    assert page.evaluate(COUNTS_SHOWN) == page.evaluate(COUNTS_BY_SITE)
    page.locator("label[for=f-layer-heritage]").click()
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE)
    page.locator("#f-status-open").uncheck()
    page.locator("label[for=f-layer-communities]").click()
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE) == located
    assert page.evaluate(COUNTS_SHOWN) == page.evaluate(COUNTS_BY_SITE)

    # With a layer hidden, a cluster's click still zooms in (through its own index).
    page.locator("label[for=f-layer-parks]").click()
    zoom = page.evaluate("() => WebMap.map.getZoom()")
    page.locator(".site-cluster").first.click()
    zoomed_in_from(page, zoom)
    assert page.locator('.site-marker[data-layer="parks"]').count() == 0


def test_on_the_shipped_data_a_cluster_zooms_in_after_a_layer_was_hidden(serve, open_page):
    page, _ = open_page(serve(env={"WEBMAP_CLUSTER_AT": "1"}))
    page.locator("#filters summary").click()
    page.locator("label[for=f-layer-energy]").click()
    assert page.evaluate(ON_MAP) == page.evaluate(LOCATED_VISIBLE)
    zoom = page.evaluate("() => WebMap.map.getZoom()")
    page.locator(".site-cluster").first.click()
    zoomed_in_from(page, zoom)
