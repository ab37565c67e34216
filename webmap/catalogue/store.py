"""The in-memory store: every site kept as the GeoJSON bytes the API serves, the sites
table filters and spatial queries run on, and the ``Catalogue`` that holds it all with
the layers, themes, outline, district text and trips. No Flask here."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy
from shapely.geometry.base import BaseGeometry

from ..geo import PointIndex, SpatialIndex
from ..schema import District, Layer, SiteFeature, Theme
from ..search import SearchIndex
from ..trips.data import TripBook


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
        self.add_served(to_geojson(feature))

    def add_served(self, served: dict[str, Any]) -> None:
        """Add a site already validated, in its served form (``to_geojson``)."""
        self._json[served["id"]] = json_bytes(served)
        self._compact[served["id"]] = json_bytes(_compact(served))

    def updated(self, order, fresh: FeatureStore) -> FeatureStore:
        """A new store of the sites in ``order``: each one's bytes from ``fresh`` if it
        has them (changed sites), else from this store (unchanged, shared, not copied)."""
        new = FeatureStore(self._parse.cache_info().maxsize)
        for mine, theirs, out in ((self._json, fresh._json, new._json), (self._compact, fresh._compact, new._compact)):
            out.update((fid, theirs[fid] if fid in theirs else mine[fid]) for fid in order)
        return new

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


# Search snippets kept per catalogue: 20,000 texts, a few MB (details are the long ones).
KEPT_TEXTS = 20_000


def json_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as every stored feature is written (pages are joined from these)."""
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


def sites_frame(rows: dict[str, list]) -> gpd.GeoDataFrame:
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
    # Set by a backend that answers spatial queries itself (none does today; see geo.SpatialIndex).
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

    def warm(self) -> Catalogue:
        """Build the lazy indexes now, so the first request does not pay for them."""
        self.index, self._by_layer, self.position  # noqa: B018 - evaluated for their side effect
        return self

    @cached_property
    def _texts(self) -> dict[tuple[str, str], str]:
        return {}

    def field_text(self, site_id: str, path: str) -> str:
        """One text of a site's properties by the path a search hit names ("summary.zh",
        "facts.0.value"). Texts read are kept (up to KEPT_TEXTS; a catalogue never changes,
        an edit builds a new one), so the snippets of a kept search are not decoded from
        the stored feature again on every request."""
        key = (site_id, path)
        text = self._texts.get(key)
        if text is None:
            value = self.feature_geojson(site_id)["properties"]
            for part in path.split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
            if len(self._texts) >= KEPT_TEXTS:
                self._texts.clear()
            text = self._texts[key] = value
        return text

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


def to_geojson(f: SiteFeature) -> dict[str, Any]:
    """The feature as served: optional fields left out, but ``geometry`` always present
    (RFC 7946: null for a place whose location is still to be confirmed)."""
    out = f.model_dump(mode="json", exclude_none=True)
    out["geometry"] = f.geometry.model_dump(mode="json") if f.geometry else None
    return out
