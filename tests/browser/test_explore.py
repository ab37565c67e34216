"""Exploring in the browser: filters, search, list, shareable links, nearby, languages,
basemaps, phones and accessibility. Each test fails on console errors, dialogs and
requests that leave the machine (see conftest)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import eviltransform
import pytest
from support import PROJECT_ROOT, screenshot

pytestmark = pytest.mark.browser

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _marker_ids(page) -> set[str]:
    return set(page.locator(".leaflet-marker-pane .site-marker").evaluate_all("els => els.map(e => e.dataset.siteId)"))


def _list_ids(page) -> list[str]:
    return page.locator("#site-list li").evaluate_all("els => els.map(e => e.dataset.siteId)")


def _wait_list(page, predicate_js: str) -> None:
    page.wait_for_function(
        "() => { const ids = [...document.querySelectorAll('#site-list li')].map(e => e.dataset.siteId);"
        f" return {predicate_js}; }}"
    )


def test_filters_change_markers_list_and_counts_together(server, open_page, catalogue):
    page, _ = open_page(server)
    red = {i for i, f in catalogue.features.items() if "red-heritage" in f.properties.themes}
    located_red = {i for i in red if catalogue.features[i].geometry}
    page.locator("#filters summary").click()
    theme_count = page.locator("#facets li[data-value=red-heritage] .count").inner_text()
    assert theme_count == str(len(red))

    page.locator("label[for=f-theme-red-heritage]").click()
    assert _marker_ids(page) == located_red
    assert set(_list_ids(page)) <= located_red and set(_list_ids(page))
    # Live counts: the layer counts now count only red-heritage sites.
    for layer in catalogue.layer_ids:
        n = sum(1 for i in red if catalogue.features[i].properties.layer == layer)
        assert page.locator(f"#legend li[data-layer={layer}] .count").inner_text() == str(n)
    assert page.locator("#filter-count").inner_text() == "1"

    # A second facet narrows further (AND); "clear all" restores everything.
    page.locator("label[for=f-school-1]").click()
    school = {i for i in located_red if (s := catalogue.features[i].properties.school_trip) and s.suitable}
    assert _marker_ids(page) == school
    page.locator("#clear-filters").click()
    assert _marker_ids(page) == {i for i, f in catalogue.features.items() if f.geometry}
    assert page.locator("#filter-count").is_hidden()


def test_search_by_initials_highlights_and_filters(server, open_page):
    page, _ = open_page(server)
    page.locator("#search").fill("ygsk")
    _wait_list(page, "ids.length === 1")
    assert _list_ids(page) == ["yungang-grottoes"]
    assert page.locator("#site-list li mark").inner_text() == "云冈石窟"
    assert _marker_ids(page) == {"yungang-grottoes"}

    page.locator("#search").fill("zzqqxx")
    page.wait_for_selector("#nothing-found:not([hidden])")
    assert "zzqqxx" in page.locator("#nothing-found").inner_text()
    assert _marker_ids(page) == set()

    page.locator("#search").fill("")
    _wait_list(page, "ids.length > 1")


def test_search_snippet_shows_where_a_fact_matched(server, open_page):
    page, _ = open_page(server)
    page.locator("#search").fill("1197")
    page.wait_for_function("() => document.querySelector('#site-list mark, #unlocated-list mark') !== null")
    assert page.locator("mark").first.inner_text() == "1197"


def test_a_copied_link_restores_the_same_screen(server, open_page, catalogue):
    page, _ = open_page(server)
    page.locator("#filters summary").click()
    page.locator("label[for=f-layer-communities]").click()  # hide a layer
    page.locator("label[for=f-status-historic]").click()
    page.locator("#search").fill("高屯")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '高屯'")
    page.locator('#site-list button[data-site-id="gaotun-party-branch-site"]').click()
    page.locator(".leaflet-popup .popup-title").wait_for()
    # Once the map has stopped moving (the popup pans it into view), the URL has its view.
    page.wait_for_function("""() => { const c = WebMap.map.getCenter();
        if (document.body.hasAttribute('data-map-moving')) return false;
        return new URLSearchParams(location.search).get('view') ===
               `${c.lat.toFixed(5)},${c.lng.toFixed(5)},${WebMap.map.getZoom()}`; }""")
    page.locator("#share-button").click()
    link = page.locator("#share-url").input_value()
    assert link == page.url
    qs = parse_qs(urlsplit(link).query)
    assert qs["q"] == ["高屯"] and qs["status"] == ["historic"] and qs["site"] == ["gaotun-party-branch-site"]
    # The QR code is of this very link.
    qr = page.locator("#share-qr")
    page.wait_for_function(
        "() => document.querySelector('#share-qr').complete && document.querySelector('#share-qr').naturalWidth > 0"
    )
    assert parse_qs(urlsplit(qr.get_attribute("src")).query)["url"] == [link]

    before = {
        "markers": _marker_ids(page),
        "list": _list_ids(page),
        "search": page.locator("#search").input_value(),
        "popup": page.locator(".leaflet-popup .popup-title").inner_text(),
    }
    fresh, _ = open_page(server, link[len(server.url) :])
    fresh.locator(".leaflet-popup .popup-title").wait_for()
    after = {
        "markers": _marker_ids(fresh),
        "list": _list_ids(fresh),
        "search": fresh.locator("#search").input_value(),
        "popup": fresh.locator(".leaflet-popup .popup-title").inner_text(),
    }
    # The view is exactly the one the link holds.
    lat, lon, zoom = (float(x) for x in qs["view"][0].split(","))
    centre = fresh.evaluate("[WebMap.map.getCenter().lat, WebMap.map.getCenter().lng, WebMap.map.getZoom()]")
    assert abs(centre[0] - lat) < 1e-5 and abs(centre[1] - lon) < 1e-5 and centre[2] == zoom
    assert after == before
    fresh.locator("#filters summary").click()
    assert not fresh.locator("#f-layer-communities").is_checked()
    assert fresh.locator("#f-status-historic").is_checked()


def test_language_switch(server, open_page, catalogue):
    page, _ = open_page(server)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#results-title").inner_text().startswith("当前视图")
    page.locator("#search").fill("yungang")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'yungang'")
    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=en**")
    page.wait_for_selector("body[data-state=ready]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "lang=en" in page.url and page.locator("#search").input_value() == "yungang"  # state kept
    assert page.locator("h1").inner_text() == "Yungang District Map"
    assert page.locator("#results-title").inner_text().endswith("in this view")
    page.locator('#site-list button[data-site-id="yungang-grottoes"]').click()
    assert page.locator(".leaflet-popup .popup-title").inner_text() == "Yungang Grottoes"
    assert page.locator(".leaflet-popup .more a").inner_text().startswith("Details")
    assert page.locator("#lang-switch").inner_text() == "中文"


def test_amap_shifts_overlays_by_the_gcj02_offset(server, open_page):
    page, _ = open_page(server, allow_hosts=tuple(f"webrd0{i}.is.autonavi.com" for i in range(1, 5)))
    marker_js = "WebMap.markers['yungang-grottoes'].getLatLng()"
    box_js = """() => { const r = document.querySelector('.site-marker[data-site-id="yungang-grottoes"]')
                       .getBoundingClientRect(); return [r.x, r.y]; }"""
    wgs = page.evaluate(marker_js)
    assert (wgs["lat"], wgs["lng"]) == (40.11, 113.1225)
    before_px = page.evaluate(box_js)

    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-base label", has_text="高德地图").locator("input").check()
    page.wait_for_function("() => new URLSearchParams(location.search).get('base') === 'amap'")
    shifted = page.evaluate(marker_js)
    lat, lon = eviltransform.wgs2gcj(40.11, 113.1225)
    assert abs(shifted["lat"] - lat) < 1e-6 and abs(shifted["lng"] - lon) < 1e-6
    # On screen it moves by that offset (~0.0072° east, ~0.0013° north) in pixels.
    expected = page.evaluate(f"""() => {{ const m = WebMap.map;
        const a = m.latLngToContainerPoint([40.11, 113.1225]), b = m.latLngToContainerPoint([{lat}, {lon}]);
        return [b.x - a.x, b.y - a.y]; }}""")
    after_px = page.evaluate(box_js)
    assert (
        abs((after_px[0] - before_px[0]) - expected[0]) < 1.5 and abs((after_px[1] - before_px[1]) - expected[1]) < 1.5
    )
    assert expected[0] > 3  # visibly east at this zoom
    assert "高德" in page.locator(".leaflet-control-attribution").inner_text()

    # Not shifted on the others.
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-base label", has_text="无底图").locator("input").check()
    back = page.evaluate(marker_js)
    assert (back["lat"], back["lng"]) == (40.11, 113.1225)


def test_keyboard_only_from_search_to_popup(server, open_page):
    page, _ = open_page(server)
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("gaotun")
    _wait_list(page, "ids[0] && ids[0].startsWith('gaotun')")
    page.keyboard.press("Enter")  # to the first result
    first = page.evaluate("document.activeElement.dataset.siteId")
    assert first and first.startswith("gaotun")
    page.keyboard.press("Enter")  # opens its popup, focus moves into it
    page.locator(".leaflet-popup .popup-title").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('popup-title')")
    assert page.evaluate("document.activeElement.closest('.popup').dataset.siteId") == first
    focus_ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring != "none"
    page.keyboard.press("Escape")  # closes it and returns to the list
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert page.evaluate("document.activeElement.dataset.siteId") == first


def test_near_this_site_lists_distances(server, open_page, catalogue):
    page, _ = open_page(server, "/?site=yungang-grottoes")
    page.locator("#radius").select_option("20000")
    page.locator(".leaflet-popup .near-this").click()
    page.wait_for_selector("#near-status:not([hidden])")
    assert page.locator("#sort").input_value() == "distance"
    items = page.locator("#site-list li")
    page.wait_for_function("() => document.querySelectorAll('#site-list li .distance').length > 1")
    texts = items.evaluate_all(
        "els => els.map(e => [e.dataset.siteId, (e.querySelector('.distance') || {}).textContent])"
    )
    assert texts[0][0] == "yungang-grottoes"
    kms = [float(re.search(r"\d+(\.\d+)?", t).group(0)) for _, t in texts]
    assert kms == sorted(kms)
    approx = [i for i, t in texts if "近似" in t]
    assert approx and all(catalogue.features[i].properties.location.approximate for i in approx)
    assert page.locator("#unlocated").is_hidden()  # unlocated sites are never "near"
    assert "near=site%3Ayungang-grottoes" in page.url or "near=site:yungang-grottoes" in page.url


def test_near_me_uses_the_browser_location_and_says_when_refused(server, open_page):
    page, _ = open_page(server, geolocation={"latitude": 40.0433, "longitude": 113.2112}, permissions=["geolocation"])
    page.locator("#near-me").click()
    page.wait_for_function("() => document.querySelectorAll('#site-list li .distance').length > 0")
    first = page.locator("#site-list li").first.get_attribute("data-site-id")
    assert first in {
        "gaotun-community",
        "gaotun-help-workshop",
        "taile-taiqing-parking",
        "hengan-compound-renovation",
        "hengan-citizen-green-park",
    }
    assert "near=" not in page.url  # your own location never goes into a link

    refused, _ = open_page(server, permissions=[])
    refused.locator("#near-me").click()
    refused.wait_for_selector("#near-status:not([hidden])")
    assert "没有提供您的位置" in refused.locator("#near-label").inner_text()


def test_district_at_a_glance(server, open_page, catalogue):
    page, _ = open_page(server)
    page.locator("#district summary").click()
    rows = page.locator("#district tbody tr")
    assert rows.count() == len(catalogue.district.figures)
    text = page.locator("#district").inner_text()
    for figure in catalogue.district.figures:
        assert figure.label.zh in text
        for v in (figure.value, figure.growth_pct):
            if v:
                assert v in text
    assert page.locator("#district svg rect.bar").count() == sum(1 for f in catalogue.district.figures if f.growth_pct)
    assert "来源" in text


def test_phone_layout_thumb_sized_and_no_sideways_scroll(server, open_page):
    page, _ = open_page(server, width=390, height=844, has_touch=True, is_mobile=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#sheet-toggle").click()
    assert page.locator("body").get_attribute("class").count("sheet-open") == 1
    page.locator("#filters summary").click()
    controls = (
        "button:not(:disabled), select, input:not([type=checkbox]), summary, .facet-list label,"
        " .leaflet-control-zoom a, .leaflet-control-layers-toggle, .site-marker-wrap"
    )
    small = page.evaluate(
        """(controls) => [...document.querySelectorAll(controls)]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
        .map(([n, r]) => `${n} ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        controls,
    )
    assert small == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone-sheet-open")


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/sites/yungang-grottoes", "/sites/"])
def test_no_serious_accessibility_violations(server, open_page, path):
    page, _ = open_page(server, path, wait_ready=path.startswith("/?") or path == "/", bypass_csp=True)
    if path in ("/", "/?lang=en"):
        page.locator("#filters summary").click()
        page.locator("#district summary").click()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], json.dumps(serious, ensure_ascii=False, indent=1)


def test_a_link_with_some_layers_shows_only_those(server, open_page, catalogue):
    # The first layer is the one Leaflet used to re-add while removing it.
    page, _ = open_page(server, "/?layers=communities,parks")
    assert {
        m.split(":")[0] for m in page.locator(".site-marker").evaluate_all("els => els.map(e => e.dataset.layer)")
    } == {"communities", "parks"}
    page.locator(".leaflet-control-layers").hover()
    checked = page.locator(".leaflet-control-layers-overlays input:checked").count()
    assert checked == 2
