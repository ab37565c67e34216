"""The OpenAPI description of residents' suggestions (webmap/web/suggest.py)."""

from __future__ import annotations

from typing import Any

from .openapi_base import _error, _json
from .photo_ingest import LICENCES
from .suggestions import DECISIONS, MAX_CONTACT, MAX_REPLY, MAX_TEXT, STATUSES


def _suggestion_paths(bad_request: dict) -> dict[str, Any]:
    point = {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"const": "Point"},
            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        },
    }
    view = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "status", "site_id", "what_is_wrong", "proposed_location", "photos", "steward_reply"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "site_id": {"type": ["string", "null"]},
            "what_is_wrong": {"type": "string"},
            "proposed_location": {"anyOf": [point, {"type": "null"}]},
            "photos": {"type": "integer", "minimum": 0, "description": "How many were sent (not public)"},
            "steward_reply": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    }
    fields = {
        "what_is_wrong": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
        "site_id": {"type": "string", "description": "The place it is about, if any"},
        "lon": {"type": "number", "description": "A proposed location (WGS 84), with lat; inside the district"},
        "lat": {"type": "number"},
        "contact": {"type": "string", "maxLength": MAX_CONTACT, "description": "Seen by stewards only; expires"},
        "website": {"type": "string", "description": "Leave empty (a trap for bots)"},
    }
    form = {
        **{k: {"type": "string"} for k in fields},
        "photo": {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": 3},
        "photo_credit": {"type": "string"},
        "photo_licence": {"type": "string", "enum": list(LICENCES)},
    }
    created = {
        "type": "object",
        "required": ["id", "status", "status_page"],
        "properties": {
            "id": {"type": "string"},
            "status": {"const": "open"},
            "status_page": {"type": "string", "description": "The public page the suggester keeps"},
            "message": {"type": "string"},
        },
    }
    sid = {"name": "sid", "in": "path", "required": True, "schema": {"type": "string"}}
    not_found = _error("No such suggestion, or suggestions are not enabled on this map (no database)")
    decision = {
        "type": "object",
        "required": ["decision", "reply"],
        "properties": {
            "decision": {"type": "string", "enum": list(DECISIONS)},
            "reply": {"type": "string", "minLength": 1, "maxLength": MAX_REPLY},
        },
    }
    return {
        "/api/suggestions": {
            "post": {
                "operationId": "suggest",
                "summary": "A resident's suggestion: what is wrong, optionally a location, photos and a contact",
                "description": "No account needed and no cookie set; throttled per address.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "required": ["what_is_wrong"], "properties": fields}
                        },
                        "multipart/form-data": {
                            "schema": {"type": "object", "required": ["what_is_wrong"], "properties": form}
                        },
                    },
                },
                "responses": {
                    "201": _json(created, "Received; Location is its public JSON"),
                    "400": bad_request,
                    "404": not_found,
                    "413": _error("The body or a photo is too large"),
                    "415": _error("Neither JSON nor a form"),
                    "429": _error("Too many suggestions from this address"),
                },
            }
        },
        "/api/suggestions/{sid}": {
            "get": {
                "operationId": "suggestion",
                "summary": "A suggestion's public view: status and the steward's reply (never the contact)",
                "parameters": [sid],
                "responses": {"200": _json(view, "The suggestion"), "404": not_found},
            }
        },
        "/api/suggestions/{sid}/decision": {
            "post": {
                "operationId": "decideSuggestion",
                "summary": "A steward answers, accepts or rejects a suggestion with a reply",
                "security": [{"bearer": []}, {"session": []}],
                "parameters": [sid],
                "requestBody": {"required": True, "content": {"application/json": {"schema": decision}}},
                "responses": {
                    "200": _json(view, "Decided"),
                    "400": bad_request,
                    "401": _error("Not signed in, or the token is not valid"),
                    "403": _error("Only stewards decide"),
                    "404": not_found,
                    "409": _error("Already accepted or rejected"),
                },
            }
        },
    }
