"""File formats the site serves as downloads: the one home of their media types, of the
Content-Disposition header, of the CSV formula guard and of the XML namespace helper.
Used by the open-data exports (``exporters``), the trip writers and the web layer.
No Flask here."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "kml": "application/vnd.google-earth.kml+xml",
    "gpx": "application/gpx+xml",
    "ics": "text/calendar; charset=utf-8",
}


def attachment(filename: str, filename_utf8: str | None = None) -> str:
    """A Content-Disposition value for a download. ``filename`` must be ASCII (safe for any
    parser); ``filename_utf8`` adds the RFC 6266 ``filename*`` form for other scripts."""
    value = f'attachment; filename="{filename}"'
    if filename_utf8 is not None:
        value += f"; filename*=UTF-8''{quote(filename_utf8)}"
    return value


# A cell starting with one of these is read as a formula by Excel and LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV cell: booleans as true/false, None empty, and text that a spreadsheet would
    run as a formula shown as text instead (OWASP CSV injection advice). Every CSV the
    site writes passes every cell through this."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(values) -> list[Any]:
    return [csv_cell(v) for v in values]


def namespace(ns: str) -> Callable[[str], str]:
    """``q(tag)`` giving ``{ns}tag``; ``ns`` becomes the default namespace when written."""
    ET.register_namespace("", ns)
    return lambda tag: f"{{{ns}}}{tag}"


def element_maker(ns: str):
    """``sub(parent, tag, text=None, **attrs)`` adding a child element in namespace ``ns``."""
    q = namespace(ns)

    def sub(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, q(tag), attrs)
        if text is not None:
            node.text = str(text)
        return node

    return sub
