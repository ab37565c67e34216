"""A readable diff between two revisions of a site, field by field. No Flask here.

Fields are named by their dotted path in the GeoJSON Feature, as the validator names
them in a ``Problem`` (``properties.summary.zh``, ``geometry``); lists (themes, facts,
photos) and the geometry compare as one value each, so a diff line is a whole fact list
rather than a scatter of indexes.
"""

from __future__ import annotations

from typing import Any

WHOLE = {"geometry"}  # compared as one value


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """``{"properties": {"name": {"zh": x}}}`` → ``{"properties.name.zh": x}``."""
    if not isinstance(doc, dict) or prefix in WHOLE:
        return {prefix: doc} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and path not in WHOLE and value:
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def diff(before: dict | None, after: dict | None) -> list[dict[str, Any]]:
    """The fields that differ, sorted by path: ``[{"field", "before", "after"}]``; a field
    missing on one side has ``None`` there. ``type`` never changes and is left out."""
    old, new = flatten(before or {}), flatten(after or {})
    fields = sorted((set(old) | set(new)) - {"type"})
    return [{"field": f, "before": old.get(f), "after": new.get(f)} for f in fields if old.get(f) != new.get(f)]


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    return [d["field"] for d in diff(before, after)]
