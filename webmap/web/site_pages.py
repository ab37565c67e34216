"""Adding a place and taking one off the map, in the browser (the JSON API and OGC API
do the same through ``create_site`` / ``retire_site``).

- ``/sites/new``: the edit form, blank, with the new place's id. A steward's new place
  is published at once; an editor's waits in the review queue.
- ``POST /sites/<id>/retire`` (steward, a required why): the place leaves the map; it is
  never deleted and its history stays; `POST /api/sites/<id>/revert` returns it (the
  history page is the map's, and a retired place is not on it)."""

from __future__ import annotations

import re

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _

from . import catalogue, edit_fields
from .auth import page_role, repository
from .edit import bp, create_site, retire_site
from .edit_pages import FORM_FIELDS, _feature_from_form, _form_values, edit_form, refused, why
from .errors import ApiError

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _blank() -> dict:
    empty = {"zh": "", "en": ""}
    return {
        "type": "Feature",
        "id": "",
        "geometry": None,
        "properties": {
            "layer": catalogue().layers[0].id,
            "name": dict(empty),
            "summary": dict(empty),
            "details": dict(empty),
            "facts": [],
            "status": "unknown",
            "themes": [],
            "location": {"precision": "district", "source": ""},
            "photos": [],
            "article_section": dict(empty),
        },
    }


@bp.route("/sites/new", methods=["GET", "POST"])
def new_site_page():
    who = page_role("editor")
    blank = _blank()
    values, errors, notes, status = _form_values(blank) | {"new_id": ""}, {}, [], 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in FORM_FIELDS} | edit_fields.submitted(request.form)
        values["new_id"] = new_id = request.form.get("new_id", "").strip()
        feature = _feature_from_form(blank, request.form, errors)
        feature["id"] = new_id
        if not _ID.fullmatch(new_id) or len(new_id) > 80:
            errors["new_id"] = _("Lower-case letters, digits and hyphens, e.g. yungang-library.")
        elif repository().site(new_id) is not None:
            errors["new_id"] = _("A place with this id exists already.")
        comment = why(errors)
        if not errors:
            try:
                rev = create_site(who, feature, comment)
            except ApiError as exc:
                errors, notes = refused(exc)
            else:
                lang = request.args.get("lang")
                if rev.state == "published":
                    return redirect(url_for("pages.site", site_id=new_id, lang=lang))
                return redirect(url_for("edit.my_proposals", lang=lang))
        status = 400
    page = edit_form(who, f=None, site_id=None, new=True, values=values, errors=errors, notes=notes, revision=0)
    return page, status


@bp.post("/sites/<site_id>/retire")
def retire_page(site_id: str):
    who = page_role("steward")
    stored = repository().site(site_id)
    if stored is None or stored.retired:
        abort(404, description=_("No place with the id “%(id)s”.", id=site_id))
    errors: dict[str, str] = {}
    comment = why(errors)
    lang = request.args.get("lang")
    if errors:
        return redirect(url_for("edit.edit_page", site_id=site_id, lang=lang, retire_error=1) + "#retire")
    revision = request.form.get("revision", "")
    try:
        retire_site(who, site_id, comment, int(revision) if revision.isdigit() else stored.revision)
    except ApiError:
        return redirect(url_for("edit.edit_page", site_id=site_id, lang=lang, retire_error=2) + "#retire")
    return redirect(url_for("pages.site_index", lang=lang, retired=site_id))
