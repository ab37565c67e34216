"""HTML pages: the map, one page per site, photos and the npm-installed assets."""

from __future__ import annotations

import io

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from .. import params, vocab
from ..basemaps import BASEMAPS
from ..changes import DEFAULT_DAYS as RECENT_DAYS
from ..district import growth_chart
from ..mapview import build_map, locator_svg
from ..photos import check_cache_dir, rendition
from . import catalogue, settings
from .i18n import client_messages, current_lang

bp = Blueprint("pages", __name__)

# npm package folders the page may load from (node_modules/<folder>); nothing else there is served.
VENDOR_DIRS = {"leaflet": "leaflet/dist", "gcoord": "gcoord/dist", "supercluster": "supercluster/dist"}


def map_parts(lang: str):
    """The Folium map frame. It depends only on the data, the settings and the language,
    all fixed for the app's life: built once per language (Folium takes tens of ms)."""
    cache = current_app.extensions.setdefault("webmap.map_parts", {})
    if lang not in cache:
        cfg = settings()
        cache[lang] = build_map(
            catalogue(),
            cfg.basemap_ids,
            lang,
            leaflet_js=url_for("pages.vendor", name="leaflet/leaflet.js"),
            leaflet_css=url_for("pages.vendor", name="leaflet/leaflet.css"),
            tianditu_key=cfg.tianditu_key,
        )
    return cache[lang]


def warm(app) -> None:
    """Build the map frames before the first visitor asks; refuse to start with a photo
    cache that cannot be written (StorageError) rather than serve broken photos."""
    check_cache_dir(app.extensions["webmap.settings"].cache_dir)
    with app.test_request_context("/"):
        for lang in ("zh", "en"):
            map_parts(lang)


@bp.get("/")
def index():
    cat, cfg = catalogue(), settings()
    lang = current_lang()
    parts = map_parts(lang)
    minx, miny, maxx, maxy = cat.boundary.bounds
    # Thousands of markers make a phone crawl: from cfg.cluster_at located sites on, the
    # page loads compact features and draws clusters (see docs/scale.md).
    cluster = cat.located_count >= cfg.cluster_at
    client_config = {
        "lang": lang,
        "cluster": cluster,
        "sitesUrl": url_for("api.columns") if cluster else url_for("api.sites"),
        "siteApiUrl": url_for("api.site", site_id="__ID__"),
        "searchUrl": url_for("api.search"),
        "nearbyUrl": url_for("api.near"),
        "qrUrl": url_for("pages.qr"),
        "shareUrl": url_for("pages.index", _external=True),  # the public origin the QR code accepts
        "sitePageUrl": url_for("pages.site", site_id="__ID__", lang=lang if lang != "zh" else None),
        "photoUrl": url_for("pages.photo", size="__SIZE__", name="__NAME__"),
        # Places changed lately (static/js/ui/recent.js); a read-only map answers none, and
        # the page stays the same whether it is served from the files or the database.
        "changesUrl": url_for("changes.recent", days=RECENT_DAYS),
        "changesPageUrl": url_for("changes.changes_page", lang=lang if lang != "zh" else None),
        "layers": [{"id": x.id, "name": x.name.model_dump(), "colour": x.colour, "icon": x.icon} for x in cat.layers],
        "themes": [{"id": t.id, "name": t.name.model_dump()} for t in cat.themes],
        # A list, not an object: JSON objects are sorted on the way out, and the first is the default.
        "basemaps": [{"id": b, "crs": BASEMAPS[b]["crs"]} for b in cfg.basemap_ids],
        "bounds": [[miny, minx], [maxy, maxx]],
        "vocab": vocab.as_json(),
        "params": params.as_json(),
        "modes": vocab.modes_json(),
        "messages": client_messages(),
    }
    return render_template(
        "map.html",
        parts=parts,
        client_config=client_config,
        district=cat.district,
        chart=growth_chart(cat.district),
        vendor_gcoord=url_for("pages.vendor", name="gcoord/gcoord.global.prod.js"),
        vendor_supercluster=url_for("pages.vendor", name="supercluster/supercluster.min.js") if cluster else None,
    )


@bp.get("/qr.svg")
def qr():
    """A QR code (SVG) of a link to this map, for chat apps and printouts."""
    target = request.args.get("url", "")
    origin = url_for("pages.index", _external=True)  # WEBMAP_PUBLIC_URL, or this (allowed) host
    if not target.startswith(origin) or len(target) > 2000:
        abort(400, description="url must be a link to this site, at most 2000 characters")
    svg = io.BytesIO()
    segno.make(target, error="m").save(svg, kind="svg", scale=4, border=2, title="QR")
    resp = Response(svg.getvalue(), mimetype="image/svg+xml")
    # Shared caches may keep it only when the origin is fixed (WEBMAP_PUBLIC_URL): without
    # it the QR follows the request's host, so no cache may hand it to another host's users.
    resp.headers["Cache-Control"] = "public, max-age=86400" if settings().public_url else "private, no-store"
    return resp


@bp.get("/sites/<site_id>")
def site(site_id: str):
    cat = catalogue()
    feature = cat.features.get(site_id)
    if feature is None:
        abort(404, description=_("No place with the id “%(id)s”.", id=site_id))
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
    path = rendition(cfg.data_dir / "photos", cfg.cache_dir, name, size)  # PhotoError: a 4xx page
    resp = send_file(path, mimetype="image/jpeg", max_age=86400)
    return resp


@bp.get("/vendor/<path:name>")
def vendor(name: str):
    package, _, rest = name.partition("/")
    if package not in VENDOR_DIRS or not rest:
        abort(404)
    # send_from_directory refuses paths that leave the folder.
    return send_from_directory(settings().assets_dir / VENDOR_DIRS[package], rest, max_age=86400)
