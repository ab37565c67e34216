"""The named sources a location may come from, for the edit form's list.

The data contract keeps one text per location (``location.source``, see webmap/schema.py);
the form composes it from a named source, free text and an optional URL, and splits a
stored text back into those parts when it was written that way. No Flask here."""

from __future__ import annotations

import re

# id → the name as it is written into location.source (the same in both languages, so a
# stored source reads the same on the zh and the en page) and its label for the form.
NAMED_SOURCES: dict[str, dict[str, str]] = {
    "survey": {"text": "Field survey (GPS)", "zh": "实地踏勘（GPS）", "en": "Field survey (GPS)"},
    "official": {"text": "Official document", "zh": "政府或单位公开文件", "en": "Official document"},
    "tianditu": {"text": "Tianditu", "zh": "天地图", "en": "Tianditu"},
    "osm": {"text": "OpenStreetMap", "zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "wikipedia": {"text": "Wikipedia", "zh": "维基百科", "en": "Wikipedia"},
    "geonames": {"text": "GeoNames", "zh": "GeoNames", "en": "GeoNames"},
    "sizhi": {"text": "sizhi", "zh": "sizhi（行政区划边界）", "en": "sizhi (division boundaries)"},
    "other": {"text": "", "zh": "其他（请在下面说明）", "en": "Other (say which below)"},
}
_URL_TAIL = re.compile(r"\s*<(https?://[^\s<>]+)>$")
SEPARATOR = " — "


def compose(kind: str, text: str, url: str) -> str:
    """``location.source`` from the form's parts: "Tianditu — detail <https://…>"."""
    named = NAMED_SOURCES.get(kind, {}).get("text", "")
    out = SEPARATOR.join(part for part in (named, text.strip()) if part)
    url = url.strip()
    return f"{out} <{url}>".strip() if url else out


def split(source: str) -> tuple[str, str, str]:
    """(kind, text, url) of a stored ``location.source``; kind is "" when it names none."""
    url = ""
    m = _URL_TAIL.search(source)
    if m:
        url, source = m.group(1), source[: m.start()]
    for kind, names in NAMED_SOURCES.items():
        named = names["text"]
        if named and (source == named or source.startswith(named + SEPARATOR)):
            return kind, source[len(named) + len(SEPARATOR) :] if source != named else "", url
    return "", source, url
