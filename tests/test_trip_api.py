"""Trip planner over HTTP: planning, 400s naming the field, exports read back by
independent readers, and the itinerary page."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import gpxpy
import icalendar
import pytest

# The located heritage sites (the coal-mine memorial has no point: its sources disagree).
RED = ["gaotun-party-branch-site", "red-memorial-hall", "yungang-grottoes"]
QUERY = "trip=" + ",".join(RED) + "&from=pingquanlu-subdistrict&to=113.15,40.03&start=08:30&date=2026-06-01"


def _plan(client, **body):
    return client.post("/api/trips/plan", json={"stops": RED, **body})


def test_plan_returns_legs_schedule_totals_and_estimate_labels(client):
    r = _plan(client, start="pingquanlu-subdistrict", end={"lon": 113.15, "lat": 40.03}, start_time="08:30")
    assert r.status_code == 200
    plan = r.get_json()
    assert plan["order"] == RED and [s["id"] for s in plan["stops"]] == RED
    assert len(plan["legs"]) == len(RED) + 1  # start -> 3 stops -> end
    first_leg = plan["legs"][0]["minutes_estimate"]
    assert plan["stops"][0]["arrive"] == f"{8 + (30 + first_leg) // 60:02d}:{(30 + first_leg) % 60:02d}"
    # Totals are the sums of the (rounded) parts.
    assert abs(plan["totals"]["road_m_estimate"] - sum(leg["road_m_estimate"] for leg in plan["legs"])) <= len(
        plan["legs"]
    )
    assert plan["totals"]["total_minutes"] == plan["totals"]["travel_minutes_estimate"] + len(RED) * 60
    assert "估算" in plan["estimate"]["note"]["zh"] and "estimate" in plan["estimate"]["note"]["en"]
    # Default visit durations come from data/trips.json per layer (heritage).
    assert {s["visit_minutes"] for s in plan["stops"]} == {60}
    # Every approximate stop (and the approximate start anchor) is warned about.
    approx = [s["id"] for s in plan["stops"] if s["approximate"]]
    assert [w["stop"] for w in plan["warnings"] if w["code"] == "approximate_stop"] == approx
    assert any(w["code"] == "approximate_start" for w in plan["warnings"])
    # AMap links carry WGS-84 coordinates and say so.
    assert all("coordinate=wgs84" in leg["amap_url"] for leg in plan["legs"])
    assert plan["links"]["map"].startswith("/?trip=")


def test_best_order_saves_distance_against_the_given_order(client):
    zigzag = ["yungang-grottoes", "gaotun-party-branch-site", "gaotun-community", "red-memorial-hall"]
    given = client.post("/api/trips/plan", json={"stops": zigzag}).get_json()
    best = client.post("/api/trips/plan", json={"stops": zigzag, "optimise": True}).get_json()
    assert best["distance_saved_m"] > 0
    assert best["totals"]["road_m_estimate"] == pytest.approx(
        given["totals"]["road_m_estimate"] - best["distance_saved_m"], abs=2
    )
    assert sorted(best["order"]) == sorted(zigzag)
    assert best["query"].startswith("trip=" + ",".join(best["order"]))


def test_visit_minutes_override_and_zero(client):
    plan = _plan(client, visit_minutes={"yungang-grottoes": 0, "red-memorial-hall": 15}).get_json()
    by_id = {s["id"]: s for s in plan["stops"]}
    assert by_id["yungang-grottoes"]["visit_minutes"] == 0
    assert by_id["yungang-grottoes"]["arrive"] == by_id["yungang-grottoes"]["depart"]
    assert by_id["red-memorial-hall"]["visit_minutes"] == 15


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"stops": ["nope"]}, "stops.0", "no site"),
        ({"stops": ["yungang-grottoes", "shilihe-forest-park"]}, "stops.1", "no known location"),
        ({"stops": [f"s{i}" for i in range(26)]}, "stops", "at most 25"),
        ({"stops": []}, "stops", "at least 1"),
        ({"stops": ["yungang-grottoes", "yungang-grottoes"]}, "stops", "more than once"),
        ({"stops": ["yungang-grottoes"], "start_time": "8:30"}, "start_time", "HH:MM"),
        ({"stops": ["yungang-grottoes"], "start_time": "24:10"}, "start_time", "not a time"),
        ({"stops": ["yungang-grottoes"], "mode": "plane"}, "mode", "walk"),
        ({"stops": ["yungang-grottoes"], "date": "2026-02-30"}, "date", "date"),
        ({"stops": ["yungang-grottoes"], "date": "9999-12-31", "start_time": "23:59"}, "date", "between"),
        ({"stops": ["yungang-grottoes"], "start_time": 830}, "start_time", "string"),
        ({"stops": ["yungang-grottoes"], "end": {"lon": float("nan"), "lat": 40}}, "end.lon", "finite"),
        ({"stops": ["yungang-grottoes"], "start": "atlantis"}, "start", "no town or street"),
        ({"stops": ["yungang-grottoes"], "end": {"lon": 200, "lat": 40}}, "end.lon", "180"),
        (
            {"stops": ["yungang-grottoes"], "visit_minutes": {"yungang-grottoes": -1}},
            "visit_minutes.yungang-grottoes",
            "",
        ),
        (
            {"stops": ["yungang-grottoes"], "visit_minutes": {"red-memorial-hall": 10}},
            "visit_minutes.red-memorial-hall",
            "",
        ),
        ({"stops": ["yungang-grottoes"], "optimise": "maybe"}, "optimise", "boolean"),
        ({"stops": ["yungang-grottoes"], "colour": "red"}, "colour", "unknown field"),
        ({"stops": ["yungang-grottoes"], "theme": "nope"}, "theme", "no themed trip"),
        ({"stops": "yungang-grottoes"}, "stops", "list"),
    ],
)
def test_bad_plan_requests_are_400_naming_the_field(client, body, field, words):
    r = client.post("/api/trips/plan", json=body)
    assert r.status_code == 400, r.get_json()
    err = r.get_json()["error"]
    assert err["field"] == field
    assert words in err["message"]


@pytest.mark.parametrize("data", ["not json", "[1, 2]", "null", "{"])
def test_a_body_that_is_not_a_json_object_is_400(client, data):
    r = client.post("/api/trips/plan", data=data, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "body"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("trip=nope", "trip.0"),
        ("trip=yungang-grottoes&start=25:00", "start"),
        ("trip=yungang-grottoes&mode=bike", "mode"),
        ("trip=yungang-grottoes&visit=yungang-grottoes", "visit"),
        ("trip=yungang-grottoes&opt=yes", "opt"),
        ("trip=yungang-grottoes&colour=red", "colour"),
        ("trip=", "trip"),
        ("trip=yungang-grottoes&from=1,95", "from.lat"),
    ],
)
def test_bad_export_query_is_400_naming_the_parameter(client, query, field):
    r = client.get("/api/trips/export.gpx?" + query)
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == field


def test_unknown_export_format_is_404_json(client):
    r = client.get("/api/trips/export.pdf?" + QUERY)
    assert r.status_code == 404 and r.get_json()["error"]["allowed"] == ["csv", "gpx", "ics", "kml"]


def test_themed_trips_are_listed_with_names_and_a_link_query(client, catalogue):
    data = client.get("/api/trips").get_json()
    ids = [t["id"] for t in data["trips"]]
    assert ids == list(catalogue.trips.trips)
    red = data["trips"][0]
    assert red["stops"][0]["name"]["zh"] == catalogue.features[red["stops"][0]["site"]].properties.name.zh
    assert client.get("/api/trips/export.csv?" + red["query"]).status_code == 200
    assert {a["id"] for a in data["anchors"]} == set(catalogue.trips.anchors)
    assert set(data["modes"]) == {"walk", "coach", "car"}


# ---------------------------------------------------------------------------
# Exports, read back by independent readers


@pytest.fixture
def planned(client):
    plan = client.post(
        "/api/trips/plan",
        json={
            "stops": RED,
            "start": "pingquanlu-subdistrict",
            "end": {"lon": 113.15, "lat": 40.03},
            "start_time": "08:30",
            "date": "2026-06-01",
        },
    ).get_json()
    return plan


def _export(client, fmt):
    r = client.get(f"/api/trips/export.{fmt}?" + QUERY)
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    return r


def test_gpx_has_waypoints_and_a_route_in_order(client, planned, tmp_path, catalogue):
    r = _export(client, "gpx")
    gpx = gpxpy.parse(r.data.decode("utf-8"))
    names = [catalogue.features[i].properties.name.zh for i in RED]
    assert [w.name for w in gpx.waypoints] == ["平泉路街道", *names, "终点（地图选点）"]
    assert len(gpx.routes) == 1 and [p.name for p in gpx.routes[0].points][1:-1] == names
    lon, lat = catalogue.features["yungang-grottoes"].geometry.coordinates
    w = next(w for w in gpx.waypoints if w.name == "云冈石窟")
    assert (w.longitude, w.latitude) == pytest.approx((lon, lat))
    # GDAL reads it too.
    path = tmp_path / "trip.gpx"
    path.write_bytes(r.data)
    wpts = gpd.read_file(path, layer="waypoints", engine="pyogrio")
    assert list(wpts["name"])[1:-1] == names
    rp = gpd.read_file(path, layer="route_points", engine="pyogrio")
    assert len(rp) == len(RED) + 2


def test_kml_placemarks_and_line(client, tmp_path, catalogue):
    r = _export(client, "kml")
    path = tmp_path / "trip.kml"
    path.write_bytes(r.data)
    df = gpd.read_file(path, engine="pyogrio")
    points = df[df.geometry.geom_type == "Point"]
    lines = df[df.geometry.geom_type == "LineString"]
    assert list(points["Name"])[1:-1] == [catalogue.features[i].properties.name.zh for i in RED]
    assert len(lines) == 1 and len(lines.geometry.iloc[0].coords) == len(RED) + 2


def test_ics_has_one_event_per_stop_at_its_times(client, planned):
    r = _export(client, "ics")
    cal = icalendar.Calendar.from_ical(r.data)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(RED)
    tz = ZoneInfo("Asia/Shanghai")
    for ev, stop in zip(events, planned["stops"], strict=True):
        assert stop["name"]["zh"] in str(ev["SUMMARY"])
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        assert start == datetime.fromisoformat(stop["arrive_at"]).replace(tzinfo=tz)
        assert end == datetime.fromisoformat(stop["depart_at"]).replace(tzinfo=tz)
        assert start.utcoffset().total_seconds() == 8 * 3600
    assert len({str(ev["UID"]) for ev in events}) == len(events)
    # Lines are folded at 75 octets.
    assert all(len(line) <= 75 for line in r.data.split(b"\r\n"))


def test_csv_has_bom_and_every_place(client, planned):
    r = _export(client, "csv")
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert [row["role"] for row in rows] == ["start", *["stop"] * len(RED), "end"]
    assert [row["id"] for row in rows[1:-1]] == RED
    assert [row["arrive"] for row in rows[1:-1]] == [s["arrive"] for s in planned["stops"]]


def test_csv_neutralises_formulas():
    from webmap.formats import csv_cell as _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("云冈") == "云冈"


# ---------------------------------------------------------------------------
# The itinerary page


def test_itinerary_page_lists_every_stop_with_times_notes_and_a_qr_code(client, planned, catalogue):
    r = client.get("/trip?" + QUERY + "&trip_theme=red-heritage")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    trip = catalogue.trips.trips["red-heritage"]
    assert trip.title.zh in html
    for stop in planned["stops"]:
        assert stop["name"]["zh"] in html and stop["arrive"] in html
    for s in trip.stops:
        if s.site in RED:
            assert s.reason.zh in html
    assert "<svg" in html and "qr" in html
    assert "估算" in html


def test_itinerary_with_bad_query_is_a_400_page(client):
    r = client.get("/trip?trip=shilihe-forest-park&lang=en")
    assert r.status_code == 400 and "no location yet" in r.get_data(as_text=True)
    # The one stop at fault is named, not the whole list.
    r = client.get(f"/trip?trip={RED[0]},nope&lang=zh")
    assert r.status_code == 400 and "（trip=nope）" in html.unescape(r.get_data(as_text=True))


def test_the_itinerary_keeps_the_page_language_it_was_opened_in(client):
    """Opened from the English map (the planner adds lang=en), the itinerary is not a 400,
    and its way back to the map stays in English; without lang it goes back in Chinese."""
    query = client.get("/api/trips").get_json()["trips"][0]["query"]
    page = client.get(f"/trip?{query}&lang=en")
    assert page.status_code == 200
    back = re.search(r'<nav class="crumbs[^"]*"><a href="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert html.unescape(back) == f"/?{query}&lang=en"
    page = client.get(f"/trip?{query}").get_data(as_text=True)
    back = re.search(r'<nav class="crumbs[^"]*"><a href="([^"]+)"', page).group(1)
    assert html.unescape(back) == f"/?{query}"
    assert client.get(f"/api/trips/export.gpx?{query}&lang=en").status_code == 200


@pytest.mark.parametrize(
    ("bad", "zh", "en"),
    [
        ("from=nope", "链接里的起点（from=nope）", "start point (from=nope)"),
        ("to=999,999", "链接里的终点（to=999,999）", "end point (to=999,999)"),
        (f"visit={RED[0]}:9999", f"链接里的参观时长（visit={RED[0]}:9999）", f"visit times (visit={RED[0]}:9999)"),
        ("visit=nope:30", "链接里的参观时长（visit=nope:30）", "visit times (visit=nope:30)"),
        ("visit=garbage", "链接里的参观时长（visit=garbage）", "visit times (visit=garbage)"),
        ("trip_theme=nope", "链接里的主题行程（trip_theme=nope）不存在", "(trip_theme=nope) does not exist"),
        ("start=99:99", "链接里的出发时间（start=99:99）", "start time (start=99:99)"),
    ],
)
def test_itinerary_with_a_bad_trip_part_is_a_400_page_naming_it_in_the_page_language(client, bad, zh, en):
    """The printable itinerary opened from a bad link: a 400 page (never a 500, never a
    trip that silently lost its title) that names the link's parameter in the page's
    language, not a developer message."""
    key = bad.partition("=")[0]
    query = "&".join(p for p in QUERY.split("&") if p.partition("=")[0] != key) + "&" + bad
    for lang, words in (("zh", zh), ("en", en)):
        r = client.get(f"/trip?{query}&lang={lang}")
        page = html.unescape(r.get_data(as_text=True))
        assert r.status_code == 400, (bad, lang)
        assert words in page, (bad, lang, page[-800:])
        assert "Input should" not in page and "no town or street with id" not in page


def test_an_unknown_themed_trip_is_a_400_naming_it_in_the_api_too(client):
    r = client.get("/api/trips/export.gpx?" + QUERY + "&trip_theme=nope")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "trip_theme"
    r = client.post("/api/trips/plan", json={"stops": RED, "theme": "nope"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "theme"
