"""Field-trip planner: distances, best visiting order and a timed schedule.

Plain Python, no Flask. There is no routing service: a leg's road distance is the
geodesic (WGS-84 ellipsoid) distance times a per-mode detour factor, and its time is that
distance at a per-mode speed. Both factors are settings; every figure derived from them is
an *estimate* and is labelled so wherever it is shown.

Ordering keeps the start and end points fixed (when given) and permutes the stops between
them: exact (Held-Karp dynamic programming) for up to ``EXACT_LIMIT`` stops, 2-opt local
search from the better of the given and the nearest-neighbour order beyond that.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pyproj import Geod

from ..errors import WebmapError
from ..vocab import MODES

MAX_STOPS = 25
EXACT_LIMIT = 10
MAX_VISIT_MINUTES = 24 * 60
SHORTER_BY_M = 1.0  # an order must save at least this much road to replace the given one
SAME_POINT_M = 1.0  # two places closer than this stand on one (proxy) point

_GEOD = Geod(ellps="WGS84")


class PlanError(WebmapError, ValueError):
    """The request cannot be planned; ``field`` names the input at fault."""

    code = "invalid_trip"

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)
        self.field = field


@dataclass(frozen=True)
class ModeEstimate:
    """How a travel mode turns straight-line distance into a road estimate."""

    speed_kmh: float
    detour: float


@dataclass(frozen=True)
class Place:
    """A stop, or the start or end point. ``approximate`` places stand on an anchor."""

    id: str
    name_zh: str
    name_en: str
    lon: float
    lat: float
    kind: str = "site"  # site | anchor | point
    approximate: bool = False
    uncertainty_m: float | None = None


def estimates_from(settings) -> dict[str, ModeEstimate]:
    """The per-mode speed and detour factor from a ``Settings`` object."""
    return {
        m: ModeEstimate(getattr(settings, f"planner_{m}_kmh"), getattr(settings, f"planner_{m}_detour")) for m in MODES
    }


def geodesic_m(a: Place, b: Place) -> float:
    """Distance in metres on the WGS-84 ellipsoid."""
    if (a.lon, a.lat) == (b.lon, b.lat):
        return 0.0
    _, _, dist = _GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    return float(dist)


# ---------------------------------------------------------------------------
# Ordering


def path_length(order: list[int], dist: list[list[float]], start: int | None, end: int | None) -> float:
    """Length of visiting the stops ``order`` from ``start`` to ``end`` (indices into
    ``dist``; ``None`` means that end of the path is free)."""
    seq = ([start] if start is not None else []) + list(order) + ([end] if end is not None else [])
    return sum(dist[a][b] for a, b in itertools.pairwise(seq))


def held_karp(stops: list[int], dist: list[list[float]], start: int | None, end: int | None) -> list[int]:
    """The shortest order of ``stops`` between fixed (or free) ends, exactly.

    O(2^n · n^2); fine for n <= 10 (about 100,000 steps)."""
    n = len(stops)
    if n <= 1:
        return list(stops)
    inf = float("inf")
    # best[mask][j]: shortest path from start covering ``mask``, ending at stops[j].
    best = [[inf] * n for _ in range(1 << n)]
    parent = [[-1] * n for _ in range(1 << n)]
    for j in range(n):
        best[1 << j][j] = dist[start][stops[j]] if start is not None else 0.0
    for mask in range(1, 1 << n):
        for j in range(n):
            cost = best[mask][j]
            if cost == inf or not mask & (1 << j):
                continue
            for k in range(n):
                if mask & (1 << k):
                    continue
                nxt = mask | (1 << k)
                c = cost + dist[stops[j]][stops[k]]
                if c < best[nxt][k]:
                    best[nxt][k] = c
                    parent[nxt][k] = j
    full = (1 << n) - 1
    last = min(range(n), key=lambda j: best[full][j] + (dist[stops[j]][end] if end is not None else 0.0))
    order, mask = [], full
    while last != -1:
        order.append(stops[last])
        last, mask = parent[mask][last], mask & ~(1 << last)
    return order[::-1]


def two_opt(order: list[int], dist: list[list[float]], start: int | None, end: int | None) -> list[int]:
    """Improve a path by reversing segments until no reversal shortens it."""
    route = list(order)
    improved = True
    while improved:
        improved = False
        for i in range(len(route) - 1):
            for j in range(i + 1, len(route)):
                candidate = route[:i] + route[i : j + 1][::-1] + route[j + 1 :]
                if path_length(candidate, dist, start, end) < path_length(route, dist, start, end) - 1e-9:
                    route, improved = candidate, True
    return route


def nearest_neighbour(stops: list[int], dist: list[list[float]], start: int | None) -> list[int]:
    left = list(stops)
    here = start if start is not None else left[0]
    order = []
    while left:
        nxt = min(left, key=lambda s: dist[here][s])
        left.remove(nxt)
        order.append(nxt)
        here = nxt
    return order


def best_order(stops: list[int], dist: list[list[float]], start: int | None, end: int | None) -> list[int]:
    """The shortest order found; the given order when nothing is shorter by a metre. With a
    free end, a path and its reverse have the same length: reversing a trip (and ending it
    where its story begins) for no gain is not an improvement."""
    if len(stops) <= EXACT_LIMIT:
        found = held_karp(stops, dist, start, end)
    else:
        seeds = [list(stops), nearest_neighbour(stops, dist, start)]
        found = min((two_opt(s, dist, start, end) for s in seeds), key=lambda o: path_length(o, dist, start, end))
    if path_length(found, dist, start, end) > path_length(stops, dist, start, end) - SHORTER_BY_M:
        return list(stops)
    return found


# ---------------------------------------------------------------------------
# Schedule


@dataclass(frozen=True)
class Leg:
    origin: Place
    destination: Place
    geodesic_m: float
    road_m: float  # estimate: geodesic x detour
    minutes: int  # estimate: road distance at the mode's speed
    # False when two different places stand on one approximate (proxy) point: the distance
    # between them is unknown, not zero. Such a leg counts 0 in the totals and is flagged.
    known: bool = True


@dataclass(frozen=True)
class Visit:
    place: Place
    arrive: datetime
    depart: datetime
    minutes: int


@dataclass(frozen=True)
class Pause:
    """A break (lunch, a rest) taken after the visit to ``after``."""

    after: Place
    start: datetime
    end: datetime
    minutes: int


@dataclass
class Plan:
    mode: str
    start: Place | None
    end: Place | None
    stops: list[Place]
    legs: list[Leg]
    visits: list[Visit]
    begin: datetime
    finish: datetime
    road_m: float
    travel_minutes: int
    visit_minutes: int
    given_road_m: float
    optimised: bool
    warnings: list[dict] = field(default_factory=list)
    given: list[Place] = field(default_factory=list)  # the stops in the order asked for
    pauses: list[Pause] = field(default_factory=list)

    @property
    def pause_minutes(self) -> int:
        return sum(p.minutes for p in self.pauses)

    @property
    def saved_m(self) -> float:
        return max(0.0, self.given_road_m - self.road_m)

    @property
    def total_minutes(self) -> int:
        return int((self.finish - self.begin).total_seconds() // 60)


def parse_hhmm(value: str, field_name: str = "start_time") -> time:
    """'08:30' -> time(8, 30); anything else is a ``PlanError`` naming the field."""
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise PlanError(field_name, f"{field_name} must be a time as HH:MM (24-hour), got {value!r}")
    h, m = int(parts[0]), int(parts[1])
    if h > 23 or m > 59:
        raise PlanError(field_name, f"{field_name} {value!r} is not a time of day (00:00-23:59)")
    return time(h, m)


def travel_minutes(road_m: float, estimate: ModeEstimate) -> int:
    """Whole minutes at the mode's speed; a leg of any length takes at least one minute."""
    if road_m <= 0:
        return 0
    return max(1, round(road_m / 1000 / estimate.speed_kmh * 60))


def plan_trip(
    stops: list[Place],
    *,
    mode: str,
    estimates: dict[str, ModeEstimate],
    start_time: time,
    visit_minutes: list[int],
    start: Place | None = None,
    end: Place | None = None,
    day: date | None = None,
    optimise: bool = False,
    day_end: time = time(18, 0),
    pauses: dict[int, int] | None = None,
) -> Plan:
    """Order (optionally), time and total a trip. ``visit_minutes[i]`` belongs to ``stops[i]``;
    ``pauses[i]`` minutes of break (lunch, a rest) follow the visit to ``stops[i]``, wherever
    the ordering puts it."""
    pauses = pauses or {}
    for m in pauses.values():
        if not 0 < m <= MAX_VISIT_MINUTES:
            raise PlanError("pauses", f"a pause lasts 1-{MAX_VISIT_MINUTES} minutes, got {m}")
    if mode not in estimates:
        raise PlanError("mode", f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not stops:
        raise PlanError("stops", "a trip needs at least one stop")
    if len(stops) > MAX_STOPS:
        raise PlanError("stops", f"a trip has at most {MAX_STOPS} stops, got {len(stops)}")
    if len(visit_minutes) != len(stops):
        raise PlanError("visit_minutes", "one visit duration per stop is required")
    for m in visit_minutes:
        if not 0 <= m <= MAX_VISIT_MINUTES:
            raise PlanError("visit_minutes", f"a visit lasts 0-{MAX_VISIT_MINUTES} minutes, got {m}")
    est = estimates[mode]

    # Index layout for the distance matrix: stops 0..n-1, then start, then end.
    places = list(stops) + [p for p in (start, end) if p is not None]
    s_idx = len(stops) if start is not None else None
    e_idx = len(places) - 1 if end is not None else None
    geo = [[geodesic_m(a, b) for b in places] for a in places]
    road = [[g * est.detour for g in row] for row in geo]

    given = list(range(len(stops)))
    order = best_order(given, road, s_idx, e_idx) if optimise else given
    given_road = path_length(given, road, s_idx, e_idx)

    begin = datetime.combine(day or date(2000, 1, 1), start_time)
    ordered = [stops[i] for i in order]
    minutes_by_stop = {i: visit_minutes[i] for i in given}
    seq = ([start] if start else []) + ordered + ([end] if end else [])
    seq_idx = ([s_idx] if start else []) + order + ([e_idx] if end else [])

    legs: list[Leg] = []
    visits: list[Visit] = []
    breaks: list[Pause] = []
    clock = begin
    for pos, (place, idx) in enumerate(zip(seq, seq_idx, strict=True)):
        if pos > 0:
            prev = seq_idx[pos - 1]
            a = seq[pos - 1]
            known = not (a.id != place.id and geo[prev][idx] < SAME_POINT_M and (a.approximate or place.approximate))
            leg = Leg(a, place, geo[prev][idx], road[prev][idx], travel_minutes(road[prev][idx], est), known)
            legs.append(leg)
            clock += timedelta(minutes=leg.minutes)
        if idx is not None and idx < len(stops):
            stay = minutes_by_stop[idx]
            visits.append(Visit(place, clock, clock + timedelta(minutes=stay), stay))
            clock += timedelta(minutes=stay)
            if idx in pauses:
                rest = pauses[idx]
                breaks.append(Pause(place, clock, clock + timedelta(minutes=rest), rest))
                clock += timedelta(minutes=rest)

    warnings: list[dict] = []
    for v in visits:
        if v.place.approximate:
            warnings.append(
                {
                    "code": "approximate_stop",
                    "stop": v.place.id,
                    "zh": f"{v.place.name_zh}：位置为近似（误差约 {_km(v.place.uncertainty_m)} 公里），"
                    "到这里的距离和时间更不准确。",
                    "en": f"{v.place.name_en}: approximate location (within about {_km(v.place.uncertainty_m)} km); "
                    "distances and times to it are rougher still.",
                }
            )
    unknown = [leg for leg in legs if not leg.known]
    for leg in unknown:
        a, b = leg.origin, leg.destination
        warnings.append(
            {
                "code": "distance_unknown",
                "zh": f"{a.name_zh} → {b.name_zh}：两处用的是同一个近似位置点，相距多远不知道，"
                "这一段的路程和时间没有计入。",
                "en": f"{a.name_en} → {b.name_en}: both stand on one approximate point, so the distance "
                "between them is unknown and this leg is not counted.",
            }
        )
    if any(p.approximate for p in seq):
        warnings.append(
            {
                "code": "approximate_order",
                "zh": "部分地点只有近似位置，因此顺序、路程和时间都只是估计"
                + ("；“最短顺序”也只是按近似位置算出的。" if optimise else "。"),
                "en": "Some places are only approximately located, so the order, distances and times are estimates"
                + ("; the “shortest” order is computed from approximate points." if optimise else "."),
            }
        )
    for p, which in ((start, "start"), (end, "end")):
        if p is not None and p.approximate:
            warnings.append(
                {
                    "code": f"approximate_{which}",
                    "zh": f"{'起点' if which == 'start' else '终点'}{p.name_zh}为近似位置（乡镇/街道中心）。",
                    "en": f"The {which} point {p.name_en} is approximate (a township or street centre).",
                }
            )
    # The limit is on the day the trip starts: a trip that starts after it is warned about too.
    limit = datetime.combine(begin.date(), day_end)
    if clock > limit:
        warnings.append(
            {
                "code": "past_day_end",
                "zh": f"行程预计 {clock:%H:%M}{_day_suffix(begin, clock)} 结束，晚于 {day_end:%H:%M}。",
                "en": f"The trip is estimated to end at {clock:%H:%M}{_day_suffix(begin, clock)}, "
                f"after {day_end:%H:%M}.",
            }
        )

    total_road = sum(leg.road_m for leg in legs)
    return Plan(
        mode=mode,
        start=start,
        end=end,
        stops=ordered,
        legs=legs,
        visits=visits,
        begin=begin,
        finish=clock,
        road_m=total_road,
        travel_minutes=sum(leg.minutes for leg in legs),
        visit_minutes=sum(v.minutes for v in visits),
        given_road_m=given_road,
        given=list(stops),
        pauses=breaks,
        optimised=optimise,
        warnings=warnings,
    )


def _km(metres: float | None) -> str:
    return f"{(metres or 0) / 1000:.1f}"


def _day_suffix(begin: datetime, moment: datetime) -> str:
    days = (moment.date() - begin.date()).days
    return f" (+{days})" if days else ""


def clock_label(begin: datetime, moment: datetime) -> str:
    """'HH:MM', with '(+1)' when the time falls on a later day than the start."""
    return f"{moment:%H:%M}{_day_suffix(begin, moment)}"
