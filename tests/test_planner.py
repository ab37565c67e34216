"""The planner module on its own: ordering, distances and time arithmetic."""

from __future__ import annotations

import itertools
import random
from datetime import date, time

import pytest

from webmap.settings import load_settings
from webmap.trips.planner import (
    MAX_STOPS,
    ModeEstimate,
    Place,
    PlanError,
    best_order,
    clock_label,
    estimates_from,
    geodesic_m,
    held_karp,
    parse_hhmm,
    path_length,
    plan_trip,
)

EST = {"walk": ModeEstimate(5, 1.0), "coach": ModeEstimate(30, 1.5), "car": ModeEstimate(60, 1.0)}


def _place(i: int, lon: float, lat: float, **kw) -> Place:
    return Place(f"p{i}", f"点{i}", f"Place {i}", lon, lat, **kw)


def _random_instance(rng: random.Random, n: int) -> list[list[float]]:
    pts = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(n)]
    return [[((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 for bx, by in pts] for ax, ay in pts]


def _brute_force(stops, dist, start, end) -> float:
    return min(path_length(list(p), dist, start, end) for p in itertools.permutations(stops))


@pytest.mark.parametrize("seed", range(12))
def test_exact_order_matches_brute_force(seed):
    rng = random.Random(seed)
    n_stops = rng.randint(1, 7)
    with_start, with_end = rng.random() < 0.7, rng.random() < 0.7
    n = n_stops + with_start + with_end
    dist = _random_instance(rng, n)
    stops = list(range(n_stops))
    start = n_stops if with_start else None
    end = n - 1 if with_end else None
    order = held_karp(stops, dist, start, end)
    assert sorted(order) == stops
    assert path_length(order, dist, start, end) == pytest.approx(_brute_force(stops, dist, start, end))


@pytest.mark.parametrize("seed", range(4))
def test_heuristic_beyond_ten_stops_keeps_every_stop_and_never_loses_to_the_given_order(seed):
    rng = random.Random(100 + seed)
    n = 20
    dist = _random_instance(rng, n + 2)
    stops = list(range(n))
    order = best_order(stops, dist, n, n + 1)
    assert sorted(order) == stops
    assert path_length(order, dist, n, n + 1) <= path_length(stops, dist, n, n + 1)
    # 2-opt leaves no single segment reversal that helps.
    best = path_length(order, dist, n, n + 1)
    for i, j in itertools.combinations(range(n), 2):
        cand = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
        assert path_length(cand, dist, n, n + 1) >= best - 1e-9


def test_geodesic_distance_is_on_the_ellipsoid():
    # One degree of latitude at 40°N is 111,034 m on WGS-84 (not the spherical 111,195 m).
    d = geodesic_m(_place(0, 113.0, 39.5), _place(1, 113.0, 40.5))
    assert d == pytest.approx(111_034, abs=20)


def test_plan_optimises_and_reports_distance_saved():
    a, b, c = _place(1, 113.0, 40.0), _place(2, 113.2, 40.0), _place(3, 113.1, 40.0)
    start = _place(0, 112.9, 40.0, kind="point")
    given = plan_trip([a, b, c], mode="car", estimates=EST, start_time=time(9), visit_minutes=[0, 0, 0], start=start)
    best = plan_trip(
        [a, b, c], mode="car", estimates=EST, start_time=time(9), visit_minutes=[0, 0, 0], start=start, optimise=True
    )
    assert [p.id for p in best.stops] == ["p1", "p3", "p2"]
    assert best.road_m < given.road_m
    assert best.saved_m == pytest.approx(given.road_m - best.road_m)
    assert given.saved_m == 0


def test_schedule_crosses_midnight():
    a, b = _place(1, 113.0, 40.0), _place(2, 113.0, 40.1)
    plan = plan_trip(
        [a, b], mode="walk", estimates=EST, start_time=time(23, 30), visit_minutes=[20, 45], day=date(2026, 5, 31)
    )
    leg = plan.legs[0].minutes  # ~11.1 km at 5 km/h: 133 min
    assert leg == round(geodesic_m(a, b) / 1000 / 5 * 60)
    first, second = plan.visits
    assert clock_label(plan.begin, first.arrive) == "23:30"
    assert clock_label(plan.begin, first.depart) == "23:50"
    assert second.arrive.date() == date(2026, 6, 1)  # month boundary too
    assert (second.arrive - first.depart).total_seconds() == leg * 60
    assert clock_label(plan.begin, second.depart).endswith("(+1)")
    assert plan.total_minutes == 20 + leg + 45
    assert any(w["code"] == "past_day_end" for w in plan.warnings)


def test_zero_length_visits_and_shared_points():
    # Two stops on the same proxy point: no travel between them, and zero-minute visits.
    a, b = _place(1, 113.2, 40.04), _place(2, 113.2, 40.04)
    plan = plan_trip([a, b], mode="coach", estimates=EST, start_time=time(8), visit_minutes=[0, 0])
    assert plan.legs[0].road_m == 0 and plan.legs[0].minutes == 0
    assert [v.arrive for v in plan.visits] == [plan.begin, plan.begin]
    assert plan.finish == plan.begin and plan.total_minutes == 0
    assert plan.warnings == []


def test_day_end_warning_only_when_the_limit_is_passed():
    a = _place(1, 113.0, 40.0)
    plan = plan_trip([a], mode="car", estimates=EST, start_time=time(8), visit_minutes=[9 * 60], day_end=time(18))
    assert not any(w["code"] == "past_day_end" for w in plan.warnings)
    plan = plan_trip([a], mode="car", estimates=EST, start_time=time(8), visit_minutes=[10 * 60 + 1])
    assert any(w["code"] == "past_day_end" for w in plan.warnings)


def test_approximate_stops_are_warned_about_one_by_one():
    a = _place(1, 113.0, 40.0, approximate=True, uncertainty_m=3000)
    b = _place(2, 113.1, 40.0)
    plan = plan_trip([a, b], mode="car", estimates=EST, start_time=time(8), visit_minutes=[10, 10])
    assert [w.get("stop") for w in plan.warnings if w["code"] == "approximate_stop"] == ["p1"]
    assert "3.0 km" in plan.warnings[0]["en"]
    # ... and the whole trip says its order and times are estimates, once.
    assert [w["code"] for w in plan.warnings].count("approximate_order") == 1


def test_best_order_keeps_the_given_order_when_nothing_is_shorter():
    # Free ends: a path and its reverse are the same length; the given order stays.
    a, b, c = _place(1, 113.0, 40.0), _place(2, 113.1, 40.0), _place(3, 113.2, 40.0)
    plan = plan_trip([a, b, c], mode="car", estimates=EST, start_time=time(8), visit_minutes=[0, 0, 0], optimise=True)
    assert [p.id for p in plan.stops] == ["p1", "p2", "p3"]
    plan = plan_trip([c, b, a], mode="car", estimates=EST, start_time=time(8), visit_minutes=[0, 0, 0], optimise=True)
    assert [p.id for p in plan.stops] == ["p3", "p2", "p1"]


def test_two_places_on_one_proxy_point_have_an_unknown_distance():
    a = _place(1, 113.0, 40.0, approximate=True, uncertainty_m=3000)
    b = _place(2, 113.0, 40.0, approximate=True, uncertainty_m=3000)
    plan = plan_trip([a, b], mode="car", estimates=EST, start_time=time(8), visit_minutes=[10, 10])
    assert [leg.known for leg in plan.legs] == [False]
    assert "distance_unknown" in [w["code"] for w in plan.warnings]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mode": "plane"}, "mode"),
        ({"stops": []}, "stops"),
        ({"stops": [_place(i, 113, 40) for i in range(MAX_STOPS + 1)]}, "stops"),
        ({"visit_minutes": [-5]}, "visit_minutes"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = {"stops": [_place(1, 113, 40)], "mode": "car", "visit_minutes": [10], **kwargs}
    if "stops" in kwargs and "visit_minutes" not in kwargs:
        args["visit_minutes"] = [10] * len(kwargs["stops"])
    with pytest.raises(PlanError) as err:
        plan_trip(args.pop("stops"), estimates=EST, start_time=time(8), **args)
    assert err.value.field == field


@pytest.mark.parametrize("bad", ["8:30", "24:00", "12:60", "0830", "", "ab:cd", "12:30:00"])
def test_start_time_must_be_hh_mm(bad):
    with pytest.raises(PlanError) as err:
        parse_hhmm(bad)
    assert err.value.field == "start_time"


def test_speeds_and_detours_come_from_settings():
    est = estimates_from(load_settings(planner_coach_kmh=20, planner_coach_detour=2))
    assert est["coach"] == ModeEstimate(20, 2)
    assert set(est) == {"walk", "coach", "car"}
