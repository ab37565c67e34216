"""The district outline in metres: "how far outside the district is this point?".
Used by site and anchor validation alike. No Flask here."""

from __future__ import annotations

import numpy
import shapely
from pyproj import Transformer
from shapely import Point
from shapely.geometry.base import BaseGeometry

# UTM zone 49N covers 108°E-114°E, the whole district: metres for "how far outside".
TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True).transform


def in_metres(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` (WGS 84) projected to UTM 49N metres."""

    def project(coords):
        x, y = TO_METRES(coords[:, 0], coords[:, 1])
        return numpy.column_stack([x, y])

    return shapely.transform(geom, project)


def metres_outside(boundary_m: BaseGeometry, lon: float, lat: float) -> float:
    """Distance in metres from (lon, lat) to the outline already in metres; 0 inside."""
    return boundary_m.distance(Point(*TO_METRES(lon, lat)))
