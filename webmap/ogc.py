"""OGC API – Features, Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) over the catalogue.

Like pygeoapi's API core, every handler takes a plain request description and returns
``(headers, status, content)``; nothing here imports Flask. HTML is rendered through a
``render(template, context)`` callable the web adapter passes in (Jinja, autoescaped).

Collections: one per layer (id = layer id) and ``sites`` for every site. Items are GeoJSON
Features whose properties are the flat table of ``exporters.flat_properties`` (``name_zh``,
``name_en``, ``status``, ``layer``, ``precision``, ``uncertainty_m``, ``location_source``…),
so QGIS and OGR show useful attribute columns. A site whose location is to be confirmed has
``geometry: null``: it is listed in items unless a ``bbox`` is given.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from . import exporters
from .catalogue import Catalogue
from .errors import WebmapError
from .ogc_openapi import openapi_document
from .ogc_vocab import (  # noqa: F401
    ALL_SITES,
    CONFORMANCE,
    CONFORMANCE_WRITE,
    CRS84,
    DEFAULT_LIMIT,
    GEOJSON,
    HTML,
    JSON,
    MAX_LIMIT,
    OPENAPI,
)
from .params import FILTERS, ParameterError, reject_unknown
from .selection import parse_selection

Response = tuple[dict[str, str], int, str]
Render = Callable[[str, dict[str, Any]], str]


class OgcError(WebmapError):
    """An error answer; carries its HTTP status and OGC exception code. Its body is the
    OGC exception document ({code, description}), not the site API's {error: ...}."""

    def __init__(
        self, status: int, code: str, description: str, parameter: str | None = None, allowed=None, **extra: Any
    ):
        super().__init__(description, status=status, code=code, parameter=parameter, allowed=allowed)
        self.description, self.parameter, self.allowed = description, parameter, allowed
        self.extra = {k: v for k, v in extra.items() if v is not None}  # e.g. field, changed (Part 4 writes)

    @classmethod
    def from_parameter(cls, exc: ParameterError) -> OgcError:
        return cls(400, "InvalidParameterValue", exc.message, exc.parameter, exc.allowed)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "description": self.description}
        if self.parameter:
            out["parameter"] = self.parameter
        if self.allowed is not None:
            out["allowed"] = self.allowed
        return {**out, **self.extra}


@dataclass(frozen=True)
class SiteUrl:
    """A site page's absolute URL from a template holding ``MARK`` where the quoted id
    goes: hashable, so encoded features can be kept per template (per public origin)."""

    MARK = "__SITE__"
    template: str = MARK

    def __call__(self, site_id: str) -> str:
        return self.template.replace(self.MARK, quote(site_id, safe=""))


@dataclass(frozen=True)
class OgcRequest:
    base_url: str  # absolute URL of the API root, no trailing slash: http://host/ogc
    args: Mapping[str, Sequence[str]]  # the query string as a multi-dict
    accept: str = ""
    site_url: SiteUrl = SiteUrl()  # the site's HTML page

    def format(self) -> str:
        """``f=json|html`` wins; otherwise a browser (Accept: text/html) gets HTML."""
        values = self.args.get("f")
        if values:
            if values[-1] not in ("json", "html"):
                raise OgcError(400, "InvalidParameterValue", "f must be 'json' or 'html'", "f", ["json", "html"])
            return values[-1]
        return "html" if HTML in self.accept else "json"

    def one(self, name: str) -> str | None:
        values = self.args.get(name)
        if values and len(values) > 1:
            raise OgcError(400, "InvalidParameterValue", f"{name} may be given only once", name)
        return values[0] if values else None


FEATURES_KEPT = 20_000  # encoded OGC features kept per catalogue version (~3 KB each)


class OgcApi:
    def __init__(self, catalogue: Catalogue, render: Render, writable: bool = False):
        self.cat = catalogue
        self.render = render
        self.writable = writable
        self._extents: dict[str, list[float]] = {}
        # Each site's OGC feature, encoded once per catalogue version and site-page origin:
        # a page of items is joined from these, so it costs its items, not their encoding.
        self._encoded = lru_cache(maxsize=FEATURES_KEPT)(self._encode)
        self.titles = {ALL_SITES: {"zh": "全部地点", "en": "All sites"}}
        self.descriptions = {
            ALL_SITES: {
                "zh": "云冈区地图上的全部地点，含位置待确认的地点。",
                "en": "Every site of the map, including those whose location is still to be confirmed.",
            }
        }
        for layer in catalogue.layers:
            self.titles.setdefault(layer.id, layer.name.model_dump())
            self.descriptions.setdefault(layer.id, layer.description.model_dump())

    # -- helpers -----------------------------------------------------------

    def _answer(self, req: OgcRequest, fmt: str, doc: dict, template: str, media: str = JSON, **ctx) -> Response:
        if fmt == "html":
            html = self.render(template, {"doc": doc, "base_url": req.base_url, **ctx})
            return {"Content-Type": "text/html; charset=utf-8"}, 200, html
        return {"Content-Type": media}, 200, json.dumps(doc, ensure_ascii=False)

    @staticmethod
    def _allow(req: OgcRequest, allowed: set[str]) -> None:
        try:
            reject_unknown(req.args, allowed)
        except ParameterError as exc:
            raise OgcError.from_parameter(exc) from None

    @staticmethod
    def _links(url: str, rel_self: str, fmt: str, json_type: str = JSON, title: str = "") -> list[dict]:
        sep = "&" if "?" in url else "?"
        json_link = {"href": f"{url}{sep}f=json", "type": json_type, "title": f"{title}JSON"}
        html_link = {"href": f"{url}{sep}f=html", "type": HTML, "title": f"{title}HTML"}
        if fmt == "html":
            return [{**html_link, "rel": rel_self}, {**json_link, "rel": "alternate"}]
        return [{**json_link, "rel": rel_self}, {**html_link, "rel": "alternate"}]

    def _collection_ids(self) -> list[str]:
        return [ALL_SITES, *(lid for lid in self.cat.layer_ids if lid != ALL_SITES)]

    def _site_ids(self, cid: str) -> list[str]:
        self._check_collection(cid)
        return self.cat.site_ids(None if cid == ALL_SITES else cid)

    def _check_collection(self, cid: str) -> None:
        if cid != ALL_SITES and cid not in self.cat.layer_ids:
            raise OgcError(404, "NotFound", f"no collection {cid!r}")

    def _extent(self, cid: str) -> list[float] | None:
        if cid not in self._extents:  # the catalogue never changes while the app runs
            self._extents[cid] = self._compute_extent(self._site_ids(cid))
        return self._extents[cid]

    def _compute_extent(self, ids: list[str]) -> list[float] | None:
        return spatial_extent(self.cat.sites.loc[ids].geometry.dropna().total_bounds)

    def _collection_doc(self, req: OgcRequest, cid: str, fmt: str) -> dict:
        url = f"{req.base_url}/collections/{cid}"
        title = self.titles[cid]
        return {
            "id": cid,
            "title": f"{title['zh']} {title['en']}",
            "description": f"{self.descriptions[cid]['zh']} {self.descriptions[cid]['en']}",
            "itemType": "feature",
            "crs": [CRS84],
            **extent_member(self._extent(cid)),
            "links": [
                *self._links(url, "self", fmt),
                # No "?f=json": GDAL's OAPIF driver appends "/<id>" to this link for an id filter.
                # A client without "text/html" in Accept gets GeoJSON anyway.
                {"href": f"{url}/items", "rel": "items", "type": GEOJSON, "title": "Items (GeoJSON)"},
                {"href": f"{url}/items?f=html", "rel": "items", "type": HTML, "title": "Items (HTML)"},
            ],
        }

    def _feature(self, req: OgcRequest, site_id: str) -> dict:
        return json.loads(self._encoded(site_id, req.site_url))

    def _encode(self, site_id: str, site_url: SiteUrl) -> str:
        return json.dumps(self._build_feature(site_id, site_url), ensure_ascii=False)

    def _build_feature(self, site_id: str, site_url: SiteUrl) -> dict:
        return {
            "type": "Feature",
            "id": site_id,
            "geometry": self.cat.feature_geojson(site_id)["geometry"],
            "properties": exporters.flat_properties(self.cat.features[site_id], self.cat, site_url),
        }

    # -- endpoints ---------------------------------------------------------

    def landing(self, req: OgcRequest) -> Response:
        self._allow(req, {"f"})
        fmt = req.format()
        b = req.base_url
        doc = {
            "title": "云冈区地图 Yungang District Map",
            "description": "OGC API – Features: 云冈区的遗产、能源、公园、社区、文化与产业地点。"
            "Sites of Yungang District, Datong: heritage, energy, parks, communities, culture, industry.",
            "links": [
                *self._links(b, "self", fmt),
                {"href": f"{b}/api", "rel": "service-desc", "type": OPENAPI, "title": "OpenAPI 3.0"},
                {"href": f"{b}/api?f=html", "rel": "service-doc", "type": HTML, "title": "API documentation"},
                {"href": f"{b}/conformance", "rel": "conformance", "type": JSON, "title": "Conformance"},
                {"href": f"{b}/collections", "rel": "data", "type": JSON, "title": "Collections"},
            ],
        }
        return self._answer(req, fmt, doc, "ogc/landing.html")

    def conformance(self, req: OgcRequest) -> Response:
        self._allow(req, {"f"})
        fmt = req.format()
        doc = {"conformsTo": CONFORMANCE + (CONFORMANCE_WRITE if self.writable else [])}
        return self._answer(req, fmt, doc, "ogc/conformance.html")

    def collections(self, req: OgcRequest) -> Response:
        self._allow(req, {"f"})
        fmt = req.format()
        doc = {
            "links": self._links(f"{req.base_url}/collections", "self", fmt),
            "collections": [self._collection_doc(req, cid, fmt) for cid in self._collection_ids()],
        }
        return self._answer(req, fmt, doc, "ogc/collections.html")

    def collection(self, req: OgcRequest, cid: str) -> Response:
        self._allow(req, {"f"})
        fmt = req.format()
        self._site_ids(cid)
        return self._answer(req, fmt, self._collection_doc(req, cid, fmt), "ogc/collection.html")

    def items(self, req: OgcRequest, cid: str) -> Response:
        self._allow(req, {"f", "bbox", "limit", "offset", "datetime", *FILTERS})
        fmt = req.format()
        self._check_collection(cid)
        try:
            selection = parse_selection(req.args, self.cat)
        except ParameterError as exc:
            raise OgcError.from_parameter(exc) from None
        limit = _integer(req, "limit", DEFAULT_LIMIT, minimum=1)
        limit = min(limit, MAX_LIMIT)  # OGC API – Features: a larger limit is capped, not refused
        offset = _integer(req, "offset", 0, minimum=0)
        _datetime(req)
        bbox = _bbox(req)

        if bbox is not None:  # the spatial index first: in catalogue order, as arrays
            ids = self.cat.index.within_bbox(bbox, None if cid == ALL_SITES else cid)
        else:
            ids = self._site_ids(cid)
        # With no filter a page costs its own items, however many sites match.
        matched = ids if selection.is_everything else selection.ids(self.cat, among=ids)
        page = [str(i) for i in matched[offset : offset + limit]]

        url = f"{req.base_url}/collections/{cid}/items"
        keep = [(k, v) for k, vs in req.args.items() if k not in ("f", "offset", "limit") for v in vs]

        def page_url(new_offset: int, f: str) -> str:
            q = [*keep, ("limit", str(limit)), ("offset", str(new_offset)), ("f", f)]
            return f"{url}?{urlencode(q)}"

        ftype = GEOJSON if fmt == "json" else HTML
        links = [
            {"href": page_url(offset, fmt), "rel": "self", "type": ftype, "title": "This page"},
            {
                "href": page_url(offset, "html" if fmt == "json" else "json"),
                "rel": "alternate",
                "type": HTML if fmt == "json" else GEOJSON,
                "title": "This page in another format",
            },
            {"href": f"{req.base_url}/collections/{cid}", "rel": "collection", "type": JSON, "title": "Collection"},
        ]
        if offset + limit < len(matched):
            links.append({"href": page_url(offset + limit, fmt), "rel": "next", "type": ftype, "title": "Next page"})
        if offset > 0:
            links.append(
                {"href": page_url(max(0, offset - limit), fmt), "rel": "prev", "type": ftype, "title": "Previous page"}
            )
        doc = {
            "type": "FeatureCollection",
            "links": links,
            "numberMatched": len(matched),
            "numberReturned": len(page),
        }
        if fmt == "json":  # joined from the kept encodings, never decoded
            features = ", ".join(self._encoded(i, req.site_url) for i in page)
            body = json.dumps(doc, ensure_ascii=False)[:-1] + f', "features": [{features}]}}'
            return {"Content-Type": GEOJSON}, 200, body
        doc["features"] = [self._feature(req, i) for i in page]
        return self._answer(
            req,
            fmt,
            doc,
            "ogc/items.html",
            GEOJSON,
            collection=self._collection_doc(req, cid, "json") if fmt == "html" else None,
            offset=offset,
            limit=limit,
            columns=exporters.COLUMNS,
        )

    def item(self, req: OgcRequest, cid: str, fid: str) -> Response:
        self._allow(req, {"f"})
        fmt = req.format()
        if fid not in self._site_ids(cid):
            raise OgcError(404, "NotFound", f"no feature {fid!r} in collection {cid!r}")
        url = f"{req.base_url}/collections/{cid}/items/{fid}"
        doc = {
            **self._feature(req, fid),
            "links": [
                *self._links(url, "self", fmt, GEOJSON),
                {"href": f"{req.base_url}/collections/{cid}", "rel": "collection", "type": JSON, "title": "Collection"},
                {"href": req.site_url(fid), "rel": "describedby", "type": HTML, "title": "Site page"},
            ],
        }
        return self._answer(
            req,
            fmt,
            doc,
            "ogc/item.html",
            GEOJSON,
            collection=self._collection_doc(req, cid, "json") if fmt == "html" else None,
            columns=exporters.COLUMNS,
        )

    def openapi(self, req: OgcRequest) -> Response:
        self._allow(req, {"f"})
        fmt = req.format()
        doc = openapi_document(self.cat, req.base_url, self._collection_ids(), self.writable)
        return self._answer(req, fmt, doc, "ogc/api.html", OPENAPI)

    def error(self, req: OgcRequest, exc: OgcError) -> Response:
        try:
            fmt = req.format()
        except OgcError:
            fmt = "json"
        if fmt == "html":
            html = self.render("error.html", {"status": exc.status, "message": exc.description})
            return {"Content-Type": "text/html; charset=utf-8"}, exc.status, html
        return {"Content-Type": JSON}, exc.status, json.dumps(exc.body(), ensure_ascii=False)


# ---------------------------------------------------------------------------
# Extents

# Half the side of the box around a collection of one point (or points on one line):
# about 55 m north-south, so a client zooming to the extent shows the place, not a pixel.
POINT_MARGIN_DEG = 0.0005


def spatial_extent(bounds) -> list[float] | None:
    """A collection's bbox from its located sites' bounds (minx, miny, maxx, maxy; NaN when
    there are none): ``None`` when nothing is located (an extent is optional in OGC API –
    Features, and the whole district would be a false statement); a point or a line gets
    a small margin so the box has an area."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if any(math.isnan(v) for v in (minx, miny, maxx, maxy)):
        return None
    if maxx - minx < 2 * POINT_MARGIN_DEG:
        mid = (minx + maxx) / 2
        minx, maxx = mid - POINT_MARGIN_DEG, mid + POINT_MARGIN_DEG
    if maxy - miny < 2 * POINT_MARGIN_DEG:
        mid = (miny + maxy) / 2
        miny, maxy = mid - POINT_MARGIN_DEG, mid + POINT_MARGIN_DEG
    return [minx, miny, maxx, maxy]


def extent_member(bbox: list[float] | None) -> dict[str, Any]:
    """The collection document's "extent" member, or nothing when there is no extent."""
    return {"extent": {"spatial": {"bbox": [bbox], "crs": CRS84}}} if bbox else {}


# ---------------------------------------------------------------------------
# Parameters


def _integer(req: OgcRequest, name: str, default: int, minimum: int) -> int:
    raw = req.one(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or (len(raw) <= 9 and int(raw) < minimum):
        raise OgcError(400, "InvalidParameterValue", f"{name} must be an integer ≥ {minimum}, got {raw!r}", name)
    # Huge values are legal (a limit is then capped, an offset gives an empty page); never
    # parse thousands of digits.
    return int(raw) if len(raw) <= 9 else 10**9


def _datetime(req: OgcRequest) -> None:
    """Accepted, because Core requires it; the sites carry no time, so every site matches.
    Still checked, so a malformed value is a 400 rather than silently ignored."""
    raw = req.one("datetime")
    if raw is None:
        return
    for part in raw.split("/"):
        if part in ("..", ""):
            continue
        try:
            datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError:
            raise OgcError(
                400, "InvalidParameterValue", f"datetime: {part!r} is not an RFC 3339 time", "datetime"
            ) from None


def _bbox(req: OgcRequest) -> tuple[float, float, float, float] | None:
    raw = req.one("bbox")
    if raw is None:
        return None
    try:
        nums = [float(x) for x in raw.split(",")]
    except ValueError:
        nums = []
    if len(nums) not in (4, 6) or not all(math.isfinite(n) for n in nums):
        raise OgcError(
            400, "InvalidParameterValue", "bbox must be 4 (or 6) numbers: minLon,minLat,maxLon,maxLat", "bbox"
        )
    minx, miny, maxx, maxy = (
        (nums[0], nums[1], nums[2], nums[3]) if len(nums) == 4 else (nums[0], nums[1], nums[3], nums[4])
    )
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise OgcError(
            400, "InvalidParameterValue", "bbox is out of range or has minLat > maxLat (WGS 84 lon/lat order)", "bbox"
        )
    return minx, miny, maxx, maxy
