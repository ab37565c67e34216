"""OGC API – Features Part 4 on a real server: OWSLib creates, replaces and deletes with
a bearer token; GDAL (pyogrio's OAPIF driver) reads the change back; OPTIONS tells each
caller what it may do; errors are OGC bodies naming the field."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request

import owslib.ogcapi as owslib_ogcapi
import pyogrio
import pytest
from owslib.ogcapi.features import Features
from support.stewardship import bearer, make_database

SITE = "yungang-grottoes"
PART4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"


@pytest.fixture
def editable(tmp_path, serve):
    db = make_database(tmp_path)
    server = serve(env={"WEBMAP_DATABASE_URL": db.url})
    return server, db


@pytest.fixture
def owslib_headers():
    """OWSLib keeps its headers in a module-wide dict and adds ours to it: put it back."""
    saved = dict(owslib_ogcapi.REQUEST_HEADERS)
    yield
    owslib_ogcapi.REQUEST_HEADERS.clear()
    owslib_ogcapi.REQUEST_HEADERS.update(saved)


def call(method: str, url: str, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def gdal_features(server, collection="sites"):
    frame = pyogrio.read_dataframe(f"OAPIF:{server.url}/ogc", layer=collection)
    return frame.set_index("id") if "id" in frame.columns else frame


def test_owslib_creates_replaces_and_deletes_and_gdal_reads_it_back(editable, owslib_headers):
    server, db = editable
    api = Features(server.url + "/ogc", headers=bearer(db.tokens["stew"]))
    assert PART4 in api.conformance()["conformsTo"]

    stored = db.repo.site(SITE).feature
    # Replace, in the flat table OGC clients read (QGIS sends back what it got)
    item = api.collection_item("sites", SITE)
    item["properties"]["summary_en"] = "Edited through OWSLib."
    item["properties"]["comment"] = "summary from QGIS"
    assert api.collection_item_update("sites", SITE, item)
    frame = gdal_features(server)
    row = frame.loc[SITE] if SITE in frame.index else frame[frame["gml_id"] == SITE].iloc[0]
    assert row["summary_en"] == "Edited through OWSLib."
    # what the flat table cannot hold survived the round trip
    assert db.repo.site(SITE).feature["properties"]["school_trip"] == stored["properties"]["school_trip"]

    # Create, in the data contract's own shape
    fresh = copy.deepcopy(stored)
    fresh["id"] = "owslib-place"
    fresh["properties"]["name"] = {"zh": "新地点", "en": "A new place"}
    fresh["properties"]["comment"] = "added from a script"
    assert api.collection_item_create("heritage", fresh)
    assert "A new place" in set(gdal_features(server, "heritage")["name_en"])

    # Delete = retire
    api.headers["If-Match"] = f'"{db.repo.site("owslib-place").revision}"'
    with pytest.raises(RuntimeError):  # no comment: OWSLib raises with our error body
        api.collection_item_delete("heritage", "owslib-place")
    status, _, _ = call(
        "DELETE",
        f"{server.url}/ogc/collections/heritage/items/owslib-place?comment=duplicate",
        headers=bearer(db.tokens["stew"]),
    )
    assert status == 204
    assert "A new place" not in set(gdal_features(server, "heritage")["name_en"])
    assert db.repo.site("owslib-place").retired


def test_a_qgis_delete_without_a_body_takes_its_comment_from_the_session_header(editable):
    """QGIS deletes with no body and no per-edit query string; a steward sets the header
    X-Webmap-Comment once in the connection dialog. Without any comment nothing changes."""
    server, db = editable
    fresh = copy.deepcopy(db.repo.site(SITE).feature)
    fresh["id"] = "qgis-place"
    fresh["properties"]["comment"] = "added in QGIS"
    items = f"{server.url}/ogc/collections/heritage/items"
    assert call("POST", items, fresh, headers=bearer(db.tokens["stew"]))[0] == 201

    status, _, body = call("DELETE", f"{items}/qgis-place", headers=bearer(db.tokens["stew"]))
    assert status == 400 and json.loads(body)["field"] == "comment"
    assert not db.repo.site("qgis-place").retired

    said = "QGIS 里合并了重复的点"  # sent as UTF-8 bytes, as QGIS sends it
    header = {"X-Webmap-Comment": said.encode().decode("latin-1")}
    status, _, _ = call("DELETE", f"{items}/qgis-place", headers=bearer(db.tokens["stew"], **header))
    assert status == 204
    assert db.repo.site("qgis-place").retired
    assert db.repo.history("qgis-place")[-1].comment == said


def test_options_tells_each_caller_what_it_may_do(editable):
    server, db = editable
    items = f"{server.url}/ogc/collections/sites/items"

    def allow(url, token=None):
        status, headers, _ = call("OPTIONS", url, headers=bearer(token) if token else {})
        assert status == 204
        return {m.strip() for m in headers["Allow"].split(",")}

    assert allow(items) == {"GET", "HEAD", "OPTIONS"}
    assert allow(items, db.tokens["ed"]) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert allow(f"{items}/{SITE}", db.tokens["ed"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH"}
    assert allow(f"{items}/{SITE}", db.tokens["stew"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}


def test_patch_if_match_and_ogc_errors(editable):
    server, db = editable
    url = f"{server.url}/ogc/collections/sites/items/{SITE}"
    status, headers, _ = call("GET", url)
    etag = headers["ETag"]
    patch = {"type": "Feature", "properties": {"status_en": "ignored", "summary_zh": "补丁改的摘要。", "comment": "p"}}

    status, _, body = call("PATCH", url, patch)
    assert status == 401 and json.loads(body)["code"] == "Unauthorized"
    status, _, body = call("DELETE", url + "?comment=x", headers=bearer(db.tokens["ed"]))
    assert status == 403 and json.loads(body)["code"] == "Forbidden"

    status, headers, _ = call("PATCH", url, patch, headers=bearer(db.tokens["stew"], **{"If-Match": etag}))
    assert status == 204
    assert db.repo.site(SITE).feature["properties"]["summary"]["zh"] == "补丁改的摘要。"

    # the old ETag is stale now: refused, naming what changed
    status, _, body = call("PATCH", url, patch, headers=bearer(db.tokens["stew"], **{"If-Match": etag}))
    assert status == 412
    assert "properties.summary" in json.loads(body)["changed"]

    bad = {"type": "Feature", "properties": {"precision": "somewhere", "comment": "p"}}
    status, _, body = call("PATCH", url, bad, headers=bearer(db.tokens["stew"]))
    doc = json.loads(body)
    assert status == 400 and doc["code"] == "InvalidValue"
    assert doc["field"] == "properties.location.precision"
    no_comment = {"type": "Feature", "properties": {"summary_zh": "没有说明。"}}
    status, _, body = call("PATCH", url, no_comment, headers=bearer(db.tokens["stew"]))
    assert status == 400 and json.loads(body)["field"] == "comment"
    assert db.repo.site(SITE).feature["properties"]["summary"]["zh"] == "补丁改的摘要。"


def test_read_only_server_advertises_no_writes(server):
    status, _, body = call("GET", f"{server.url}/ogc/conformance")
    assert PART4 not in json.loads(body)["conformsTo"]
    _, _, body = call("GET", f"{server.url}/ogc/api?f=json")
    assert "post" not in json.loads(body)["paths"]["/collections/{collectionId}/items"]
    status, _, body = call("POST", f"{server.url}/ogc/collections/sites/items", {"type": "Feature"})
    assert status == 401 and json.loads(body)["code"] == "Unauthorized"


def test_the_ogc_api_document_describes_the_writes_when_editable(editable):
    server, _ = editable
    _, _, body = call("GET", f"{server.url}/ogc/api?f=json")
    paths = json.loads(body)["paths"]
    assert "post" in paths["/collections/{collectionId}/items"]
    assert {"put", "patch", "delete"} <= set(paths["/collections/{collectionId}/items/{featureId}"])
