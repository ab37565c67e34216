"""One error type for the web layer, rendered as JSON under /api and as a page elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from ..selection import ParameterError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **detail):
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def _wants_json() -> bool:
    if request.path.startswith("/ogc"):  # OGC API clients expect JSON unless they ask for HTML
        return request.args.get("f") != "html" and "text/html" not in request.headers.get("Accept", "")
    return request.path.startswith("/api/") or request.path == "/healthz"


def _render(status: int, code: str, message: str, **detail):
    if _wants_json():
        return jsonify({"error": {"status": status, "code": code, "message": message, **detail}}), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return _render(exc.status, exc.code, exc.message, **exc.detail)

    @app.errorhandler(ParameterError)
    def parameter_error(exc: ParameterError):
        return _render(exc.status, exc.code, exc.message, **exc.detail())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        resp = make_response(
            _render(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")
        )
        # Keep the exception's own headers (a 405 must say which methods are allowed).
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # Logged with its traceback for the operator; the user sees no internals.
        app.logger.exception("unhandled error on %s", request.path)
        return _render(500, "internal_error", "Something went wrong on our side.")
