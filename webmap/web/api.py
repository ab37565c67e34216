"""JSON API: layers, sites (GeoJSON), one site, health."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..openapi import openapi_document
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


def _reject_unknown(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ApiError(
            400,
            "unknown_parameter",
            f"unknown query parameter {unknown[0]!r}",
            parameter=unknown[0],
            allowed=sorted(allowed),
        )


@bp.get("/api/layers")
def layers():
    _reject_unknown(set())
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
    _reject_unknown(_SITES_PARAMS)
    cat = catalogue()
    layer = request.args.get("layer")
    if layer is not None and layer not in cat.layer_ids:
        raise ApiError(400, "invalid_parameter", f"unknown layer {layer!r}", parameter="layer", allowed=cat.layer_ids)
    return _conditional(cat.feature_collection(cat.site_ids(layer)))


@bp.get("/api/sites/<site_id>")
def site(site_id: str):
    _reject_unknown(set())
    feature = catalogue().feature_geojson(site_id)
    if feature is None:
        raise ApiError(404, "not_found", f"no site with id {site_id!r}")
    return _conditional(feature)


@bp.get("/healthz")
def healthz():
    cat = catalogue()
    return jsonify({"status": "ok", "sites": len(cat.features), "data_version": cat.version})


@bp.get("/api/openapi.json")
def openapi():
    _reject_unknown(set())
    return _conditional(openapi_document(catalogue().layer_ids))
