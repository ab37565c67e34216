"""GET /api/export.<fmt>: the current selection as a file (thin adapter over ``exporters``)."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from .. import exporters
from ..errors import ApiError
from ..params import SELECTION_PARAMS, reject_unknown
from ..selection import parse_selection
from . import catalogue
from .security import open_to_any_origin

bp = Blueprint("exports", __name__)
bp.after_request(open_to_any_origin)  # open data: any page may fetch() it


def _site_url(site_id: str) -> str:
    return url_for("pages.site", site_id=site_id, _external=True)


@bp.get("/api/export.<fmt>")
def export(fmt: str):
    cat = catalogue()
    if fmt not in exporters.FORMATS:
        raise ApiError(404, "not_found", f"no export format {fmt!r}", allowed=sorted(exporters.FORMATS))
    reject_unknown(request.args, SELECTION_PARAMS)
    selection = parse_selection(request.args.to_dict(flat=False), cat)
    result = exporters.export(cat, selection, fmt, _site_url)
    resp = Response(result.content, headers=result.http_headers())
    resp.headers["Cache-Control"] = "no-cache"
    return resp
