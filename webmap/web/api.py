"""JSON API: layers, sites (GeoJSON), one site, health."""

from __future__ import annotations

import gzip
import hashlib
import math
import threading

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from ..catalogue.store import json_bytes
from ..errors import ApiError
from ..geo import MAX_RADIUS_M
from ..openapi import openapi_document
from ..params import reject_unknown
from ..search import MAX_QUERY
from . import catalogue

bp = Blueprint("api", __name__)

_SITES_PARAMS = {"layer", "compact"}


def _conditional(payload) -> Response:
    """JSON with a strong ETag; answers 304 when the client already has it."""
    resp = jsonify(payload)
    resp.add_etag()
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp.make_conditional(request)


def _collection(layer: str | None, compact: bool, columns: bool = False) -> Response:
    """A whole collection, gzipped once per data version and kept: at 100,000 sites it
    is tens of megabytes, too much to serialise and compress on every request."""
    cat = catalogue()
    key = (cat.version, layer, compact, columns)
    cache = current_app.extensions.setdefault("webmap.collections", {})
    entry = cache.get(key)
    if entry is None:
        with _BUILDING:  # one build at a time: a request during the warm-up waits for it
            entry = cache.get(key)
            if entry is None:
                entry = cache[key] = _build_collection(cat, layer, compact, columns)
    etag, gz = entry
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    resp = Response(gz if gzipped else gzip.decompress(gz), mimetype="application/json")
    if gzipped:
        resp.headers["Content-Encoding"] = "gzip"  # flask-compress leaves an encoded body alone
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = "public, max-age=60"
    resp.set_etag(etag)
    return resp.make_conditional(request)


_BUILDING = threading.Lock()


def _build_collection(cat, layer: str | None, compact: bool, columns: bool) -> tuple[str, bytes]:
    ids = cat.site_ids(layer)
    if columns:
        body = json_bytes(cat.columns(ids))
    else:
        body = cat.feature_collection_bytes(ids, compact)
    return hashlib.sha256(body).hexdigest()[:32], gzip.compress(body, compresslevel=6, mtime=0)


def warm(app) -> threading.Thread:
    """Build the cached data the map page loads (/api/columns), in the background: at
    100,000 sites it takes a couple of seconds, which start-up (and a refresh after an
    edit) need not wait for; a visitor asking meanwhile waits for this build."""

    def run() -> None:
        try:
            with app.test_request_context("/api/columns", headers={"Accept-Encoding": "gzip"}):
                _collection(None, compact=True, columns=True)
        except Exception:  # noqa: BLE001 - the first request builds it then
            app.logger.exception("warming /api/columns failed")

    thread = threading.Thread(target=run, name="webmap-warm", daemon=True)
    thread.start()
    return thread


@bp.get("/api/layers")
def layers():
    reject_unknown(request.args, set())
    cat = catalogue()
    counts = cat.layer_counts()
    return _conditional(
        {
            "layers": [
                {
                    **layer.model_dump(mode="json"),
                    "count": counts[layer.id]["total"],
                    "located": counts[layer.id]["located"],
                }
                for layer in cat.layers
            ],
            "themes": [t.model_dump(mode="json") for t in cat.themes],
        }
    )


@bp.get("/api/sites")
def sites():
    reject_unknown(request.args, _SITES_PARAMS)
    cat = catalogue()
    layer = request.args.get("layer")
    if layer is not None and layer not in cat.layer_ids:
        raise ApiError(400, "invalid_parameter", f"unknown layer {layer!r}", parameter="layer", allowed=cat.layer_ids)
    return _collection(layer, _compact())


@bp.get("/api/columns")
def columns():
    """Every site, compact, as one array per property: what the map page loads when it
    clusters (see docs/scale.md). GeoJSON users want /api/sites?compact=1."""
    reject_unknown(request.args, set())
    return _collection(None, compact=True, columns=True)


@bp.get("/api/sites/<site_id>")
def site(site_id: str):
    reject_unknown(request.args, set())
    feature = catalogue().feature_geojson(site_id)
    if feature is None:
        raise ApiError(404, "not_found", f"no site with id {site_id!r}")
    repo = current_app.extensions.get("webmap.repository")
    stored = repo.site(site_id) if repo is not None else None
    if stored is None:
        return _conditional(feature)
    # Editable: the ETag is the revision, what an edit sends back in If-Match.
    resp = jsonify(feature)
    resp.set_etag(str(stored.revision))
    resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)


def _compact() -> bool:
    """``compact=1``: features carry only what the map draws, filters and lists by."""
    compact = request.args.get("compact", "0")
    if compact not in ("0", "1"):
        raise ApiError(
            400,
            "invalid_parameter",
            "compact must be 1 (map properties only) or 0",
            parameter="compact",
            allowed=["0", "1"],
        )
    return compact == "1"


def _number(name: str, default: float | None = None, low: float = -math.inf, high: float = math.inf) -> float:
    raw = request.args.get(name)
    if raw is None:
        if default is None:
            raise ApiError(400, "missing_parameter", f"query parameter {name!r} is required", parameter=name)
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise ApiError(
            400, "invalid_parameter", f"{name!r} must be a number from {low:g} to {high:g}, got {raw!r}", parameter=name
        )
    return value


# Search and nearby answer one page at a time (``limit``/``offset``, as OGC API items do):
# a list shows a page, and the page's JSON is spliced from the stored bytes of each site,
# so a request costs what its page holds, not what the whole answer would.
PAGE_DEFAULT = 100
PAGE_MAX = 10_000
# Compact search results carry the matched text for this many hits (by rank): the page
# lists at most 200 places at a time, and the full text of every hit could be megabytes.
SNIPPETS = 200


def _integer(name: str, default: int, low: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < low:
        raise ApiError(
            400, "invalid_parameter", f"{name!r} must be a whole number from {low}, got {raw!r}", parameter=name
        )
    return int(raw)


def _page() -> tuple[int, int]:
    """(limit, offset) of the page asked for; a limit above PAGE_MAX is capped, not refused."""
    return min(_integer("limit", PAGE_DEFAULT, 1), PAGE_MAX), _integer("offset", 0, 0)


def _list_compact() -> bool:
    """Lists are compact unless ``compact=0`` asks for every property."""
    if "compact" not in request.args:
        return True
    return _compact()


def _paged(head: dict, key: str, rows: list[tuple[str, dict]], total: int, limit: int, offset: int, compact: bool):
    """A FeatureCollection page: ``head`` members, the paging members and links, then each
    row's stored feature with ``key: extra`` added, joined as bytes (never decoded)."""
    cat = catalogue()
    tail = b',"' + key.encode() + b'":'
    features = b",".join(
        cat.features.geojson_bytes(fid, compact)[:-1] + tail + json_bytes(extra) + b"}" for fid, extra in rows
    )
    links = []
    if offset + limit < total:
        args = {**request.args.to_dict(), "limit": str(limit), "offset": str(offset + limit)}
        links.append(
            {"rel": "next", "type": "application/json", "href": url_for(request.endpoint, **args, _external=True)}
        )
    meta = {
        **head,
        "numberMatched": total,
        "numberReturned": len(rows),
        "limit": limit,
        "offset": offset,
        "links": links,
    }
    body = json_bytes(meta)[:-1] + b',"features":[' + features + b"]}"
    resp = Response(body, mimetype="application/json")
    resp.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp.make_conditional(request)


@bp.get("/api/search")
def search():
    reject_unknown(request.args, {"q", "compact", "limit", "offset"})
    q = request.args.get("q", "")
    if not q.strip() or len(q) > MAX_QUERY:
        raise ApiError(400, "invalid_parameter", f"'q' must be 1 to {MAX_QUERY} characters", parameter="q")
    cat = catalogue()
    compact, (limit, offset) = _list_compact(), _page()
    hits = cat.search_index.search(q)
    rows = []
    for rank, h in enumerate(hits[offset : offset + limit], start=offset):
        match = {"score": h.score, "field": h.field, "start": h.start, "end": h.end}
        if compact and rank < SNIPPETS:  # the matched text, for a snippet in the list
            match["text"] = cat.field_text(h.site_id, h.field)
        rows.append((h.site_id, match))
    return _paged({"type": "FeatureCollection", "query": q}, "search", rows, len(hits), limit, offset, compact)


@bp.get("/api/nearby")
def near():
    reject_unknown(request.args, {"site", "lon", "lat", "radius", "compact", "limit", "offset"})
    cat = catalogue()
    radius = _number("radius", 5000, 1, MAX_RADIUS_M)
    site_id = request.args.get("site")
    if site_id is not None:
        if "lon" in request.args or "lat" in request.args:
            raise ApiError(
                400, "invalid_parameter", "give either 'site' or 'lon' and 'lat', not both", parameter="site"
            )
        if site_id not in cat.features:
            raise ApiError(404, "not_found", f"no site with id {site_id!r}", parameter="site")
        point = cat.sites.geometry[site_id]
        if point is None:
            raise ApiError(422, "unlocated", f"site {site_id!r} has no known location yet", parameter="site")
        lon, lat = point.x, point.y
    else:
        lon, lat = _number("lon", None, -180, 180), _number("lat", None, -90, 90)
    compact, (limit, offset) = _list_compact(), _page()
    results = cat.index.nearby(lon, lat, radius, exclude=site_id)
    rows = [
        (n.site_id, {"distance_m": round(n.distance_m), "approximate": n.approximate})
        for n in results[offset : offset + limit]
    ]
    head = {"type": "FeatureCollection", "origin": {"type": "Point", "coordinates": [lon, lat]}, "radius_m": radius}
    return _paged(head, "nearby", rows, len(results), limit, offset, compact)


@bp.get("/api/district")
def district():
    reject_unknown(request.args, set())
    return _conditional(catalogue().district.model_dump(mode="json"))


@bp.get("/healthz")
def healthz():
    cat = catalogue()
    return jsonify({"status": "ok", "sites": len(cat.features), "data_version": cat.version})


@bp.get("/api/openapi.json")
def openapi():
    reject_unknown(request.args, set())
    return _conditional(openapi_document(catalogue().layer_ids))
