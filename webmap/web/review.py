"""The review queue (stewards) and "my proposals" (every signed-in editor), as HTML pages.

- ``/review``: the pending proposals, each with its field-by-field diff and a small map
  of what moved (the old point, the new one, a line between); publish or reject, with a
  required reason, by a form (CSRF-checked before the view, like every write).
- ``/my/proposals``: what the signed-in person proposed, its state and the steward's
  reason, so the proposer sees the outcome.

Visitors are sent to the sign-in page; a too-low role gets a 403 page (``page_role``). Deciding goes through the
repository (``decide``), which records who, when and why."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..history import diff
from .auth import page_role, repository
from .edit import MAX_COMMENT, _refreshed, bp, repository_errors
from .edit_map import point_map_config
from .edit_pages import _field_labels, readable
from .errors import ApiError


def _point(feature: dict | None) -> list[float] | None:
    geometry = (feature or {}).get("geometry") or {}
    return geometry.get("coordinates") if geometry.get("type") == "Point" else None


def _name(rev) -> dict | None:
    feature = rev.after or rev.before or {}
    return (feature.get("properties") or {}).get("name")


def _row(rev, labels) -> dict:
    return {
        "rev": rev,
        "name": _name(rev),
        "changes": [readable(c, labels) for c in diff(rev.before, rev.after)],
        "old": _point(rev.before),
        "new": _point(rev.after),
    }


def _lang_arg():
    lang = request.args.get("lang")
    return lang if lang and lang != "zh" else None


@bp.route("/review", methods=["GET"])
def review_page(errors: dict | None = None, status: int = 200):
    page_role("steward")
    labels = _field_labels()
    rows = [_row(r, labels) for r in repository().pending()]
    done = request.args.get("done")
    return (
        render_template(
            "review.html", rows=rows, errors=errors or {}, done=done, point_map=point_map_config(), lang_arg=_lang_arg()
        ),
        status,
    )


@bp.post("/review/<site_id>/<int:n>")
def review_decide(site_id: str, n: int):
    who = page_role("steward")
    decision = request.form.get("decision")
    reason = request.form.get("reason", "").strip()
    key = f"{site_id}/{n}"
    if decision not in ("publish", "reject"):
        return review_page({key: _("Choose publish or reject.")}, 400)
    if not reason:
        return review_page({key: _("Give a reason: the proposer reads it.")}, 400)
    if len(reason) > MAX_COMMENT:
        return review_page({key: _("At most %(n)s characters.", n=MAX_COMMENT)}, 400)
    try:
        with repository_errors():
            rev = repository().decide(site_id, n, author=who.name, publish=decision == "publish", reason=reason)
        _refreshed(rev)
    except ApiError as exc:
        return review_page({key: exc.message}, exc.status if 400 <= exc.status < 500 else 409)
    return redirect(url_for("edit.review_page", lang=_lang_arg(), done=decision))


@bp.get("/my/proposals")
def my_proposals():
    who = page_role("editor")
    labels = _field_labels()
    rows = [_row(r, labels) for r in repository().proposals_by(who.name)]
    return render_template("my_proposals.html", rows=rows, lang_arg=_lang_arg())
