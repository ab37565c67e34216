"""Hostile text in the data and in trips.json stays literal in the planner panel, the
itinerary page and every export, and never runs."""

from __future__ import annotations

import csv
import io

import gpxpy
import icalendar
import pytest
from support import edit_json

from webmap.settings import load_settings
from webmap.web.app import create_app

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


STOPS = ["yungang-grottoes", "red-memorial-hall"]


def _poison_trips(data_dir):
    def trips(doc):
        for a in doc["anchors"]:
            _poison(a["name"])
            a["source"] += PAYLOAD
        for t in doc["trips"]:
            _poison(t["title"])
            _poison(t["description"])
            for s in t["stops"]:
                _poison(s["reason"])

    edit_json(data_dir / "trips.json", trips)


@pytest.fixture
def poisoned(data_copy):
    _poison_dataset(data_copy)
    _poison_trips(data_copy)
    # A CSV-injection name too.
    edit_json(
        data_copy / "sites.geojson",
        lambda d: next(f for f in d["features"] if f["id"] == "yungang-grottoes")["properties"]["name"].update(
            zh='=HYPERLINK("http://x")' + PAYLOAD
        ),
    )
    return data_copy


@pytest.fixture
def hostile_client(poisoned, tmp_path):
    app = create_app(load_settings(data_dir=poisoned, tiles="none", cache_dir=tmp_path / "cache"))
    return app.test_client()


def _q(extra=""):
    return "trip=" + ",".join(STOPS) + "&trip_theme=red-heritage&from=gaoshan-town&date=2026-06-01" + extra


def test_itinerary_page_escapes_everything(hostile_client):
    html = hostile_client.get("/trip?" + _q()).get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html and 'href="javascript' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{7*7}}" in html  # data is never evaluated as a template


def test_exports_keep_hostile_text_as_text(hostile_client, tmp_path):
    gpx = gpxpy.parse(hostile_client.get("/api/trips/export.gpx?" + _q()).data.decode("utf-8"))
    assert any(PAYLOAD in (w.name or "") for w in gpx.waypoints)
    ics = hostile_client.get("/api/trips/export.ics?" + _q()).data
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == len(STOPS) and PAYLOAD in str(events[0]["SUMMARY"])
    kml = hostile_client.get("/api/trips/export.kml?" + _q())
    path = tmp_path / "t.kml"
    path.write_bytes(kml.data)
    import geopandas as gpd

    assert any(PAYLOAD in n for n in gpd.read_file(path, engine="pyogrio")["Name"])
    rows = list(csv.reader(io.StringIO(hostile_client.get("/api/trips/export.csv?" + _q()).data.decode("utf-8-sig"))))
    cell = next(r[3] for r in rows if r[2] == "yungang-grottoes")
    assert cell.startswith("'=HYPERLINK")


@pytest.mark.browser
def test_planner_panel_shows_hostile_text_literally(poisoned, serve, open_page):
    server = serve(poisoned)
    page, watch = open_page(server, "/?" + _q())
    page.wait_for_selector("#planner[data-plan-state=ok]", state="attached")
    panel = page.locator("#planner")
    assert PAYLOAD in page.locator("#trip-list").inner_text()
    assert PAYLOAD in page.locator("#trip-schedule").inner_text()
    page.locator("#trip-themes-box > summary").click()
    assert PAYLOAD in page.locator("#trip-themes").inner_text()
    assert PAYLOAD in page.locator("#trip-from option:checked").inner_text()
    assert PAYLOAD in page.locator("#trip-theme-text").inner_text()
    assert panel.locator("img, script, a[href^=javascript]").count() == 0
    # The popup's add button sits next to hostile text without running it.
    page.locator('.site-marker[data-site-id="red-memorial-hall"]').click()
    page.locator('.leaflet-popup-content button[data-trip-add="red-memorial-hall"]').wait_for()
    page.locator("#trip-itinerary-link").click()
    page.wait_for_selector(".itinerary")
    assert page.locator("main img[src=x], main script, main a[href^=javascript]").count() == 0
    assert watch.dialogs == []
