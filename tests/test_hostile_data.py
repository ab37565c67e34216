"""Hostile data files: each gives one clear DataError naming the file, in bounded
memory, and never a partial catalogue (the loader raises, the app refuses to start).

Memory is measured with tracemalloc around the call and checked against generous
bounds; there are no timing assertions (a hung loader shows up as a hung test)."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from webmap.catalogue import DataError, load_catalogue
from webmap.settings import load_settings
from webmap.web.app import create_app

MB = 1024 * 1024


def _load_measured(data_dir, **kwargs) -> tuple[DataError, int]:
    """Load, expecting a DataError; return it and the peak Python memory used (bytes)."""
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            load_catalogue(data_dir, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


def _replace_first(old: str, new: str):
    def change(d):
        path = d / "sites.geojson"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def _boundary(geometry):
    def change(d):
        doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}
        (d / "boundary.geojson").write_text(json.dumps(doc), encoding="utf-8")

    return change


def _located_point(coords: str):
    # The Grottoes' point as it is laid out in the shipped file.
    return _replace_first("113.1225,\n          40.11", coords)


BOWTIE = [[[112.9, 39.9], [113.3, 40.2], [113.3, 39.9], [112.9, 40.2], [112.9, 39.9]]]

HOSTILE = {
    # name: (how to break the copy, file named, words in the message)
    "deep nesting": (
        lambda d: (d / "sites.geojson").write_text("[" * 100_000 + "]" * 100_000),
        "sites.geojson",
        "nested too deeply",
    ),
    "deep nesting inside a field": (
        _replace_first('"historic"', "[" * 100_000 + "]" * 100_000),
        "sites.geojson",
        "nested too deeply",
    ),
    "deep nesting in the boundary": (
        lambda d: (d / "boundary.geojson").write_text('{"type": "Polygon", "coordinates": ' + "[" * 50_000 + "}"),
        "boundary.geojson",
        "invalid JSON",
    ),
    "NaN": (_located_point("NaN, 40.11"), "sites.geojson", "NaN is not valid JSON"),
    "Infinity": (_located_point("Infinity, 40.11"), "sites.geojson", "Infinity is not valid JSON"),
    "-Infinity": (_located_point("-Infinity, 40.11"), "sites.geojson", "-Infinity is not valid JSON"),
    "number that overflows to infinity": (_located_point("1e400, 40.11"), "sites.geojson", "finite numbers"),
    "1e308": (_located_point("1e308, 40.11"), "sites.geojson", "out of range"),
    "-1e308 latitude": (_located_point("113.1225, -1e308"), "sites.geojson", "out of range"),
    "negative zero": (_located_point("-0.0, -0.0"), "sites.geojson", "outside the district boundary"),
    "a 5000-digit integer": (_located_point("1" * 5000 + ", 40.11"), "sites.geojson", "digits"),
    "duplicate keys deep inside": (
        _replace_first('"status": "historic"', '"status": "historic", "status": "open"'),
        "sites.geojson",
        "duplicate key 'status'",
    ),
    "not UTF-8": (lambda d: (d / "layers.json").write_bytes(b'{"layers": "\xff\xfe"}'), "layers.json", "not UTF-8"),
    "a list where an object belongs": (
        lambda d: (d / "sites.geojson").write_text('{"type": "FeatureCollection", "features": [1, "x", null, []]}'),
        "sites.geojson",
        "valid dictionary",
    ),
    "empty point": (_located_point(""), "sites.geojson", "coordinates"),
    "3D point": (_located_point("113.1225, 40.11, 1200"), "sites.geojson", "coordinates"),
    "self-intersecting boundary": (_boundary({"type": "Polygon", "coordinates": BOWTIE}), "boundary.geojson", "valid"),
    "empty boundary": (_boundary({"type": "Polygon", "coordinates": []}), "boundary.geojson", "valid"),
    "empty multipolygon": (_boundary({"type": "MultiPolygon", "coordinates": []}), "boundary.geojson", "valid"),
    "unclosed ring": (
        _boundary({"type": "Polygon", "coordinates": [[[112.9, 39.9], [113.3, 40.2]]]}),
        "boundary.geojson",
        "at least 4 coordinates",
    ),
    "boundary at absurd coordinates": (
        _boundary({"type": "Polygon", "coordinates": [[[112.9, 39.9], [1e308, 39.9], [1e308, 40.2], [112.9, 39.9]]]}),
        "boundary.geojson",
        "out of range",
    ),
    "boundary without geometry": (
        lambda d: (d / "boundary.geojson").write_text('{"type": "Feature"}'),
        "boundary.geojson",
        "missing 'geometry'",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_file_is_a_clear_error_in_bounded_memory(case, data_copy):
    breaker, file, words = HOSTILE[case]
    breaker(data_copy)
    error, peak = _load_measured(data_copy)
    assert any(p.file.endswith(file) and words in f"{p.field} {p.message}" for p in error.problems), error.problems
    assert file in str(error)
    assert peak < 200 * MB, f"{peak / MB:.0f} MB"


def test_a_file_over_the_limit_is_refused_before_it_is_read(data_copy):
    # Test with a 1 MB limit rather than writing 512 MiB.
    (data_copy / "sites.geojson").write_text('{"pad": "' + "x" * (8 * MB) + '"}')
    error, peak = _load_measured(data_copy, max_file_bytes=1 * MB)
    assert "sites.geojson" in str(error) and f"the limit is {MB}" in str(error)
    assert peak < 4 * MB, "the file was read although it is over the limit"


def test_the_limit_applies_to_every_file(data_copy):
    limit = 1 * MB  # above every shipped file
    (data_copy / "boundary.geojson").write_text(" " * limit + "{}")
    error, _ = _load_measured(data_copy, max_file_bytes=limit)
    assert [(p.file.endswith("boundary.geojson"), "limit" in p.message) for p in error.problems] == [(True, True)]


def test_many_bad_features_are_all_reported_in_bounded_memory(data_copy):
    features = [{"type": "Feature", "id": f"bad-{i}"} for i in range(10_000)]
    (data_copy / "sites.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    error, peak = _load_measured(data_copy)
    assert len({p.feature for p in error.problems}) == 10_000
    assert peak < 200 * MB, f"{peak / MB:.0f} MB"


def test_one_bad_feature_means_no_catalogue_at_all(data_copy, tmp_path):
    """No partial catalogue: 32 good sites and one bad one give an error, not 32 sites."""
    _located_point("1e308, 40.11")(data_copy)
    with pytest.raises(DataError):
        load_catalogue(data_copy)
    with pytest.raises(DataError):
        create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache"))
