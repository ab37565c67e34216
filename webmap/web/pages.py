"""HTML pages: the map, one page per site, photos and the npm-installed assets."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import threading
from base64 import b64encode

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from .. import params, vocab
from ..basemaps import BASEMAPS
from ..catalogue.store import json_bytes
from ..changes import DEFAULT_DAYS as RECENT_DAYS
from ..district import growth_chart
from ..mapview import build_map, locator_svg
from ..photos import check_cache_dir, rendition
from . import catalogue, settings
from .assets import IMMUTABLE, content_version
from .auth import actor
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
            leaflet_js=vendor_url("leaflet/leaflet.js"),
            leaflet_css=vendor_url("leaflet/leaflet.css"),
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

    def render_pages() -> None:
        # Compile the map page's templates and load its translations before the first
        # visitor (who would wait for them: hundreds of ms on a busy machine). Nothing is
        # kept: the page a visitor gets names the host they asked.
        try:
            for lang in ("zh", "en"):
                with app.test_request_context(f"/?lang={lang}"):
                    _render_map(catalogue(), lang)
        except Exception:  # noqa: BLE001 - the first request does it then
            app.logger.exception("warming the map page failed")

    threading.Thread(target=render_pages, name="webmap-warm-page", daemon=True).start()


# The map page carries the sites it draws (#webmap-sites) while they are few: one round
# trip to the first markers. Above either limit the page fetches them (config.sitesUrl).
INLINE_MAX_SITES = 2_000
INLINE_MAX_BYTES = 300_000
# An inline <script>/<style> element (not one with src): what the page's CSP hashes.
_INLINE_CODE = re.compile(r"<(script|style)((?:(?!\ssrc=)[^>])*)>(.*?)</\1>", re.S | re.I)


def script_json(text: str) -> str:
    """JSON text made safe inside a <script> element: no ``</script>``, ``<!--``, ``]]>``
    or line separators can appear (they only ever occur in JSON strings, where the
    ``\\uXXXX`` forms mean the same)."""
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def inline_sites(cat, cluster: bool) -> str | None:
    """What the page would fetch from config.sitesUrl (the compact columns when it
    clusters, the GeoJSON otherwise), as script-safe JSON; None when over the limits."""
    if len(cat.features) > INLINE_MAX_SITES:
        return None
    ids = cat.site_ids(None)
    if cluster:
        body = json_bytes(cat.columns(ids)).decode("utf-8")
    else:
        body = cat.feature_collection_bytes(ids).decode("utf-8")
    if len(body.encode("utf-8")) > INLINE_MAX_BYTES:
        return None
    return script_json(body)


class _Page:
    """A rendered map page kept for every visitor of one data version and language: its
    bytes (and gzipped), ETag, and the CSP hashes of its inline code (a kept page cannot
    carry a per-response nonce: a 304 would pair the old body with a new nonce)."""

    def __init__(self, html: str, nonce: str):
        html = html.replace(f' nonce="{nonce}"', "")
        self.hashes: dict[str, list[str]] = {"script": [], "style": []}
        for m in _INLINE_CODE.finditer(html):
            if 'type="application/json"' in m[2]:
                continue  # data, never run
            digest = b64encode(hashlib.sha256(m[3].encode("utf-8")).digest()).decode()
            if f"'sha256-{digest}'" not in self.hashes[m[1].lower()]:
                self.hashes[m[1].lower()].append(f"'sha256-{digest}'")
        self.body = html.encode("utf-8")
        self.gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        self.etag = hashlib.sha256(self.body).hexdigest()[:32]


_RENDERING = threading.Lock()
MAX_KEPT_PAGES = 32  # languages × embed × hosts × suggestions, per data version


@bp.get("/")
def index():
    cat = catalogue()
    lang = current_lang()
    if actor() is not None:  # a signed-in page has the user's name and CSRF token: never kept
        return _render_map(cat, lang)
    key = (
        "page",
        cat.version,
        lang,
        request.args.get("embed") == "1",
        url_for("pages.index", _external=True),  # the host, when WEBMAP_PUBLIC_URL is not set
        bool(current_app.jinja_env.globals["suggestions_open"]()),
        bool(current_app.config.get("WEBMAP_STATIC_BUILD")),
    )
    cache = current_app.extensions.setdefault("webmap.map_parts", {})
    page = cache.get(key)
    if page is None:
        with _RENDERING:
            page = cache.get(key)
            if page is None:
                page = _Page(_render_map(cat, lang), g.pop("csp_nonce", ""))
                # Without WEBMAP_ALLOWED_HOSTS any Host is answered, each its own page:
                # a bounded number is kept, the others are rendered per request.
                if sum(1 for k in cache if k[0] == "page") < MAX_KEPT_PAGES:
                    cache[key] = page
    g.pop("csp_nonce", None)
    g.csp_hashes = page.hashes
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    resp = Response(page.gzipped if gzipped else page.body, mimetype="text/html")
    if gzipped:
        resp.headers["Content-Encoding"] = "gzip"  # flask-compress leaves an encoded body alone
    resp.headers["Vary"] = "Accept-Encoding"
    # Revalidated on every visit (a new data version is a new page), answered by a 304.
    resp.headers["Cache-Control"] = "no-cache"
    resp.set_etag(page.etag + ("-gz" if gzipped else ""))  # a validator per representation
    return resp.make_conditional(request)


def _render_map(cat, lang: str) -> str:
    cfg = settings()
    parts = map_parts(lang)
    minx, miny, maxx, maxy = cat.boundary.bounds
    # Thousands of markers make a phone crawl: from cfg.cluster_at located sites on, the
    # page loads compact features and draws clusters (see docs/scale.md).
    cluster = cat.located_count >= cfg.cluster_at
    static_build = current_app.config.get("WEBMAP_STATIC_BUILD")
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
        sites_json=None if static_build else inline_sites(cat, cluster),
        parts=parts,
        client_config=client_config,
        district=cat.district,
        chart=growth_chart(cat.district),
        vendor_gcoord=vendor_url("gcoord/gcoord.global.prod.js"),
        vendor_supercluster=vendor_url("supercluster/supercluster.min.js") if cluster else None,
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


def _vendor_file(name: str):
    package, _, rest = name.partition("/")
    if package not in VENDOR_DIRS or not rest:
        return None, None
    return settings().assets_dir / VENDOR_DIRS[package], rest


def vendor_url(name: str) -> str:
    """An npm asset's URL with ``?v=<content hash>``, like our static files (assets.py):
    browsers keep it for good, and a new package version is a new URL."""
    folder, rest = _vendor_file(name)
    return url_for("pages.vendor", name=name, v=content_version(folder / rest) if folder else None)


@bp.get("/vendor/<path:name>")
def vendor(name: str):
    folder, rest = _vendor_file(name)
    if folder is None:
        abort(404)
    # send_from_directory refuses paths that leave the folder.
    resp = send_from_directory(folder, rest, max_age=86400)
    version = request.args.get("v")
    if version and resp.status_code in (200, 304) and content_version((folder / rest).resolve()) == version:
        resp.headers["Cache-Control"] = IMMUTABLE
    return resp
