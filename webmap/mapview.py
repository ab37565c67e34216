"""Build the map page's Leaflet map with Folium, and the small no-JavaScript
locator map used on site pages. No Flask here: callers pass in the URLs.

Folium draws the frame (tiles, district outline, one overlay per layer, layer
control, initial view); the markers are added in the browser from the JSON API
(``static/map.js``), so the HTML stays the same size whatever the number of sites.

Safety: branca compiles each element's rendered output as a new Jinja template, so
any ``{{ ... }}`` in data text handed to Folium would be *evaluated* on the server.
Only two kinds of data reach Folium here: layer labels, passed through
``_html_for_folium`` (HTML-escaped, braces as entities), and the outline's
coordinates (its properties are dropped).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import folium
from branca.element import Element, MacroElement
from jinja2 import Environment, Template
from shapely.geometry.base import BaseGeometry

from .basemaps import BASEMAPS
from .catalogue import Catalogue


@dataclass(frozen=True)
class MapParts:
    """The three pieces of Folium's page we embed in our own template."""

    header: str
    body: str
    script: str


class _Handles(MacroElement):
    """Publishes the JS names Folium chose, so our script can find the map and its layers."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix('<span lang="en">Leaflet</span>');
        L.control.zoom({zoomInTitle: {{ this.words.zoom_in|tojson }},
                        zoomOutTitle: {{ this.words.zoom_out|tojson }}}).addTo({{ this._parent.get_name() }});
        document.querySelectorAll('#{{ this._parent.get_name() }} .leaflet-control-layers-toggle')
          .forEach(function (a) {
            a.title = {{ this.words.layers|tojson }};
            a.setAttribute('aria-label', {{ this.words.layers|tojson }});
          });
        window.WEBMAP_HANDLES = {map: {{ this._parent.get_name() }}, outline: {{ this.outline }},
          groups: {{ '{' }}{% for k, v in this.groups.items() %}{{ k|tojson }}: {{ v }},{% endfor %}{{ '}' }},
          basemaps: {{ '{' }}{% for k, v in this.basemaps.items() %}{{ k|tojson }}: {{ v }},{% endfor %}{{ '}' }}};
        {% endmacro %}"""
    )

    def __init__(self, groups: dict[str, str], basemaps: dict[str, str], outline: str, lang: str):
        super().__init__()
        self._name = "WebmapHandles"
        self.groups, self.basemaps, self.outline = groups, basemaps, outline
        self.words = {k: v[lang] for k, v in CONTROL_WORDS.items()}


# Leaflet's own control titles are English; the map speaks the page's language.
CONTROL_WORDS = {
    "zoom_in": {"zh": "放大", "en": "Zoom in"},
    "zoom_out": {"zh": "缩小", "en": "Zoom out"},
    "layers": {"zh": "图层与底图", "en": "Layers and basemaps"},
}


class _ZoomableMap(folium.Map):
    """Folium's map without the ``<meta name="viewport" ... user-scalable=no>`` its header
    writes: that second viewport tag disables pinch zoom (WCAG 1.4.4). The page's own
    viewport tag (templates/base.html) is the only one. The body and script macros are
    Folium's own; the header keeps its styles and switches."""

    _template = Environment().from_string(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} {
                    position: {{this.position}};
                    width: {{this.width[0]}}{{this.width[1]}};
                    height: {{this.height[0]}}{{this.height[1]}};
                    left: {{this.left[0]}}{{this.left[1]}};
                    top: {{this.top[0]}}{{this.top[1]}};
                }
                .leaflet-container { font-size: {{this.font_size}}; }
            </style>
            <script>
                L_NO_TOUCH = {{ this.global_switches.no_touch|tojson }};
                L_DISABLE_3D = {{ this.global_switches.disable_3d|tojson }};
            </script>
        {% endmacro %}
        {% macro html(this, kwargs) %}{{ folium_map.html(this, kwargs) }}{% endmacro %}
        {% macro script(this, kwargs) %}{{ folium_map.script(this, kwargs) }}{% endmacro %}
        """,
        globals={"folium_map": folium.Map._template.module},
    )


def _html_for_folium(text: str) -> str:
    """Text for a Folium string that Leaflet shows as HTML: escaped for HTML, and with
    braces as character references so branca's re-templating finds nothing to run."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


_IDS = threading.Lock()


@contextmanager
def _stable_ids(seed: str):
    """Folium names each element (``map_<32 hex>``) from os.urandom; here the names come
    from ``seed`` and the element's place in the build, so every process renders the same
    bytes for the same data (the kept page and its ETag, webmap/web/pages.py)."""
    counter = itertools.count()

    def generate(cls) -> str:
        return hashlib.sha256(f"{seed}:{next(counter)}".encode()).hexdigest()[:32]

    with _IDS:
        original = Element.__dict__["_generate_id"]
        Element._generate_id = classmethod(generate)
        try:
            yield
        finally:
            Element._generate_id = original


def build_map(
    catalogue: Catalogue,
    basemap_ids: list[str],
    lang: str,
    leaflet_js: str,
    leaflet_css: str,
    tianditu_key: str | None = None,
) -> MapParts:
    """The Folium map: basemaps (the first shown), outline, one empty overlay per layer.

    ``basemap_ids`` and ``lang`` come from settings and the request; every label is
    escaped with ``_html_for_folium`` because Leaflet's layer control shows it as HTML."""
    seed = "|".join([catalogue.version, lang, *basemap_ids, leaflet_js, leaflet_css])
    with _stable_ids(seed):
        return _build_map(catalogue, basemap_ids, lang, leaflet_js, leaflet_css, tianditu_key)


def _build_map(catalogue, basemap_ids, lang, leaflet_js, leaflet_css, tianditu_key) -> MapParts:
    minx, miny, maxx, maxy = catalogue.boundary.bounds
    m = _ZoomableMap(
        location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None, zoom_snap=0.25, zoom_control=False
    )
    # Per-map asset lists (Folium's defaults are class-level CDN links shared by every map).
    m.default_js = [("leaflet", leaflet_js)]
    m.default_css = [("leaflet_css", leaflet_css)]

    basemaps: dict[str, str] = {}
    for i, bid in enumerate(basemap_ids):
        spec = BASEMAPS[bid]
        group = folium.FeatureGroup(name=_html_for_folium(spec["name"][lang]), overlay=False, show=i == 0)
        for t in spec["tiles"]:
            folium.TileLayer(
                tiles=t["url"].replace("{key}", tianditu_key or ""),
                attr=t["attribution"] or " ",
                max_zoom=t["max_zoom"],
                subdomains=t.get("subdomains", "abc"),
                control=False,
            ).add_to(group)
        group.add_to(m)
        basemaps[bid] = group.get_name()

    outline = {"type": "Feature", "properties": {}, "geometry": catalogue.boundary.__geo_interface__}
    outline_layer = folium.GeoJson(
        outline,
        name="boundary",
        control=False,
        interactive=False,
        style_function=lambda _: {"color": "#37474f", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.03},
    ).add_to(m)

    groups: dict[str, str] = {}
    counts = catalogue.layer_counts()
    for layer in catalogue.layers:
        label = (
            f'<span class="lc-swatch" style="background:{layer.colour}">{_html_for_folium(layer.icon)}</span> '
            f"{_html_for_folium(layer.name.zh if lang == 'zh' else layer.name.en)} "
            f'<span class="lc-count">{counts[layer.id]["located"]}</span>'
        )
        fg = folium.FeatureGroup(name=label, show=True).add_to(m)
        groups[layer.id] = fg.get_name()

    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    # No Folium fit_bounds: its animated zoom could land after map.js restored a linked view.
    # map.js fits the district itself (config.bounds) once its layout is known.
    _Handles(groups, basemaps, outline_layer.get_name(), lang).add_to(m)

    root = m.get_root()
    root.render()
    return MapParts(header=root.header.render(), body=root.html.render(), script=root.script.render())


def locator_svg(
    boundary: BaseGeometry, lonlat: tuple[float, float] | None, radius_m: float | None, width: int = 320
) -> dict:
    """Numbers for a small SVG map (district outline, the place, its uncertainty circle).

    An equirectangular projection scaled by cos(latitude) is accurate to well under a
    pixel at this size for a district 50 km across. Returns only numbers, so the
    template can never be made to emit data text."""
    minx, miny, maxx, maxy = boundary.bounds
    k = math.cos(math.radians((miny + maxy) / 2))
    pad = 8
    scale = (width - 2 * pad) / ((maxx - minx) * k)
    height = round((maxy - miny) * scale + 2 * pad)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round(pad + (lon - minx) * k * scale, 1), round(pad + (maxy - lat) * scale, 1)

    polys = boundary.geoms if boundary.geom_type == "MultiPolygon" else [boundary]
    parts = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            pts = [xy(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{px},{py}" for px, py in pts) + " Z")
    out = {"width": width, "height": height, "path": " ".join(parts), "point": None, "radius": None}
    if lonlat:
        out["point"] = xy(*lonlat)
        if radius_m:
            out["radius"] = round(radius_m / 111_320 * scale, 1)
    return out
