"""The stewards' queue of residents' suggestions (#13), as HTML pages over
webmap/suggestion_queue.py:

- ``/review/suggestions``: the open suggestions, newest first: what the visitor wrote
  (shown literally), the place, the proposed point beside the current one on a small map
  with the geodesic distance, thumbnails of the photos, counts per layer; answer or
  reject with a reason, or mark as a duplicate of another suggestion.
- ``/review/suggestions/<id>/accept``: the edit form's fields (webmap/web/edit_pages.py)
  pre-filled from the suggestion; the steward names the source, precision and
  uncertainty and, for each photo to publish, its credit, licence and alt texts. The
  revision's comment keeps "suggested by a resident, suggestion <id>"; the suggestion
  becomes accepted with the revision's number in its reply.
- ``/review/suggestions/photo/<ref>/<size>``: a suggestion's photo, for stewards only.

Every write is a form, CSRF-checked before the view like every cookie-session write."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from .. import suggestion_photos, vocab
from ..db.errors import Conflict, NotFound
from ..photo_ingest import LICENCES
from ..sources import NAMED_SOURCES
from ..suggestion_queue import accept, check_photo, counts_by_layer, distance_m, merge, open_suggestions
from ..suggestion_queue import publish_photo as copy_photo
from ..suggestions import SuggestionError
from . import catalogue, settings
from .auth import page_role, repository
from .edit import MAX_COMMENT, replace_site
from .edit_map import point_map_config
from .edit_pages import FORM_FIELDS, _feature_from_form, _form_values, _problems_by_field
from .errors import ApiError
from .i18n import current_lang
from .suggest import store

bp = Blueprint("queue", __name__)


@bp.app_template_global("licence_name")
def licence_name(key: str) -> str:
    """A photo licence's name in the page's language (photo_ingest.LICENCES)."""
    names = LICENCES.get(key)
    return names[current_lang()] if names else key


def _lang_arg():
    lang = request.args.get("lang")
    return lang if lang and lang != "zh" else None


def _point(feature) -> list[float] | None:
    geometry = (feature or {}).get("geometry") or {}
    return geometry.get("coordinates") if geometry.get("type") == "Point" else None


def _row(s: dict) -> dict:
    cat = catalogue()
    feature = cat.features.get(s["site_id"]) if s["site_id"] else None
    stored = repository().site(s["site_id"]) if s["site_id"] else None
    current = _point(stored.feature) if stored is not None else None
    proposed = (s["proposed_location"] or {}).get("coordinates")
    dist = distance_m(current, proposed)
    return {"s": s, "site": feature, "current": current, "proposed": proposed, "distance": dist}


def _layer_of(site_id: str) -> str | None:
    feature = catalogue().features.get(site_id)
    return feature.properties.layer if feature is not None else None


@bp.get("/review/suggestions")
def queue_page(errors: dict | None = None, status: int = 200):
    page_role("steward")
    found, total = open_suggestions(store())
    rows = [_row(s) for s in found]
    counts = counts_by_layer([r["s"] for r in rows], _layer_of)
    cat = catalogue()
    layers = [(layer, counts[layer.id]) for layer in cat.layers if counts.get(layer.id)]
    map_points = [
        {"id": r["s"]["id"], "point": r["proposed"], "label": _("Suggestion %(id)s", id=r["s"]["id"])}
        for r in rows
        if r["proposed"]
    ]
    html = render_template(
        "review_suggestions.html",
        rows=rows,
        map_points=map_points,
        total=total,
        layers=layers,
        no_place=counts.get(None, 0),
        errors=errors or {},
        done=request.args.get("done"),
        point_map=point_map_config(),
        lang_arg=_lang_arg(),
    )
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/review/suggestions/photo/<ref>/<size>")
def photo(ref: str, size: str):
    page_role("steward")
    try:
        path = suggestion_photos.path(settings().uploads_dir, ref, size)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/review/suggestions/<sid>/decide")
def decide(sid: str):
    who = page_role("steward")
    decision, reason = request.form.get("decision"), request.form.get("reason", "")
    try:
        if decision == "duplicate":
            merge(store(), sid, request.form.get("duplicate_of", "").strip(), reason, by=who.name)
        elif decision in ("answered", "rejected"):
            store().decide(sid, decision, reason, by=who.name)
        else:
            return queue_page({sid: _("Choose an action.")}, 400)
    except SuggestionError as exc:
        return queue_page({sid: _message(exc.detail.get("field"))}, 400)
    except ApiError as exc:
        return queue_page({sid: exc.message}, exc.status)
    except (NotFound, Conflict):
        return queue_page({sid: _("This suggestion is no longer open.")}, 409)
    return redirect(url_for("queue.queue_page", lang=_lang_arg(), done=decision))


def _message(field: str | None) -> str:
    if field == "reply":
        return _("Give a reason: the resident reads it.")
    if field == "duplicate_of":
        return _("Give the id of another open suggestion.")
    if field and field.endswith("_licence"):
        return _("Choose a licence for the photo.")
    return _("Fill in this field before publishing the photo.")


def _attribution(sid: str) -> str:
    return f"suggested by a resident, suggestion {sid}"


@bp.route("/review/suggestions/<sid>/accept", methods=["GET", "POST"])
def accept_page(sid: str):
    who = page_role("steward")
    s = store().for_stewards(sid)
    if s is None or s["status"] not in ("open", "answered") or not s["site_id"]:
        abort(404, description=_("There is no open suggestion about a place with this link."))
    stored = repository().site(s["site_id"])
    if stored is None or stored.retired:
        abort(404, description=_("No place with the id “%(id)s”.", id=s["site_id"]))
    errors: dict[str, str] = {}
    notes: list[str] = []
    values = _form_values(stored.feature)
    photos = [dict(p, index=i) for i, p in enumerate(s["photos"])]
    if request.method == "GET":
        if s["proposed_location"]:
            values["lon"], values["lat"] = (str(c) for c in s["proposed_location"]["coordinates"])
        # The steward names where the new point comes from: nothing chosen for them.
        values.update(source_kind="", location_source="", source_url="", uncertainty_m="")
        values["comment"] = f"{s['what_is_wrong'][:300]} ({_attribution(sid)})"
        for p in photos:
            p.update(publish=True, alt_zh="", alt_en="", credit=p["credit"] or "", licence=p["licence"] or "")
        reply = ""
        status = 200
    else:
        # The accept form changes the location only: the rest stays as stored.
        kept = {k: values[k] for k in ("summary_zh", "summary_en", "status")}
        form = {**{k: request.form.get(k, "") for k in FORM_FIELDS}, **kept}
        values = form
        reply = request.form.get("reply", "").strip()
        feature = _feature_from_form(stored.feature, form, errors)
        comment = values["comment"].strip()
        if _attribution(sid) not in comment:
            comment = f"{comment} ({_attribution(sid)})".strip()
        if len(comment) > MAX_COMMENT:
            errors["comment"] = _("At most %(n)s characters.", n=MAX_COMMENT)
        if not values["uncertainty_m"].strip() and not errors.get("uncertainty_m"):
            errors["uncertainty_m"] = _("Give the uncertainty in metres: how far off the point may be.")
        if not reply:
            errors["reply"] = _("Give a reason: the resident reads it.")
        new_photos = []
        for p in photos:
            i = p["index"]
            field = lambda n, i=i: request.form.get(f"photo{i}_{n}", "")  # noqa: E731
            p.update(publish=bool(field("publish")), credit=field("credit"), licence=field("licence"))
            p.update(alt_zh=field("alt_zh"), alt_en=field("alt_en"))
            if not p["publish"]:
                continue
            try:
                new_photos.append((p, check_photo(i, p["credit"], p["licence"] or None, p["alt_zh"], p["alt_en"])))
            except SuggestionError as exc:
                errors[exc.detail["field"]] = _message(exc.detail["field"])
        if not errors:
            for p, entry in new_photos:
                entry["file"] = copy_photo(settings().uploads_dir, settings().data_dir / "photos", p["photo"])
            props = feature["properties"]
            props["photos"] = [e for _p, e in new_photos] + list(props.get("photos") or [])
            try:
                rev = replace_site(who, s["site_id"], feature, comment, stored.revision)
            except ApiError as exc:
                if exc.detail.get("problems"):
                    errors, notes = _problems_by_field(exc.detail["problems"])
                else:
                    notes.append(exc.message)
            else:
                text = f"{reply} · " + _("Revision %(n)s", n=rev.n)
                accept(store(), sid, text, revision=rev.n, site_id=s["site_id"], by=who.name)
                return redirect(url_for("queue.queue_page", lang=_lang_arg(), done="accepted"))
        status = 400
    cat = catalogue()
    html = render_template(
        "accept_suggestion.html",
        s=s,
        f=cat.features.get(s["site_id"]),
        values=values,
        errors=errors,
        notes=notes,
        reply=reply,
        photos=photos,
        licences=LICENCES,
        vocab=vocab.as_json(),
        sources=NAMED_SOURCES,
        point_map=point_map_config(),
        lang_arg=_lang_arg(),
    )
    return html, status, {"Cache-Control": "no-store"}
