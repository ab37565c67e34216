"""The OpenAPI description of search, nearby, district, trips and the downloads."""

from __future__ import annotations

from typing import Any

from .openapi_base import _download, _error, _json, _query, _ref


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
    # Search and nearby are lists: compact unless compact=0, one page at a time.
    list_compact = _query("compact", "0: every property (default 1: what a list shows)", compact["schema"])
    paging = [
        _query("limit", "Items per page (default 100, at most 10000)", {"type": "integer", "minimum": 1}),
        _query("offset", "Items to skip (see the next link)", {"type": "integer", "minimum": 0}),
    ]
    page = {
        **sites,
        "required": ["type", "features", "numberMatched", "numberReturned", "links"],
        "properties": {
            **sites["properties"],
            "numberMatched": {"type": "integer"},
            "numberReturned": {"type": "integer"},
            "links": {"type": "array"},
        },
    }
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
                "parameters": [_query("q", "Search text (Chinese, pinyin or English)"), list_compact, *paging],
                "responses": {"200": _json(page, "A page of a GeoJSON FeatureCollection"), "400": bad_request},
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
                    list_compact,
                    *paging,
                ],
                "responses": {
                    "200": _json(page, "A page of a GeoJSON FeatureCollection"),
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
