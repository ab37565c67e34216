"""Spatial queries over the located sites: a bounding box and "what is near here".

``PointIndex`` is the in-memory implementation, over the GeoDataFrame's spatial index
(an STRtree); ``SpatialIndex`` is the protocol another backend (e.g. SQL on a GiST
index) would implement. Distances are geodesic on the WGS-84 ellipsoid (pyproj.Geod).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, overload

import geopandas as gpd
import numpy
from pyproj import Geod
from shapely import box

GEOD = Geod(ellps="WGS84")
MAX_RADIUS_M = 100_000

BBox = tuple[float, float, float, float]  # minLon, minLat, maxLon, maxLat (minLon > maxLon crosses 180°)


@dataclass(frozen=True)
class Near:
    site_id: str
    distance_m: float
    approximate: bool


class SpatialIndex(Protocol):
    def within_bbox(self, bbox: BBox, layer: str | None = None) -> Sequence[str]:
        """Ids of located sites inside ``bbox`` (edges included; of ``layer`` only when
        given), in catalogue order."""
        ...

    def nearby(self, lon: float, lat: float, radius_m: float, exclude: str | None = None) -> Sequence[Near]:
        """Located sites within ``radius_m`` of (lon, lat), nearest first (ties in catalogue order).

        Distances are geodesic between the stored points; for an approximate site the
        true distance can differ by up to its uncertainty, so each result says whether
        it is approximate. Sites without a location are never included."""
        ...


def bbox_parts(bbox: BBox) -> list[BBox]:
    """A bbox as one or two boxes that do not cross the antimeridian."""
    minx, miny, maxx, maxy = bbox
    if minx <= maxx:
        return [bbox]
    return [(minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]


def search_box(lon: float, lat: float, radius_m: float) -> list[BBox]:
    """Lon/lat boxes that certainly contain every point within ``radius_m`` of (lon, lat):
    a cheap prefilter before exact geodesic distances. A degree of latitude is at least
    110.5 km and a degree of longitude at least that times cos(latitude)."""
    dlat = radius_m / 110_000 * 1.01
    miny, maxy = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(miny), abs(maxy))
    if widest >= 89.0:
        return [(-180.0, miny, 180.0, maxy)]
    dlon = dlat / math.cos(math.radians(widest))
    if dlon >= 180:
        return [(-180.0, miny, 180.0, maxy)]
    minx, maxx = lon - dlon, lon + dlon
    if minx < -180:
        minx += 360
    if maxx > 180:
        maxx -= 360
    return bbox_parts((minx, miny, maxx, maxy))


class Nearest(Sequence[Near]):
    """Nearby results, nearest first, as arrays: a ``Near`` is made only for the items a
    caller reads (a page of 100 out of 95,000 sites within 20 km costs a page)."""

    def __init__(self, ids: numpy.ndarray, dist: numpy.ndarray, approx: numpy.ndarray):
        self._ids, self._dist, self._approx = ids, dist, approx

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, i: int) -> Near: ...
    @overload
    def __getitem__(self, i: slice) -> list[Near]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Near(str(self._ids[i]), float(self._dist[i]), bool(self._approx[i]))


class PointIndex:
    """The in-memory ``SpatialIndex``: the located rows of ``Catalogue.sites`` (in
    catalogue order) and their STRtree."""

    def __init__(self, sites: gpd.GeoDataFrame):
        located = sites[~(sites.geometry.isna() | sites.geometry.is_empty)]
        self._ids = located.index.to_numpy()
        self._layer = located["layer"].to_numpy()
        self._lon = located.geometry.x.to_numpy()
        self._lat = located.geometry.y.to_numpy()
        self._approx = located["approximate"].to_numpy()
        self._tree = located.sindex

    def _query(self, boxes: list[BBox]) -> numpy.ndarray:
        """Row numbers inside the boxes (edges included), ascending (so in catalogue order).

        Every site is a point, whose envelope is itself: the tree's envelope test alone is
        exact, and a shapely predicate on each candidate would cost 40× more at 10k."""
        found = [self._tree.query(box(*b)) for b in boxes]
        return numpy.unique(numpy.concatenate(found)) if len(found) > 1 else numpy.sort(found[0])

    def within_bbox(self, bbox: BBox, layer: str | None = None) -> Sequence[str]:
        rows = self._query(bbox_parts(bbox))
        if layer is not None:
            rows = rows[self._layer[rows] == layer]
        return self._ids[rows]

    def nearby(self, lon: float, lat: float, radius_m: float, exclude: str | None = None) -> Nearest:
        idx = self._query(search_box(lon, lat, radius_m))
        if exclude is not None:
            idx = idx[self._ids[idx] != exclude]
        if not len(idx):
            return Nearest(self._ids[idx], numpy.zeros(0), self._approx[idx])
        lons, lats = self._lon[idx], self._lat[idx]
        _, _, dist = GEOD.inv(numpy.full_like(lons, lon), numpy.full_like(lats, lat), lons, lats)
        keep = dist <= radius_m
        idx, dist = idx[keep], dist[keep]
        order = numpy.lexsort((idx, dist))  # ties in catalogue order
        return Nearest(self._ids[idx[order]], dist[order], self._approx[idx[order]])
