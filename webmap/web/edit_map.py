"""The small map of the edit form and of the review queue: which Leaflet (the vendored
copy, never a CDN), which tiles (the first WGS 84 basemap in the settings' order; AMap's
GCJ-02 tiles would put the point hundreds of metres off), and the district's extent."""

from __future__ import annotations

from typing import Any

from flask import url_for

from ..basemaps import BASEMAPS
from . import catalogue, settings


def point_map_config() -> dict[str, Any]:
    cfg, cat = settings(), catalogue()
    minx, miny, maxx, maxy = cat.boundary.bounds
    tiles: list[dict[str, Any]] = []
    for basemap in cfg.basemap_ids:
        spec = BASEMAPS[basemap]
        # The first WGS 84 basemap in the settings' order, "none" included: a map set to
        # show no basemap first (as the tests are) fetches no tiles here either.
        if spec["crs"] != "wgs84" or (spec.get("needs_key") and not cfg.tianditu_key):
            continue
        tiles = [
            {
                "url": t["url"].replace("{key}", cfg.tianditu_key or ""),
                "attribution": t["attribution"],
                "subdomains": t.get("subdomains", "abc"),
                "maxZoom": t.get("max_zoom", 18),
            }
            for t in spec["tiles"]
        ]
        break
    return {
        "leafletJs": url_for("pages.vendor", name="leaflet/leaflet.js"),
        "leafletCss": url_for("pages.vendor", name="leaflet/leaflet.css"),
        "tiles": tiles,
        "bounds": [[miny, minx], [maxy, maxx]],
        "boundary": cat.boundary.__geo_interface__,
    }
