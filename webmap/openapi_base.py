"""Small builders the JSON API's OpenAPI document is written with."""

from __future__ import annotations

from typing import Any

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


def _query(name: str, description: str, schema: dict[str, Any] | None = None, required: bool = False) -> dict:
    return _param("query", name, description, schema, required)


def _header(name: str, description: str) -> dict:
    return _param("header", name, description)


def _param(where: str, name: str, description: str, schema: dict[str, Any] | None = None, required: bool = False):
    return {
        "name": name,
        "in": where,
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
