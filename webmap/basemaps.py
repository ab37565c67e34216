"""The basemaps this build knows: the one home of their ids, tiles, CRS and hosts.

Adding a basemap is an entry in ``BASEMAPS`` and its id in ``Basemap`` (the settings
validate against both); see docs/architecture.md. No Flask, no Folium here."""

from __future__ import annotations

from typing import Literal, get_args

Basemap = Literal["osm", "amap", "tianditu-vec", "tianditu-img", "none"]
BASEMAP_IDS: tuple[str, ...] = get_args(Basemap)

# Basemaps this build knows. ``crs`` says how their tiles are drawn: AMap's are in
# GCJ-02, so the page shifts every overlay while AMap is shown. ``hosts`` is every host
# the browser may contact for them (for the Content-Security-Policy and the tests).
_TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s&x={x}&y={y}&l={z}&tk=%s"
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'


def _tianditu(base: str, labels: str, name: dict[str, str]) -> dict:
    """A Tianditu basemap: the ``base`` layer with its ``labels`` layer on top."""
    tile = {"subdomains": "01234567", "max_zoom": 18}
    return {
        "name": name,
        "crs": "wgs84",
        "tiles": [
            {**tile, "url": _TIANDITU % (base, "{key}"), "attribution": _TIANDITU_ATTR},
            {**tile, "url": _TIANDITU % (labels, "{key}"), "attribution": ""},
        ],
        "hosts": [f"t{i}.tianditu.gov.cn" for i in range(8)],
        "needs_key": True,  # WEBMAP_TIANDITU_KEY
    }


BASEMAPS = {
    "osm": {
        "name": {"zh": "OpenStreetMap 街道图", "en": "OpenStreetMap"},
        "crs": "wgs84",
        "tiles": [
            {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                "contributors",
                "max_zoom": 19,
            }
        ],
        "hosts": ["tile.openstreetmap.org"],
    },
    "amap": {
        "name": {"zh": "高德地图", "en": "AMap (Gaode)"},
        "crs": "gcj02",
        "tiles": [
            {
                "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                "&x={x}&y={y}&z={z}",
                "subdomains": "1234",
                "attribution": "&copy; 高德地图 AutoNavi",
                "max_zoom": 18,
            }
        ],
        "hosts": [f"webrd0{i}.is.autonavi.com" for i in range(1, 5)],
    },
    "tianditu-vec": _tianditu("vec_w", "cva_w", {"zh": "天地图 矢量", "en": "Tianditu map"}),
    "tianditu-img": _tianditu("img_w", "cia_w", {"zh": "天地图 影像", "en": "Tianditu imagery"}),
    "none": {"name": {"zh": "无底图", "en": "No basemap"}, "crs": "wgs84", "tiles": [], "hosts": []},
}


def tile_hosts(basemap_ids: list[str]) -> list[str]:
    """Every host the browser may fetch tiles from for these basemaps (for the CSP)."""
    return [h for b in basemap_ids for h in BASEMAPS[b]["hosts"]]


assert tuple(BASEMAPS) == BASEMAP_IDS, "basemaps.Basemap and basemaps.BASEMAPS must name the same basemaps"
