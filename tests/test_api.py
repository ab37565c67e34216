"""The JSON API as a caller sees it: GeoJSON, filters, errors as JSON, ETags, gzip."""

from __future__ import annotations

import gzip
import json


def test_layers_lists_every_layer_with_counts(client, catalogue):
    body = client.get("/api/layers").get_json()
    assert [x["id"] for x in body["layers"]] == catalogue.layer_ids
    assert sum(x["count"] for x in body["layers"]) == len(catalogue.features)
    assert all(x["name"]["zh"] and x["name"]["en"] and x["colour"].startswith("#") for x in body["layers"])
    assert {t["id"] for t in body["themes"]} >= {"red-heritage", "energy-transition"}


def test_sites_is_a_feature_collection_of_everything(client, catalogue):
    resp = client.get("/api/sites")
    assert resp.status_code == 200
    fc = resp.get_json()
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == len(catalogue.features)
    unlocated = [f for f in fc["features"] if f["geometry"] is None]
    assert unlocated and all(f["properties"]["location"]["precision"] == "district" for f in unlocated)
    grottoes = next(f for f in fc["features"] if f["id"] == "yungang-grottoes")
    assert grottoes["geometry"] == {"type": "Point", "coordinates": [113.1225, 40.11]}
    assert "云冈石窟" in resp.get_data(as_text=True)  # UTF-8, not \\u escapes


def test_layer_filter_returns_only_that_layer(client, catalogue):
    for layer in catalogue.layer_ids:
        fc = client.get(f"/api/sites?layer={layer}").get_json()
        assert {f["properties"]["layer"] for f in fc["features"]} == {layer}
        assert len(fc["features"]) == len(catalogue.site_ids(layer))


def test_one_site_and_unknown_site(client):
    assert client.get("/api/sites/yungang-grottoes").get_json()["properties"]["name"]["en"] == "Yungang Grottoes"
    resp = client.get("/api/sites/no-such-place")
    assert resp.status_code == 404
    assert resp.is_json and "no-such-place" in resp.get_json()["error"]["message"]


def test_bad_parameters_are_400_json_naming_the_parameter(client):
    resp = client.get("/api/sites?layer=%3Cscript%3E")
    assert resp.status_code == 400 and resp.is_json
    err = resp.get_json()["error"]
    assert err["parameter"] == "layer" and "heritage" in err["allowed"]
    resp = client.get("/api/sites?bbox=1,2,3")
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "bbox"


def test_unknown_api_path_is_json_404(client):
    resp = client.get("/api/nothing-here")
    assert resp.status_code == 404 and resp.is_json


def test_etag_gives_304_and_changes_with_content(client):
    first = client.get("/api/sites")
    etag = first.headers["ETag"]
    again = client.get("/api/sites", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/sites?layer=energy")
    assert other.headers["ETag"] != etag


def test_responses_are_compressed_when_asked(client):
    resp = client.get("/api/sites", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    body = json.loads(gzip.decompress(resp.data))
    assert body["type"] == "FeatureCollection"
    assert len(resp.data) < len(gzip.decompress(resp.data)) / 2


def test_healthz(client, catalogue):
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "sites": len(catalogue.features), "data_version": catalogue.version}
