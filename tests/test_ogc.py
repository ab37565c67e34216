"""OGC API – Features under /ogc: the documents, paging, filters and errors through the
test client, and real clients (GDAL/OGR's OAPIF driver via pyogrio, and OWSLib) reading
every collection from the live server."""

from __future__ import annotations

import pyogrio
import pytest
from owslib.ogcapi.features import Features

from webmap.exporters import COLUMNS


def _json(client, path, status=200):
    resp = client.get(path)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json(force=True)


def _collections(catalogue):
    return {"sites": list(catalogue.features), **{lid: catalogue.site_ids(lid) for lid in catalogue.layer_ids}}


def test_landing_page_links_to_api_conformance_and_data(client):
    doc = _json(client, "/ogc")
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert rels["service-desc"] == "http://localhost/ogc/api"
    assert rels["conformance"] == "http://localhost/ogc/conformance"
    assert rels["data"] == "http://localhost/ogc/collections"
    conf = _json(client, "/ogc/conformance")["conformsTo"]
    for cls in ("core", "geojson", "html", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{cls}" in conf


def test_one_collection_per_layer_plus_all_sites(client, catalogue):
    doc = _json(client, "/ogc/collections")
    assert [c["id"] for c in doc["collections"]] == ["sites", *catalogue.layer_ids]
    heritage = _json(client, "/ogc/collections/heritage")
    assert heritage["title"].startswith("红色与历史遗产")
    assert {link["rel"] for link in heritage["links"]} >= {"self", "alternate", "items"}
    minx, miny, maxx, maxy = heritage["extent"]["spatial"]["bbox"][0]
    assert minx <= 113.1225 <= maxx and miny <= 40.11 <= maxy


def test_items_page_through_with_next_and_prev_links(client, catalogue):
    seen = []
    url = "/ogc/collections/sites/items?limit=7"
    pages = 0
    while url:
        doc = _json(client, url)
        assert doc["numberMatched"] == len(catalogue.features)
        assert doc["numberReturned"] == len(doc["features"]) <= 7
        seen += [f["id"] for f in doc["features"]]
        links = {link["rel"]: link["href"] for link in doc["links"]}
        assert ("prev" in links) == (pages > 0)
        url = links.get("next", "").replace("http://localhost", "")
        pages += 1
    assert seen == list(catalogue.features) and pages == 5
    assert _json(client, "/ogc/collections/sites/items")["numberReturned"] == 10  # default limit
    assert _json(client, "/ogc/collections/sites/items?limit=5000")["numberReturned"] == len(catalogue.features)
    assert _json(client, "/ogc/collections/sites/items?limit=" + "9" * 5000)["numberReturned"] == len(
        catalogue.features
    )
    assert _json(client, "/ogc/collections/sites/items?offset=" + "9" * 50)["numberReturned"] == 0


def test_items_have_flat_attributes_and_null_geometry_for_unlocated(client, catalogue):
    doc = _json(client, "/ogc/collections/sites/items?limit=1000")
    assert all(list(f["properties"]) == COLUMNS for f in doc["features"])
    unlocated = [f for f in doc["features"] if f["geometry"] is None]
    assert len(unlocated) == sum(1 for f in catalogue.features.values() if f.geometry is None)
    grottoes = _json(client, "/ogc/collections/heritage/items/yungang-grottoes")
    assert grottoes["geometry"] == {"type": "Point", "coordinates": [113.1225, 40.11]}
    p = grottoes["properties"]
    assert (p["name_zh"], p["name_en"], p["precision"], p["uncertainty_m"]) == (
        "云冈石窟",
        "Yungang Grottoes",
        "site",
        500,
    )
    assert p["location_source"] == catalogue.features["yungang-grottoes"].properties.location.source


def test_bbox_and_property_filters(client, catalogue):
    hengan = "113.2,40.03,113.22,40.05"
    doc = _json(client, f"/ogc/collections/sites/items?bbox={hengan}&limit=100")
    expected = [
        i
        for i, f in catalogue.features.items()
        if f.geometry and 113.2 <= f.geometry.coordinates[0] <= 113.22 and 40.03 <= f.geometry.coordinates[1] <= 40.05
    ]
    assert expected and [f["id"] for f in doc["features"]] == expected and doc["numberMatched"] == len(expected)
    # A bbox leaves out every site with no point, even a bbox of the whole world.
    world = _json(client, "/ogc/collections/sites/items?bbox=-180,-90,180,90&limit=100")
    assert world["numberMatched"] == sum(1 for f in catalogue.features.values() if f.geometry)

    for query, test in [
        ("status=operating", lambda f: f.properties.status.value == "operating"),
        ("layer=parks,industry", lambda f: f.properties.layer in ("parks", "industry")),
        ("precision=district", lambda f: f.geometry is None),
        ("theme=red-heritage", lambda f: "red-heritage" in f.properties.themes),
        (
            "theme=ecology&status=unknown",
            lambda f: "ecology" in f.properties.themes and f.properties.status == "unknown",
        ),
    ]:
        doc = _json(client, f"/ogc/collections/sites/items?{query}&limit=100")
        expected = [i for i, f in catalogue.features.items() if test(f)]
        assert expected, query
        assert [f["id"] for f in doc["features"]] == expected, query
    # A layer collection filtered by another layer is empty, not an error.
    assert _json(client, "/ogc/collections/heritage/items?layer=parks")["numberMatched"] == 0


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=0,50,10,40", "bbox"),
        ("bbox=nan,1,2,3", "bbox"),
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("status=closed", "status"),
        ("layer=%3Cscript%3E", "layer"),
        ("colour=red", "colour"),
        ("f=xml", "f"),
        ("datetime=yesterday", "datetime"),
    ],
)
def test_bad_parameters_are_400_json_naming_it(client, query, parameter):
    resp = client.get(f"/ogc/collections/sites/items?{query}")
    assert resp.status_code == 400 and resp.is_json, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["parameter"] == parameter and body["code"] == "InvalidParameterValue"


def test_unknown_collection_and_feature_are_404(client):
    assert client.get("/ogc/collections/nope").status_code == 404
    assert client.get("/ogc/collections/nope/items").status_code == 404
    resp = client.get("/ogc/collections/parks/items/yungang-grottoes")  # exists, but not in parks
    assert resp.status_code == 404 and resp.is_json


def test_openapi_document_describes_the_endpoints(client, catalogue):
    resp = client.get("/ogc/api")
    assert resp.mimetype == "application/vnd.oai.openapi+json"
    doc = resp.get_json(force=True)
    assert doc["openapi"].startswith("3.0")
    items = doc["paths"]["/collections/{collectionId}/items"]["get"]
    params = {p["name"]: p for p in items["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 1000 and params["limit"]["schema"]["default"] == 10
    assert set(params) >= {"bbox", "offset", "status", "layer", "precision", "theme", "f"}
    assert params["collectionId"]["schema"]["enum"] == ["sites", *catalogue.layer_ids]


def test_html_pages_are_bilingual_and_escape_data(client, data_copy):
    from support import edit_json

    from webmap.settings import load_settings
    from webmap.web.app import create_app

    page = client.get("/ogc/collections/sites/items?f=html&limit=5").get_data(as_text=True)
    assert "云冈石窟" in page or "高屯" in page
    assert "下一页 Next" in page and "Name" in page and "名称" in page
    assert "Collections" in client.get("/ogc", headers={"Accept": "text/html"}).get_data(as_text=True)

    payload = "<script>alert(1)</script>"
    edit_json(data_copy / "sites.geojson", lambda d: d["features"][0]["properties"]["name"].update(zh=payload))
    hostile = create_app(load_settings(data_dir=data_copy, tiles="none")).test_client()
    first = next(iter(data_copy.joinpath("sites.geojson").read_text().split('"id": "')[1:])).split('"')[0]
    for path in ("/ogc/collections/sites/items?f=html", f"/ogc/collections/sites/items/{first}?f=html"):
        html = hostile.get(path).get_data(as_text=True)
        assert payload not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------------------------------------------------------------------------
# Real clients against the real server


def test_gdal_oapif_driver_reads_every_collection(server, catalogue):
    url = "OAPIF:" + server.url + "/ogc"
    assert [name for name, _ in pyogrio.list_layers(url)] == ["sites", *catalogue.layer_ids]
    for cid, ids in _collections(catalogue).items():
        # A small page size makes GDAL follow our "next" links.
        df = pyogrio.read_dataframe(url, layer=cid, PAGE_SIZE=4)
        assert sorted(df["id"]) == sorted(ids), cid
        assert {"name_zh", "name_en", "status", "layer", "precision", "uncertainty_m", "location_source"} <= set(
            df.columns
        )
        for _, row in df.iterrows():
            f = catalogue.features[row["id"]]
            assert row["name_zh"] == f.properties.name.zh and row["status"] == f.properties.status.value
            if f.geometry is None:
                assert row.geometry is None
            else:
                assert (row.geometry.x, row.geometry.y) == tuple(f.geometry.coordinates)
    # GDAL's spatial filter becomes our bbox parameter.
    df = pyogrio.read_dataframe(url, layer="sites", bbox=(113.0, 40.0, 113.2, 40.2))
    assert sorted(df["id"]) == sorted(
        i
        for i, f in catalogue.features.items()
        if f.geometry and 113.0 <= f.geometry.coordinates[0] <= 113.2 and 40.0 <= f.geometry.coordinates[1] <= 40.2
    )


def test_owslib_reads_every_collection(server, catalogue):
    api = Features(server.url + "/ogc")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in api.conformance()["conformsTo"]
    assert [c["id"] for c in api.collections()["collections"]] == ["sites", *catalogue.layer_ids]
    for cid, ids in _collections(catalogue).items():
        assert api.collection(cid)["id"] == cid
        got = api.collection_items(cid, limit=1000)
        assert got["numberMatched"] == got["numberReturned"] == len(ids), cid
        assert [f["id"] for f in got["features"]] == ids
        first = api.collection_item(cid, ids[0])
        assert first["properties"]["name_en"] == catalogue.features[ids[0]].properties.name.en
    operating = api.collection_items("sites", status="operating", limit=100)
    assert operating["numberMatched"] == sum(
        1 for f in catalogue.features.values() if f.properties.status == "operating"
    )
