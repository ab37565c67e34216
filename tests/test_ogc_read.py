"""OGC API – Features, read side, as clients meet it: GDAL's OAPIF driver with an id
filter, extents that say something, CORS and caching headers, response schemas in the
OpenAPI document, and OGC's {code, description} for unknown paths."""

from __future__ import annotations

import jsonschema
import pyogrio
import pytest


def _json_schema(node):
    """OpenAPI 3.0's "nullable: true" as JSON Schema's type list, for jsonschema."""
    if isinstance(node, dict):
        out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") and "type" in node:
            out["type"] = [node["type"], "null"]
        return out
    return [_json_schema(v) for v in node] if isinstance(node, list) else node


def _json(client, path, status=200, **kw):
    resp = client.get(path, **kw)
    assert resp.status_code == status, (path, resp.get_data(as_text=True)[:300])
    return resp


def test_gdal_oapif_where_id_reads_one_feature(server):
    # GDAL appends "/<id>" to the items link for an id filter: with "?f=json" in it that was
    # ".../items?f=json/yungang-grottoes", a 400.
    df = pyogrio.read_dataframe("OAPIF:" + server.url + "/ogc", layer="sites", where="id='yungang-grottoes'")
    assert list(df["id"]) == ["yungang-grottoes"]
    df = pyogrio.read_dataframe("OAPIF:" + server.url + "/ogc", layer="heritage", where="id='red-memorial-hall'")
    assert list(df["id"]) == ["red-memorial-hall"]


def test_the_geojson_items_link_carries_no_query(client):
    for c in _json(client, "/ogc/collections").get_json()["collections"]:
        items = [x for x in c["links"] if x["rel"] == "items" and x["type"] == "application/geo+json"]
        assert len(items) == 1 and "?" not in items[0]["href"], items


def test_extents_say_where_the_located_sites_are(client, catalogue):
    docs = {c["id"]: c for c in _json(client, "/ogc/collections").get_json()["collections"]}
    for cid, doc in docs.items():
        ids = catalogue.site_ids(None if cid == "sites" else cid)
        points = catalogue.sites.loc[ids].geometry.dropna()
        if points.empty:  # energy, culture: nothing located yet, so no spatial extent at all
            assert "spatial" not in doc.get("extent", {}), cid
            continue
        minx, miny, maxx, maxy = doc["extent"]["spatial"]["bbox"][0]
        assert minx < maxx and miny < maxy, cid  # parks, industry: one point, still an area
        assert all(minx <= p.x <= maxx and miny <= p.y <= maxy for p in points), cid
        assert maxx - minx < 0.5 and maxy - miny < 0.5, cid  # not the whole district for one point
    assert {"energy", "culture"} <= {c for c, d in docs.items() if "spatial" not in d.get("extent", {})}


@pytest.mark.parametrize(
    "path",
    [
        "/ogc",
        "/ogc/conformance",
        "/ogc/api",
        "/ogc/collections",
        "/ogc/collections/sites",
        "/ogc/collections/sites/items",
        "/ogc/collections/sites/items/yungang-grottoes",
        "/api/export.geojson",
        "/api/export.csv",
    ],
)
def test_read_only_answers_allow_any_origin_and_revalidate(client, path):
    resp = _json(client, path)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    if path.startswith("/ogc"):
        assert resp.headers["ETag"] and "Cache-Control" in resp.headers
        assert "Accept" in resp.headers.get("Vary", "")
        again = client.get(path, headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""


def test_planning_and_errors_are_not_opened_to_other_origins(client):
    resp = client.post("/api/trips/plan", json={"stops": ["yungang-grottoes"]})
    assert "Access-Control-Allow-Origin" not in resp.headers


@pytest.mark.parametrize(
    "path", ["/ogc/nope", "/ogc/collections/sites/items/yungang-grottoes/more", "/ogc/collections/nope"]
)
def test_unknown_ogc_paths_answer_in_the_ogc_exception_shape(client, path):
    resp = _json(client, path, 404)
    body = resp.get_json()
    assert set(body) >= {"code", "description"} and "error" not in body
    assert body["code"] == "NotFound"


def test_the_ogc_openapi_has_response_schemas_that_the_answers_match(client):
    doc = _json(client, "/ogc/api").get_json()
    schemas = doc["components"]["schemas"]
    checked = 0
    for path, ops in doc["paths"].items():
        op = ops["get"]
        ok = op["responses"]["200"]["content"]
        media = next(m for m in ok if m != "text/html")
        schema = ok[media]["schema"]
        assert schema.get("$ref") or schema.get("properties"), path
        url = "/ogc" + path.replace("{collectionId}", "heritage").replace("{featureId}", "yungang-grottoes")
        full = _json_schema({**schema, "components": doc["components"]})
        answer = _json(client, url.rstrip("/") if url != "/ogc/" else "/ogc", query_string={"f": "json"}).get_json()
        jsonschema.validate(answer, full, cls=jsonschema.Draft4Validator)
        checked += 1
        for code in ("400", "404"):
            if code in op["responses"]:
                assert op["responses"][code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/exception"
                }
    assert checked == len(doc["paths"]) == 7
    assert {
        "openapi",
        "landingPage",
        "confClasses",
        "collections",
        "collection",
        "featureCollectionGeoJSON",
        "featureGeoJSON",
        "exception",
        "link",
    } <= set(schemas)
