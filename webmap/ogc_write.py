"""OGC API – Features Part 4 (Create, Replace, Update, Delete): what a client sends, as
the data contract. No Flask here; webmap/web/ogc.py is the adapter, the Repository stores.

A client may send a site in either of two shapes:
- the data contract itself (``properties.name = {zh, en}``, ``properties.location``…), as
  GET /api/sites/<id> serves it;
- the flat table the OGC items carry (``name_zh``, ``precision``, ``location_source``…),
  which is what QGIS and OGR read and send back. Its columns are applied onto the stored
  site, so what the table cannot hold (facts, photos, school-trip notes) is kept. Columns
  derived for reading (``layer_zh``, ``status_en``, ``facts_zh``, ``photo_count``, ``url``)
  are ignored on the way in.

``comment`` (why: required for every change) comes from ``properties.comment``, the
``comment`` query parameter or the ``X-Webmap-Comment`` header (in that order). QGIS
sends a DELETE with no body and cannot add a query parameter per edit, but its
connection dialog can send a fixed header for the editing session.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import WebmapError
from .exporters import COLUMNS

BILINGUAL = ("name", "summary", "details", "article_section", "name_note")
DERIVED = {"layer_zh", "layer_en", "status_zh", "status_en", "facts_zh", "facts_en", "photo_count", "url"}
FLAT = set(COLUMNS)
NESTED = {
    "layer",
    "name",
    "summary",
    "details",
    "facts",
    "status",
    "themes",
    "school_trip",
    "location",
    "photos",
    "article_section",
    "name_note",
}
NESTED_ONLY = NESTED - FLAT


class WriteError(WebmapError):
    """A 400 naming the field (``field``) of what the client sent."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, status=400, code="InvalidValue", field=field)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _properties(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("type", "Feature") != "Feature":
        raise WriteError("the body must be a GeoJSON Feature", "type")
    props = body.get("properties", {})
    if not isinstance(props, dict):
        raise WriteError("properties must be an object", "properties")
    return props


def is_flat(props: dict[str, Any]) -> bool:
    keys = set(props) - {"comment"}
    flat_only = keys & (FLAT - NESTED)
    nested_only = keys & NESTED_ONLY
    if flat_only and nested_only:
        field = sorted(nested_only)[0]
        raise WriteError(f"mixes the flat table ({sorted(flat_only)[0]}) and the data contract ({field})", field)
    if flat_only or isinstance(props.get("themes"), str):
        return True
    return not nested_only and bool(keys)  # only layer/status/themes given: the flat columns of those names


def apply_flat(current: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """The stored site with the flat columns in ``props`` applied onto it."""
    out = copy.deepcopy(current)
    p = out.setdefault("properties", {})
    location = p.setdefault("location", {})
    for key, value in props.items():
        if key == "comment" or key in DERIVED:
            continue
        if key not in FLAT:
            raise WriteError(f"unknown column {key!r}", f"properties.{key}")
        base, _, lang = key.rpartition("_")
        if lang in ("zh", "en") and base in BILINGUAL:
            _set_text(p, base, lang, value)
        elif lang in ("zh", "en") and base == "location_note":
            _set_text(location, "note", lang, value)
        elif key == "precision":
            location["precision"] = value
        elif key == "uncertainty_m":
            _set(location, "uncertainty_m", value)
        elif key == "location_source":
            location["source"] = value
        elif key == "themes":
            if value is not None and not isinstance(value, str):
                raise WriteError("themes is a comma-separated list of theme ids", "properties.themes")
            p["themes"] = [t.strip() for t in (value or "").split(",") if t.strip()]
        elif key == "school_trip_suitable":
            if value is None:
                p.pop("school_trip", None)
            else:
                p.setdefault("school_trip", {})["suitable"] = value
        else:  # layer, status
            p[key] = value
    return out


def _set(d: dict, key: str, value: Any) -> None:
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value


def _set_text(d: dict, key: str, lang: str, value: Any) -> None:
    text = d.get(key) if isinstance(d.get(key), dict) else {}
    _set(text, lang, value)
    if text:
        d[key] = text
    else:
        d.pop(key, None)


def _geometry(body: dict, fallback: Any) -> Any:
    return body["geometry"] if "geometry" in body else fallback


def comment_of(body: Any, query_comment: str | None, header_comment: str | None = None) -> str | None:
    props = body.get("properties") if isinstance(body, dict) else None
    for value in (props.get("comment") if isinstance(props, dict) else None, query_comment, header_comment):
        if isinstance(value, str) and value.strip():
            return value
    return None


def for_create(body: Any, collection: str | None) -> dict[str, Any]:
    """A new site from a POSTed Feature; ``collection`` (a layer id, or None for all
    sites) gives the layer when the feature names none."""
    props = _properties(body)
    site_id = body.get("id") or props.get("id")
    if not isinstance(site_id, str) or not site_id:
        raise WriteError("a new feature needs an 'id' (a slug)", "id")
    if is_flat(props):
        feature = apply_flat({"type": "Feature", "id": site_id, "geometry": None, "properties": {}}, props)
    else:
        feature = {"type": "Feature", "id": site_id, "properties": _without_comment(props)}
    feature["geometry"] = _geometry(body, None)
    _check_layer(feature, collection)
    feature["properties"].pop("id", None)
    return feature


def for_replace(body: Any, current: dict[str, Any], site_id: str, collection: str | None) -> dict[str, Any]:
    props = _properties(body)
    if body.get("id", site_id) != site_id:
        raise WriteError(f"the feature's id must be {site_id!r}, as in the URL", "id")
    if is_flat(props):
        feature = apply_flat(current, props)
    else:
        feature = {"type": "Feature", "id": site_id, "properties": _without_comment(props)}
    feature["geometry"] = _geometry(body, None)
    feature["id"] = site_id
    _check_layer(feature, collection)
    return feature


def for_patch(body: Any, current: dict[str, Any], site_id: str, collection: str | None) -> dict[str, Any]:
    props = _properties(body)
    if body.get("id", site_id) != site_id:
        raise WriteError("a patch cannot change the feature's id", "id")
    if is_flat(props):
        feature = apply_flat(current, props)
    else:
        feature = merge_patch(current, {"properties": _without_comment(props)})
    feature["geometry"] = _geometry(body, current.get("geometry"))
    feature["id"] = site_id
    _check_layer(feature, collection)
    return feature


def _without_comment(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "comment"}


def _check_layer(feature: dict[str, Any], collection: str | None) -> None:
    if collection is None:
        return
    p = feature["properties"]
    p.setdefault("layer", collection)
    if p["layer"] != collection:
        raise WriteError(f"a feature of collection {collection!r} has layer {collection!r}", "properties.layer")
