"""The OpenAPI description of the write API (webmap/web/edit.py)."""

from __future__ import annotations

from typing import Any

from .openapi_base import _error, _json, _ref


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
