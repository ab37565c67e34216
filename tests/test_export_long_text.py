"""A valid site with a summary near the 20,000-character limit still gives exports that
GDAL, gpxpy and Google Earth read (issue 16 item 6: GDAL's GPX reader refused a 19,999-
character summary, "Too much data inside one element"). Long texts are cut in the GPX and
KML descriptions, which then link to the site page where the whole text is."""

from __future__ import annotations

import gpxpy
import pyogrio
import pytest
from support import edit_json

from webmap.settings import load_settings
from webmap.web.app import create_app

LONG_ZH = "云冈" + "𠀤" * 19_990  # 19,992 characters, 80 KB in UTF-8 (a rare CJK character is 4 bytes)
LONG_EN = "The grottoes " + "—" * 19_980  # 60 KB: an em dash is 3 bytes


@pytest.fixture
def client(data_copy, tmp_path):
    def change(doc):
        props = doc["features"][0]["properties"]
        props["summary"] = {"zh": LONG_ZH, "en": LONG_EN}
        props["details"] = {"zh": LONG_ZH, "en": LONG_EN}

    edit_json(data_copy / "sites.geojson", change)
    app = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache"))
    return app.test_client()


def test_gpx_with_the_longest_valid_texts_reads_in_gdal_and_gpxpy(client, tmp_path):
    resp = client.get("/api/export.gpx")
    assert resp.status_code == 200
    path = tmp_path / "sites.gpx"
    path.write_bytes(resp.data)
    waypoints = pyogrio.read_dataframe(path, layer="waypoints")
    gpx = gpxpy.parse(resp.data.decode("utf-8"))
    assert len(gpx.waypoints) == len(waypoints) > 0
    long_one = next(w for w in gpx.waypoints if "云冈𠀤𠀤" in (w.description or ""))
    assert len(long_one.description) < 10_000 and "/sites/" in long_one.description


def test_kml_with_the_longest_valid_texts_reads_in_gdal(client, tmp_path):
    resp = client.get("/api/export.kml")
    assert resp.status_code == 200
    path = tmp_path / "sites.kml"
    path.write_bytes(resp.data)
    layers = pyogrio.list_layers(path)
    total = sum(len(pyogrio.read_dataframe(path, layer=name)) for name, _ in layers)
    assert total > 0
