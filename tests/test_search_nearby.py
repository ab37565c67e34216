"""Search (Chinese, pinyin, initials, English) and nearby queries, as API callers see them."""

from __future__ import annotations

import pytest
from pyproj import Geod

from webmap.search import SearchIndex


@pytest.mark.parametrize("query", ["云冈石窟", "云冈", "yungang", "YunGang", "yun gang", "ygsk", "grottoes"])
def test_yungang_grottoes_found_many_ways(client, query):
    fc = client.get("/api/search", query_string={"q": query}).get_json()
    ids = [f["id"] for f in fc["features"]]
    assert ids and ids[0] == "yungang-grottoes", ids[:5]


def test_search_reports_where_it_matched(client):
    hit = client.get("/api/search?q=ygsk").get_json()["features"][0]
    assert hit["search"]["field"] == "name.zh"
    name = hit["properties"]["name"]["zh"]
    assert name[hit["search"]["start"] : hit["search"]["end"]] == "云冈石窟"
    hit = client.get("/api/search?q=gangshi").get_json()["features"][0]
    assert hit["properties"]["name"]["zh"][hit["search"]["start"] : hit["search"]["end"]] == "冈石"


def test_search_looks_in_summaries_and_facts(client, catalogue):
    fc = client.get("/api/search?q=4915").get_json()
    assert fc["features"], "a figure from the facts is searchable"
    assert fc["features"][0]["search"]["field"].startswith("facts.")
    assert any("4915" == fact.value for fact in catalogue.features[fc["features"][0]["id"]].properties.facts)


@pytest.mark.parametrize("query", ["4915", "云冈", "光伏", "yungang"])
def test_each_hit_carries_the_text_it_matched_in_a_list(client, query):
    """The list's snippet: the whole text of the field that matched, as the site has it
    (asked twice: the second answer is the kept one)."""
    for _ in range(2):
        hits = client.get("/api/search", query_string={"q": query}).get_json()["features"]
        assert hits
        for hit in hits[:20]:
            value = client.get(f"/api/sites/{hit['id']}").get_json()["properties"]
            for part in hit["search"]["field"].split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
            assert hit["search"]["text"] == value, hit["search"]


def test_names_rank_above_summaries(catalogue):
    hits = SearchIndex(catalogue.features).search("高屯")
    fields = [h.field for h in hits]
    assert fields[0].startswith("name.")
    assert fields == sorted(fields, key=lambda f: not f.startswith("name."))


def test_nothing_found_is_an_empty_collection(client):
    fc = client.get("/api/search?q=zzqqxx").get_json()
    assert fc["type"] == "FeatureCollection" and fc["features"] == []


@pytest.mark.parametrize("q", ["", "   ", "x" * 101])
def test_bad_search_is_400(client, q):
    resp = client.get("/api/search", query_string={"q": q})
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "q"


def test_nearby_is_sorted_geodesic_and_excludes_unlocated(client, catalogue):
    fc = client.get("/api/nearby?site=yungang-grottoes&radius=20000").get_json()
    feats = fc["features"]
    assert feats and all(f["geometry"] for f in feats)
    assert "yungang-grottoes" not in [f["id"] for f in feats]
    dists = [f["nearby"]["distance_m"] for f in feats]
    assert dists == sorted(dists) and max(dists) <= 20000
    geod = Geod(ellps="WGS84")
    for f in feats:
        _, _, d = geod.inv(113.1225, 40.11, *f["geometry"]["coordinates"])
        assert abs(d - f["nearby"]["distance_m"]) <= 1
        assert f["nearby"]["approximate"] == (f["properties"]["location"]["precision"] != "site")
    # Every located site within the radius is there.
    expected = {
        i
        for i, s in catalogue.features.items()
        if s.geometry and i != "yungang-grottoes" and geod.inv(113.1225, 40.11, *s.geometry.coordinates)[2] <= 20000
    }
    assert {f["id"] for f in feats} == expected


def test_nearby_a_point(client):
    fc = client.get("/api/nearby?lon=113.21116&lat=40.04328&radius=1000").get_json()
    assert {f["nearby"]["distance_m"] for f in fc["features"]} == {0}
    assert fc["origin"]["coordinates"] == [113.21116, 40.04328]


@pytest.mark.parametrize(
    "query,parameter,status",
    [
        ("lon=113&lat=abc", "lat", 400),
        ("lon=113", "lat", 400),
        ("lon=113&lat=40&radius=0", "radius", 400),
        ("lon=113&lat=40&radius=1e9", "radius", 400),
        ("lon=nan&lat=40", "lon", 400),
        ("site=yungang-grottoes&lon=1&lat=2", "site", 400),
        ("site=atlantis", "site", 404),
        ("site=shilihe-forest-park", "site", 422),
        ("lon=113&lat=40&near=1", "near", 400),
    ],
)
def test_bad_nearby_is_a_clear_error(client, query, parameter, status):
    resp = client.get("/api/nearby?" + query)
    assert resp.status_code == status and resp.is_json
    assert resp.get_json()["error"]["parameter"] == parameter


def test_district_figures_are_the_articles(client):
    body = client.get("/api/district").get_json()
    values = {f["id"]: (f["value"], f["growth_pct"]) for f in body["figures"]}
    assert values["gdp-q1"] == ("118.57", "5.9")
    assert values["fixed-asset-investment"] == ("29.3", "18.0")
    assert values["positions"] == ("2027", None)
    assert body["source"]["zh"]


def test_qr_code_only_for_this_site(client):
    ok = client.get("/qr.svg", query_string={"url": "http://localhost/?lang=zh&q=yungang"})
    assert ok.status_code == 200 and ok.mimetype == "image/svg+xml" and b"<svg" in ok.data
    assert client.get("/qr.svg", query_string={"url": "https://evil.example/"}).status_code == 400


def test_a_kept_answer_is_the_same_and_survives_a_snapshot(catalogue):
    import pickle

    index = SearchIndex(catalogue.features)
    first = index.search("yungang")
    assert index.search(" YunGang ") is first  # the same query, folded: the kept answer
    copy = pickle.loads(pickle.dumps(index))  # as the database snapshot stores it
    assert copy.search("yungang") == first and copy.search("云冈") == index.search("云冈")
