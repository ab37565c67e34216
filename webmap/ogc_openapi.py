"""The OGC API - Features service's OpenAPI 3.0 document: read paths for every collection,
Part 4 write operations when the server takes edits, and the response schemas the
answers are checked against (tests/test_ogc_read.py). No Flask here."""

from __future__ import annotations

from typing import Any

from .catalogue import Catalogue
from .ogc_vocab import COMMENT_HEADER, DEFAULT_LIMIT, GEOJSON, HTML, JSON, MAX_LIMIT, OPENAPI
from .openapi_base import _header, _query
from .selection import vocabularies


def openapi_document(
    cat: Catalogue, base_url: str, collection_ids: list[str], writable: bool = False
) -> dict[str, Any]:
    vocab = vocabularies(cat)
    f_param = {
        "name": "f",
        "in": "query",
        "required": False,
        "description": "Response format",
        "schema": {"type": "string", "enum": ["json", "html"]},
    }

    def ok(schema: str, media: str = JSON) -> dict:
        return {"description": "OK", "content": {media: {"schema": _ref(schema)}, HTML: {}}}

    def error(description: str) -> dict:
        return {"description": description, "content": {JSON: {"schema": _ref("exception")}}}

    errors = {
        "400": error("Bad request: a parameter is invalid; the body names it"),
        "404": error("Not found"),
    }

    def enum_list(name: str, values: list[str], description: str) -> dict:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "style": "form",
            "explode": False,
            "schema": {"type": "array", "items": {"type": "string", "enum": values}},
        }

    collection_param = {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": collection_ids},
    }
    items_params = [
        collection_param,
        {
            "name": "bbox",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "description": "minLon,minLat,maxLon,maxLat (WGS 84); sites with no known location are left out",
            "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {
            "name": "datetime",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "Accepted for conformance; the sites carry no time, so it does not filter",
        },
        enum_list("layer", vocab["layers"], "Layer id(s), comma-separated"),
        enum_list("theme", vocab["themes"], "Theme id(s); a site matches if it has any of them"),
        enum_list("status", vocab["statuses"], "Status value(s)"),
        enum_list("precision", vocab["precisions"], "Location precision(s)"),
        f_param,
    ]
    doc = {
        "openapi": "3.0.3",
        "info": {
            "title": "云冈区地图 Yungang District Map – OGC API – Features",
            "version": cat.version,
            "license": {"name": "See the project README"},
        },
        "servers": [{"url": base_url}],
        "components": {"schemas": response_schemas()},
        "paths": {
            "/": {
                "get": {
                    "summary": "Landing page",
                    "operationId": "getLandingPage",
                    "parameters": [f_param],
                    "responses": {"200": ok("landingPage"), "400": errors["400"]},
                }
            },
            "/conformance": {
                "get": {
                    "summary": "Conformance classes",
                    "operationId": "getConformance",
                    "parameters": [f_param],
                    "responses": {"200": ok("confClasses"), "400": errors["400"]},
                }
            },
            "/api": {
                "get": {
                    "summary": "This document",
                    "operationId": "getApi",
                    "parameters": [f_param],
                    "responses": {
                        "200": {"description": "OK", "content": {OPENAPI: {"schema": _ref("openapi")}, HTML: {}}},
                        "400": errors["400"],
                    },
                }
            },
            "/collections": {
                "get": {
                    "summary": "Collections",
                    "operationId": "getCollections",
                    "parameters": [f_param],
                    "responses": {"200": ok("collections"), "400": errors["400"]},
                }
            },
            "/collections/{collectionId}": {
                "get": {
                    "summary": "One collection",
                    "operationId": "describeCollection",
                    "parameters": [collection_param, f_param],
                    "responses": {"200": ok("collection"), **errors},
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "summary": "Features, with paging and filters",
                    "operationId": "getFeatures",
                    "parameters": items_params,
                    "responses": {"200": ok("featureCollectionGeoJSON", GEOJSON), **errors},
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "summary": "One feature",
                    "operationId": "getFeature",
                    "parameters": [
                        collection_param,
                        {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
                        f_param,
                    ],
                    "responses": {"200": ok("featureGeoJSON", GEOJSON), **errors},
                }
            },
        },
    }
    if writable:
        _add_write_operations(doc, collection_param)
    return doc


def _add_write_operations(doc: dict[str, Any], collection_param: dict[str, Any]) -> None:
    """OGC API – Features Part 4 (webmap/web/ogc.py), with a bearer token."""
    feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
    if_match = _header("If-Match", 'The ETag of the feature read ("<revision>"); a stale one is refused with 412')
    comment = _query("comment", f"Why (required: here, in properties.comment or in the {COMMENT_HEADER} header)")
    comment_header = _header(
        COMMENT_HEADER, "Why, for clients that cannot send a body or a query string (QGIS's DELETE); UTF-8"
    )
    body = {"required": True, "content": {GEOJSON: {"schema": {"type": "object"}}}}
    refused = {
        "400": {"description": "Invalid feature; the OGC error body names the field"},
        "401": {"description": "No valid bearer token"},
        "403": {"description": "The token's role may not do this"},
    }
    proposal = {"202": {"description": "Stored as a proposal for a steward (an editor's change)"}}
    security = [{"bearer": []}]
    doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    items = doc["paths"]["/collections/{collectionId}/items"]
    items["post"] = {
        "summary": "Add a feature",
        "operationId": "createFeature",
        "security": security,
        "parameters": [collection_param, comment, comment_header],
        "requestBody": body,
        "responses": {"201": {"description": "Created; Location names it"}, **proposal, **refused},
    }
    item = doc["paths"]["/collections/{collectionId}/items/{featureId}"]
    for method, op, summary in (
        ("put", "replaceFeature", "Replace a feature"),
        ("patch", "updateFeature", "Update a feature (JSON merge patch)"),
        ("delete", "deleteFeature", "Retire a feature (steward): it leaves the map, its history stays"),
    ):
        item[method] = {
            "summary": summary,
            "operationId": op,
            "security": security,
            "parameters": [collection_param, feature_id, if_match, comment, comment_header],
            "responses": {
                "204": {"description": "Done"},
                **({} if method == "delete" else proposal),
                **refused,
                "404": {"description": "Not found"},
                "412": {"description": "Changed since the If-Match revision"},
            },
        }
        if method != "delete":
            item[method]["requestBody"] = body


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_schemas() -> dict[str, Any]:
    """OpenAPI 3.0 schemas of the answers, after OGC 17-069r4's own (link, landingPage,
    confClasses, collections, collection, featureCollectionGeoJSON, featureGeoJSON,
    exception), trimmed to what this API sends."""
    string = {"type": "string"}
    links = {"type": "array", "items": _ref("link")}
    number = {"type": "number"}
    geometry = {
        "type": "object",
        "nullable": True,  # a site whose location is to be confirmed (RFC 7946 §3.2)
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "minItems": 2, "maxItems": 3, "items": number},
        },
    }
    return {
        "link": {
            "type": "object",
            "required": ["href"],
            "properties": {"href": string, "rel": string, "type": string, "title": string, "hreflang": string},
        },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {"title": string, "description": string, "links": links},
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": string}},
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": string,
                "title": string,
                "description": string,
                "links": links,
                "itemType": string,
                "crs": {"type": "array", "items": string},
                "extent": {
                    "type": "object",
                    "properties": {
                        "spatial": {
                            "type": "object",
                            "properties": {
                                "bbox": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {"type": "array", "minItems": 4, "maxItems": 6, "items": number},
                                },
                                "crs": string,
                            },
                        }
                    },
                },
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {"links": links, "collections": {"type": "array", "items": _ref("collection")}},
        },
        "featureGeoJSON": {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": string,
                "geometry": geometry,
                "properties": {"type": "object"},
                "links": links,
            },
        },
        "featureCollectionGeoJSON": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": _ref("featureGeoJSON")},
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        },
        "exception": {
            "type": "object",
            "required": ["code"],
            "properties": {"code": string, "description": string, "parameter": string, "allowed": {"type": "array"}},
        },
        "openapi": {"type": "object", "required": ["openapi", "paths"], "properties": {"openapi": string}},
    }
