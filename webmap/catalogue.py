"""The one loader: read every data file, validate it, and return a complete
in-memory catalogue, or raise one ``DataError`` listing every problem found
(file, feature id, field, message). Nothing here imports Flask.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy
import shapely
from pydantic import BaseModel, ValidationError
from pyproj import Transformer
from shapely import Point
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .schema import District, Layer, SiteFeature, Theme
from .search import SearchIndex
from .trips import TRIPS_FILE, TripBook, load_trips

SITES_FILE = "sites.geojson"
LAYERS_FILE = "layers.json"
THEMES_FILE = "themes.json"
BOUNDARY_FILE = "boundary.geojson"
DISTRICT_FILE = "district.json"
PHOTOS_DIR = "photos"

# Files larger than this are refused before parsing (the shipped sites file is ~100 KB).
MAX_FILE_BYTES = 64 * 1024 * 1024
# UTM zone 49N covers 108°E-114°E, the whole district: metres for "how far outside".
_TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True).transform


def _in_metres(geom: BaseGeometry) -> BaseGeometry:
    def project(coords):
        x, y = _TO_METRES(coords[:, 0], coords[:, 1])
        return numpy.column_stack([x, y])

    return shapely.transform(geom, project)


@dataclass(frozen=True)
class Problem:
    file: str
    feature: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.feature is not None:
            where += f": feature {self.feature!r}"
        if self.field:
            where += f": field {self.field!r}"
        return f"{where}: {self.message}"


class DataError(Exception):
    """The data folder is not usable. ``problems`` lists everything wrong, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0])
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class Catalogue:
    data_dir: Path
    layers: tuple[Layer, ...]
    themes: tuple[Theme, ...]
    features: dict[str, SiteFeature]
    boundary: BaseGeometry
    district: District
    search_index: SearchIndex = field(repr=False)
    version: str
    _geojson: dict[str, dict[str, Any]] = field(repr=False)
    trips: TripBook | None = None  # data/trips.json: visit defaults, anchors, themed trips

    @cached_property
    def sites(self) -> gpd.GeoDataFrame:
        """One row per site (unlocated ones have an empty geometry), indexed by id."""
        rows = [
            {
                "id": fid,
                "layer": f.properties.layer,
                "status": f.properties.status.value,
                "precision": f.properties.location.precision.value,
                "approximate": f.properties.location.approximate,
                "geometry": Point(f.geometry.coordinates) if f.geometry else None,
            }
            for fid, f in self.features.items()
        ]
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").set_index("id")

    @property
    def layer_ids(self) -> list[str]:
        return [layer.id for layer in self.layers]

    def layer_counts(self) -> dict[str, dict[str, int]]:
        """Per layer: all sites, and how many of them have a point on the map."""
        df = self.sites
        total = df.groupby("layer").size()
        located = df[~df.geometry.isna()].groupby("layer").size()
        return {lid: {"total": int(total.get(lid, 0)), "located": int(located.get(lid, 0))} for lid in self.layer_ids}

    def site_ids(self, layer: str | None = None) -> list[str]:
        if layer is None:
            return list(self.features)
        return [fid for fid, f in self.features.items() if f.properties.layer == layer]

    def feature_geojson(self, site_id: str) -> dict[str, Any] | None:
        return self._geojson.get(site_id)

    def feature_collection(self, ids: list[str]) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [self._geojson[i] for i in ids]}


# ---------------------------------------------------------------------------
# Loading


def load_catalogue(data_dir: Path | str, max_file_bytes: int = MAX_FILE_BYTES) -> Catalogue:
    """Load and validate everything under ``data_dir``; raise ``DataError`` on any problem.

    ``max_file_bytes`` bounds each file (tests pass a small one instead of writing 64 MB)."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, None, "data folder does not exist")])

    layers = _load_records(data_dir / LAYERS_FILE, "layers", Layer, problems, max_file_bytes)
    themes = _load_records(data_dir / THEMES_FILE, "themes", Theme, problems, max_file_bytes)
    boundary = _load_boundary(data_dir / BOUNDARY_FILE, problems, max_file_bytes)
    features = _load_sites(data_dir, {x.id for x in layers}, {x.id for x in themes}, boundary, problems, max_file_bytes)
    district = _load_district(data_dir / DISTRICT_FILE, problems, max_file_bytes)
    trips = load_trips(
        data_dir, features, {x.id for x in layers}, {x.id for x in themes}, problems, boundary, max_file_bytes
    )

    if problems:
        raise DataError(problems)

    digest = hashlib.sha256()
    for name in (LAYERS_FILE, THEMES_FILE, BOUNDARY_FILE, SITES_FILE, DISTRICT_FILE, TRIPS_FILE):
        digest.update((data_dir / name).read_bytes())
    return Catalogue(
        data_dir=data_dir,
        layers=tuple(sorted(layers, key=lambda x: (x.order, x.id))),
        themes=tuple(themes),
        features=features,
        boundary=boundary,
        district=district,
        search_index=SearchIndex(features),
        version=digest.hexdigest()[:16],
        _geojson={fid: _to_geojson(f) for fid, f in features.items()},
        trips=trips,
    )


def _to_geojson(f: SiteFeature) -> dict[str, Any]:
    """The feature as served: optional fields left out, but ``geometry`` always present
    (RFC 7946: null for a place whose location is still to be confirmed)."""
    out = f.model_dump(mode="json", exclude_none=True)
    out["geometry"] = f.geometry.model_dump(mode="json") if f.geometry else None
    return out


def read_json(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Parse JSON strictly: no NaN/Infinity, no duplicate keys, bounded size.

    Raises ``DataError`` naming the file (and line/column for syntax errors)."""
    name = str(path)
    if not path.is_file():
        raise DataError([Problem(name, None, None, "file is missing")])
    size = path.stat().st_size
    too_big = f"file is {{}} bytes; the limit is {max_bytes}"
    if size > max_bytes:
        raise DataError([Problem(name, None, None, too_big.format(size))])

    def no_constants(token: str) -> Any:
        raise ValueError(f"{token} is not valid JSON")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = Counter(k for k, _ in pairs)
        dup = [k for k, n in keys.items() if n > 1]
        if dup:
            raise ValueError(f"duplicate key {dup[0]!r} in one object")
        return dict(pairs)

    try:
        # Read in chunks (read(n) would allocate n bytes up front) and stop past the limit:
        # the file may have grown since stat().
        chunks, total = [], 0
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                chunks.append(chunk)
                total += len(chunk)
                if total > max_bytes:
                    raise DataError([Problem(name, None, None, too_big.format(f"more than {max_bytes}"))])
        raw = b"".join(chunks)
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except (ValueError, RecursionError) as exc:
        msg = f"invalid JSON: {exc if isinstance(exc, ValueError) else 'nested too deeply'}"
    raise DataError([Problem(name, None, None, msg)])


def _read(path: Path, problems: list[Problem], max_bytes: int) -> Any:
    try:
        return read_json(path, max_bytes)
    except DataError as exc:
        problems.extend(exc.problems)
        return None


def _pydantic_problems(file: str, feature: str | None, exc: ValidationError, prefix: str = "") -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not (isinstance(p, str) and p in ("function-after",))]
        # pydantic names union branches in the location ("PointGeometry"); drop them.
        loc = [p for p in loc if not p[:1].isupper()]
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling against docs/data.md)"
        out.append(Problem(file, feature, ".".join([prefix, *loc]).strip(".") or None, msg))
    return out


def _load_records(
    path: Path, key: str, model: type[BaseModel], problems: list[Problem], max_bytes: int = MAX_FILE_BYTES
) -> list[Any]:
    doc = _read(path, problems, max_bytes)
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        problems.append(Problem(str(path), None, key, f"expected an object with a list {key!r}"))
        return []
    records, seen = [], set()
    for i, raw in enumerate(doc[key]):
        rid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{i}"
        try:
            record = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(str(path), rid, exc))
            continue
        if record.id in seen:
            problems.append(Problem(str(path), rid, "id", "duplicate id"))
            continue
        seen.add(record.id)
        records.append(record)
    if not records and not any(p.file == str(path) for p in problems):
        problems.append(Problem(str(path), None, key, "the list is empty"))
    return records


def _load_district(path: Path, problems: list[Problem], max_bytes: int = MAX_FILE_BYTES) -> District | None:
    doc = _read(path, problems, max_bytes)
    if doc is None:
        return None
    try:
        district = District.model_validate(doc)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(str(path), None, exc))
        return None
    seen = set()
    for i, figure in enumerate(district.figures):
        if figure.id in seen:
            problems.append(Problem(str(path), figure.id, f"figures.{i}.id", "duplicate id"))
        seen.add(figure.id)
    return district


def _load_boundary(path: Path, problems: list[Problem], max_bytes: int = MAX_FILE_BYTES) -> BaseGeometry | None:
    doc = _read(path, problems, max_bytes)
    if doc is None:
        return None
    try:
        feats = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
        geom = shape(feats[0]["geometry"])
    except Exception as exc:  # noqa: BLE001 - any malformed shape is the same user error
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        problems.append(Problem(str(path), None, "geometry", f"not a GeoJSON polygon: {reason}"))
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid or geom.is_empty:
        problems.append(Problem(str(path), None, "geometry", "must be one valid Polygon or MultiPolygon"))
        return None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        problems.append(Problem(str(path), None, "geometry", f"coordinates out of range (bounds {geom.bounds})"))
        return None
    return geom


def _load_sites(
    data_dir: Path,
    layer_ids: set[str],
    theme_ids: set[str],
    boundary: BaseGeometry | None,
    problems: list[Problem],
    max_bytes: int = MAX_FILE_BYTES,
) -> dict[str, SiteFeature]:
    path = data_dir / SITES_FILE
    name = str(path)
    doc = _read(path, problems, max_bytes)
    if doc is None:
        return {}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        problems.append(Problem(name, None, "type", "must be a GeoJSON FeatureCollection"))
        return {}
    if not isinstance(doc.get("features"), list) or not doc["features"]:
        problems.append(Problem(name, None, "features", "must be a non-empty list of Features"))
        return {}

    boundary_m = _in_metres(boundary) if boundary is not None else None
    photos_dir = data_dir / PHOTOS_DIR
    features: dict[str, SiteFeature] = {}
    for i, raw in enumerate(doc["features"]):
        fid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{i}"
        geom = raw.get("geometry") if isinstance(raw, dict) else None
        if isinstance(geom, dict) and geom.get("type") != "Point":
            problems.append(Problem(name, fid, "geometry.type", f"must be a Point (or null), got {geom.get('type')!r}"))
            continue
        try:
            feature = SiteFeature.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(name, fid, exc))
            continue
        if feature.id in features:
            problems.append(Problem(name, fid, "id", f"duplicate id (feature #{i})"))
            continue
        before = len(problems)
        _check_site(name, feature, layer_ids, theme_ids, boundary_m, photos_dir, problems)
        if len(problems) == before:
            features[feature.id] = feature
    return features


def _check_site(
    name: str,
    f: SiteFeature,
    layer_ids: set[str],
    theme_ids: set[str],
    boundary_m: BaseGeometry | None,
    photos_dir: Path,
    problems: list[Problem],
) -> None:
    p = f.properties
    if layer_ids and p.layer not in layer_ids:
        problems.append(Problem(name, f.id, "properties.layer", f"unknown layer {p.layer!r}"))
    for t in p.themes:
        if theme_ids and t not in theme_ids:
            problems.append(Problem(name, f.id, "properties.themes", f"unknown theme {t!r}"))
    for k, photo in enumerate(p.photos):
        if photo.file and not (photos_dir / photo.file).is_file():
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
    if boundary_m is None:
        return
    x, y = _TO_METRES(lon, lat)
    outside_m = boundary_m.distance(Point(x, y))
    allowed = p.location.uncertainty_m or 0
    if outside_m > allowed:
        sx, sy = _TO_METRES(lat, lon) if -90 <= lon <= 90 else (None, None)
        swapped = sx is not None and boundary_m.distance(Point(sx, sy)) <= allowed
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
