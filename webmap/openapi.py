"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json and used by
the fuzz tests (schemathesis). No Flask here.

Response schemas come from the pydantic models in ``schema.py``, the same contract the
loader enforces, so the document cannot drift from what the API serves.
"""

from __future__ import annotations

import copy
from typing import Any

from .openapi_base import _error, _feature_collection, _json, _model, _ref
from .openapi_changes import _changes_paths
from .openapi_more import _more_paths
from .openapi_suggestions import _suggestion_paths
from .openapi_write import _write_paths, _write_schemas
from .schema import Layer, SiteFeature, Theme
from .trips.itinerary import TripRequest


def openapi_document(layer_ids: list[str] | None = None) -> dict[str, Any]:
    """The API description. ``layer_ids`` (the catalogue's layers) makes ``?layer=`` an enum."""
    schemas: dict[str, Any] = {}
    feature = _model(SiteFeature, schemas)
    # RFC 7946: a place whose location is to be confirmed has "geometry": null, always present.
    feature["required"] = sorted(set(feature["required"]) | {"geometry"})
    schemas["SiteFeature"] = feature
    schemas["Theme"] = _model(Theme, schemas)
    schemas["TripRequest"] = _model(TripRequest, schemas)
    layer = copy.deepcopy(_model(Layer, schemas))
    layer["properties"].update(
        count={"type": "integer", "minimum": 0, "description": "Sites in this layer"},
        located={"type": "integer", "minimum": 0, "description": "Of those, sites with a point on the map"},
    )
    layer["required"] += ["count", "located"]
    schemas["LayerWithCounts"] = layer
    schemas["FeatureCollection"] = _feature_collection("SiteFeature")
    # compact=1: only what the map draws, filters and lists by (the page's cluster mode).
    schemas["CompactFeature"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"},
            "id": {"type": "string"},
            "geometry": {"anyOf": [_ref("PointGeometry"), {"type": "null"}]},
            "properties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["layer", "name", "status", "themes", "location"],
                "properties": {
                    "layer": {"type": "string"},
                    "name": _ref("Text"),
                    "status": {"type": "string"},
                    "themes": {"type": "array", "items": {"type": "string"}},
                    "location": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["precision"],
                        "properties": {"precision": {"type": "string"}, "uncertainty_m": {"type": "number"}},
                    },
                    "school_trip": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["suitable"],
                        "properties": {"suitable": {"type": "boolean"}},
                    },
                },
            },
        },
    }
    schemas["CompactFeatureCollection"] = _feature_collection("CompactFeature")

    def column(items: dict[str, Any], nullable: bool = False) -> dict[str, Any]:
        return {"type": "array", "items": {"anyOf": [items, {"type": "null"}]} if nullable else items}

    schemas["SiteColumns"] = {
        "type": "object",
        "additionalProperties": False,
        "description": "The compact features as one array per property, all of length count, in catalogue order",
        "required": ["type", "count", "id", "lon", "lat", "layer", "name_zh", "name_en", "status", "themes"]
        + ["precision", "uncertainty_m", "school"],
        "properties": {
            "type": {"const": "SiteColumns"},
            "count": {"type": "integer", "minimum": 0},
            **{k: column({"type": "string"}) for k in ("id", "layer", "name_zh", "name_en", "status", "precision")},
            "lon": column({"type": "number"}, nullable=True),
            "lat": column({"type": "number"}, nullable=True),
            "uncertainty_m": column({"type": "number"}, nullable=True),
            "themes": column({"type": "array", "items": {"type": "string"}}),
            "school": column({"type": "boolean"}, nullable=True),
        },
    }
    schemas["Layers"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["layers", "themes"],
        "properties": {
            "layers": {"type": "array", "items": _ref("LayerWithCounts")},
            "themes": {"type": "array", "items": _ref("Theme")},
        },
    }
    schemas["Health"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["status", "sites", "data_version"],
        "properties": {
            "status": {"const": "ok"},
            "sites": {"type": "integer", "minimum": 0},
            "data_version": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        },
    }
    schemas["Error"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "code": {"type": "string", "minLength": 1},
                    "message": {"type": "string"},
                    "parameter": {"type": "string", "description": "The query parameter at fault"},
                    "allowed": {"type": "array", "items": {"type": "string"}, "description": "Values it may take"},
                },
                "additionalProperties": True,
            }
        },
    }

    layer_param: dict[str, Any] = {"type": "string"}
    if layer_ids:
        layer_param["enum"] = list(layer_ids)
    bad_request = _error("An unknown query parameter or a bad value; the body names the parameter")
    not_modified = {"description": "The client's copy (If-None-Match) is current"}
    etag = {"ETag": {"description": "Strong validator of the body", "schema": {"type": "string"}}}

    def ok(schema: str, description: str) -> dict[str, Any]:
        return {**_json(_ref(schema), description), "headers": etag}

    paths = _read_paths(layer_param, bad_request, not_modified, ok, etag)
    paths.update(_changes_paths(layer_param, bad_request))
    paths.update(_suggestion_paths(bad_request))
    for path, operations in _write_paths(bad_request).items():
        paths[path] = {**paths.get(path, {}), **operations}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Yungang District Map API",
            "version": "1",
            "description": "Sites of Yungang District (云冈区), Datong, as GeoJSON; text in Chinese and English.",
        },
        "paths": paths,
        "components": {
            "schemas": {**schemas, **_write_schemas()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "`webmap tokens create NAME`"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Signed in at /login; writes also send the X-CSRFToken header",
                },
            },
        },
    }


def _read_paths(layer_param, bad_request, not_modified, ok, etag) -> dict[str, Any]:
    """The read-only endpoints."""
    return {
        "/api/layers": {
            "get": {
                "operationId": "listLayers",
                "summary": "Layers (with site counts) and themes",
                "responses": {"200": ok("Layers", "Layers and themes"), "304": not_modified, "400": bad_request},
            }
        },
        "/api/sites": {
            "get": {
                "operationId": "listSites",
                "summary": "All sites, or one layer's, as a GeoJSON FeatureCollection",
                "parameters": [
                    {
                        "name": "layer",
                        "in": "query",
                        "required": False,
                        "description": "Only this layer's sites",
                        "schema": layer_param,
                    },
                    {
                        "name": "compact",
                        "in": "query",
                        "required": False,
                        "description": "1: only the properties the map draws, filters and lists by",
                        "schema": {"type": "string", "enum": ["0", "1"]},
                    },
                ],
                "responses": {
                    "200": {
                        **_json(
                            {"anyOf": [_ref("FeatureCollection"), _ref("CompactFeatureCollection")]},
                            "A GeoJSON FeatureCollection (RFC 7946)",
                        ),
                        "headers": etag,
                    },
                    "304": not_modified,
                    "400": bad_request,
                },
            }
        },
        "/api/columns": {
            "get": {
                "operationId": "siteColumns",
                "summary": "Every site, compact, as one array per property (what the map loads when it clusters)",
                "responses": {"200": ok("SiteColumns", "Columns"), "304": not_modified, "400": bad_request},
            }
        },
        "/api/sites/{site_id}": {
            "get": {
                "operationId": "getSite",
                "summary": "One site as a GeoJSON Feature",
                "parameters": [
                    {
                        "name": "site_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "The site's id (a slug)",
                    }
                ],
                "responses": {
                    "200": ok("SiteFeature", "A GeoJSON Feature"),
                    "304": not_modified,
                    "400": bad_request,
                    "404": _error("No site with this id"),
                },
            }
        },
        **_more_paths(layer_param, bad_request, not_modified, etag),
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness, and which data is loaded",
                "responses": {"200": _json(_ref("Health"), "The server is up")},
            }
        },
    }
