"""The one loader: read every data file, validate it, and return a complete
in-memory catalogue, or raise one ``DataError`` listing every problem found
(file, feature id, field, message). Nothing here imports Flask.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy
import shapely
from pydantic import BaseModel, ValidationError
from pyproj import Transformer
from shapely import Point
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from webmap import provenance  # absolute: survives the catalogue package split

from .geo import PointIndex, SpatialIndex
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


class FeatureStore(Mapping[str, SiteFeature]):
    """Every site, kept as the GeoJSON bytes the API serves (one representation, about a
    kilobyte a site); ``store[id]`` parses a ``SiteFeature`` from them, and recently used
    ones are cached. Holding 100,000 validated pydantic models instead took about five
    times the memory (see docs/scale.md)."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._json: dict[str, bytes] = {}
        self._compact: dict[str, bytes] = {}
        self._parse = lru_cache(maxsize=cache_size)(self._load)

    def add(self, feature: SiteFeature) -> None:
        served = _to_geojson(feature)
        self._json[feature.id] = _dumps(served)
        self._compact[feature.id] = _dumps(_compact(served))

    def _load(self, site_id: str) -> SiteFeature:
        return SiteFeature.model_validate_json(self._json[site_id])

    def __getitem__(self, site_id: str) -> SiteFeature:
        if site_id not in self._json:
            raise KeyError(site_id)
        return self._parse(site_id)

    def __contains__(self, site_id: object) -> bool:
        return site_id in self._json

    def __iter__(self) -> Iterator[str]:
        return iter(self._json)

    def __len__(self) -> int:
        return len(self._json)

    def geojson_bytes(self, site_id: str, compact: bool = False) -> bytes | None:
        return (self._compact if compact else self._json).get(site_id)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _compact(feature: dict[str, Any]) -> dict[str, Any]:
    """What the map needs to draw, filter and list a site; the popup fetches the rest."""
    p = feature["properties"]
    props = {k: p[k] for k in ("layer", "name", "status", "themes")}
    props["location"] = {k: p["location"][k] for k in ("precision", "uncertainty_m") if k in p["location"]}
    if "school_trip" in p:
        props["school_trip"] = {"suitable": p["school_trip"]["suitable"]}
    return {"type": "Feature", "id": feature["id"], "geometry": feature["geometry"], "properties": props}


COLUMNS = (
    "id",
    "lon",
    "lat",
    "layer",
    "name_zh",
    "name_en",
    "status",
    "themes",
    "precision",
    "uncertainty_m",
    "school",
)


def _sites_frame(rows: dict[str, list]) -> gpd.GeoDataFrame:
    lon, lat = rows.pop("lon"), rows.pop("lat")
    geometry = gpd.points_from_xy(numpy.array(lon, dtype=float), numpy.array(lat, dtype=float), crs="EPSG:4326")
    geometry[numpy.isnan(numpy.array(lon, dtype=float))] = None  # a place still to be located
    frame = gpd.GeoDataFrame(rows, geometry=geometry, crs="EPSG:4326")
    return frame.set_index("id")


@dataclass(frozen=True)
class Catalogue:
    data_dir: Path
    layers: tuple[Layer, ...]
    themes: tuple[Theme, ...]
    features: FeatureStore
    # One row per site, indexed by id, in catalogue order: layer, status, precision,
    # approximate, themes (tuple), school (suitable for school trips), geometry (None
    # for a place still to be located). Filters and spatial queries run on this.
    sites: gpd.GeoDataFrame = field(repr=False)
    boundary: BaseGeometry
    district: District
    search_index: SearchIndex = field(repr=False)
    version: str
    trips: TripBook | None = None  # data/trips.json: visit defaults, anchors, themed trips
    # Set by a database backend (webmap.pg) to answer spatial queries in SQL.
    spatial: SpatialIndex | None = field(default=None, repr=False)

    @cached_property
    def index(self) -> SpatialIndex:
        """Bounding-box and nearby queries: the backend's, or an STRtree over ``sites``."""
        return self.spatial if self.spatial is not None else PointIndex(self.sites)

    @cached_property
    def _by_layer(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {lid: [] for lid in self.layer_ids}
        for fid, layer in zip(self.sites.index, self.sites["layer"], strict=True):
            out.setdefault(layer, []).append(fid)
        return out

    @cached_property
    def position(self) -> dict[str, int]:
        """Each site's place in catalogue (file) order, to put query results back in it."""
        return {fid: i for i, fid in enumerate(self.features)}

    @property
    def layer_ids(self) -> list[str]:
        return [layer.id for layer in self.layers]

    @cached_property
    def located_count(self) -> int:
        """How many sites have a point on the map."""
        return int(self.sites.geometry.notna().sum())

    def layer_counts(self) -> dict[str, dict[str, int]]:
        """Per layer: all sites, and how many of them have a point on the map."""
        df = self.sites
        total = df.groupby("layer").size()
        located = df[~df.geometry.isna()].groupby("layer").size()
        return {lid: {"total": int(total.get(lid, 0)), "located": int(located.get(lid, 0))} for lid in self.layer_ids}

    def site_ids(self, layer: str | None = None) -> list[str]:
        return list(self.features) if layer is None else list(self._by_layer.get(layer, ()))

    def in_order(self, ids) -> list[str]:
        """``ids`` sorted into catalogue order."""
        return sorted(ids, key=self.position.__getitem__)

    def warm(self) -> Catalogue:
        """Build the lazy indexes now, so the first request does not pay for them."""
        self.index, self._by_layer, self.position  # noqa: B018 - evaluated for their side effect
        return self

    def feature_geojson(self, site_id: str, compact: bool = False) -> dict[str, Any] | None:
        raw = self.features.geojson_bytes(site_id, compact)
        return None if raw is None else json.loads(raw)

    def feature_collection(self, ids: list[str]) -> dict[str, Any]:
        return json.loads(self.feature_collection_bytes(ids))

    def columns(self, ids: list[str]) -> dict[str, Any]:
        """The compact features of ``ids`` as one list per property: what the map page
        loads when it clusters. At 100,000 sites the browser parses this several times
        faster than the same data as GeoJSON. ``null`` where a value is absent."""
        cols: dict[str, list] = {k: [] for k in COLUMNS}
        for fid in ids:
            f = json.loads(self.features.geojson_bytes(fid, compact=True))
            p, point = f["properties"], f["geometry"]
            lon, lat = point["coordinates"] if point else (None, None)
            school = p.get("school_trip")
            for key, value in (
                ("id", fid),
                ("lon", lon),
                ("lat", lat),
                ("layer", p["layer"]),
                ("name_zh", p["name"]["zh"]),
                ("name_en", p["name"]["en"]),
                ("status", p["status"]),
                ("themes", p["themes"]),
                ("precision", p["location"]["precision"]),
                ("uncertainty_m", p["location"].get("uncertainty_m")),
                ("school", school["suitable"] if school else None),
            ):
                cols[key].append(value)
        return {"type": "SiteColumns", "count": len(ids), **cols}

    def feature_collection_bytes(self, ids: list[str], compact: bool = False) -> bytes:
        """A GeoJSON FeatureCollection of ``ids``, assembled from the stored bytes;
        ``compact`` keeps only what the map draws, filters and lists by."""
        body = b",".join(self.features.geojson_bytes(i, compact) for i in ids)
        return b'{"type":"FeatureCollection","features":[' + body + b"]}"


# ---------------------------------------------------------------------------
# Loading


DOCUMENTS = (LAYERS_FILE, THEMES_FILE, BOUNDARY_FILE, SITES_FILE, DISTRICT_FILE, TRIPS_FILE)


class Source(Protocol):
    """Where the data documents come from: the data folder, or a database (webmap.pg).

    ``read`` returns one document parsed (as ``read_json`` would) or raises ``DataError``;
    ``where`` names it in problems; ``digest`` identifies this version of all of them."""

    def where(self, name: str) -> str: ...

    def read(self, name: str) -> Any: ...

    def digest(self) -> str: ...


@dataclass(frozen=True)
class FileSource:
    """The data folder: one JSON file per document."""

    data_dir: Path
    max_bytes: int = MAX_FILE_BYTES

    def where(self, name: str) -> str:
        return str(self.data_dir / name)

    def read(self, name: str) -> Any:
        return read_json(self.data_dir / name, self.max_bytes)

    def digest(self) -> str:
        digest = hashlib.sha256()
        for name in DOCUMENTS:
            digest.update((self.data_dir / name).read_bytes())
        return digest.hexdigest()[:16]


def load_catalogue(
    data_dir: Path | str, max_file_bytes: int = MAX_FILE_BYTES, source: Source | None = None
) -> Catalogue:
    """Load and validate everything under ``data_dir`` (or from ``source``, with photos
    still under ``data_dir``); raise ``DataError`` on any problem.

    ``max_file_bytes`` bounds each file (tests pass a small one instead of writing 64 MB)."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if source is None:
        if not data_dir.is_dir():
            raise DataError([Problem(str(data_dir), None, None, "data folder does not exist")])
        source = FileSource(data_dir, max_file_bytes)

    layers = _load_records(source, LAYERS_FILE, "layers", Layer, problems)
    themes = _load_records(source, THEMES_FILE, "themes", Theme, problems)
    boundary = _load_boundary(source, problems)
    features, sites, search_index = _load_sites(
        source, data_dir, {x.id for x in layers}, {x.id for x in themes}, boundary, problems
    )
    district = _load_district(source, problems)
    trips = load_trips(source, features, {x.id for x in layers}, {x.id for x in themes}, problems, boundary)

    if problems:
        raise DataError(problems)

    catalogue = Catalogue(
        data_dir=data_dir,
        layers=tuple(sorted(layers, key=lambda x: (x.order, x.id))),
        themes=tuple(themes),
        features=features,
        sites=sites,
        boundary=boundary,
        district=district,
        search_index=search_index,
        version=source.digest(),
        trips=trips,
    )
    return catalogue.warm()


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
        obj = dict(pairs)
        if len(obj) != len(pairs):
            dup = [k for k, n in Counter(k for k, _ in pairs).items() if n > 1]
            raise ValueError(f"duplicate key {dup[0]!r} in one object")
        return obj

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
        del chunks  # at 100,000 sites each copy of the file is tens of megabytes
        text = raw.decode("utf-8")
        del raw
        return json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except (ValueError, RecursionError) as exc:
        msg = f"invalid JSON: {exc if isinstance(exc, ValueError) else 'nested too deeply'}"
    raise DataError([Problem(name, None, None, msg)])


def _read(source: Source, name: str, problems: list[Problem]) -> Any:
    try:
        return source.read(name)
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


def _load_records(source: Source, file: str, key: str, model: type[BaseModel], problems: list[Problem]) -> list[Any]:
    where = source.where(file)
    doc = _read(source, file, problems)
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
            problems.extend(_pydantic_problems(where, rid, exc))
            continue
        if record.id in seen:
            problems.append(Problem(where, rid, "id", "duplicate id"))
            continue
        seen.add(record.id)
        records.append(record)
    if not records and not any(p.file == where for p in problems):
        problems.append(Problem(where, None, key, "the list is empty"))
    return records


def _load_district(source: Source, problems: list[Problem]) -> District | None:
    where = source.where(DISTRICT_FILE)
    doc = _read(source, DISTRICT_FILE, problems)
    if doc is None:
        return None
    try:
        district = District.model_validate(doc)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(where, None, exc))
        return None
    seen = set()
    for i, figure in enumerate(district.figures):
        if figure.id in seen:
            problems.append(Problem(where, figure.id, f"figures.{i}.id", "duplicate id"))
        seen.add(figure.id)
    return district


def _load_boundary(source: Source, problems: list[Problem]) -> BaseGeometry | None:
    where = source.where(BOUNDARY_FILE)
    doc = _read(source, BOUNDARY_FILE, problems)
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


def _load_sites(
    source: Source,
    data_dir: Path,
    layer_ids: set[str],
    theme_ids: set[str],
    boundary: BaseGeometry | None,
    problems: list[Problem],
) -> tuple[FeatureStore, gpd.GeoDataFrame | None, SearchIndex]:
    """Validate every site and build, in one pass, the three things kept of it: its
    GeoJSON (``FeatureStore``), its row in the sites table and its search texts. Each
    raw feature is dropped as soon as it is done, so peak memory stays near one copy."""
    name = source.where(SITES_FILE)
    store, search = FeatureStore(), SearchIndex()
    rows: dict[str, list] = {k: [] for k in ("id", "layer", "status", "precision", "approximate", "themes", "school")}
    rows.update(lon=[], lat=[])
    doc = _read(source, SITES_FILE, problems)
    if doc is None:
        return store, None, search
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        problems.append(Problem(name, None, "type", "must be a GeoJSON FeatureCollection"))
        return store, None, search
    raws = doc.get("features")
    if not isinstance(raws, list) or not raws:
        problems.append(Problem(name, None, "features", "must be a non-empty list of Features"))
        return store, None, search

    boundary_m = _in_metres(boundary) if boundary is not None else None
    photos_dir = data_dir / PHOTOS_DIR
    for i, raw in enumerate(raws):
        raws[i] = None
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
        if feature.id in store:
            problems.append(Problem(name, fid, "id", f"duplicate id (feature #{i})"))
            continue
        before = len(problems)
        _check_site(name, feature, layer_ids, theme_ids, boundary_m, photos_dir, problems)
        if len(problems) > before:
            continue
        store.add(feature)
        search.add(feature.id, feature)
        p = feature.properties
        lon, lat = feature.geometry.coordinates if feature.geometry else (math.nan, math.nan)
        for key, value in (
            ("id", feature.id),
            ("layer", p.layer),
            ("status", p.status.value),
            ("precision", p.location.precision.value),
            ("approximate", p.location.approximate),
            ("themes", tuple(p.themes)),
            ("school", bool(p.school_trip and p.school_trip.suitable)),
            ("lon", lon),
            ("lat", lat),
        ):
            rows[key].append(value)
    search.close()
    return store, _sites_frame(rows), search


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
    problems.extend(Problem(name, f.id, *fm) for fm in provenance.check_site(f, boundary_m, photos_dir.parent))
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
