"""JSON API: layers, sites (GeoJSON), one site, health."""

from __future__ import annotations

import math

from flask import Blueprint, Response, jsonify, request

from ..geo import MAX_RADIUS_M
from ..openapi import openapi_document
from ..search import MAX_QUERY
from ..selection import reject_unknown
from . import catalogue
from .errors import ApiError

bp = Blueprint("api", __name__)

_SITES_PARAMS = {"layer"}


def _conditional(payload) -> Response:
    """JSON with a strong ETag; answers 304 when the client already has it."""
    resp = jsonify(payload)
    resp.add_etag()
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp.make_conditional(request)


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
    return _conditional(cat.feature_collection(cat.site_ids(layer)))


@bp.get("/api/sites/<site_id>")
def site(site_id: str):
    reject_unknown(request.args, set())
    feature = catalogue().feature_geojson(site_id)
    if feature is None:
        raise ApiError(404, "not_found", f"no site with id {site_id!r}")
    return _conditional(feature)


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


@bp.get("/api/search")
def search():
    reject_unknown(request.args, {"q"})
    q = request.args.get("q", "")
    if not q.strip() or len(q) > MAX_QUERY:
        raise ApiError(400, "invalid_parameter", f"'q' must be 1 to {MAX_QUERY} characters", parameter="q")
    cat = catalogue()
    hits = cat.search_index.search(q)
    features = [
        {
            **cat.feature_geojson(h.site_id),
            "search": {"score": h.score, "field": h.field, "start": h.start, "end": h.end},
        }
        for h in hits
    ]
    return _conditional({"type": "FeatureCollection", "query": q, "features": features})


@bp.get("/api/nearby")
def near():
    reject_unknown(request.args, {"site", "lon", "lat", "radius"})
    cat = catalogue()
    radius = _number("radius", 5000, 1, MAX_RADIUS_M)
    site_id = request.args.get("site")
    if site_id is not None:
        if "lon" in request.args or "lat" in request.args:
            raise ApiError(
                400, "invalid_parameter", "give either 'site' or 'lon' and 'lat', not both", parameter="site"
            )
        feature = cat.features.get(site_id)
        if feature is None:
            raise ApiError(404, "not_found", f"no site with id {site_id!r}", parameter="site")
        if feature.geometry is None:
            raise ApiError(422, "unlocated", f"site {site_id!r} has no known location yet", parameter="site")
        lon, lat = feature.geometry.coordinates
    else:
        lon, lat = _number("lon", None, -180, 180), _number("lat", None, -90, 90)
    results = cat.index.nearby(lon, lat, radius, exclude=site_id)
    features = [
        {**cat.feature_geojson(n.site_id), "nearby": {"distance_m": round(n.distance_m), "approximate": n.approximate}}
        for n in results
    ]
    origin = {"type": "Point", "coordinates": [lon, lat]}
    return _conditional({"type": "FeatureCollection", "origin": origin, "radius_m": radius, "features": features})


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
