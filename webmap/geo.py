"""Geodesy for queries: distances on the WGS-84 ellipsoid (pyproj.Geod)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy
from pyproj import Geod

from .catalogue import Catalogue

_GEOD = Geod(ellps="WGS84")
MAX_RADIUS_M = 100_000


@dataclass(frozen=True)
class Near:
    site_id: str
    distance_m: float
    approximate: bool


def nearby(catalogue: Catalogue, lon: float, lat: float, radius_m: float, exclude: str | None = None) -> list[Near]:
    """Located sites within ``radius_m`` of (lon, lat), nearest first.

    Distances are geodesic between the stored points; for an approximate site the
    true distance can differ by up to its uncertainty, so each result says whether
    it is approximate. Sites without a location are never included."""
    df = catalogue.sites
    located = df[~df.geometry.isna()]
    if exclude is not None:
        located = located[located.index != exclude]
    if located.empty:
        return []
    lons, lats = located.geometry.x.to_numpy(), located.geometry.y.to_numpy()
    _, _, dist = _GEOD.inv(numpy.full_like(lons, lon), numpy.full_like(lats, lat), lons, lats)
    order = numpy.argsort(dist, kind="stable")
    return [
        Near(located.index[i], float(dist[i]), bool(located["approximate"].iloc[i]))
        for i in order
        if dist[i] <= radius_m
    ]
