"""A steward brings back an earlier version of a place from its history page.

``POST /sites/<id>/history/<n>/restore`` with a required "why": the repository's
``revert`` publishes the site as it was after revision ``n``, as a new revision (nothing
is rewritten, so a restore can itself be undone the same way). CSRF-checked before the
view like every session write; visitors are sent to sign in, editors get a 403 page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from .auth import page_role, repository
from .edit import MAX_COMMENT, _refreshed, bp, repository_errors
from .edit_pages import history_rows
from .errors import ApiError


@bp.post("/sites/<site_id>/history/<int:n>/restore")
def restore_revision(site_id: str, n: int):
    who = page_role("steward")
    lang = request.args.get("lang")
    why = request.form.get("comment", "").strip()
    error = None
    if not why:
        error = _("Say briefly why you bring this version back.")
    elif len(why) > MAX_COMMENT:
        error = _("At most %(n)s characters.", n=MAX_COMMENT)
    else:
        try:
            with repository_errors():
                _refreshed(repository().revert(site_id, n, author=who.name, comment=why))
        except ApiError as exc:
            error = exc.message if exc.status != 412 else _("Someone changed this place meanwhile: look again.")
    if error is None:
        return redirect(url_for("edit.history_page", site_id=site_id, lang=lang, restored=n))
    feature, rows = history_rows(site_id)
    return render_template("history.html", f=feature, p=feature.properties, rows=rows, errors={n: error}), 400
