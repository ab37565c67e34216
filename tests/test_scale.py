"""Issue 7 at test size: the spatial index, the compact transports and the filters give
exactly what a brute-force scan gives, on 3,000 synthetic sites plus the shipped ones."""

from __future__ import annotations

import gzip
import json
import random

import numpy
import pytest
from pyproj import Geod
from support import DATA
from support.synthetic import add_synthetic_sites

from webmap.catalogue import load_catalogue
from webmap.geo import PointIndex
from webmap.ogc import MAX_LIMIT
from webmap.selection import Selection
from webmap.settings import load_settings
from webmap.web.app import create_app

N = 3000
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def big_dir(tmp_path_factory):
    return add_synthetic_sites(DATA, tmp_path_factory.mktemp("scale") / "data", N)


@pytest.fixture(scope="module")
def big(big_dir):
    return load_catalogue(big_dir)


@pytest.fixture(scope="module")
def big_client(big_dir, tmp_path_factory):
    settings = load_settings(data_dir=big_dir, tiles="none", cache_dir=tmp_path_factory.mktemp("cache"))
    return create_app(settings).test_client()


def _points(cat):
    return {fid: f.geometry.coordinates for fid, f in cat.features.items() if f.geometry is not None}


def test_bbox_queries_match_a_full_scan(big, big_client):
    points = _points(big)
    rng = random.Random(3)
    minx, miny, maxx, maxy = big.boundary.bounds
    for _ in range(25):
        x1, x2 = sorted(rng.uniform(minx, maxx) for _ in range(2))
        y1, y2 = sorted(rng.uniform(miny, maxy) for _ in range(2))
        expected = [i for i, (x, y) in points.items() if x1 <= x <= x2 and y1 <= y <= y2]
        assert list(big.index.within_bbox((x1, y1, x2, y2))) == expected  # in catalogue order
        layer = big.features[expected[0]].properties.layer if expected else "heritage"
        in_layer = [i for i in expected if big.features[i].properties.layer == layer]
        assert list(big.index.within_bbox((x1, y1, x2, y2), layer)) == in_layer
        page = big_client.get(f"/ogc/collections/{layer}/items?bbox={x1},{y1},{x2},{y2}&limit=7&offset=3").get_json()
        assert [f["id"] for f in page["features"]] == in_layer[3:10] and page["numberMatched"] == len(in_layer)
        fc = big_client.get(f"/ogc/collections/sites/items?bbox={x1},{y1},{x2},{y2}&limit={MAX_LIMIT}&f=json")
        fc = fc.get_json()
        assert [f["id"] for f in fc["features"]] == expected[:MAX_LIMIT]  # and in catalogue order
        assert fc["numberMatched"] == len(expected)


def test_a_site_exactly_on_the_bbox_edge_is_inside(big):
    fid, (x, y) = next(iter(_points(big).items()))
    assert fid in big.index.within_bbox((x, y, x + 0.01, y + 0.01))
    assert fid in big.index.within_bbox((x - 0.01, y - 0.01, x, y))


def test_nearby_matches_a_full_scan(big):
    points = _points(big)
    ids, xy = list(points), numpy.array(list(points.values()))
    rng = random.Random(5)
    minx, miny, maxx, maxy = big.boundary.bounds
    for radius in (300, 2000, 15000):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        _, _, dist = GEOD.inv(numpy.full(len(ids), lon), numpy.full(len(ids), lat), xy[:, 0], xy[:, 1])
        expected = sorted((d, big.position[i]) for i, d in zip(ids, dist, strict=True) if d <= radius)
        got = big.index.nearby(lon, lat, radius)
        assert [n.site_id for n in got] == [list(big.features)[pos] for _, pos in expected]
        assert [round(n.distance_m, 3) for n in got] == [round(d, 3) for d, _ in expected]


def test_point_index_handles_a_bbox_across_the_antimeridian(big):
    index = PointIndex(big.sites)
    assert list(index.within_bbox((179.0, -90.0, -179.0, 90.0))) == []  # nothing near 180°
    everything = index.within_bbox((100.0, -90.0, 99.0, 90.0))  # wraps almost all the way round
    assert len(everything) == len(_points(big))


def test_selections_filter_exactly(big):
    rng = random.Random(11)
    themes = [t.id for t in big.themes]
    for _ in range(30):
        sel = Selection(
            layers=tuple(rng.sample(big.layer_ids, k=rng.randint(0, 3))),
            themes=tuple(rng.sample(themes, k=rng.randint(0, 2))),
            statuses=tuple(rng.sample(["open", "operating", "planned", "historic"], k=rng.randint(0, 2))),
            school=rng.random() < 0.3,
        )

        def matches(f, sel=sel):
            p = f.properties
            return (
                (not sel.layers or p.layer in sel.layers)
                and (not sel.themes or any(t in sel.themes for t in p.themes))
                and (not sel.statuses or p.status.value in sel.statuses)
                and (not sel.school or bool(p.school_trip and p.school_trip.suitable))
            )

        assert sel.ids(big) == [fid for fid in big.features if matches(big.features[fid])]


def test_columns_carry_the_same_sites_as_compact_geojson(big_client):
    compact = big_client.get("/api/sites?compact=1").get_json()["features"]
    cols = big_client.get("/api/columns").get_json()
    assert cols["count"] == len(compact) == N + 35
    for i, f in enumerate(compact):
        p = f["properties"]
        assert cols["id"][i] == f["id"]
        assert [cols["lon"][i], cols["lat"][i]] == (f["geometry"]["coordinates"] if f["geometry"] else [None, None])
        assert (cols["layer"][i], cols["status"][i], cols["themes"][i]) == (p["layer"], p["status"], p["themes"])
        assert {"zh": cols["name_zh"][i], "en": cols["name_en"][i]} == p["name"]
        assert cols["precision"][i] == p["location"]["precision"]
        assert cols["uncertainty_m"][i] == p["location"].get("uncertainty_m")
        assert cols["school"][i] == (p["school_trip"]["suitable"] if "school_trip" in p else None)


def test_compact_features_leave_out_the_long_texts(big_client):
    full = big_client.get("/api/sites/synthetic-7").get_json()
    compact = next(f for f in big_client.get("/api/sites?compact=1").get_json()["features"] if f["id"] == "synthetic-7")
    assert set(compact["properties"]) == {"layer", "name", "status", "themes", "location", "school_trip"}
    assert compact["geometry"] == full["geometry"]
    assert "summary" in full["properties"] and "summary" not in compact["properties"]
    resp = big_client.get("/api/sites?compact=yes")
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "compact"


def test_compact_search_hits_carry_their_text(big_client):
    fc = big_client.get("/api/search", query_string={"q": "测试用", "limit": "1000"}).get_json()
    assert len(fc["features"]) > 200
    with_text = [f for f in fc["features"] if "text" in f["search"]]
    assert len(with_text) == 200  # the first 200, as many as the page lists
    hit = with_text[0]["search"]
    assert hit["text"][hit["start"] : hit["end"]] == "测试用"


def test_whole_collections_are_compressed_once_and_revalidate(big_client):
    first = big_client.get("/api/sites", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["Vary"] == "Accept-Encoding"
    plain = big_client.get("/api/sites", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert json.loads(gzip.decompress(first.data)) == plain.get_json()
    again = big_client.get("/api/sites", headers={"If-None-Match": first.headers["ETag"], "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and not again.data


def _every_page(client, url: str) -> tuple[list[dict], list[dict]]:
    """Follow a paged list's next links as a client would: (all features, each page's body)."""
    pages = [client.get(url).get_json()]
    while nxt := [link["href"] for link in pages[-1]["links"] if link["rel"] == "next"]:
        pages.append(client.get(nxt[0]).get_json())
    return [f for p in pages for f in p["features"]], pages


@pytest.mark.parametrize(
    "path,key",
    [("/api/search?q=yungang", "search"), ("/api/nearby?lon=113.12&lat=40.02&radius=8000", "nearby")],
)
def test_search_and_nearby_pages_add_up_to_the_whole_answer(big_client, path, key):
    whole = big_client.get(path + "&limit=10000").get_json()
    total = whole["numberMatched"]
    assert 250 < total == whole["numberReturned"] == len(whole["features"]) < 10000 and whole["links"] == []
    features, pages = _every_page(big_client, path + "&limit=97")
    assert [f["id"] for f in features] == [f["id"] for f in whole["features"]]  # same order, no gap, no repeat
    assert [f[key] for f in features] == [f[key] for f in whole["features"]]
    assert len(pages) == -(-total // 97) and all(p["numberMatched"] == total for p in pages)
    assert [p["numberReturned"] for p in pages[:-1]] == [97] * (len(pages) - 1)
    # The default page is the first 100, compact: what a list shows.
    first = big_client.get(path).get_json()
    assert [f["id"] for f in first["features"]] == [f["id"] for f in whole["features"][:100]]
    assert "details" not in first["features"][0]["properties"]
    full = big_client.get(path + "&compact=0&limit=3").get_json()["features"][0]
    assert full["properties"]["details"]["zh"]  # full features carry the matched text themselves
    assert full[key] == {k: v for k, v in whole["features"][0][key].items() if k != "text"}


def test_a_page_past_the_end_is_empty_and_a_huge_limit_is_capped(big_client):
    fc = big_client.get("/api/search?q=yungang&offset=100000").get_json()
    assert fc["features"] == [] and fc["numberMatched"] > 0 and fc["links"] == []
    assert big_client.get("/api/search?q=yungang&limit=99999").get_json()["limit"] == 10000


@pytest.mark.parametrize("query", ["limit=0", "limit=-5", "limit=ten", "offset=-1", "offset=1.5", "limit="])
def test_bad_paging_is_a_400_naming_the_parameter(big_client, query):
    for path in ("/api/search?q=yungang&", "/api/nearby?lon=113.12&lat=40.02&"):
        resp = big_client.get(path + query)
        assert resp.status_code == 400 and resp.is_json, (path, query)
        assert resp.get_json()["error"]["parameter"] == query.split("=")[0]
