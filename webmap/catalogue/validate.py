"""Validation of single records, callable without a file: ``validate_site`` is the one
check every site passes, whether it comes from the data folder, the database or (later)
an edit. Layers, themes, the district text and the outline are checked here too.
No Flask here."""

from __future__ import annotations

import math
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .. import provenance
from ..outline import in_metres, metres_outside
from ..problems import DataError, Problem, pydantic_problems
from ..schema import District, SiteFeature


@dataclass(frozen=True)
class SiteContext:
    """What a site is checked against. ``file`` names where the site came from in every
    problem (a file path, a database table, an edit form); empty id sets and a ``None``
    outline skip those checks (the documents that hold them failed to load)."""

    file: str
    layer_ids: frozenset[str] | set[str] = frozenset()
    theme_ids: frozenset[str] | set[str] = frozenset()
    boundary: BaseGeometry | None = None
    photos_dir: Path | None = None

    @classmethod
    def build(cls, file: str, layer_ids, theme_ids, boundary: BaseGeometry | None, photos_dir: Path | None):
        """A context with the outline projected once (validating many sites reuses it)."""
        return cls(file, layer_ids, theme_ids, in_metres(boundary) if boundary is not None else None, photos_dir)


def validate_site(raw: Any, context: SiteContext, position: int = 0, taken: Container[str] = ()) -> SiteFeature:
    """Validate one raw GeoJSON site (a dict) and return it as a ``SiteFeature``; raise
    ``DataError`` listing every problem (file, feature id, field). ``position`` names a
    feature without an id ("#3"). ``context.boundary`` must already be in metres (see
    ``SiteContext.build``). ``taken``: ids already in use (a duplicate is a problem)."""
    fid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{position}"
    name = context.file
    geom = raw.get("geometry") if isinstance(raw, dict) else None
    if isinstance(geom, dict) and geom.get("type") != "Point":
        raise DataError([Problem(name, fid, "geometry.type", f"must be a Point (or null), got {geom.get('type')!r}")])
    try:
        feature = SiteFeature.model_validate(raw)
    except ValidationError as exc:
        raise DataError(pydantic_problems(name, fid, exc)) from None
    if feature.id in taken:
        raise DataError([Problem(name, fid, "id", f"duplicate id (feature #{position})")])
    problems: list[Problem] = []
    check_site(feature, context, problems)
    # Where a location comes from, and what the text may say (webmap/provenance.py).
    data_dir = context.photos_dir.parent if context.photos_dir is not None else None
    problems.extend(Problem(name, feature.id, *fm) for fm in provenance.check_site(feature, context.boundary, data_dir))
    if problems:
        raise DataError(problems)
    return feature


def check_site(f: SiteFeature, context: SiteContext, problems: list[Problem]) -> None:
    """The cross-checks of a schema-valid site: layer, themes, photos, coordinates, outline."""
    name, p = context.file, f.properties
    if context.layer_ids and p.layer not in context.layer_ids:
        problems.append(Problem(name, f.id, "properties.layer", f"unknown layer {p.layer!r}"))
    for t in p.themes:
        if context.theme_ids and t not in context.theme_ids:
            problems.append(Problem(name, f.id, "properties.themes", f"unknown theme {t!r}"))
    photos_dir = context.photos_dir
    for k, photo in enumerate(p.photos):
        if photo.file and photos_dir is not None and not (photos_dir / photo.file).is_file():
            problems.append(
                Problem(name, f.id, f"properties.photos.{k}.file", f"no file {photo.file!r} in {photos_dir}")
            )
    if f.geometry is None:
        return
    lon, lat = f.geometry.coordinates
    where = "geometry.coordinates"
    if not (math.isfinite(lon) and math.isfinite(lat)):
        problems.append(Problem(name, f.id, where, "coordinates must be finite numbers"))
        return
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        hint = (
            " (they look swapped: GeoJSON order is [longitude, latitude])" if abs(lat) <= 180 and abs(lon) <= 90 else ""
        )
        problems.append(Problem(name, f.id, where, f"[{lon}, {lat}] is out of range{hint}"))
        return
    boundary_m = context.boundary
    if boundary_m is None:
        return
    outside_m = metres_outside(boundary_m, lon, lat)
    allowed = p.location.uncertainty_m or 0
    if outside_m > allowed:
        swapped = -90 <= lon <= 90 and metres_outside(boundary_m, lat, lon) <= allowed
        hint = "; swapped to [lat, lon] it would be inside: GeoJSON order is [longitude, latitude]" if swapped else ""
        problems.append(
            Problem(
                name,
                f.id,
                where,
                f"[{lon}, {lat}] lies {outside_m:,.0f} m outside the district boundary, "
                f"more than its stated uncertainty of {allowed:,.0f} m{hint}",
            )
        )


def validate_records(doc: Any, where: str, key: str, model: type[BaseModel], problems: list[Problem]) -> list[Any]:
    """The records under ``doc[key]`` (layers, themes), each validated, ids unique."""
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        problems.append(Problem(where, None, key, f"expected an object with a list {key!r}"))
        return []
    records, seen = [], set()
    for i, raw in enumerate(doc[key]):
        rid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{i}"
        try:
            record = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(pydantic_problems(where, rid, exc))
            continue
        if record.id in seen:
            problems.append(Problem(where, rid, "id", "duplicate id"))
            continue
        seen.add(record.id)
        records.append(record)
    if not records and not any(p.file == where for p in problems):
        problems.append(Problem(where, None, key, "the list is empty"))
    return records


def validate_district(doc: Any, where: str, problems: list[Problem]) -> District | None:
    if doc is None:
        return None
    try:
        district = District.model_validate(doc)
    except ValidationError as exc:
        problems.extend(pydantic_problems(where, None, exc))
        return None
    seen = set()
    for i, figure in enumerate(district.figures):
        if figure.id in seen:
            problems.append(Problem(where, figure.id, f"figures.{i}.id", "duplicate id"))
        seen.add(figure.id)
    return district


def validate_boundary(doc: Any, where: str, problems: list[Problem]) -> BaseGeometry | None:
    """The district outline: one valid (Multi)Polygon in range."""
    if doc is None:
        return None
    try:
        feats = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
        geom = shape(feats[0]["geometry"])
    except Exception as exc:  # noqa: BLE001 - any malformed shape is the same user error
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        problems.append(Problem(where, None, "geometry", f"not a GeoJSON polygon: {reason}"))
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid or geom.is_empty:
        problems.append(Problem(where, None, "geometry", "must be one valid Polygon or MultiPolygon"))
        return None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        problems.append(Problem(where, None, "geometry", f"coordinates out of range (bounds {geom.bounds})"))
        return None
    return geom


__all__ = ["SiteContext", "validate_site", "check_site"]
