"""HTML pages: the map, one page per site, photos and the npm-installed assets."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file, send_from_directory, url_for

from .. import vocab
from ..mapview import TILE_PROVIDERS, build_map, locator_svg
from ..photos import PhotoError, rendition
from . import catalogue, settings

bp = Blueprint("pages", __name__)

# npm package folders the page may load from (node_modules/<folder>); nothing else there is served.
VENDOR_DIRS = {"leaflet": "leaflet/dist"}


@bp.get("/")
def index():
    cat, cfg = catalogue(), settings()
    # The map frame depends only on the data and settings, both fixed for the app's life:
    # build it once (Folium takes tens of milliseconds) rather than on every request.
    parts = current_app.extensions.get("webmap.map_parts")
    if parts is None:
        parts = current_app.extensions["webmap.map_parts"] = build_map(
            cat,
            cfg.tiles,
            leaflet_js=url_for("pages.vendor", name="leaflet/leaflet.js"),
            leaflet_css=url_for("pages.vendor", name="leaflet/leaflet.css"),
        )
    client_config = {
        "sitesUrl": url_for("api.sites"),
        "sitePageUrl": url_for("pages.site", site_id="__ID__"),
        "photoUrl": url_for("pages.photo", size="__SIZE__", name="__NAME__"),
        "layers": [{"id": x.id, "name": x.name.model_dump(), "colour": x.colour, "icon": x.icon} for x in cat.layers],
        "themes": {t.id: t.name.model_dump() for t in cat.themes},
        "tiles": cfg.tiles,
        "bounds": [[cat.boundary.bounds[1], cat.boundary.bounds[0]], [cat.boundary.bounds[3], cat.boundary.bounds[2]]],
        "vocab": vocab.as_json(),
    }
    return render_template(
        "map.html",
        parts=parts,
        client_config=client_config,
        tile_hosts=(TILE_PROVIDERS[cfg.tiles] or {}).get("hosts", []),
    )


@bp.get("/sites/<site_id>")
def site(site_id: str):
    cat = catalogue()
    feature = cat.features.get(site_id)
    if feature is None:
        abort(404, description=f"没有这个地点 / No site with id “{site_id}”.")
    props = feature.properties
    layer = next(x for x in cat.layers if x.id == props.layer)
    svg = locator_svg(
        cat.boundary,
        tuple(feature.geometry.coordinates) if feature.geometry else None,
        props.location.uncertainty_m if props.location.approximate else None,
    )
    themes = {t.id: t for t in cat.themes}
    return render_template(
        "site.html",
        f=feature,
        p=props,
        layer=layer,
        svg=svg,
        themes=[themes[t] for t in props.themes],
        vocab=vocab.as_json(),
    )


@bp.get("/sites/")
def site_index():
    cat = catalogue()
    by_layer = {lid: [cat.features[i] for i in cat.site_ids(lid)] for lid in cat.layer_ids}
    return render_template("site_index.html", layers=cat.layers, by_layer=by_layer)


@bp.get("/photos/<size>/<name>")
def photo(size: str, name: str):
    cfg = settings()
    try:
        path = rendition(cfg.data_dir / "photos", cfg.cache_dir, name, size)
    except PhotoError as exc:
        abort(exc.status, description=str(exc))
    resp = send_file(path, mimetype="image/jpeg", max_age=86400)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/vendor/<path:name>")
def vendor(name: str):
    package, _, rest = name.partition("/")
    if package not in VENDOR_DIRS or not rest:
        abort(404)
    # send_from_directory refuses paths that leave the folder.
    return send_from_directory(settings().assets_dir / VENDOR_DIRS[package], rest, max_age=86400)
