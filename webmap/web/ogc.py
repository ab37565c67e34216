"""OGC API – Features under /ogc: a thin adapter over ``webmap.ogc`` (which never imports Flask)."""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for

from .. import ogc_write
from ..errors import WebmapError
from ..ogc import ALL_SITES, OgcApi, OgcError, OgcRequest, SiteUrl
from ..ogc_vocab import COMMENT_HEADER
from . import catalogue, edit
from .auth import actor, check_role, repository
from .security import open_to_any_origin

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
bp.after_request(open_to_any_origin)  # CORS on the read-only GETs (security.open_to_any_origin)
bp.record_once(lambda state: state.app.extensions.update({"webmap.ogc_http_error": http_error_answer}))


def _api() -> OgcApi:
    """The OGC API core over the current catalogue (rebuilt when an edit replaced it)."""
    cat = catalogue()
    api = current_app.extensions.get("webmap.ogc")
    if api is None or api.cat is not cat or api.version != cat.version:
        api = OgcApi(cat, lambda name, ctx: render_template(name, **ctx), writable=repository() is not None)
        api.version = cat.version
        current_app.extensions["webmap.ogc"] = api
    return api


def _site_url() -> SiteUrl:
    """A site page's absolute URL, by id: url_for once, not once per feature of a page."""
    return SiteUrl(url_for("pages.site", site_id=SiteUrl.MARK, _external=True))


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


READ_METHODS = ["GET", "HEAD", "OPTIONS"]
# OGC exception codes for the write errors (the site API's codes are in "code" of its own body).
OGC_CODES = {
    400: "InvalidValue",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    428: "PreconditionRequired",
}


@bp.route("/collections/<cid>/items", methods=["GET", "POST", "OPTIONS"])
def items(cid: str):
    if request.method == "OPTIONS":
        return _options(cid, None)
    if request.method == "POST":
        return _write(cid, None)
    return _respond(_api().items(_request(), cid))


@bp.route("/collections/<cid>/items/<fid>", methods=["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
def item(cid: str, fid: str):
    if request.method == "OPTIONS":
        return _options(cid, fid)
    if request.method != "GET":
        return _write(cid, fid)
    resp = _respond(_api().item(_request(), cid, fid))
    stored = repository().site(fid) if repository() is not None else None
    if stored is not None and resp.status_code == 200:
        resp.set_etag(str(stored.revision))  # what a PUT/PATCH/DELETE sends back in If-Match
    return resp


# ---------------------------------------------------------------------------
# Part 4: Create, Replace, Update, Delete


def allowed_methods(item: bool) -> list[str]:
    """What this caller may do here (QGIS reads the Allow header to offer editing)."""
    who = actor() if repository() is not None else None
    methods = list(READ_METHODS)
    if who is not None and who.has_role("editor"):
        methods += ["PUT", "PATCH"] if item else ["POST"]
    if item and who is not None and who.has_role("steward"):
        methods.append("DELETE")
    return methods


def _options(cid: str, fid: str | None) -> Response:
    api = _api()
    try:
        api._check_collection(cid)
        if fid is not None and fid not in api._site_ids(cid):
            raise OgcError(404, "NotFound", f"no feature {fid!r} in collection {cid!r}")
    except OgcError as exc:
        return _error(exc)
    return Response(status=204, headers={"Allow": ", ".join(allowed_methods(fid is not None))})


def _ogc_error(exc: WebmapError) -> OgcError:
    detail = dict(exc.detail)
    field = detail.pop("field", None)
    return OgcError(
        exc.status,
        OGC_CODES.get(exc.status, exc.code),
        exc.message,
        field=field,
        changed=detail.get("changed"),
        current_revision=detail.get("current_revision"),
        problems=detail.get("problems"),
    )


def _write(cid: str, fid: str | None) -> Response:
    try:
        return _do_write(cid, fid)
    except OgcError:
        raise
    except WebmapError as exc:
        raise _ogc_error(exc) from None


def _do_write(cid: str, fid: str | None) -> Response:
    who = check_role("steward" if request.method == "DELETE" else "editor")
    api = _api()
    api._check_collection(cid)
    layer = None if cid == ALL_SITES else cid
    body = request.get_json(force=True, silent=True) if request.method != "DELETE" else {}
    comment = ogc_write.comment_of(body, request.args.get("comment"), _header_comment())
    if not comment:
        raise ogc_write.WriteError(
            f"say why: properties.comment, the comment query parameter or the {COMMENT_HEADER} header",
            "comment",
        )
    comment = edit.comment_from({"comment": comment})
    base = url_for("ogc.landing", _external=True).rstrip("/")

    if fid is None:
        rev = edit.create_site(who, ogc_write.for_create(body, layer), comment)
        location = f"{base}/collections/{cid}/items/{quote(rev.site_id, safe='')}"
        return _saved(rev, 201, {"Location": location})

    stored = repository().site(fid)
    if stored is None or stored.retired or (layer and stored.feature["properties"].get("layer") != layer):
        raise OgcError(404, "NotFound", f"no feature {fid!r} in collection {cid!r}")
    # If-Match is honoured when sent (412 when stale); QGIS sends none, so then the save is
    # checked against the revision read just now and is still recorded as a revision.
    expected = edit.expected_revision() if "If-Match" in request.headers else stored.revision
    if request.method == "DELETE":
        rev = edit.retire_site(who, fid, comment, expected)
        return _saved(rev, 204)
    if request.method == "PUT":
        feature = ogc_write.for_replace(body, stored.feature, fid, layer)
    else:
        feature = ogc_write.for_patch(body, stored.feature, fid, layer)
    rev = edit.replace_site(who, fid, feature, comment, expected)
    return _saved(rev, 204)


def _header_comment() -> str | None:
    """The ``X-Webmap-Comment`` header as the client wrote it: HTTP headers arrive as
    latin-1, and QGIS (like most clients) sends a Chinese comment as UTF-8 bytes."""
    value = request.headers.get(COMMENT_HEADER)
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _saved(rev, status: int, headers: dict[str, str] | None = None) -> Response:
    """Published: ``status`` with the new ETag. An editor's proposal: 202, waiting for review."""
    if rev.state != "published":
        return Response(
            json.dumps(edit.revision_json(rev), ensure_ascii=False),
            status=202,
            headers={**(headers or {}), "Content-Type": "application/json"},
        )
    resp = Response(status=status, headers=headers or {})
    stored = repository().site(rev.site_id)
    if stored is not None and not stored.retired:
        resp.set_etag(str(stored.revision))
    return resp


def http_error_answer(exc) -> Response:
    """An HTTP error under /ogc that no OGC route raised (an unknown path, a method not
    allowed): OGC's exception document ({code, description}), not the site API's shape.
    Called by the one error handler (webmap/web/errors.py)."""
    code = "".join(word.capitalize() for word in (exc.name or "Error").split())
    err = OgcError(exc.code or 500, code, exc.description or exc.name or "")
    return _respond(_api().error(_request(), err))
