"""Hostile request bodies and parameters: a body over the limit is a 413 in the app's JSON
error shape, every list and map in a request model is bounded, and malformed JSON or
numbers (deep nesting, thousands of digits) are a 400 naming the body or parameter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webmap.settings import Settings, load_settings
from webmap.trips.itinerary import TripRequest
from webmap.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
RED = ["gaotun-party-branch-site", "red-memorial-hall", "yungang-grottoes"]


def _error(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.is_json
    return resp.get_json()["error"]


def test_a_body_over_the_limit_is_413_with_the_json_error_body(client, app):
    limit = app.extensions["webmap.settings"].max_body_bytes
    assert app.config["MAX_CONTENT_LENGTH"] == limit
    body = b'{"stops": ["' + b"x" * limit + b'"]}'
    err = _error(client.post("/api/trips/plan", data=body, content_type="application/json"), 413)
    assert err["code"] == "request_entity_too_large" and err["limit"] == limit


def test_the_body_limit_is_one_setting(tmp_path):
    app = create_app(load_settings(tiles="none", cache_dir=tmp_path / "c", max_body_bytes=2000))
    client = app.test_client()
    ok = client.post("/api/trips/plan", json={"stops": RED})
    assert ok.status_code == 200
    big = client.post("/api/trips/plan", json={"stops": RED, "date": "2026-06-01", "pad": "x" * 2000})
    assert _error(big, 413)["limit"] == 2000


def _nginx_conf(*args: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "serve-production"), "--port", "8999", "--print-config", *args],
        env={**os.environ, "PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_nginx_takes_its_body_limit_from_the_same_setting():
    conf = _nginx_conf()
    assert "client_max_body_size 1048576;" in conf and '"limit": 1048576}' in conf
    conf = _nginx_conf(WEBMAP_MAX_BODY_BYTES="5000")
    assert "client_max_body_size 5000;" in conf and '"limit": 5000}' in conf
    # --max-body sets the app's setting too (the environment gunicorn gets).
    assert "client_max_body_size 2097152;" in _nginx_conf("--max-body", "2m")


def test_every_list_and_map_in_the_trip_request_is_bounded():
    def bounded(schema: dict, path: str, defs: dict) -> list[str]:
        if "$ref" in schema:
            return bounded(defs[schema["$ref"].split("/")[-1]], path, defs)
        out = []
        kind = schema.get("type")
        if kind == "array" and "maxItems" not in schema:
            out.append(path)
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict) and "maxProperties" not in schema:
            out.append(path)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                out += bounded(sub, path, defs)
        for name, sub in schema.get("properties", {}).items():
            out += bounded(sub, f"{path}.{name}", defs)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                out += bounded(schema[key], f"{path}[]", defs)
        return out

    schema = TripRequest.model_json_schema()
    assert bounded(schema, "body", schema.get("$defs", {})) == []


def test_too_many_visit_durations_are_a_400_naming_the_field(client):
    visits = {f"site-{i}": 10 for i in range(5000)}
    err = _error(client.post("/api/trips/plan", json={"stops": RED, "visit_minutes": visits}), 400)
    assert err["field"] == "visit_minutes"


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        '{"stops": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"stops": [' + '{"a":' * 1000 + "1" + "}" * 1000 + "]}",
        '{"stops": ["yungang-grottoes"], "visit_minutes": {"yungang-grottoes": ' + "9" * 4301 + "}}",
        '{"stops": ["yungang-grottoes"',
        '{"stops": NaN}',
        '{"stops": ["a"], "stops": ["b"]}',
        "\udc80",
        "",
        "null",
        "1e999",
    ],
    ids=["nested", "nested-field", "nested-objects", "digits", "cut", "nan", "dup", "surrogate", "empty", "null"]
    + ["inf"],
)
def test_malformed_json_bodies_are_a_400_naming_the_body(client, body):
    data = body.encode("utf-8", "surrogatepass")
    err = _error(client.post("/api/trips/plan", data=data, content_type="application/json"), 400)
    assert err["field"] in ("body", "stops", "visit_minutes.yungang-grottoes", "visit_minutes")


@pytest.mark.parametrize(
    "visit",
    ["yungang-grottoes:" + "9" * 4301, "yungang-grottoes:" + "9" * 30, "yungang-grottoes:²", "yungang-grottoes:١٢"],
)
@pytest.mark.parametrize("path", ["/api/trips/export.gpx", "/trip"])
def test_a_huge_or_odd_visit_time_in_a_trip_link_is_a_400_naming_the_parameter(client, path, visit):
    resp = client.get(path, query_string={"trip": ",".join(RED), "visit": visit})
    assert resp.status_code == 400
    if path.startswith("/api/"):
        assert _error(resp, 400)["field"].startswith("visit")


@pytest.mark.parametrize(
    "query",
    [
        {"from": "1" * 5000 + ",40"},
        {"to": "-" + "9" * 400 + ",40"},
        {"start": "9" * 4301 + ":00"},
        {"date": "9" * 4301 + "-01-01"},
        {"trip": ",".join(["yungang-grottoes"] * 5000)},
        {"visit": ",".join(f"s{i}:1" for i in range(5000))},
        {"opt": "9" * 4301},
    ],
    ids=["from", "to", "start", "date", "trip", "visit", "opt"],
)
def test_fuzzed_trip_link_parameters_are_a_400(client, query):
    resp = client.get("/api/trips/export.csv", query_string={"trip": ",".join(RED), **query})
    assert _error(resp, 400)["field"]


def test_settings_default_limit_is_a_megabyte():
    assert Settings.model_fields["max_body_bytes"].default == 1024 * 1024
    json.dumps(Settings.model_fields["max_body_bytes"].description)
