"""The API's OpenAPI document, and a bounded fuzz run of the API against it.

schemathesis generates requests from the document (valid and invalid ones) and
calls the app in-process; every response must be a non-5xx that matches the
documented schema. A longer run is described in docs/security.md."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from webmap.openapi import openapi_document
from webmap.settings import load_settings
from webmap.web.app import create_app

schemathesis = pytest.importorskip("schemathesis")


def test_document_is_served_and_lists_every_endpoint(client, catalogue):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.is_json
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    # Every JSON route of the app, with its methods (werkzeug's <name> is OpenAPI's {name}).
    routes = {}
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes[path] = sorted(set(routes.get(path, ())) | {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}})
    assert len(routes) >= 13
    assert {path: sorted(ops) for path, ops in doc["paths"].items()} == routes
    layer = doc["paths"]["/api/sites"]["get"]["parameters"][0]
    assert layer["schema"]["enum"] == catalogue.layer_ids


def test_shipped_responses_match_the_document(client, catalogue):
    """Every site, every layer filter and the errors, checked against the schemas."""
    import jsonschema_rs  # schemathesis's validator

    doc = openapi_document(catalogue.layer_ids)

    def check(path: str, status: int, name: str):
        resp = client.get(path)
        assert resp.status_code == status, path
        schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
        jsonschema_rs.Draft202012Validator(schema).validate(resp.get_json())

    check("/api/layers", 200, "Layers")
    check("/api/sites", 200, "FeatureCollection")
    check("/api/sites?compact=1", 200, "CompactFeatureCollection")
    check("/api/columns", 200, "SiteColumns")
    for layer in catalogue.layer_ids:
        check(f"/api/sites?layer={layer}", 200, "FeatureCollection")
    for site_id in catalogue.features:
        check(f"/api/sites/{site_id}", 200, "SiteFeature")
    check("/api/sites/atlantis", 404, "Error")
    check("/api/sites?layer=nope", 400, "Error")
    check("/api/sites?bbox=1", 400, "Error")
    check("/healthz", 200, "Health")


LOOSELY_DESCRIBED = {
    "/api/search",
    "/api/nearby",
    "/api/export.{fmt}",
    "/api/trips/export.{fmt}",
    "/api/trips/plan",
    "/api/changes",  # since and days are each valid, but not together
}

# Examples per operation and generation mode; docs/security.md has a longer run.
FUZZ_EXAMPLES = int(os.environ.get("WEBMAP_FUZZ_EXAMPLES", "40"))

# The fuzz run: the app is built once (the module imports no network and no server).
_app = create_app(load_settings(tiles="none"))
_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _app)
# Valid requests and invalid ones (wrong types, unknown layers, odd ids): all must be 2xx/4xx.
_schema.config.generation.update(modes=["positive", "negative"], allow_extra_parameters=True)


@_schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_fuzz(case):
    # The in-process WSGI client does not un-gzip, and gzip is tested in test_api.py.
    # These operations' parameters are described by type, not by every rule that checks them
    # (an empty q, a radius too small, a trip of unknown ids): a schema-valid request may be a
    # 400, so only "no 5xx, every answer matches its schema" is checked for them.
    excluded = [positive_data_acceptance] if case.operation.path in LOOSELY_DESCRIBED else []
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=excluded)
