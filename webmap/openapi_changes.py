"""The OpenAPI description of /api/changes: the sites changed in the last N days."""

from __future__ import annotations

from typing import Any

from .changes import DEFAULT_DAYS, KINDS, MAX_DAYS
from .openapi_base import _json, _query


def _changes_paths(layer_param: dict, bad_request: dict) -> dict[str, Any]:
    site = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "changed", "kinds"],
        "properties": {
            "id": {"type": "string"},
            "changed": {"type": "string", "format": "date-time", "description": "Its newest change in the window"},
            "kinds": {"type": "array", "items": {"type": "string", "enum": list(KINDS)}},
        },
    }
    body = {
        "type": "object",
        "additionalProperties": False,
        "required": ["days", "since", "count", "sites"],
        "properties": {
            "days": {"type": "integer"},
            "since": {"type": "string", "format": "date-time"},
            "count": {"type": "integer"},
            "sites": {"type": "array", "items": site},
        },
    }
    days = {"type": "integer", "minimum": 1, "maximum": MAX_DAYS}
    return {
        "/api/changes": {
            "get": {
                "operationId": "recentChanges",
                "summary": "Sites on the map with a published change in the last N days, most recent first",
                "description": "The Atom feed of the changes themselves is /changes.atom; the page is /changes.",
                "parameters": [
                    _query("layer", "Layer id(s), comma-separated", layer_param),
                    _query("days", f"How many days back (default {DEFAULT_DAYS})", days),
                    _query("since", "The same as days, written like 30d (give one of since and days)"),
                ],
                "responses": {"200": _json(body, "The sites changed in the window"), "400": bad_request},
            }
        }
    }
