"""Exports of a selection of sites: GeoJSON, CSV, KML and GPX. No Flask here.

One flat attribute table (``flat_properties``) feeds the CSV columns, the KML
ExtendedData and the OGC API items, so a spreadsheet, Google Earth and QGIS all show the
same columns with the same names:

- bilingual text becomes two columns, ``<field>_zh`` and ``<field>_en``;
- lists become one text cell: themes as ``a,b`` (ids), facts as ``label：value unit；…``;
- vocabulary values stay as the stable code (``status``, ``precision``) with the display
  labels next to them (``status_zh``, ``status_en``, ``layer_zh``, ``layer_en``);
- every row has every column (``None`` where the site has nothing), so GIS clients that
  guess a schema from the first rows get it right.

The GeoJSON export keeps the nested data contract (the same features as ``/api/sites``),
because it is the lossless form that can be read back into ``data/``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import vocab
from .catalogue import Catalogue
from .formats import MEDIA_TYPES, attachment, csv_cell, element_maker
from .schema import SiteFeature
from .selection import Selection

FORMATS = {fmt: MEDIA_TYPES[fmt] for fmt in ("geojson", "csv", "kml", "gpx")}

# The flat columns, in order. ``flat_properties`` fills exactly these.
COLUMNS = [
    "name_zh",
    "name_en",
    "layer",
    "layer_zh",
    "layer_en",
    "status",
    "status_zh",
    "status_en",
    "themes",
    "precision",
    "uncertainty_m",
    "location_source",
    "location_note_zh",
    "location_note_en",
    "summary_zh",
    "summary_en",
    "details_zh",
    "details_en",
    "facts_zh",
    "facts_en",
    "school_trip_suitable",
    "article_section_zh",
    "article_section_en",
    "name_note_zh",
    "name_note_en",
    "photo_count",
    "url",
]

SiteUrl = Callable[[str], str]


def flat_properties(feature: SiteFeature, catalogue: Catalogue, site_url: SiteUrl) -> dict[str, Any]:
    p = feature.properties
    layer = next(x for x in catalogue.layers if x.id == p.layer)
    status = vocab.STATUS[p.status]

    def both(name: str, text) -> dict[str, str | None]:
        return {f"{name}_zh": text.zh if text else None, f"{name}_en": text.en if text else None}

    def facts(lang: str) -> str | None:
        out = []
        for f in p.facts:
            unit = f" {getattr(f.unit, lang)}" if f.unit else ""
            out.append(f"{getattr(f.label, lang)}：{f.value}{unit}")
        return "；".join(out) or None

    row = {
        **both("name", p.name),
        "layer": p.layer,
        **both("layer", layer.name),
        "status": p.status.value,
        "status_zh": status["zh"],
        "status_en": status["en"],
        "themes": ",".join(p.themes) or None,
        "precision": p.location.precision.value,
        "uncertainty_m": p.location.uncertainty_m,
        "location_source": p.location.source,
        **both("location_note", p.location.note),
        **both("summary", p.summary),
        **both("details", p.details),
        "facts_zh": facts("zh"),
        "facts_en": facts("en"),
        "school_trip_suitable": p.school_trip.suitable if p.school_trip else None,
        **both("article_section", p.article_section),
        **both("name_note", p.name_note),
        "photo_count": len(p.photos),
        "url": site_url(feature.id),
    }
    assert list(row) == COLUMNS  # one definition of the table
    return row


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str  # ASCII, safe for any Content-Disposition parser
    filename_utf8: str  # for filename*=UTF-8''...
    headers: dict[str, str] = field(default_factory=dict)

    def http_headers(self) -> dict[str, str]:
        disposition = attachment(self.filename, self.filename_utf8)
        return {"Content-Type": self.media_type, "Content-Disposition": disposition, **self.headers}


def export(
    catalogue: Catalogue, selection: Selection, fmt: str, site_url: SiteUrl, today: date | None = None
) -> Export:
    """Export the sites ``selection`` picks as ``fmt`` (a key of ``FORMATS``)."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    features = [catalogue.features[i] for i in selection.ids(catalogue)]
    stem = f"{selection.slug(catalogue)}-{(today or date.today()):%Y%m%d}"
    headers: dict[str, str] = {"X-Webmap-Sites": str(len(features))}
    if fmt == "geojson":
        content = to_geojson(catalogue, features, selection)
    elif fmt == "csv":
        content = to_csv(catalogue, features, site_url)
    elif fmt == "kml":
        content = to_kml(catalogue, features, selection, site_url)
    else:
        omitted = [f.id for f in features if f.geometry is None]
        content = to_gpx(catalogue, features, selection, site_url)
        headers["X-Webmap-Sites"] = str(len(features) - len(omitted))
        headers["X-Webmap-Omitted"] = str(len(omitted))
    return Export(
        content=content,
        media_type=FORMATS[fmt],
        filename=f"yungang-sites-{stem}.{fmt}",
        filename_utf8=f"云冈区地点-{stem}.{fmt}",
        headers=headers,
    )


def _description(catalogue: Catalogue, selection: Selection, count: int) -> str:
    what = "all sites" if selection.is_everything else f"sites selected by {selection.slug(catalogue)}"
    return f"Yungang District Map (云冈区地图): {count} {what}; data version {catalogue.version}."


# ---------------------------------------------------------------------------
# GeoJSON


def to_geojson(catalogue: Catalogue, features: list[SiteFeature], selection: Selection) -> bytes:
    fc = catalogue.feature_collection([f.id for f in features])
    doc = {
        "type": "FeatureCollection",
        "name": "yungang-sites",
        "description": _description(catalogue, selection, len(features)),
        "features": fc["features"],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


# ---------------------------------------------------------------------------
# CSV


def to_csv(catalogue: Catalogue, features: list[SiteFeature], site_url: SiteUrl) -> bytes:
    """One row per site; ``lon``/``lat`` empty for a site whose location is to be confirmed.
    UTF-8 with a byte-order mark, which is what makes Excel read it as UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["id", "lon", "lat", *COLUMNS])
    for f in features:
        lon, lat = f.geometry.coordinates if f.geometry else ("", "")
        row = flat_properties(f, catalogue, site_url)
        writer.writerow([f.id, lon, lat, *(csv_cell(row[c]) for c in COLUMNS)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------
# KML

KML_NS = "http://www.opengis.net/kml/2.2"


def _kml_colour(hex_rgb: str) -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"ff{b}{g}{r}".lower()  # KML is aabbggrr


def to_kml(catalogue: Catalogue, features: list[SiteFeature], selection: Selection, site_url: SiteUrl) -> bytes:
    """One Folder per layer; sites with no point are Placemarks without geometry, so Google
    Earth lists them (with their text) without pinning them anywhere.

    Google Earth renders ``description`` as HTML, so data text is HTML-escaped before the
    XML serialiser escapes it again: a name like ``<img onerror=…>`` shows literally."""
    sub = element_maker(KML_NS)

    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = sub(root, "Document")
    sub(doc, "name", "云冈区地图 Yungang District Map")
    sub(doc, "description", html.escape(_description(catalogue, selection, len(features))))
    for layer in catalogue.layers:
        style = sub(doc, "Style", id=f"layer-{layer.id}")
        icon_style = sub(style, "IconStyle")
        sub(icon_style, "color", _kml_colour(layer.colour))
    for layer in catalogue.layers:
        members = [f for f in features if f.properties.layer == layer.id]
        if not members:
            continue
        folder = sub(doc, "Folder")
        sub(folder, "name", f"{layer.name.zh} {layer.name.en}")
        for f in members:
            row = flat_properties(f, catalogue, site_url)
            pm = sub(folder, "Placemark", id=f.id)
            sub(pm, "name", f"{row['name_zh']} {row['name_en']}")
            text = [clip(row["summary_zh"]), clip(row["summary_en"])]  # the site's URL follows
            if f.geometry is None:
                text.append("位置待确认：只知道它在云冈区内。Location to be confirmed: only the district is known.")
            elif f.properties.location.approximate:
                text.append(
                    f"近似位置，误差约 {row['uncertainty_m']:,.0f} 米。Approximate location, within about "
                    f"{row['uncertainty_m']:,.0f} m."
                )
            text.append(row["url"])
            sub(pm, "description", "<br>".join(html.escape(t) for t in text))
            sub(pm, "styleUrl", f"#layer-{layer.id}")
            data = sub(pm, "ExtendedData")
            for col in COLUMNS:
                if row[col] is not None:
                    value = row[col]
                    sub(sub(data, "Data", name=col), "value", str(value).lower() if isinstance(value, bool) else value)
            if f.geometry is not None:
                lon, lat = f.geometry.coordinates
                sub(sub(pm, "Point"), "coordinates", f"{lon},{lat}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------------------
# GPX

GPX_NS = "http://www.topografix.com/GPX/1/1"

# GDAL's GPX reader refuses an element holding more than about 100 KB of text, and a
# valid summary may have 20,000 characters in each language: the GPX and KML descriptions
# keep the first DESCRIPTION_LIMIT characters and point to the site page for the rest.
DESCRIPTION_LIMIT = 2_000


def clip(text: str, url: str = "") -> str:
    if len(text) <= DESCRIPTION_LIMIT:
        return text
    return text[:DESCRIPTION_LIMIT].rstrip() + "…" + (f" {url}" if url else "")


def to_gpx(catalogue: Catalogue, features: list[SiteFeature], selection: Selection, site_url: SiteUrl) -> bytes:
    """GPX 1.1 waypoints. GPX has no way to hold a place without coordinates, so sites whose
    location is to be confirmed are left out, and the file's description says how many
    and which (the HTTP response says so too, in ``X-Webmap-Omitted``)."""
    sub = element_maker(GPX_NS)

    located = [f for f in features if f.geometry is not None]
    omitted = [f for f in features if f.geometry is None]
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "yungang-webmap"})
    meta = sub(root, "metadata")
    sub(meta, "name", "云冈区地图 Yungang District Map")
    desc = _description(catalogue, selection, len(located))
    if omitted:
        desc += (
            f" {len(omitted)} site(s) without a known location are omitted (GPX needs coordinates); "
            f"{len(omitted)} 处位置待确认的地点未包含: " + ", ".join(f.id for f in omitted) + "."
        )
    sub(meta, "desc", desc)
    for f in located:
        row = flat_properties(f, catalogue, site_url)
        lon, lat = f.geometry.coordinates
        wpt = sub(root, "wpt", lat=repr(lat), lon=repr(lon))
        sub(wpt, "name", f"{row['name_zh']} {row['name_en']}")
        text = f"{clip(row['summary_zh'], row['url'])} {clip(row['summary_en'], row['url'])}"
        if f.properties.location.approximate:
            text += f" (近似位置 approximate, ±{row['uncertainty_m']:,.0f} m)"
        sub(wpt, "desc", text)
        link = sub(wpt, "link", href=row["url"])
        sub(link, "text", row["name_en"])
        sub(wpt, "type", row["layer_en"])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
