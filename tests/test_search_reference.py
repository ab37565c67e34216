"""The search index answers exactly what a plain loop over every field of every site
answers: same hits, same order, same scores, same fields and spans (issue 17 made the
index work on arrays; this keeps the rules it must follow readable in one place).

The reference below is the index's algorithm before that change, written per field
rather than over joined corpora. It uses the index's own text rules (``fold``,
``_pinyin``, the weights), so what it checks is the scan, the ranking and the paging."""

from __future__ import annotations

import json
import re
from dataclasses import astuple

import pytest
from support import DATA
from support.synthetic import add_synthetic_sites

from webmap.search import FIELD_WEIGHT, PINYIN_MIN_WEIGHT, SEP, Hit, SearchIndex, _pinyin, fold, normalise_query
from webmap.search_layers import LayeredIndex

QUERIES = [
    # Chinese: a whole name, a prefix, inside a text, a single character, a long text
    "云冈石窟",
    "云冈",
    "冈",
    "大同",
    "马军营",
    "光伏",
    "光伏电站",
    "石窟",
    "的",
    "测试用的合成地点",
    "高屯",
    # pinyin: full, prefix, inside a syllable, spaced, apostrophes, mixed case
    "yungang",
    "yun",
    "gang",
    "ungang",
    "datong",
    "majunying",
    "heng'an",
    "hengan",
    "yun gang",
    "YunGang",
    "gangshi",
    "g",
    "n",
    # initials
    "yg",
    "ygsk",
    "dt",
    "gf",
    "mjy",
    # English, numbers, facts
    "park",
    "Synthetic",
    "solar farm",
    "grottoes",
    "4915",
    "1",
    # full-width and odd characters, nothing found
    "ＹＵＮＧＡＮＧ",
    "ｐａｒｋ",
    "云冈１号",
    "(",
    ".*",
    "zzqqxx",
    "'",
    "  ",
]


def _rows(p: dict):
    """(field, weight, text) of one site, in the index's order."""
    for key in ("name", "summary", "details"):
        for lang in ("zh", "en"):
            yield f"{key}.{lang}", FIELD_WEIGHT[key], p[key][lang]
    for i, fact in enumerate(p.get("facts") or ()):
        for lang in ("zh", "en"):
            yield f"facts.{i}.label.{lang}", FIELD_WEIGHT["facts"], fact["label"][lang]
        yield f"facts.{i}.value", FIELD_WEIGHT["facts"], fact["value"]


def _match(q: str, q_compact: str, weight: int, text: str) -> tuple[float, int, int] | None:
    """(factor, start, end) of the first kind of match that applies to one field."""
    folded = fold(text).replace(SEP, " ")
    i = folded.find(q)
    if i >= 0:
        return (2.0 if len(q) == len(text) else 1.5 if i == 0 else 1.0), i, i + len(q)
    if not (q_compact.isascii() and q_compact.isalpha()) or weight < PINYIN_MIN_WEIGHT:
        return None
    full, fmap, initials, imap = _pinyin(text)
    i = full.find(q_compact)
    if i >= 0 and not (i > 0 and fmap[i - 1] == fmap[i]):  # a first occurrence inside a syllable does not count
        return (0.9 if i == 0 else 0.7), fmap[i], fmap[i + len(q_compact) - 1] + 1
    i = initials.find(q_compact) if len(q_compact) >= 2 else -1
    if i >= 0:
        return (0.8 if i == 0 else 0.5), imap[i], imap[i + len(q_compact) - 1] + 1
    return None


def reference_search(sites: dict[str, dict], query: str) -> list[Hit]:
    q = normalise_query(query)
    if not q:
        return []
    q_compact = re.sub(r"[\s']+", "", q)
    best: dict[str, Hit] = {}
    for fid, p in sites.items():
        for field, weight, text in _rows(p):
            found = _match(q, q_compact, weight, text)
            if found is None:
                continue
            factor, start, end = found
            coverage = (end - start) / max(len(text), 1)
            hit = Hit(fid, round(weight * factor * (0.75 + 0.25 * coverage), 3), field, start, end)
            if fid not in best or hit.score > best[fid].score:  # ties: the first field
                best[fid] = hit
    return sorted(best.values(), key=lambda h: (-h.score, h.site_id))


def _sites(data_dir) -> dict[str, dict]:
    features = json.loads((data_dir / "sites.geojson").read_text(encoding="utf-8"))["features"]
    return {f["id"]: f["properties"] for f in features}


@pytest.fixture(scope="module")
def shipped(catalogue) -> dict[str, dict]:
    return {fid: f.model_dump(mode="json")["properties"] for fid, f in catalogue.features.items()}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> dict[str, dict]:
    return _sites(add_synthetic_sites(DATA, tmp_path_factory.mktemp("search") / "data", 3000))


def _index(sites: dict[str, dict]) -> SearchIndex:
    index = SearchIndex()
    for fid, p in sites.items():
        index.add_geojson(fid, p)
    index.close()
    return index


@pytest.mark.parametrize("data", ["shipped", "synthetic"])
def test_the_index_answers_what_a_loop_over_every_field_answers(data, request):
    sites = request.getfixturevalue(data)
    index = _index(sites)
    assert len(sites) > (3000 if data == "synthetic" else 20)
    found = 0
    for query in QUERIES:
        expected = reference_search(sites, query)
        hits = index.search(query)
        assert len(hits) == len(expected), query
        assert [astuple(h) for h in hits] == [astuple(h) for h in expected], query
        assert all(type(v) in (str, int, float) for h in hits[:5] for v in astuple(h)), query  # JSON-ready
        found += bool(expected)
    assert found > len(QUERIES) // 2  # the queries do find things


def test_a_page_is_the_same_hits_as_the_whole_answer(synthetic):
    index = _index(synthetic)
    hits = index.search("云冈")
    whole = list(hits)
    assert len(whole) > 200
    assert hits[100:200] == whole[100:200] and hits[-1] == whole[-1] and hits[5] == whole[5]
    assert hits[len(whole) : len(whole) + 10] == []
    with pytest.raises(IndexError):
        hits[len(whole)]
    assert hits == whole and whole == list(index.search(" 云冈 "))
    if hasattr(hits, "site_ids"):  # the arrays' own ways to read every site
        assert hits.site_ids() == [h.site_id for h in whole]
        dropped = {whole[0].site_id, whole[7].site_id}
        assert list(hits.without(dropped)) == [h for h in whole if h.site_id not in dropped]


def _site(name_zh: str, name_en: str = "", details_zh: str = "", facts: list | None = None) -> dict:
    empty = {"zh": "", "en": ""}
    return {
        "name": {"zh": name_zh, "en": name_en},
        "summary": dict(empty),
        "details": {"zh": details_zh, "en": ""},
        "facts": facts or [],
    }


def test_edge_cases_answer_as_the_loop_does():
    """Repeats in one field and across lines, a query that is a whole field, a later
    field scoring the same as an earlier one, empty fields, ids out of order."""
    sites = {
        "b": _site("云冈", "Yungang"),
        "a": _site("大同云冈石窟", details_zh="第一行\n云冈\n云冈云冈"),
        "c": _site("", details_zh="云冈\n\n云冈"),
        "d": _site("恒安", "Heng'an", facts=[{"label": {"zh": "云冈", "en": "x"}, "value": "云冈"}]),
        "e": _site("长安街", "Chang'an"),
        "f": _site("云冈", "云冈"),
    }
    index = _index(sites)
    for query in ("云冈", "yungang", "yun", "gang", "ang", "an", "heng'an", "hengan", "ha", "ya", "\n", "冈\n云"):
        assert [astuple(h) for h in index.search(query)] == [astuple(h) for h in reference_search(sites, query)], query


def test_an_export_selects_the_sites_a_search_finds(catalogue):
    from webmap.selection import Selection

    found = {h.site_id for h in catalogue.search_index.search("云冈")}
    ids = Selection(q="云冈").ids(catalogue)
    assert len(found) > 1 and ids == [fid for fid in catalogue.features if fid in found]  # catalogue order


def test_a_kept_answer_does_not_keep_its_index_alive():
    """An edit replaces the catalogue; its index (the corpora, hundreds of MB at 100k)
    must go when the catalogue does, not wait for the cycle collector."""
    import gc
    import weakref

    index = _index({"a": _site("云冈"), "b": _site("云冈石窟")})
    assert len(index.search("云冈")) == 2
    gone = weakref.ref(index)
    gc.disable()
    try:
        del index
        assert gone() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("query", ["云冈", "ceshi", "zzz", "", "  "])
def test_an_edited_catalogues_site_ids_are_the_sites_its_search_finds(catalogue, query):
    props = catalogue.feature_geojson("yungang-grottoes")["properties"]
    props["name"] = {"zh": "云冈石窟测试", "en": "Zzz grottoes"}
    layered = LayeredIndex.of(catalogue.search_index).changed({"yungang-grottoes": props}, ["yungang-library"])
    for index in (catalogue.search_index, layered):
        assert sorted(index.site_ids(query)) == sorted(h.site_id for h in index.search(query))
    assert ("yungang-grottoes" in layered.site_ids(query)) == (query in ("云冈", "ceshi", "zzz"))
    assert "yungang-library" not in layered.site_ids(query)
