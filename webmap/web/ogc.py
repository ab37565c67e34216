"""OGC API – Features under /ogc: a thin adapter over ``webmap.ogc`` (which never imports Flask)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..ogc import OgcApi, OgcError, OgcRequest
from . import catalogue
from .security import open_to_any_origin

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
bp.after_request(open_to_any_origin)  # CORS on the read-only GETs (security.open_to_any_origin)


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
    return _cacheable(Response(content, status=status, headers=headers))


def _cacheable(resp: Response) -> Response:
    """Read answers get an ETag (a hash of the body) and must be revalidated, so a client
    or cache holds a copy and gets a 304 while nothing changed; the format depends on
    Accept, hence Vary. Only successful GET/HEAD answers."""
    if request.method in ("GET", "HEAD") and resp.status_code == 200:
        resp.add_etag()
        resp.headers["Cache-Control"] = "public, no-cache"
        resp.vary.add("Accept")
        resp.make_conditional(request)
    return resp


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


def http_error_answer(exc) -> Response:
    """An HTTP error under /ogc that no OGC route raised (an unknown path, a method not
    allowed): OGC's exception document ({code, description}), not the site API's shape.
    Called by the one error handler (webmap/web/errors.py)."""
    code = "".join(word.capitalize() for word in (exc.name or "Error").split())
    err = OgcError(exc.code or 500, code, exc.description or exc.name or "")
    return _respond(_api().error(_request(), err))
