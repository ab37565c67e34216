"""Links a visitor was sent: a link with parts the map cannot use is corrected, the address
rewritten without them, and ONE polite notice says what was left out, in the page's
language (zh default, en). The static copy (`webmap build`) opened from file:// shares
and finds nearby places with no server. A search highlight marks text in the page's
language only, and "places near here" is not narrowed by an old search.

Every test also fails on console errors, dialogs and outside requests (``open_page``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from support.browser import address
from test_visitor_axe import _violations

from webmap.cli import main

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
NOTICE = "#link-notice .link-notice"
# What the notice must never cover: the map's own controls and the phone's list sheet.
CONTROLS = ".leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-attribution, #sheet-toggle, .topbar"

WORDS = {
    "zh": {
        "site": "链接里的地点“nope”没有找到，已显示整个地图。",
        "layer": "图层“nope”",
        "view": "地图位置“91,181,99”",
        "start": "出发时间“99:99”不是有效时间，已改为 09:00",
        "close": "关闭",
    },
    "en": {
        "site": "The link's place “nope” was not found; showing the whole map.",
        "layer": "layer “nope”",
        "view": "map position “91,181,99”",
        "start": "start time “99:99” is not a time of day; using 09:00",
        "close": "Close",
    },
}


def _boxes(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "els => els.filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')"
        ".map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height,"
        " name: e.className || e.id}; })"
    )


def _overlap(a: dict, b: dict) -> bool:
    apart_x = a["x"] >= b["x"] + b["w"] or b["x"] >= a["x"] + a["w"]
    return not apart_x and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_link_parts_are_dropped_rewritten_and_said_once(server, open_page, catalogue, lang):
    words = WORDS[lang]
    path = f"/?lang={lang}&view=91,181,99&site=nope&layers=nope&trip=yungang-grottoes&start=99:99"
    page, _ = open_page(server, path, **PHONE)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    notice = page.locator(NOTICE)
    notice.wait_for()
    # One notice, in a polite live region, listing every problem in the page's language.
    assert page.locator("#link-notice").get_attribute("role") == "status"
    assert page.locator(".link-notice").count() == 1
    text = notice.inner_text()
    for key in ("site", "layer", "view", "start"):
        assert words[key] in text, (key, text)
    assert notice.locator("li").count() == 4
    # The map shows what it can: every layer, the whole district, the trip from 09:00.
    located = sum(1 for f in catalogue.features.values() if f.geometry)
    assert page.locator(".site-marker").count() == located
    q = address(page)
    assert "site" not in q and "layers" not in q and q["start"] == ["09:00"] and q["trip"] == ["yungang-grottoes"]
    lat, lon, zoom = map(float, q["view"][0].split(","))
    assert abs(lat) <= 90 and abs(lon) <= 180 and zoom < 99
    # The language switch carries the corrected address, not the bad one.
    switch = page.locator("#lang-switch").get_attribute("href")
    assert "nope" not in switch and "99:99" not in switch
    # On a phone the notice pushes the map down: it covers none of the map's controls.
    box = _boxes(page, NOTICE)[0]
    assert box["w"] <= 390
    for control in _boxes(page, CONTROLS):
        assert not _overlap(box, control), (box, control)
    assert _violations(page) == []
    # Dismissed, it is gone; opened again, the corrected link says nothing more.
    page.get_by_role("button", name=words["close"]).click()
    assert page.locator(".link-notice").count() == 0
    page.reload()
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    assert page.locator(".link-notice").count() == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_bad_place_reads_as_one_sentence_and_data_stays_text(server, open_page, lang):
    page, _ = open_page(server, f"/?lang={lang}&site=nope")
    notice = page.locator(NOTICE)
    notice.wait_for()
    assert notice.locator("p").inner_text() == WORDS[lang]["site"]
    assert notice.locator("li").count() == 0
    assert "site" not in address(page)
    # A hostile "place" is shown as the text it is.
    payload = '<img src=x onerror="alert(1)">'
    page.goto(f"{server.url}/?lang={lang}&site={payload}&theme=<b>x</b>")
    page.wait_for_selector("body[data-state=ready]")
    notice.wait_for()
    assert payload in notice.inner_text() and "<b>x</b>" in notice.inner_text()
    assert page.locator("#link-notice img, #link-notice b").count() == 0
    assert "theme" not in address(page)


def test_a_zoom_out_of_range_and_an_unknown_radius_are_corrected(server, open_page):
    page, _ = open_page(server, "/?lang=en&view=40.1,113.1,99&r=999999&sort=nope")
    items = page.locator(NOTICE).locator("li").all_inner_texts()
    assert len(items) == 3, items
    assert any("zoom level 99 is out of range" in x for x in items)
    assert any("distance “999999” is not one of the choices; using 10 km" in x for x in items)
    assert any("setting “nope”" in x for x in items)
    q = address(page)
    assert "r" not in q and "sort" not in q and float(q["view"][0].split(",")[2]) <= 19
    assert page.locator("#radius").input_value() == "10000"


def test_a_good_link_shows_no_notice(server, open_page):
    page, _ = open_page(server, "/?site=yungang-grottoes&view=40.1,113.1,13&layers=heritage&r=5000")
    page.wait_for_selector(".leaflet-popup-content")
    assert page.locator(".link-notice").count() == 0
    q = address(page)
    assert q["site"] == ["yungang-grottoes"] and q["layers"] == ["heritage"] and q["r"] == ["5000"]


@pytest.mark.parametrize(
    "query",
    ["view=91,181,99", "site=nope", "layers=nope", "view=abc", "view=1,2,3,4", "r=-5", "sort=%00", "site=__proto__"],
)
def test_the_map_page_route_never_fails_on_bad_parameters(client, query):
    resp = client.get("/?" + query)
    assert resp.status_code == 200
    resp = client.get("/?trip=nope&start=99:99&date=2026-13-45&" + query)
    assert resp.status_code == 200


# ---------------------------------------------------------------------------
# The static copy from file://: share and nearby with no server


@dataclass
class _Copy:
    url: str
    origin: str


@pytest.fixture(scope="module")
def copy_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("copy") / "site"
    result = CliRunner().invoke(main, ["build", str(out)], env={"WEBMAP_TILES": "none"})
    assert result.exit_code == 0, result.output
    return out


ORIGIN = "pingquanlu-subdistrict"  # four places within 10 km, more within 50 km


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_static_copy_shares_and_finds_nearby_places_from_file_urls(copy_dir, open_page, catalogue, device):
    size = PHONE if device == "phone" else {}
    # A link made on the server's map, with a search the copy cannot run: said, and dropped.
    page, _ = open_page(_Copy(url=copy_dir.as_uri(), origin="file://"), "/index.html?q=yungang", **size)
    assert page.url.startswith("file://")
    assert "这份地图副本不能搜索" in page.locator(NOTICE).inner_text()
    assert "q" not in address(page)
    page.get_by_role("button", name="关闭").click()
    # Share: the link, and no QR code (no server to draw it, no address a phone could open).
    page.locator("#share-button").click()
    assert page.locator("#share-url").input_value().startswith("file://")
    assert page.locator("#share-qr").is_hidden() and page.locator("#share-qr").get_attribute("src") is None
    page.locator("#share-button").click()
    if device == "phone":
        page.locator("#sheet-toggle").click()  # the share box had opened the sheet: close it
    # Nearby, from a popup: the places within 10 km with their distances, nearest first,
    # as the server's /api/nearby finds them.
    origin = catalogue.features[ORIGIN]
    page.locator(f'.site-marker[data-site-id="{ORIGIN}"]').click()
    page.locator(".leaflet-popup-content .near-this").click()
    page.locator("#near-status").wait_for()
    assert origin.properties.name.zh in page.locator("#near-label").inner_text()
    lon, lat = origin.geometry.coordinates
    server = catalogue.index.nearby(lon, lat, 10_000, exclude=ORIGIN)
    assert server, "the test needs places near its origin"
    ids = page.locator("#site-list li").evaluate_all("els => els.map(e => e.dataset.siteId)")
    assert ids == [ORIGIN, *[n.site_id for n in server]]
    texts = page.locator("#site-list .distance").all_inner_texts()
    assert len(texts) == len(ids) and "公里" in texts[1]
    for near, text in zip(server, texts[1:], strict=True):
        shown = float(re.search(r"\d+(?:\.\d+)?", text)[0])
        assert abs(shown - near.distance_m / 1000) <= 0.1 + near.distance_m / 100_000, (near, text)
    assert page.locator("#status.error").count() == 0
    # A wider radius finds more; distances from the map centre sort the list without a search.
    page.select_option("#radius", "50000")
    wider = catalogue.index.nearby(lon, lat, 50_000, exclude=ORIGIN)
    assert len(wider) > len(server)
    expect(page.locator("#site-list li")).to_have_count(1 + len(wider))
    page.locator("#near-clear").click()
    page.select_option("#sort", "distance")
    page.locator("#sort-note").wait_for()
    page.locator("#site-list .distance").first.wait_for()
    assert page.locator("#site-list .distance").count() == page.locator("#site-list li").count() > 0


# ---------------------------------------------------------------------------
# Search highlights in the page's language; "places near here" is not narrowed by a search

LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(("lang", "query", "marked"), [("zh", "pql", "平泉路"), ("en", "pingquan", "Pingquan")])
def test_a_search_highlights_text_in_the_page_language_only(server, open_page, lang, query, marked):
    page, _ = open_page(server, f"/?lang={lang}")
    page.fill("#search", "yungang")  # matches English names and summaries first
    page.wait_for_url("**q=yungang**")  # written once the hits are in and the list drawn
    marks = page.locator("#site-list mark").all_inner_texts()
    snippets = page.locator("#site-list .snippet").all_inner_texts()
    if lang == "zh":
        assert not [m for m in marks + snippets if LATIN.search(m)], (marks, snippets)
    else:
        assert "Yungang" in marks
    page.fill("#search", query)
    page.wait_for_url(f"**q={query}**")
    expect(page.locator("#site-list li")).to_have_count(1)
    assert page.locator("#site-list .site-name mark").inner_text() == marked


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_places_near_here_clears_the_search(server, open_page, catalogue, lang):
    page, _ = open_page(server, f"/?lang={lang}&q=pingquan")
    expect(page.locator("#site-list li")).to_have_count(1)
    page.locator("#site-list li button").click()
    page.locator(".leaflet-popup-content .near-this").click()
    page.locator("#near-status").wait_for()
    lon, lat = catalogue.features[ORIGIN].geometry.coordinates
    near = catalogue.index.nearby(lon, lat, 10_000, exclude=ORIGIN)
    expect(page.locator("#site-list li")).to_have_count(1 + len(near))
    assert page.locator("#search").input_value() == ""
    assert "q" not in address(page)


# ---------------------------------------------------------------------------
# The trip's part of a link: said in the same one notice, corrected in the address

TRIP_WORDS = {
    "zh": {
        "stop": "链接里的行程站点“nope”没有找到，已略去。",
        "visit": "参观时长 9999 分钟超出范围，已改为 600 分钟。",
        "theme": "链接里的主题行程“nope”不存在，已略去。",
        "site": "链接里的地点“nope”没有找到",
    },
    "en": {
        "stop": "The link's trip stop “nope” was not found and was left out.",
        "visit": "9999 minutes, is out of range; using 600 minutes.",
        "theme": "The link's themed trip “nope” does not exist and was left out.",
        "site": "The link's place “nope” was not found",
    },
}
BAD_TRIP = "trip=yungang-grottoes,nope,red-memorial-hall&visit=yungang-grottoes:9999&trip_theme=nope"


def _trip_shown(page) -> tuple[list[str], str]:
    """The stops the planner lists, and the first stop's visit minutes, once planned."""
    page.wait_for_selector("#planner[data-plan-state=ok]", state="attached")
    stops = page.locator("#trip-list li[data-site-id]").evaluate_all("els => els.map(e => e.dataset.siteId)")
    return stops, page.locator("#trip-list li input.visit").first.input_value()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_trip_link_is_corrected_said_once_and_kept_by_the_language_switch(server, open_page, lang):
    words, other = TRIP_WORDS[lang], "en" if lang == "zh" else "zh"
    page, _ = open_page(server, f"/?lang={lang}&site=nope&{BAD_TRIP}", **PHONE)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    notice = page.locator(NOTICE)
    expect(notice.locator("li")).to_have_count(4)
    # One notice for the map's problem and the planner's, each named in the page's language.
    assert page.locator(".link-notice").count() == 1
    assert page.locator("#trip-notice").count() == 0  # the planner has no notice of its own
    text = notice.inner_text()
    for key in ("site", "stop", "visit", "theme"):
        assert words[key] in text, (key, text)
    # The planner shows the corrected trip: the unknown stop gone, the visit brought into range.
    assert _trip_shown(page) == (["yungang-grottoes", "red-memorial-hall"], "600")
    q = address(page)
    assert q["trip"] == ["yungang-grottoes,red-memorial-hall"] and q["visit"] == ["yungang-grottoes:600"]
    assert "trip_theme" not in q and "site" not in q
    # The share box gives the corrected link.
    page.locator("#share-button").click()
    shared = parse_qs(urlsplit(page.locator("#share-url").input_value()).query)
    assert shared["trip"] == q["trip"] and shared["visit"] == q["visit"] and "trip_theme" not in shared
    page.locator("#share-button").click()
    # The language switch carries the corrected trip, and the other language restores it silently.
    switch = page.locator("#lang-switch")
    assert "nope" not in switch.get_attribute("href") and "9999" not in switch.get_attribute("href")
    switch.click()
    page.wait_for_url(re.compile(f"lang={other}"))
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    assert _trip_shown(page) == (["yungang-grottoes", "red-memorial-hall"], "600")
    assert page.locator(".link-notice").count() == 0
    q = address(page)
    assert q["trip"] == ["yungang-grottoes,red-memorial-hall"] and q["visit"] == ["yungang-grottoes:600"]


def test_stops_from_to_and_visits_the_planner_cannot_use_are_each_said(server, open_page, catalogue):
    unlocated = next(f for f in catalogue.features.values() if f.geometry is None)
    path = (
        f"/?lang=en&trip=yungang-grottoes,{unlocated.id},yungang-grottoes,red-memorial-hall"
        "&from=nowhere&to=999,999&visit=red-memorial-hall:abc,other:5"
    )
    page, _ = open_page(server, path)
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    items = page.locator(NOTICE).locator("li").all_inner_texts()
    assert len(items) == 5, items
    name = unlocated.properties.name.en[:30]  # a long name is cut to 40 characters
    assert any(name in x and "has no location yet" in x for x in items), items
    assert any("stop “Yungang Grottoes” more than once" in x for x in items), items
    assert any("start point “nowhere”" in x and "starting at the first stop" in x for x in items), items
    assert any("end point “999,999”" in x and "ending at the last stop" in x for x in items), items
    assert any("visit time “red-memorial-hall:abc, other:5” was not understood" in x for x in items), items
    stops, _ = _trip_shown(page)
    assert stops == ["yungang-grottoes", "red-memorial-hall"]
    q = address(page)
    assert q["trip"] == ["yungang-grottoes,red-memorial-hall"]
    assert "from" not in q and "to" not in q and "visit" not in q
    assert page.locator("#trip-from").input_value() == "" and page.locator("#trip-to").input_value() == ""


def test_after_close_a_later_trip_problem_opens_no_second_notice(server, open_page):
    """The planner's problems come once /api/trips is in; a visitor who closed the map's
    notice before then is not shown a second one (docs/frontend.md), and the address is
    corrected all the same."""
    page, _ = open_page(server, "/?lang=en")
    held = []
    page.route("**/api/trips", lambda r: held.append(r))
    page.goto(f"{server.url}/?lang=en&site=nope&{BAD_TRIP}")
    notice = page.locator(NOTICE)
    notice.wait_for()
    assert TRIP_WORDS["en"]["site"] in notice.inner_text()
    page.get_by_role("button", name="Close").click()
    expect(page.locator(".link-notice")).to_have_count(0)
    while not held:  # the request for the themed trips, held until the notice was closed
        page.wait_for_timeout(50)
    held[0].continue_()
    page.wait_for_selector("#planner[data-ready=true]", state="attached")
    assert _trip_shown(page)[0] == ["yungang-grottoes", "red-memorial-hall"]
    assert page.locator(".link-notice").count() == 0
    assert "trip_theme" not in address(page) and "nope" not in page.url
