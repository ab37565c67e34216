"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json and used by
the fuzz tests (schemathesis). No Flask here.

Response schemas come from the pydantic models in ``schema.py``, the same contract the
loader enforces, so the document cannot drift from what the API serves.
"""

from __future__ import annotations

import copy
from typing import Any

from .schema import Layer, SiteFeature, Theme
from .trips.itinerary import TripRequest

_REF = "#/components/schemas/{model}"


def _model(model, schemas: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema, its nested definitions moved into ``schemas``."""
    doc = model.model_json_schema(ref_template=_REF, mode="serialization")
    schemas.update(doc.pop("$defs", {}))
    return doc


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _feature_collection(feature: str) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "features"],
        "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": _ref(feature)}},
    }


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


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


# ---------------------------------------------------------------------------
# The write API (webmap/web/edit.py)


def _write_schemas() -> dict[str, Any]:
    change = {
        "type": "object",
        "required": ["field", "before", "after"],
        "properties": {"field": {"type": "string", "description": "Dotted path, e.g. properties.summary.zh"}},
    }
    revision = {
        "type": "object",
        "required": ["site", "n", "author", "at", "comment", "state", "changes"],
        "properties": {
            "site": {"type": "string"},
            "n": {"type": "integer", "minimum": 1},
            "author": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "comment": {"type": "string"},
            "state": {"type": "string", "enum": ["published", "pending", "rejected"]},
            "changes": {"type": "array", "items": change},
        },
    }
    comment = {"type": "string", "minLength": 1, "maxLength": 500, "description": "Why (required)"}
    return {
        "Revision": revision,
        "History": {
            "type": "object",
            "required": ["site", "revisions"],
            "properties": {"site": {"type": "string"}, "revisions": {"type": "array", "items": _ref("Revision")}},
        },
        "Proposals": {
            "type": "object",
            "required": ["proposals"],
            "properties": {"proposals": {"type": "array", "items": _ref("Revision")}},
        },
        "SiteWrite": {
            "type": "object",
            "required": ["feature", "comment"],
            "properties": {"feature": _ref("SiteFeature"), "comment": comment},
        },
        "Retire": {"type": "object", "required": ["comment"], "properties": {"comment": comment}},
        "Revert": {
            "type": "object",
            "required": ["to", "comment"],
            "properties": {"to": {"type": "integer", "minimum": 1}, "comment": comment},
        },
        "Decision": {
            "type": "object",
            "required": ["decision", "reason"],
            "properties": {"decision": {"type": "string", "enum": ["publish", "reject"]}, "reason": comment},
        },
    }


def _write_paths(bad_request: dict[str, Any]) -> dict[str, Any]:
    site_id = {"name": "site_id", "in": "path", "required": True, "schema": {"type": "string"}}
    if_match = {
        "name": "If-Match",
        "in": "header",
        "required": True,
        "description": 'The revision edited, as the ETag of GET /api/sites/{site_id} gives it: "3"',
        "schema": {"type": "string"},
    }
    security = [{"bearer": []}, {"session": []}]

    def body(schema: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}

    def rev(description: str) -> dict[str, Any]:
        return _json(_ref("Revision"), description)

    denied = {
        "400": bad_request,
        "401": _error("Not signed in, or the token is not valid"),
        "403": _error("The caller's role may not do this"),
    }
    stale = {
        "404": _error("No such site"),
        "412": _error("Changed since the If-Match revision; the body lists the changed fields"),
        "428": _error("If-Match is missing"),
    }
    return {
        "/api/sites": {
            "post": {
                "operationId": "createSite",
                "summary": "Add a site (an editor's is a pending proposal, a steward's is published)",
                "security": security,
                "requestBody": body("SiteWrite"),
                "responses": {
                    "201": rev("Published; Location names the new site"),
                    "202": rev("Stored as a proposal for a steward to review"),
                    **denied,
                    "409": _error("A site with this id exists"),
                },
            }
        },
        "/api/sites/{site_id}": {
            "put": {
                "operationId": "replaceSite",
                "summary": "Replace a site (an editor's is a pending proposal)",
                "security": security,
                "parameters": [site_id, if_match],
                "requestBody": body("SiteWrite"),
                "responses": {
                    "200": rev("Published"),
                    "202": rev("Stored as a proposal"),
                    **denied,
                    **stale,
                },
            },
            "delete": {
                "operationId": "retireSite",
                "summary": "Retire a site (steward): it leaves the map, its history stays",
                "security": security,
                "parameters": [site_id, if_match],
                "requestBody": body("Retire"),
                "responses": {"200": rev("Retired"), **denied, **stale},
            },
        },
        "/api/sites/{site_id}/history": {
            "get": {
                "operationId": "siteHistory",
                "summary": "Published revisions of a site, newest first, with a field-by-field diff",
                "parameters": [site_id],
                "responses": {
                    "200": _json(_ref("History"), "The history"),
                    "400": bad_request,
                    "404": _error("No such site"),
                },
            }
        },
        "/api/sites/{site_id}/revert": {
            "post": {
                "operationId": "revertSite",
                "summary": "Restore an earlier revision (steward), as a new revision",
                "security": security,
                "parameters": [site_id],
                "requestBody": body("Revert"),
                "responses": {"200": rev("Reverted"), **denied, "404": _error("No such site or revision")},
            }
        },
        "/api/proposals": {
            "get": {
                "operationId": "listProposals",
                "summary": "Pending proposals (steward), with their diff and before/after",
                "security": security,
                "responses": {
                    "200": _json(_ref("Proposals"), "The review queue"),
                    "401": denied["401"],
                    "403": denied["403"],
                },
            }
        },
        "/api/proposals/{site_id}/{n}": {
            "post": {
                "operationId": "decideProposal",
                "summary": "Publish or reject a proposal (steward), with a reason",
                "security": security,
                "parameters": [site_id, {"name": "n", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": body("Decision"),
                "responses": {"200": rev("Decided"), **denied, "404": _error("No such proposal")},
            }
        },
    }


def _query(name: str, description: str, schema: dict[str, Any] | None = None, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _download(media_types: dict[str, str], description: str) -> dict[str, Any]:
    return {
        "description": description,
        # GeoJSON is JSON (an object); CSV, KML, GPX and ICS are text.
        "content": {
            m.split(";")[0]: {"schema": {"type": "object"} if "json" in m else {"type": "string"}} for m in media_types
        },
    }


def _more_paths(layer_param: dict, bad_request: dict, not_modified: dict, etag: dict) -> dict[str, Any]:
    """Search, nearby, district, trips, trip planning and the downloads: every other JSON
    route of the app (tests/test_openapi.py compares this list with the app's URL map)."""
    from .formats import MEDIA_TYPES

    compact = _query("compact", "1: only the properties the map draws", {"type": "string", "enum": ["0", "1"]})
    sites = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array"}},
    }
    obj = {"type": "object"}
    selection = [
        _query("layer", "Layer id(s), comma-separated", layer_param),
        _query("theme", "Theme id(s), comma-separated"),
        _query("status", "Status value(s), comma-separated"),
        _query("precision", "Location precision(s), comma-separated"),
        _query("school", "Only schools of this kind"),
        _query("q", "Text search"),
    ]
    trip_query = [
        _query("trip", "Site ids in visiting order, comma-separated", required=True),
        _query("mode", "walk, coach or car"),
        _query("start", "Start time HH:MM"),
        _query("from", "Start: a site id or lon,lat"),
        _query("to", "End: a site id or lon,lat"),
        _query("date", "YYYY-MM-DD"),
        _query("visit", "id:minutes pairs, comma-separated"),
        _query("opt", "1: reorder the stops for the shortest trip", {"type": "string", "enum": ["0", "1"]}),
        _query("trip_theme", "A themed trip's id"),
    ]
    trip_formats = {k: MEDIA_TYPES[k] for k in ("gpx", "kml", "ics", "csv")}
    site_formats = {k: MEDIA_TYPES[k] for k in ("geojson", "csv", "kml", "gpx")}

    def fmt(formats: dict[str, str]) -> dict:
        return {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": sorted(formats)}}

    not_found = _error("No such format or id")
    return {
        "/api/search": {
            "get": {
                "operationId": "searchSites",
                "summary": "Sites whose names or text match q, best first",
                "parameters": [_query("q", "Search text (Chinese, pinyin or English)"), compact],
                "responses": {"200": _json(sites, "A GeoJSON FeatureCollection"), "400": bad_request},
            }
        },
        "/api/nearby": {
            "get": {
                "operationId": "nearbySites",
                "summary": "Sites near a site or a point, nearest first",
                "parameters": [
                    _query("site", "A site id (instead of lon/lat)"),
                    _query("lon", "Longitude, WGS 84", {"type": "number", "minimum": -180, "maximum": 180}),
                    _query("lat", "Latitude, WGS 84", {"type": "number", "minimum": -90, "maximum": 90}),
                    _query("radius", "Metres", {"type": "number", "exclusiveMinimum": 0}),
                    compact,
                ],
                "responses": {
                    "200": _json(sites, "A GeoJSON FeatureCollection"),
                    "400": bad_request,
                    "404": _error("No site with this id"),
                },
            }
        },
        "/api/district": {
            "get": {
                "operationId": "getDistrict",
                "summary": "The district's facts and figures",
                "responses": {"200": _json(obj, "District facts"), "400": bad_request},
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {"200": _json(obj, "OpenAPI 3.1"), "400": bad_request},
            }
        },
        "/api/trips": {
            "get": {
                "operationId": "listTrips",
                "summary": "Themed trips and the planner's modes",
                "responses": {"200": _json(obj, "Themed trips"), "400": bad_request},
            }
        },
        "/api/trips/plan": {
            "post": {
                "operationId": "planTrip",
                "summary": "Plan a trip: order, legs, timetable (estimates)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TripRequest")}}},
                "responses": {
                    "200": _json(obj, "The planned trip"),
                    "400": _error("A bad field; the body names it"),
                    "413": _error("The body is larger than the limit"),
                },
            }
        },
        "/api/trips/export.{fmt}": {
            "get": {
                "operationId": "exportTrip",
                "summary": "A planned trip as GPX, KML, ICS or CSV",
                "parameters": [fmt(trip_formats), *trip_query],
                "responses": {
                    "200": _download(trip_formats.values(), "The file"),
                    "400": bad_request,
                    "404": not_found,
                },
            }
        },
        "/api/export.{fmt}": {
            "get": {
                "operationId": "exportSites",
                "summary": "The selected sites as GeoJSON, CSV, KML or GPX (open data)",
                "parameters": [fmt(site_formats), *selection],
                "responses": {
                    "200": {**_download(site_formats.values(), "The file"), "headers": etag},
                    "304": not_modified,
                    "400": bad_request,
                    "404": not_found,
                },
            }
        },
    }
