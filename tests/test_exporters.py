"""Exports of a selection, read back by independent readers: the csv module (and the BOM
Excel needs), json, GDAL/OGR through pyogrio for KML and GPX, and gpxpy."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import gpxpy
import pyogrio
import pytest

SELECTIONS = [
    ("", None),
    ("?layer=heritage", ["heritage"]),
    ("?layer=heritage&layer=communities", ["heritage", "communities"]),
    ("?layers=communities,heritage", ["heritage", "communities"]),
]


def _expected(catalogue, layers):
    return [i for i, f in catalogue.features.items() if layers is None or f.properties.layer in layers]


def _get(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


@pytest.mark.parametrize("query,layers", SELECTIONS)
def test_geojson_export_is_the_selected_features(client, catalogue, query, layers):
    resp = _get(client, "/api/export.geojson" + query)
    assert resp.mimetype == "application/geo+json"
    fc = json.loads(resp.data)
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == _expected(catalogue, layers)
    assert fc["features"][0] == catalogue.feature_geojson(fc["features"][0]["id"])  # lossless


@pytest.mark.parametrize("query,layers", SELECTIONS)
def test_csv_export_opens_with_chinese_intact(client, catalogue, query, layers):
    resp = _get(client, "/api/export.csv" + query)
    assert resp.data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == _expected(catalogue, layers)
    for r in rows:
        f = catalogue.features[r["id"]]
        assert r["name_zh"] == f.properties.name.zh and r["name_en"] == f.properties.name.en
        assert r["layer"] == f.properties.layer and r["status"] == f.properties.status.value
        if f.geometry is None:
            assert r["lon"] == r["lat"] == "" and r["precision"] == "district" and r["uncertainty_m"] == ""
        else:
            assert (float(r["lon"]), float(r["lat"])) == tuple(f.geometry.coordinates)
        assert r["url"] == f"http://localhost/sites/{r['id']}"


def test_csv_has_facts_themes_and_no_formula_cells(client, catalogue):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(_get(client, "/api/export.csv").data.decode("utf-8-sig")))}
    parking = catalogue.features["taile-taiqing-parking"].properties
    for fact in parking.facts:
        assert fact.label.zh in rows["taile-taiqing-parking"]["facts_zh"]
        assert fact.value in rows["taile-taiqing-parking"]["facts_zh"]
    grottoes = catalogue.features["yungang-grottoes"].properties
    assert rows["yungang-grottoes"]["themes"] == ",".join(grottoes.themes)
    assert not any(v.startswith(("=", "+", "@")) for r in rows.values() for v in r.values())


def test_csv_cells_that_look_like_formulas_are_neutralised(data_copy):
    from support import edit_json

    from webmap.settings import load_settings
    from webmap.web.app import create_app

    edit_json(data_copy / "sites.geojson", lambda d: d["features"][0]["properties"]["name"].update(zh="=HYPERLINK(1)"))
    client = create_app(load_settings(data_dir=data_copy, tiles="none")).test_client()
    row = next(csv.DictReader(io.StringIO(client.get("/api/export.csv").data.decode("utf-8-sig"))))
    assert row["name_zh"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("query,layers", SELECTIONS[:3])
def test_kml_export_reads_back_in_gdal(client, catalogue, tmp_path, query, layers):
    resp = _get(client, "/api/export.kml" + query)
    assert resp.mimetype == "application/vnd.google-earth.kml+xml"
    path = tmp_path / "sites.kml"
    path.write_bytes(resp.data)
    names = {}
    located = 0
    for layer_name, _ in pyogrio.list_layers(path):  # one folder per map layer
        df = pyogrio.read_dataframe(path, layer=layer_name)
        for _, row in df.iterrows():
            names[row["Name"]] = row
            located += row.geometry is not None and not row.geometry.is_empty
    expected = _expected(catalogue, layers)
    assert len(names) == len(expected)
    for sid in expected:
        p = catalogue.features[sid].properties
        row = names[f"{p.name.zh} {p.name.en}"]
        assert row["layer"] == p.layer and row["status"] == p.status.value
    assert located == sum(1 for i in expected if catalogue.features[i].geometry)
    grottoes = pyogrio.read_dataframe(path, layer=pyogrio.list_layers(path)[0][0], where="layer = 'heritage'")
    g = grottoes[grottoes["precision"] == "site"].geometry.iloc[0]
    assert (g.x, g.y) == (113.1225, 40.11)


def test_kml_description_shows_markup_literally(data_copy, tmp_path):
    from support import edit_json

    from webmap.settings import load_settings
    from webmap.web.app import create_app

    payload = "<img src=x onerror=alert(1)>"
    edit_json(data_copy / "sites.geojson", lambda d: d["features"][0]["properties"]["summary"].update(zh=payload))
    client = create_app(load_settings(data_dir=data_copy, tiles="none")).test_client()
    kml = client.get("/api/export.kml").data.decode("utf-8")
    assert payload not in kml  # Google Earth would render it as HTML
    assert "&amp;lt;img src=x onerror=alert(1)&amp;gt;" in kml


@pytest.mark.parametrize("query,layers", SELECTIONS)
def test_gpx_export_has_located_waypoints_and_says_what_it_omits(client, catalogue, tmp_path, query, layers):
    resp = _get(client, "/api/export.gpx" + query)
    assert resp.mimetype == "application/gpx+xml"
    expected = _expected(catalogue, layers)
    located = [i for i in expected if catalogue.features[i].geometry]
    omitted = [i for i in expected if not catalogue.features[i].geometry]

    gpx = gpxpy.parse(resp.data.decode("utf-8"))
    assert len(gpx.waypoints) == len(located)
    by_name = {w.name: w for w in gpx.waypoints}
    for sid in located:
        f = catalogue.features[sid]
        w = by_name[f"{f.properties.name.zh} {f.properties.name.en}"]
        assert (w.longitude, w.latitude) == tuple(f.geometry.coordinates)
    assert resp.headers["X-Webmap-Omitted"] == str(len(omitted))
    if omitted:
        assert f"{len(omitted)} site(s) without a known location are omitted" in gpx.description
        assert all(sid in gpx.description for sid in omitted)

    path = tmp_path / "sites.gpx"
    path.write_bytes(resp.data)
    df = pyogrio.read_dataframe(path, layer="waypoints")
    assert len(df) == len(located) and set(df["name"]) == set(by_name)


def test_file_names_say_what_and_when(client):
    resp = _get(client, "/api/export.csv?layers=energy,heritage")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    ascii_name = disposition.split('filename="')[1].split('"')[0]
    assert ascii_name.isascii()
    # catalogue order, not request order; today's date
    import re

    assert re.fullmatch(r"yungang-sites-heritage-energy-20\d{6}\.csv", ascii_name), ascii_name
    utf8_name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert utf8_name.startswith("云冈区地点-heritage-energy-") and utf8_name.endswith(".csv")
    assert "yungang-sites-all-" in _get(client, "/api/export.gpx").headers["Content-Disposition"]


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("?layer=nope", "layer"),
        ("?layers=heritage,,energy", "layers"),
        ("?layers=", "layers"),
        ("?status=closed", "status"),
        ("?theme=%3Cscript%3E", "theme"),
        ("?bbox=1,2,3,4", "bbox"),
        ("?layer=heritage&format=csv", "format"),
    ],
)
def test_bad_selection_is_400_json_naming_the_parameter(client, query, parameter):
    resp = client.get("/api/export.csv" + query)
    assert resp.status_code == 400 and resp.is_json
    err = resp.get_json()["error"]
    assert err["parameter"] == parameter and parameter in err["message"]


def test_other_filters_combine_with_layers(client, catalogue):
    fc = _get(client, "/api/export.geojson?layers=communities,culture&status=completed,operating").get_json()
    expected = [
        i
        for i, f in catalogue.features.items()
        if f.properties.layer in ("communities", "culture") and f.properties.status.value in ("completed", "operating")
    ]
    assert expected and [f["id"] for f in fc["features"]] == expected


def test_unknown_format_is_404_json(client):
    resp = client.get("/api/export.xlsx")
    assert resp.status_code == 404 and resp.is_json and "csv" in resp.get_json()["error"]["allowed"]


@pytest.mark.parametrize("path", ["/api/export.csv", "/api/export.kml", "/ogc/collections/sites/items?limit=100"])
def test_open_data_responses_are_compressed(client, path):
    import gzip

    plain = client.get(path).data
    resp = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(resp.data) == plain and len(resp.data) < len(plain) / 3
