"""The loader: the shipped data is complete and valid; every kind of bad input
gives one DataError naming the file, the feature and the field."""

from __future__ import annotations

import json

import pytest
from support import DATA, edit_json

from webmap.catalogue import DataError, load_catalogue

ARTICLE_FIGURES = ["2×100万千瓦", "123", "4915", "58", "1197", "26"]


def test_shipped_data_is_complete(catalogue):
    assert len(catalogue.features) >= 25
    assert len(catalogue.layers) >= 6
    for required in ("heritage", "energy", "parks", "communities", "culture", "industry"):
        assert catalogue.site_ids(required), f"layer {required} has no sites"
    counts = catalogue.layer_counts()
    assert sum(c["total"] for c in counts.values()) == len(catalogue.features)
    # The sites the issue names by hand are all there.
    names = " ".join(f.properties.name.zh for f in catalogue.features.values())
    for name in ("云冈石窟", "高屯", "红色纪念馆", "万人坑"):
        assert name in names


def test_shipped_figures_are_quoted_exactly(catalogue):
    values = {fact.value for f in catalogue.features.values() for fact in f.properties.facts}
    for figure in ARTICLE_FIGURES:
        assert figure in values, f"figure {figure} from the article is missing"
    article = DATA.parent.parent / "shared" / "article" / "yungang-district-feature.txt"
    if article.exists():  # the article sits beside the repo in this workplace
        text = article.read_text(encoding="utf-8")
        for v in values:
            assert v in text or v.replace("千吨级", "千吨吨级") in text, f"fact value {v!r} not in the article"


def test_every_located_site_says_how_precise(catalogue):
    for f in catalogue.features.values():
        loc = f.properties.location
        assert loc.source
        if f.geometry is None:
            assert loc.precision.value == "district"
        else:
            assert loc.uncertainty_m and loc.uncertainty_m > 0


def test_official_names_are_used(catalogue):
    text = json.dumps([f.model_dump(mode="json") for f in catalogue.features.values()], ensure_ascii=False)
    # The article's misspellings appear only inside notes that explain them.
    for f in catalogue.features.values():
        assert "鸡儿崖" not in f.properties.name.zh + f.properties.summary.zh + f.properties.details.zh
    assert "鸦儿崖乡" in text


def test_sites_table_matches_features(catalogue):
    df = catalogue.sites
    assert set(df.index) == set(catalogue.features)
    located = df[~df.geometry.isna()]
    assert all(df.loc[i, "approximate"] == (df.loc[i, "precision"] != "site") for i in df.index)
    assert located.crs.to_epsg() == 4326
    assert located.geometry.within(catalogue.boundary.buffer(0.2)).all()


# ---------------------------------------------------------------------------
# Bad input: each case breaks a copy of the shipped data in one way.


def _photo(file: str) -> dict:
    return {"file": file, "caption": {"zh": "图", "en": "photo"}, "credit": {"zh": "某", "en": "x"}}


def _first(doc, located=True):
    return next(f for f in doc["features"] if (f["geometry"] is not None) == located)


def break_sites(change):
    return lambda d: edit_json(d / "sites.geojson", change)


def write_sites(text):
    return lambda d: (d / "sites.geojson").write_text(text, encoding="utf-8")


BAD_INPUTS = {
    "bad json": (
        write_sites('{"type": "FeatureCollection", "features": [}'),
        "sites.geojson",
        None,
        None,
        "invalid JSON at line 1",
    ),
    "NaN number": (
        lambda d: (d / "sites.geojson").write_text(
            (d / "sites.geojson").read_text(encoding="utf-8").replace("113.1225", "NaN", 1), encoding="utf-8"
        ),
        "sites.geojson",
        None,
        None,
        "NaN is not valid JSON",
    ),
    "duplicate key": (
        write_sites('{"type": "FeatureCollection", "type": "x", "features": []}'),
        "sites.geojson",
        None,
        None,
        "duplicate key 'type'",
    ),
    "not a collection": (write_sites('{"type": "Feature"}'), "sites.geojson", None, "type", "FeatureCollection"),
    "wrong geometry type": (
        break_sites(
            lambda doc: _first(doc).update(
                geometry={"type": "LineString", "coordinates": [[113.1, 40.0], [113.2, 40.0]]}
            )
        ),
        "sites.geojson",
        "first-located",
        "geometry.type",
        "must be a Point (or null), got 'LineString'",
    ),
    "lat/lon swapped": (
        break_sites(
            lambda doc: _first(doc)["geometry"].update(
                coordinates=list(reversed(_first(doc)["geometry"]["coordinates"]))
            )
        ),
        "sites.geojson",
        "first-located",
        "geometry.coordinates",
        "swapped",
    ),
    "out of range": (
        break_sites(lambda doc: _first(doc)["geometry"].update(coordinates=[213.1, 40.0])),
        "sites.geojson",
        "first-located",
        "geometry.coordinates",
        "out of range",
    ),
    "outside district": (
        break_sites(lambda doc: _first(doc)["geometry"].update(coordinates=[116.39, 39.91])),
        "sites.geojson",
        "first-located",
        "geometry.coordinates",
        "outside the district",
    ),
    "duplicate id": (
        break_sites(lambda doc: doc["features"].append(json.loads(json.dumps(_first(doc))))),
        "sites.geojson",
        "first-located",
        "id",
        "duplicate id",
    ),
    "unknown layer": (
        break_sites(lambda doc: _first(doc)["properties"].update(layer="casinos")),
        "sites.geojson",
        "first-located",
        "properties.layer",
        "unknown layer 'casinos'",
    ),
    "missing language": (
        break_sites(lambda doc: _first(doc)["properties"]["name"].pop("en")),
        "sites.geojson",
        "first-located",
        "properties.name.en",
        "Field required",
    ),
    "empty text": (
        break_sites(lambda doc: _first(doc)["properties"]["summary"].update(zh="  ")),
        "sites.geojson",
        "first-located",
        "properties.summary.zh",
        "at least 1 character",
    ),
    "missing photo file": (
        break_sites(lambda doc: _first(doc)["properties"].update(photos=[_photo("nowhere.jpg")])),
        "sites.geojson",
        "first-located",
        "properties.photos.0.file",
        "no file 'nowhere.jpg'",
    ),
    "photo path traversal": (
        break_sites(lambda doc: _first(doc)["properties"].update(photos=[_photo("../secret.jpg")])),
        "sites.geojson",
        "first-located",
        "properties.photos.0.file",
        "plain file name",
    ),
    "bad precision class": (
        break_sites(lambda doc: _first(doc)["properties"]["location"].update(precision="exact")),
        "sites.geojson",
        "first-located",
        "properties.location.precision",
        "Input should be",
    ),
    "missing uncertainty": (
        break_sites(lambda doc: _first(doc)["properties"]["location"].pop("uncertainty_m")),
        "sites.geojson",
        "first-located",
        None,
        "uncertainty_m is required",
    ),
    "null geometry with fine precision": (
        break_sites(lambda doc: _first(doc).update(geometry=None)),
        "sites.geojson",
        "first-located",
        None,
        "geometry is null",
    ),
    "unknown status": (
        break_sites(lambda doc: _first(doc)["properties"].update(status="closed-ish")),
        "sites.geojson",
        "first-located",
        "properties.status",
        "Input should be",
    ),
    "unknown theme": (
        break_sites(lambda doc: _first(doc)["properties"].update(themes=["gambling"])),
        "sites.geojson",
        "first-located",
        "properties.themes",
        "unknown theme 'gambling'",
    ),
    "misspelt field": (
        break_sites(lambda doc: _first(doc)["properties"].update(sumary={"zh": "x", "en": "y"})),
        "sites.geojson",
        "first-located",
        "properties.sumary",
        "unknown field",
    ),
    "bad layer colour": (
        lambda d: edit_json(d / "layers.json", lambda doc: doc["layers"][0].update(colour="red")),
        "layers.json",
        "first-layer",
        "colour",
        "should match pattern",
    ),
    "missing themes file": (lambda d: (d / "themes.json").unlink(), "themes.json", None, None, "file is missing"),
    "boundary not a polygon": (
        lambda d: (d / "boundary.geojson").write_text(
            '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [113, 40]}}'
        ),
        "boundary.geojson",
        None,
        "geometry",
        "Polygon or MultiPolygon",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_names_file_feature_and_field(case, data_copy):
    breaker, file, feature, field, message = BAD_INPUTS[case]
    sites = json.loads((data_copy / "sites.geojson").read_text(encoding="utf-8"))
    layers = json.loads((data_copy / "layers.json").read_text(encoding="utf-8"))
    expected_feature = {"first-located": _first(sites)["id"], "first-layer": layers["layers"][0]["id"], None: None}[
        feature
    ]
    breaker(data_copy)

    with pytest.raises(DataError) as info:
        load_catalogue(data_copy)

    matching = [
        p
        for p in info.value.problems
        if p.file.endswith(file)
        and p.feature == expected_feature
        and message in p.message
        and (field is None or p.field == field)
    ]
    assert matching, f"no problem like {(file, expected_feature, field, message)} in {info.value.problems}"
    # The exception's own message names the file and, where there is one, the feature.
    assert file in str(info.value)


def test_point_outside_within_its_uncertainty_is_accepted(data_copy):
    # Datong city centre lies in 平城区, a few km outside; a 20 km uncertainty covers that.
    def change(doc):
        f = _first(doc)
        f["geometry"]["coordinates"] = [113.29139, 40.09361]
        # "site" precision: a township-level point would also need its source's box (provenance.py).
        f["properties"]["location"].update(precision="site", uncertainty_m=20000)

    edit_json(data_copy / "sites.geojson", change)
    cat = load_catalogue(data_copy)
    assert len(cat.features) == len(load_catalogue(DATA).features)


def test_all_problems_are_reported_not_just_the_first(data_copy):
    def change(doc):
        doc["features"][0]["properties"]["layer"] = "nope"
        doc["features"][1]["properties"]["status"] = "nope"

    edit_json(data_copy / "sites.geojson", change)
    with pytest.raises(DataError) as info:
        load_catalogue(data_copy)
    assert len(info.value.problems) == 2
    assert "and 1 more problem" in str(info.value)
