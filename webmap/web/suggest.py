"""Residents' suggestions over HTTP: a thin adapter over webmap/suggestions.py.

- ``POST /api/suggestions``: JSON, or a multipart form with up to three ``photo`` files
  (each through webmap/photo_ingest.py: JPEG, PNG or WebP only, re-encoded, EXIF gone).
  No account needed and no cookie set. Throttled per address (``suggestions_per_address``,
  the app's one Flask-Limiter). A form field ``website`` is a trap: hidden from people,
  filled in by bots; a filled one gets the same 201 and nothing is stored.
- CSRF: webmap/web/auth.py checks the token only on writes made with a session cookie,
  so an anonymous visitor's POST (no cookie, no ambient authority) needs none, while a
  signed-in steward's POST from the page still does. No exemption is needed here.
- ``GET /api/suggestions/<id>`` and ``GET /suggestions/<id>``: the public view (status,
  what was said, the steward's reply); never the contact or the sender's address.
- ``POST /api/suggestions/<id>/decision``: a steward answers, accepts or rejects.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from ..photo_ingest import PhotoRejected, ingest
from ..photos import MAX_FILE_BYTES
from ..secret import derived_key
from ..suggestions import MAX_PHOTOS, Photo, SuggestionError, Suggestions, photo_credit, validate
from . import catalogue, json_body, settings
from .auth import check_role, repository
from .errors import ApiError
from .i18n import current_lang

bp = Blueprint("suggest", __name__)

HONEYPOT = "website"


def store() -> Suggestions:
    repo = repository()
    if repo is None:
        raise ApiError(404, "not_enabled", _("Suggestions are not enabled on this map."))
    key = derived_key(current_app.config["SECRET_KEY"], "suggestion-address")
    return Suggestions(repo, settings().uploads_dir, key)


def _site_exists(site_id: str) -> bool:
    return catalogue().features.get(site_id) is not None


def _photos(files: list) -> list[Photo]:
    if len(files) > MAX_PHOTOS:
        raise SuggestionError("photo", f"at most {MAX_PHOTOS} photos", limit=MAX_PHOTOS)
    credit, licence = photo_credit(request.form.get("photo_credit"), request.form.get("photo_licence"))
    out = []
    for f in files:
        data = f.read(MAX_FILE_BYTES + 1)
        try:
            out.append(Photo(ingest(data, f.filename), credit, licence))
        except PhotoRejected as exc:
            status = 413 if exc.code == "too_large" else 400
            raise ApiError(status, exc.code, exc.message(current_lang()), field="photo") from None
    return out


def _body() -> tuple[dict[str, Any], list]:
    if request.is_json:
        body = json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_body", "the body must be a JSON object", field="body")
        return body, []
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        files = [f for f in request.files.getlist("photo") if f.filename or f.content_length]
        return request.form.to_dict(), files
    raise ApiError(
        415, "unsupported_media_type", "send JSON or a multipart form (multipart/form-data)", field="Content-Type"
    )


@bp.post("/api/suggestions")
def create():  # throttled per address in init_app
    body, files = _body()
    if str(body.get(HONEYPOT) or "").strip():
        # A bot: the answer looks like success, nothing is kept.
        return _created(secrets.token_urlsafe(12))
    suggestions = store()
    draft = validate(body, bbox=tuple(catalogue().boundary.bounds), site_exists=_site_exists)
    photos = _photos(files)
    sid = suggestions.create(draft, photos, request.remote_addr)
    return _created(sid)


def _created(sid: str):
    page = url_for("suggest.status_page", sid=sid, _external=True)
    resp = jsonify(
        {
            "id": sid,
            "status": "open",
            "status_page": page,
            "message": _(
                "Thank you. A steward of the map will look at your suggestion; "
                "its status page shows what becomes of it."
            ),
        }
    )
    resp.status_code = 201
    resp.headers["Location"] = url_for("suggest.read", sid=sid)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _found(sid: str) -> dict[str, Any]:
    view = store().public(sid)
    if view is None:
        raise ApiError(404, "not_found", _("There is no suggestion with this link."), field="id")
    return view


@bp.get("/api/suggestions/<sid>")
def read(sid: str):
    resp = jsonify(_found(sid))
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.post("/api/suggestions/<sid>/decision")
def decide(sid: str):
    who = check_role("steward")
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object", field="body")
    return jsonify(store().decide(sid, body.get("decision"), body.get("reply"), by=who.name))


@bp.get("/suggestions/<sid>")
def status_page(sid: str):
    if repository() is None:
        abort(404, description=_("Suggestions are not enabled on this map."))
    view = store().public(sid)
    if view is None:
        abort(404, description=_("There is no suggestion with this link."))
    feature = catalogue().features.get(view["site_id"]) if view["site_id"] else None
    resp = render_template(
        "suggestion.html",
        s=view,
        site=feature,
        retention_days=settings().suggestion_retention_days,
    )
    return resp, 200, {"Cache-Control": "no-cache"}


def _too_many() -> str:
    return _("You have sent many suggestions in a short time. Please wait a while and try again.")


def init_app(app: Flask) -> None:
    """Register the blueprint and throttle its POST with the app's limiter (auth.init_app first)."""
    app.register_blueprint(bp)
    limiter = app.extensions["webmap.limiter"]
    limit = app.extensions["webmap.settings"].suggestions_per_address
    view = app.view_functions["suggest.create"]
    app.view_functions["suggest.create"] = limiter.limit(limit, methods=["POST"], error_message=_too_many)(view)
