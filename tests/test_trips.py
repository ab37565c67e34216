"""data/trips.json is checked by the one loader: bad references name file, trip and field."""

from __future__ import annotations

import pytest
from support import edit_json

from webmap.catalogue import DataError, load_catalogue


def _problems(data_dir) -> list[str]:
    with pytest.raises(DataError) as err:
        load_catalogue(data_dir)
    return [str(p) for p in err.value.problems]


def test_shipped_trips_use_only_located_sites_and_both_languages(catalogue):
    book = catalogue.trips
    assert set(book.trips) == {"red-heritage", "energy-transition", "ecology-livelihood"}
    for trip in book.trips.values():
        for stop in trip.stops:
            assert catalogue.features[stop.site].geometry is not None
            assert stop.reason.zh and stop.reason.en
    assert set(book.visit_minutes) == set(catalogue.layer_ids)
    # Every anchor is approximate by construction and says where it comes from.
    assert all(a.uncertainty_m > 0 and a.source for a in book.anchors.values())


def test_the_energy_trip_says_its_projects_are_unlocated(catalogue):
    trip = catalogue.trips.trips["energy-transition"]
    energy_sites = [f for f in catalogue.features.values() if f.properties.layer == "energy"]
    assert energy_sites and all(f.geometry is None for f in energy_sites)
    assert "位置" in trip.description.zh and "location" in trip.description.en


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["trips"][0]["stops"][0].update(site="no-such-site"),
            "trips.json: feature 'red-heritage': field 'trips.0.stops.0.site': unknown site 'no-such-site'",
        ),
        (
            lambda d: d["trips"][1]["stops"][0].update(site="shilihe-forest-park"),
            "feature 'energy-transition': field 'trips.1.stops.0.site': site 'shilihe-forest-park' has no location",
        ),
        (
            lambda d: d["trips"][2]["stops"][1]["reason"].pop("en"),
            "feature 'ecology-livelihood': field 'trips.2.stops.1.reason.en': Field required",
        ),
        (
            lambda d: d["trips"][0]["title"].update(zh="  "),
            "field 'trips.0.title.zh': String should have at least 1 character",
        ),
        (lambda d: d["trips"][0].update(theme="nope"), "field 'trips.0.theme': unknown theme 'nope'"),
        (lambda d: d["trips"][0].update(start="atlantis"), "field 'trips.0.start': unknown anchor 'atlantis'"),
        (lambda d: d["trips"][0].update(start_time="8:30"), "field 'trips.0.start_time'"),
        (lambda d: d["visit_minutes"].pop("parks"), "'visit_minutes': no default visit duration for layer 'parks'"),
        (lambda d: d["visit_minutes"].update(museums=30), "field 'visit_minutes.museums': unknown layer 'museums'"),
        (lambda d: d["anchors"][0].update(kind="city"), "field 'anchors.0.kind'"),
        (
            lambda d: d["anchors"][1].update(coordinates=[113.6, 40.1]),
            "feature 'yungang-town': field 'anchors.1.coordinates': [113.6, 40.1] lies",
        ),
        (lambda d: d["anchors"].append(dict(d["anchors"][0])), "field 'anchors.14.id': duplicate anchor id"),
    ],
)
def test_bad_trips_file_is_a_data_error_naming_the_place(data_copy, change, expected):
    edit_json(data_copy / "trips.json", change)
    problems = _problems(data_copy)
    assert any(expected in p for p in problems), problems


def test_missing_trips_file_is_reported(data_copy):
    (data_copy / "trips.json").unlink()
    assert any("trips.json: file is missing" in p for p in _problems(data_copy))
