"""A trip request (JSON body or URL query) -> a validated, planned trip as plain data.

Sits between the web layer and ``planner``: it checks the request with pydantic,
resolves site and anchor ids against the catalogue, runs the planner and turns the result
into JSON-ready dicts, the canonical URL query that restores the trip, and AMap
navigation links. No Flask here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from ..catalogue import Catalogue
from ..params import unknown_message, unknown_parameter
from ..vocab import Mode
from .planner import MAX_STOPS, MAX_VISIT_MINUTES, MODES, Place, Plan, PlanError, clock_label, estimates_from, plan_trip
from .planner import parse_hhmm as _parse_hhmm

TZ = ZoneInfo("Asia/Shanghai")
Id = Annotated[str, StringConstraints(min_length=1, max_length=80)]
ESTIMATE_NOTE = {
    "zh": "距离和时间为估算：直线距离乘以绕行系数，按该出行方式的平均速度计算，未使用导航路线。",
    "en": "Distances and times are estimates: straight-line distance times a detour factor at an average speed "
    "for the mode, not a routed path.",
}


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class TripRequest(BaseModel):
    """What ``POST /api/trips/plan`` accepts (and what the URL query encodes)."""

    model_config = ConfigDict(extra="forbid")
    stops: Annotated[list[Id], Field(min_length=1, max_length=MAX_STOPS)]
    start: Id | PointIn | None = None
    end: Id | PointIn | None = None
    mode: Mode = "coach"
    start_time: str = "09:00"
    date: dt.date | None = None
    # One duration per stop at most; a longer map is refused before anything is planned.
    visit_minutes: Annotated[
        dict[Id, Annotated[int, Field(ge=0, le=MAX_VISIT_MINUTES)]], Field(max_length=MAX_STOPS)
    ] = {}
    # A break (lunch, a rest) of N minutes after the visit to a stop: {stop id: minutes}.
    pauses: Annotated[dict[Id, Annotated[int, Field(ge=1, le=MAX_VISIT_MINUTES)]], Field(max_length=MAX_STOPS)] = {}
    optimise: bool = False
    theme: Id | None = None  # a themed trip's id: its title and reasons go on the itinerary

    @field_validator("date")
    @classmethod
    def plausible_date(cls, value: dt.date | None) -> dt.date | None:
        # Keeps the clock arithmetic far from datetime's limits (year 1 and 9999).
        if value is not None and not 2000 <= value.year <= 2100:
            raise ValueError("date must be between 2000-01-01 and 2100-12-31")
        return value

    @field_validator("start_time")
    @classmethod
    def hhmm(cls, value: str) -> str:
        try:
            _parse_hhmm(value)
        except PlanError as exc:
            raise ValueError(exc.message) from None
        return value


def validation_error(exc: ValidationError, names: Mapping[str, str] | None = None) -> PlanError:
    """The first pydantic error as a ``PlanError`` whose field is a dotted path."""
    errors = exc.errors()
    err = errors[0]
    # start/end are "an id or a point": when a point was given, its own error is the useful one.
    if err["loc"] and err["loc"][0] in ("start", "end") and isinstance(err["input"], dict | int | float | list):
        err = next((e for e in errors if "PointIn" in e["loc"]), err)
    # Union branches appear in the location ("constrained-str", "PointIn"): drop them.
    loc = [str(p) for p in err["loc"] if p not in ("constrained-str", "function-after", "PointIn")]
    field = rename(".".join(loc) or "body", names)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    return PlanError(field, f"{field}: {msg}")


def rename(field: str, names: Mapping[str, str] | None) -> str:
    """A JSON field path in the caller's terms (the URL query's parameter names)."""
    if not names:
        return field
    head, dot, rest = field.partition(".")
    return names.get(head, head) + dot + rest


def parse_request(body: Any) -> TripRequest:
    if not isinstance(body, dict):
        raise PlanError("body", "the request body must be a JSON object")
    try:
        return TripRequest.model_validate(body)
    except ValidationError as exc:
        raise validation_error(exc) from None


# ---------------------------------------------------------------------------
# URL query form: ?trip=a,b&mode=coach&start=08:30&from=gaoshan-town&to=113.1,40.0
#                  &date=2026-06-01&visit=a:30,b:0&opt=1

QUERY_NAMES = {
    "stops": "trip",
    "start_time": "start",
    "start": "from",
    "end": "to",
    "visit_minutes": "visit",
    "pauses": "pause",
}
# "trip_theme", not "theme": on the map page "theme" is the theme filter.
QUERY_KEYS = {"trip", "mode", "start", "from", "to", "date", "visit", "pause", "opt", "trip_theme"}
_MINUTES = re.compile(r"[0-9]{1,5}")
_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def _place_param(value: str) -> Any:
    m = _POINT.match(value)
    return {"lon": float(m.group(1)), "lat": float(m.group(2))} if m else value


def request_from_query(args: Mapping[str, str]) -> TripRequest:
    unknown = unknown_parameter(args, QUERY_KEYS)
    if unknown is not None:
        raise PlanError(unknown, unknown_message(unknown))
    raw: dict[str, Any] = {"stops": [s for s in (args.get("trip") or "").split(",") if s]}
    for key, name in (("mode", "mode"), ("start", "start_time"), ("date", "date"), ("trip_theme", "theme")):
        if args.get(key):
            raw[name] = args[key]
    for key, name in (("from", "start"), ("to", "end")):
        if args.get(key):
            raw[name] = _place_param(args[key])
    for key, name in (("visit", "visit_minutes"), ("pause", "pauses")):
        if args.get(key):
            pairs: dict[str, Any] = {}
            for part in args[key].split(","):
                sid, sep, minutes = part.partition(":")
                # ASCII digits only, at most 5 (int() would take "²" or 4,301 digits and fail).
                if not sep or not _MINUTES.fullmatch(minutes.strip()):
                    raise PlanError(key, f"{key} must be id:minutes pairs separated by commas, got {part[:100]!r}")
                pairs[sid] = int(minutes)
            raw[name] = pairs
    if args.get("opt") not in (None, "", "0", "1"):
        raise PlanError("opt", "opt must be 0 or 1")
    raw["optimise"] = args.get("opt") == "1"
    try:
        return TripRequest.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, QUERY_NAMES) from None


def query_for(req: TripRequest, order: list[str] | None = None) -> str:
    """The URL query that restores this trip (in ``order`` when given, not re-optimised)."""
    params: dict[str, str] = {"trip": ",".join(order or req.stops), "mode": req.mode, "start": req.start_time}
    for key, value in (("from", req.start), ("to", req.end)):
        if isinstance(value, PointIn):
            params[key] = f"{value.lon:.6f},{value.lat:.6f}"
        elif value:
            params[key] = value
    if req.date:
        params["date"] = req.date.isoformat()
    if req.theme:
        params["trip_theme"] = req.theme
    if req.visit_minutes:
        params["visit"] = ",".join(f"{k}:{v}" for k, v in req.visit_minutes.items())
    if req.pauses:
        params["pause"] = ",".join(f"{k}:{v}" for k, v in req.pauses.items())
    return urlencode(params, safe=",:")


# ---------------------------------------------------------------------------
# Resolution and planning


def _site_place(catalogue: Catalogue, sid: str, field: str) -> Place:
    feature = catalogue.features.get(sid)
    if feature is None:
        raise PlanError(field, f"{field}: no site with id {sid!r}")
    if feature.geometry is None:
        raise PlanError(
            field,
            f"{field}: site {sid!r} has no known location yet (location to be confirmed), so it cannot be a stop",
        )
    p = feature.properties
    lon, lat = feature.geometry.coordinates
    return Place(sid, p.name.zh, p.name.en, lon, lat, "site", p.location.approximate, p.location.uncertainty_m or None)


def _end_place(catalogue: Catalogue, value: str | PointIn | None, field: str) -> Place | None:
    if value is None:
        return None
    if isinstance(value, PointIn):
        label = "起点" if field == "start" else "终点"
        label_en = "Start" if field == "start" else "End"
        return Place(
            f"{field}-point", f"{label}（地图选点）", f"{label_en} (picked point)", value.lon, value.lat, "point"
        )
    anchors = catalogue.trips.anchors if catalogue.trips else {}
    anchor = anchors.get(value)
    if anchor is None:
        raise PlanError(field, f"{field}: no town or street with id {value!r}; give an anchor id or lon,lat")
    lon, lat = anchor.coordinates
    return Place(anchor.id, anchor.name.zh, anchor.name.en, lon, lat, "anchor", True, anchor.uncertainty_m)


def plan_request(req: TripRequest, catalogue: Catalogue, settings) -> Plan:
    if len(set(req.stops)) != len(req.stops):
        dup = next(s for s in req.stops if req.stops.count(s) > 1)
        raise PlanError("stops", f"stops: site {dup!r} is listed more than once")
    if req.theme is not None and (catalogue.trips is None or req.theme not in catalogue.trips.trips):
        raise PlanError("theme", f"theme: no themed trip with id {req.theme!r}")
    places = [_site_place(catalogue, sid, f"stops.{i}") for i, sid in enumerate(req.stops)]
    for name, given in (("visit_minutes", req.visit_minutes), ("pauses", req.pauses)):
        extra = sorted(set(given) - set(req.stops))
        if extra:
            raise PlanError(f"{name}.{extra[0]}", f"{name}: {extra[0]!r} is not one of the stops")
    defaults = catalogue.trips.visit_minutes if catalogue.trips else {}
    minutes = [
        req.visit_minutes.get(sid, defaults.get(catalogue.features[sid].properties.layer, 30)) for sid in req.stops
    ]
    day = req.date or dt.datetime.now(TZ).date()
    return plan_trip(
        places,
        mode=req.mode,
        estimates=estimates_from(settings),
        start_time=_parse_hhmm(req.start_time),
        visit_minutes=minutes,
        start=_end_place(catalogue, req.start, "start"),
        end=_end_place(catalogue, req.end, "end"),
        day=day,
        optimise=req.optimise,
        day_end=settings.planner_day_end,
        pauses={req.stops.index(sid): m for sid, m in req.pauses.items()},
    )


# ---------------------------------------------------------------------------
# Output


def _place_json(p: Place | None) -> dict | None:
    if p is None:
        return None
    return {
        "id": p.id,
        "kind": p.kind,
        "name": {"zh": p.name_zh, "en": p.name_en},
        "lon": p.lon,
        "lat": p.lat,
        "approximate": p.approximate,
        "uncertainty_m": p.uncertainty_m,
    }


def amap_link(a: Place, b: Place, mode: str) -> str:
    """AMap URI API navigation from ``a`` to ``b`` (https://lbs.amap.com/api/uri-api/guide/travel/route).

    ``coordinate=wgs84`` tells AMap the points are WGS-84 (it shifts them to GCJ-02
    itself); ``callnative=0`` opens the web page rather than trying to launch the app;
    names may not contain the comma that separates lon,lat,name."""

    def pt(p: Place) -> str:
        return f"{p.lon:.6f},{p.lat:.6f}," + quote(p.name_zh.replace(",", " ").replace("，", " "), safe="")

    return (
        f"https://uri.amap.com/navigation?from={pt(a)}&to={pt(b)}&mode={MODES[mode]['amap']}"
        "&policy=0&src=yungang-webmap&coordinate=wgs84&callnative=0"
    )


def plan_json(plan: Plan, req: TripRequest, settings) -> dict:
    est = estimates_from(settings)[plan.mode]
    order = [p.id for p in plan.stops]
    pauses = {
        p.after.id: {
            "start": clock_label(plan.begin, p.start),
            "end": clock_label(plan.begin, p.end),
            "minutes": p.minutes,
        }
        for p in plan.pauses
    }
    return {
        "mode": plan.mode,
        "modes": list(MODES),
        "estimate": {"speed_kmh": est.speed_kmh, "detour": est.detour, "note": ESTIMATE_NOTE},
        "date": plan.begin.date().isoformat(),
        "start": _place_json(plan.start),
        "end": _place_json(plan.end),
        "order": order,
        "stops": [
            {
                **_place_json(v.place),
                "arrive": clock_label(plan.begin, v.arrive),
                "depart": clock_label(plan.begin, v.depart),
                "arrive_at": v.arrive.isoformat(timespec="minutes"),
                "depart_at": v.depart.isoformat(timespec="minutes"),
                "visit_minutes": v.minutes,
                "pause": pauses.get(v.place.id),
            }
            for v in plan.visits
        ],
        "legs": [
            {
                "from": leg.origin.id,
                "to": leg.destination.id,
                "from_name": {"zh": leg.origin.name_zh, "en": leg.origin.name_en},
                "to_name": {"zh": leg.destination.name_zh, "en": leg.destination.name_en},
                "geodesic_m": round(leg.geodesic_m),
                "distance_known": leg.known,
                # Unknown is null, never 0: a reader would take "0.0 km · 0 min" as a fact.
                "road_m_estimate": round(leg.road_m) if leg.known else None,
                "minutes_estimate": leg.minutes if leg.known else None,
                "amap_url": amap_link(leg.origin, leg.destination, plan.mode),
            }
            for leg in plan.legs
        ],
        "totals": {
            "road_m_estimate": round(plan.road_m),
            "travel_minutes_estimate": plan.travel_minutes,
            "visit_minutes": plan.visit_minutes,
            "pause_minutes": plan.pause_minutes,
            "total_minutes": plan.total_minutes,
            "start": clock_label(plan.begin, plan.begin),
            "end": clock_label(plan.begin, plan.finish),
        },
        "optimised": plan.optimised,
        "order_changed": plan.optimised and order != [p.id for p in plan.given],
        "given_order_road_m_estimate": round(plan.given_road_m),
        "distance_saved_m": round(plan.saved_m),
        "warnings": plan.warnings,
        "query": query_for(req, order),
    }


def overview_svg(boundary, plan: dict, width: int = 420) -> dict:
    """Numbers for the itinerary's overview map: the district outline (the site page's
    locator), the places in order and the straight lines between them. Numbers only."""
    from ..mapview import locator_svg

    base = locator_svg(boundary, None, None, width)
    points = []
    seq = ([plan["start"]] if plan["start"] else []) + plan["stops"] + ([plan["end"]] if plan["end"] else [])
    label, shared = 0, {}
    for p in seq:
        xy = locator_svg(boundary, (p["lon"], p["lat"]), None, width)["point"]
        if p["kind"] == "site":
            label += 1
        # Stops sharing one approximate point get their number labels side by side.
        k = shared[xy] = shared.get(xy, -1) + 1
        points.append(
            {"x": xy[0], "y": xy[1], "lx": round(xy[0] + 7 + 13 * k, 1), "kind": p["kind"], "n": label}
            | ({} if p["kind"] == "site" else {"n": None})
        )
    base["stops"] = points
    base["line"] = " ".join(f"{p['x']},{p['y']}" for p in points)
    return base
