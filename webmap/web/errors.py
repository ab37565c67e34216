"""The one handler of request-time errors: every ``WebmapError`` (and werkzeug's own 4xx)
is rendered here, as JSON under /api and as a page elsewhere. The OGC API blueprint
answers its ``OgcError`` subclass in the OGC exception format (webmap/web/ogc.py)."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..errors import ApiError, WebmapError  # noqa: F401  (ApiError: re-exported)


def _wants_json() -> bool:
    if request.path.startswith("/ogc"):  # OGC API clients expect JSON unless they ask for HTML
        return request.args.get("f") != "html" and "text/html" not in request.headers.get("Accept", "")
    return request.path.startswith("/api/") or request.path == "/healthz"


def _render(exc: WebmapError):
    if _wants_json():
        return jsonify(exc.body()), exc.status
    return render_template("error.html", status=exc.status, message=exc.message), exc.status


# Set in the WSGI environ by app._WebmapFlask when the request's Host is not allowed.
REFUSED_HOST = "webmap.refused_host"


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_host():
        if request.environ.get(REFUSED_HOST):
            # The host is not echoed: it is the caller's own text.
            raise WebmapError(
                _("This address is not one this map answers on. Please open the map from its usual link."),
                code="host_not_allowed",
                parameter="Host",
            )

    @app.errorhandler(WebmapError)
    def webmap_error(exc: WebmapError):
        return _render(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json() and (request.path == "/ogc" or request.path.startswith("/ogc/")):
            # OGC's own exception shape; web/ogc.py registers it (no import: no cycle).
            resp = app.extensions["webmap.ogc_http_error"](exc)
        else:
            resp = _app_shape(exc)
        # Keep the exception's own headers (a 405 must say which methods are allowed).
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp

    def _app_shape(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        limit = app.config["MAX_CONTENT_LENGTH"] if exc.code == 413 else None
        error = WebmapError(exc.description or "", status=exc.code or 500, code=code, limit=limit)
        return make_response(_render(error))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # Logged with its traceback for the operator; the user sees no internals.
        app.logger.exception("unhandled error on %s", request.path)
        return _render(WebmapError("Something went wrong on our side.", status=500, code="internal_error"))
