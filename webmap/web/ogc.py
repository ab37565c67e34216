"""OGC API – Features under /ogc: a thin adapter over ``webmap.ogc`` (which never imports Flask)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..ogc import OgcApi, OgcError, OgcRequest
from . import catalogue

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


def _api() -> OgcApi:
    api = current_app.extensions.get("webmap.ogc")
    if api is None:
        api = current_app.extensions["webmap.ogc"] = OgcApi(catalogue(), lambda name, ctx: render_template(name, **ctx))
    return api


def _site_url():
    """A site page's absolute URL, by id: url_for once, not once per feature of a page."""
    marker = "__SITE__"
    template = url_for("pages.site", site_id=marker, _external=True)
    return lambda site_id: template.replace(marker, quote(site_id, safe=""))


def _request() -> OgcRequest:
    return OgcRequest(
        base_url=url_for("ogc.landing", _external=True).rstrip("/"),
        args=request.args.to_dict(flat=False),
        accept=request.headers.get("Accept", ""),
        site_url=_site_url(),
    )


def _respond(result) -> Response:
    headers, status, content = result
    return Response(content, status=status, headers=headers)


@bp.errorhandler(OgcError)
def _error(exc: OgcError):
    return _respond(_api().error(_request(), exc))


@bp.get("", strict_slashes=False)
def landing():
    return _respond(_api().landing(_request()))


@bp.get("/conformance")
def conformance():
    return _respond(_api().conformance(_request()))


@bp.get("/api")
def openapi():
    return _respond(_api().openapi(_request()))


@bp.get("/collections")
def collections():
    return _respond(_api().collections(_request()))


@bp.get("/collections/<cid>")
def collection(cid: str):
    return _respond(_api().collection(_request(), cid))


@bp.get("/collections/<cid>/items")
def items(cid: str):
    return _respond(_api().items(_request(), cid))


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    return _respond(_api().item(_request(), cid, fid))
