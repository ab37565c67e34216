"""Hostile text in every data field shows literally and never runs, in the browser."""

from __future__ import annotations

import pytest
from conftest import edit_json

pytestmark = pytest.mark.browser

PAYLOAD = (
    "<img src=x onerror=alert(1)>\"'`${alert(2)}`</script><script>alert(3)</script>"
    '{{7*7}}<a href="javascript:alert(4)">x</a>'
)


def _poison(text: dict) -> None:
    for lang in ("zh", "en"):
        text[lang] = f"{text[lang]} {PAYLOAD}"


def _poison_dataset(data_dir):
    def sites(doc):
        for f in doc["features"]:
            p = f["properties"]
            for key in ("name", "summary", "details", "article_section"):
                _poison(p[key])
            for fact in p.get("facts", []):
                _poison(fact["label"])
                fact["value"] = f"{fact['value']} {PAYLOAD}"
            for photo in p.get("photos", []):
                _poison(photo["caption"])
                _poison(photo["credit"])
            if p["location"].get("note"):
                _poison(p["location"]["note"])
            p["location"]["source"] += " " + PAYLOAD

    def layers(doc):
        for layer in doc["layers"]:
            _poison(layer["name"])
            layer["icon"] = "<"

    def themes(doc):
        for theme in doc["themes"]:
            _poison(theme["name"])

    edit_json(data_dir / "sites.geojson", sites)
    edit_json(data_dir / "layers.json", layers)
    edit_json(data_dir / "themes.json", themes)


@pytest.fixture
def hostile(data_copy, serve):
    _poison_dataset(data_copy)
    return serve(data_copy)


def test_map_page_shows_hostile_text_literally(hostile, open_page, catalogue):
    page, watch = open_page(hostile)
    # Popups: title and every fact and caption are plain text.
    site_id = "gaotun-party-branch-site"
    page.locator(f'.site-marker[data-site-id="{site_id}"]').click()
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    name = catalogue.features[site_id].properties.name.zh
    assert popup.locator(".popup-title").inner_text() == f"{name} {PAYLOAD}"
    assert popup.locator("img").count() == 0 and popup.locator("script").count() == 0
    assert popup.locator("a[href^=javascript]").count() == 0
    assert PAYLOAD in popup.locator(".facts dd").first.inner_text()
    assert PAYLOAD in popup.locator(".photo figcaption").first.inner_text()
    # Legend (the layer filter), the list, the layer control and the "to be confirmed" list.
    page.locator("#filters summary").click()
    assert PAYLOAD in page.locator("#legend li").first.inner_text()
    assert PAYLOAD in page.locator("#facets fieldset[data-facet=theme] li").first.inner_text()
    assert PAYLOAD in page.locator("#site-list li").first.inner_text()
    page.locator(".leaflet-control-layers").hover()
    label = page.locator(".leaflet-control-layers-overlays label").first
    assert PAYLOAD in label.inner_text() and label.locator("img, script").count() == 0
    page.locator("#unlocated summary").click()
    assert PAYLOAD in page.locator("#unlocated-list li").first.inner_text()
    # Marker accessible names are attributes, not markup.
    assert PAYLOAD in page.locator(".site-marker-wrap").first.get_attribute("aria-label")
    assert page.locator("img[src=x], a[href^=javascript]").count() == 0
    # Searching for the payload highlights it as text.
    page.locator("#search").fill("<script>alert(3)")
    page.wait_for_function("document.querySelector('#site-list mark') !== null")
    assert page.locator("#site-list mark").first.inner_text() == "<script>alert(3)"
    assert page.locator("#site-list script, #site-list img").count() == 0
    assert watch.dialogs == []


def test_site_pages_show_hostile_text_literally(hostile, open_page, catalogue):
    for site_id in ("gaotun-party-branch-site", "shilihe-forest-park"):
        page, watch = open_page(hostile, f"/sites/{site_id}", wait_ready=False)
        name = catalogue.features[site_id].properties.name.zh
        assert page.locator("h1").inner_text() == f"{name} {PAYLOAD}"
        assert page.locator("main img[src=x], main script, main a[href^=javascript]").count() == 0
        assert PAYLOAD in page.locator("main").inner_text()
        assert page.title().startswith(f"{name} {PAYLOAD}")
    page, _ = open_page(hostile, "/sites/", wait_ready=False)
    assert PAYLOAD in page.locator("main").inner_text()
