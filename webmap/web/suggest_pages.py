"""The residents' side of suggestions (#13): the form ``/suggest/<site_id>`` and the
"Suggest a correction" links' switch. The API is webmap/web/suggest.py; this module only
draws the page and takes the same form without JavaScript.

- With JavaScript (static/js/suggest/suggestform.js) the form is sent with ``fetch`` to
  ``POST /api/suggestions`` (photos scaled down in the browser first) and the visitor is
  taken to the status page on 201.
- Without JavaScript the same form posts here, as a plain multipart form: the same
  checks (``suggestions.validate``, the photo pipeline, the honeypot), a 303 to the status
  page, or the form again with the message next to its field. Throttled per address
  like the API (its own bucket of the same size).
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..photo_ingest import LICENCES
from ..suggestions import MAX_CONTACT, MAX_CREDIT, MAX_PHOTOS, MAX_TEXT, SuggestionError, validate
from . import catalogue, settings
from .auth import repository
from .edit_map import point_map_config
from .errors import ApiError
from .i18n import current_lang
from .suggest import HONEYPOT, _photos, _site_exists, _too_many, store

bp = Blueprint("suggest_pages", __name__)

# Longest edge of a photo after the browser scales it down, and its JPEG quality.
PHOTO_EDGE = 2000
PHOTO_QUALITY = 0.85


@bp.app_template_global("suggestions_open")
def suggestions_open() -> bool:
    """Whether pages offer "Suggest a correction": a served map with a database (never
    the static copy, which has no server to send to)."""
    return not current_app.config.get("WEBMAP_STATIC_BUILD") and repository() is not None


def problems() -> dict[str, list[list[str]]]:
    """What the API's messages (English, naming a field) mean, in the page's language:
    per field, [a word the message contains, the text to show]; the first that matches
    wins, "" matches anything. A message none matches is shown as the server sent it."""
    return {
        "what_is_wrong": [
            ["at most", _("Please keep it to at most %(n)d characters.", n=MAX_TEXT)],
            ["say what is wrong", _("Please say in a few words what is wrong.")],
        ],
        "lon": [
            ["outside", _("This point is outside Yungang District. Tap a place inside the outline.")],
            ["both", _("Give both longitude and latitude, or neither.")],
            ["number", _("Longitude must be a number, such as 113.1234.")],
        ],
        "lat": [
            ["outside", _("This point is outside Yungang District. Tap a place inside the outline.")],
            ["both", _("Give both longitude and latitude, or neither.")],
            ["number", _("Latitude must be a number, such as 40.1234.")],
        ],
        "contact": [["at most", _("Please keep the contact to at most %(n)d characters.", n=MAX_CONTACT)]],
        "photo": [
            ["at most", _("At most %(n)d photos.", n=MAX_PHOTOS)],
            ["request_entity_too_large", _("The photos are too large to send together. Please send fewer photos.")],
        ],
        "photo_credit": [["", _("Who took the photos: at most %(n)d characters.", n=MAX_CREDIT)]],
        "photo_licence": [["", _("Please choose a licence from the list.")]],
        "site_id": [["", _("This place is no longer on the map.")]],
    }


def _page_messages() -> dict[str, str]:
    return {
        "sending": _("Sending…"),
        "shrinking": _("Making the photos smaller for sending…"),
        "failed": _("Your suggestion could not be sent. Please check your connection and try again."),
        "locating": _("Finding your position…"),
        "located": _("Your position is on the map. Check it, and move it if needed, before sending."),
        "geoDenied": _("Your browser did not share your position. You can tap the map instead."),
        "geoUnavailable": _("This browser cannot tell its position. You can tap the map instead."),
        "tooManyPhotos": _("At most %(n)d photos.", n=MAX_PHOTOS),
    }


def _feature_or_404(site_id: str):
    if repository() is None:
        abort(404, description=_("Suggestions are not enabled on this map."))
    feature = catalogue().features.get(site_id)
    if feature is None:
        abort(404, description=_("No place with the id “%(id)s”.", id=site_id))
    return feature


def _render(feature, values: dict[str, str], errors: dict[str, str], status: int = 200):
    lang = current_lang()
    config = {
        "api": url_for("suggest.create", lang=lang if lang != "zh" else None),
        "lang": lang,
        "maxBody": settings().max_body_bytes,
        "maxPhotos": MAX_PHOTOS,
        "photoEdge": PHOTO_EDGE,
        "photoQuality": PHOTO_QUALITY,
        "problems": problems(),
        "messages": _page_messages(),
    }
    html = render_template(
        "suggest.html",
        f=feature,
        values=values,
        errors=errors,
        limits={"text": MAX_TEXT, "contact": MAX_CONTACT, "credit": MAX_CREDIT, "photos": MAX_PHOTOS},
        licences=LICENCES,
        retention_days=settings().suggestion_retention_days,
        max_body_mb=settings().max_body_bytes / (1024 * 1024),
        point_map=point_map_config(),
        suggest_config=config,
    )
    return html, status, {"Cache-Control": "no-cache"}


@bp.get("/suggest/<site_id>")
def form(site_id: str):
    return _render(_feature_or_404(site_id), {}, {})


def _message(field: str, message: str) -> str:
    for needle, text in problems().get(field, []):
        if needle in message:
            return text
    return message.removeprefix(f"{field}: ")


@bp.post("/suggest/<site_id>")
def post_form(site_id: str):
    """The form without JavaScript: 303 to the status page, or the form with the message."""
    feature = _feature_or_404(site_id)
    lang = current_lang()
    lang_arg = lang if lang != "zh" else None
    values = {k: v for k, v in request.form.items() if k not in (HONEYPOT, "csrf_token")}
    if str(request.form.get(HONEYPOT) or "").strip():
        # A bot: the same answer a person gets, nothing kept.
        return redirect(url_for("suggest.status_page", sid=secrets.token_urlsafe(12), lang=lang_arg), 303)
    body = dict(values, site_id=site_id)
    files = [f for f in request.files.getlist("photo") if f.filename or f.content_length]
    try:
        suggestions = store()
        draft = validate(body, bbox=tuple(catalogue().boundary.bounds), site_exists=_site_exists)
        photos = _photos(files)
        sid = suggestions.create(draft, photos, request.remote_addr)
    except (SuggestionError, ApiError) as exc:
        field = exc.detail.get("field") or "form"
        return _render(feature, values, {field: _message(field, exc.message)}, exc.status)
    return redirect(url_for("suggest.status_page", sid=sid, lang=lang_arg), 303)


def init_app(app: Flask) -> None:
    """Register the blueprint; throttle the form's POST like the API's (suggest.init_app first)."""
    app.register_blueprint(bp)
    limiter = app.extensions["webmap.limiter"]
    limit = app.extensions["webmap.settings"].suggestions_per_address
    view = app.view_functions["suggest_pages.post_form"]
    app.view_functions["suggest_pages.post_form"] = limiter.limit(limit, methods=["POST"], error_message=_too_many)(
        view
    )
