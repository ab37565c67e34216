"""``data/trips.json``: default visit durations per layer, start/end anchors (the
district's towns and streets) and themed trips. Loaded and validated as part of the one
loader (``webmap.catalogue.load_catalogue``); problems name the file, the record and the field.
No Flask here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError

from ..outline import in_metres, metres_outside
from ..problems import DataError, Problem, pydantic_problems
from ..provenance import check_anchor_name, check_radius, check_wording
from ..schema import NonEmpty, SiteFeature, Slug, SourceBox, Strict, Text
from ..vocab import Mode

TRIPS_FILE = "trips.json"

HHMM = Annotated[str, StringConstraints(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$")]


class Anchor(Strict):
    """A start/end point the user can pick by name: a township or street centre. Always
    approximate: it stands for an area of ``uncertainty_m`` around it."""

    id: Slug
    name: Text
    coordinates: tuple[float, float]
    kind: Literal["township", "street"]
    uncertainty_m: Annotated[float, Field(gt=0, le=100_000)]
    source: NonEmpty
    # The township/street box behind the point; the radius must reach its in-district part.
    box: SourceBox | None = None
    # Set when the name is a former division that no longer exists (says what replaced it).
    former: Text | None = None


class TripStop(Strict):
    site: Slug
    reason: Text
    visit_minutes: Annotated[int, Field(ge=0, le=600)] | None = None


class Trip(Strict):
    id: Slug
    theme: Slug
    title: Text
    description: Text
    mode: Mode
    start_time: HHMM
    start: Slug | None = None
    stops: Annotated[list[TripStop], Field(min_length=1, max_length=25)]


class TripsFile(Strict):
    visit_minutes: dict[Slug, Annotated[int, Field(ge=0, le=600)]]
    anchors: list[Anchor]
    trips: list[Trip]


@dataclass(frozen=True)
class TripBook:
    visit_minutes: dict[str, int]
    anchors: dict[str, Anchor]
    trips: dict[str, Trip]


def load_trips(
    source,
    features: Mapping[str, SiteFeature],
    layer_ids: set[str],
    theme_ids: set[str],
    problems: list[Problem],
    boundary=None,
    sites_ok: bool = True,
) -> TripBook | None:
    """Validate ``trips.json`` against the sites, layers and district outline already
    loaded (``sites_ok``: whether the sites file did, so stops can be checked against it).
    Appends to ``problems`` and returns ``None`` when anything is wrong."""

    name = source.where(TRIPS_FILE)
    try:
        doc = source.read(TRIPS_FILE)
    except DataError as exc:
        problems.extend(exc.problems)
        return None
    try:
        parsed = TripsFile.model_validate(doc)
    except ValidationError as exc:
        problems.extend(pydantic_problems(name, _record_of(doc, exc), exc))
        return None

    before = len(problems)
    missing = sorted(layer_ids - set(parsed.visit_minutes))
    if missing:
        problems.append(Problem(name, None, "visit_minutes", f"no default visit duration for layer {missing[0]!r}"))
    for lid in sorted(set(parsed.visit_minutes) - layer_ids):
        problems.append(Problem(name, None, f"visit_minutes.{lid}", f"unknown layer {lid!r}"))

    boundary_m = in_metres(boundary) if boundary is not None else None
    anchors: dict[str, Anchor] = {}
    for i, a in enumerate(parsed.anchors):
        where = f"anchors.{i}"
        lon, lat = a.coordinates
        if a.id in anchors:
            problems.append(Problem(name, a.id, f"{where}.id", "duplicate anchor id"))
        elif not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(Problem(name, a.id, f"{where}.coordinates", f"[{lon}, {lat}] is out of range"))
        elif boundary_m is not None:
            outside = metres_outside(boundary_m, lon, lat)
            if outside > a.uncertainty_m:
                problems.append(
                    Problem(
                        name,
                        a.id,
                        f"{where}.coordinates",
                        f"[{lon}, {lat}] lies {outside:,.0f} m outside the district, more than its "
                        f"uncertainty of {a.uncertainty_m:,.0f} m",
                    )
                )
        problems.extend(
            Problem(name, a.id, f"{where}.{fld}", m)
            for fld, m in check_radius(a.coordinates, a.uncertainty_m, a.box, a.kind, boundary_m)
        )
        problems.extend(Problem(name, a.id, f"{where}.{fld}", m) for fld, m in check_anchor_name(a))
        anchors[a.id] = a

    trips: dict[str, Trip] = {}
    for i, t in enumerate(parsed.trips):
        where = f"trips.{i}"
        if t.id in trips:
            problems.append(Problem(name, t.id, f"{where}.id", "duplicate trip id"))
        if theme_ids and t.theme not in theme_ids:
            problems.append(Problem(name, t.id, f"{where}.theme", f"unknown theme {t.theme!r}"))
        if t.start is not None and t.start not in anchors:
            problems.append(Problem(name, t.id, f"{where}.start", f"unknown anchor {t.start!r}"))
        for fld in ("title", "description"):
            problems.extend(Problem(name, t.id, f, m) for f, m in check_wording(f"{where}.{fld}", getattr(t, fld)))
        seen: set[str] = set()
        for k, s in enumerate(t.stops):
            problems.extend(Problem(name, t.id, f, m) for f, m in check_wording(f"{where}.stops.{k}.reason", s.reason))
            field = f"{where}.stops.{k}.site"
            if s.site in seen:
                problems.append(Problem(name, t.id, field, f"site {s.site!r} is listed twice"))
            seen.add(s.site)
            if not sites_ok:
                continue
            feature = features.get(s.site)
            if feature is None:
                problems.append(Problem(name, t.id, field, f"unknown site {s.site!r}"))
            elif feature.geometry is None:
                problems.append(
                    Problem(
                        name,
                        t.id,
                        field,
                        f"site {s.site!r} has no location (geometry null) and cannot be a stop; "
                        "say in the trip's description that it is missing instead",
                    )
                )
            elif feature.properties.location.disputed:
                problems.append(
                    Problem(name, t.id, field, f"sources disagree on where {s.site!r} is; it cannot be a stop")
                )
        trips[t.id] = t
    if len(problems) > before:
        return None
    return TripBook(visit_minutes=dict(parsed.visit_minutes), anchors=anchors, trips=trips)


def _record_of(doc, exc: ValidationError) -> str | None:
    """The id of the trip or anchor a schema error is in, so the message can name it."""
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] in ("trips", "anchors") and isinstance(loc[1], int):
            try:
                rid = doc[loc[0]][loc[1]].get("id")
                return rid if isinstance(rid, str) else f"#{loc[1]}"
            except (AttributeError, IndexError, KeyError, TypeError):
                return None
    return None


@dataclass(frozen=True)
class Reading:
    """A themed trip's places that cannot be stops (no point yet, or disputed), to read
    about instead; ``route`` is False when none of the theme's places can be a stop, so the
    trip is offered as a reading list, not as a route through its theme."""

    sites: list[str]
    route: bool


def reading_for(trip: Trip, features: Mapping[str, SiteFeature]) -> Reading:
    themed = [f for f in features.values() if trip.theme in f.properties.themes]
    stoppable = [f for f in themed if f.geometry is not None and not f.properties.location.disputed]
    return Reading(sites=[f.id for f in themed if f not in stoppable], route=bool(stoppable))


READING_NOTE = {
    "zh": "这个专题的地点都还没有可靠的位置，无法排成一条路线。"
    "下面列出可以先阅读了解的地点；行程中的站点只是背景参观。",
    "en": "None of this theme's places has a reliable location yet, so it cannot be a route. Below are the places "
    "to read about; the trip's stop is a background visit only.",
}
