"""The JSON write API: create, replace, retire and revert sites; history; the review queue.

A thin adapter over the Repository (webmap/db/, the storage contract): it checks who may do
what (webmap/web/auth.py), parses the request, and turns the repository's errors into 4xx
answers that name the field. Validation is the repository's (the loader's validator), never
repeated here.

- An editor's save is a pending proposal (202); a steward's is published at once (200/201).
- Every write needs a ``comment`` saying why (decisions a ``reason``).
- PUT and DELETE need ``If-Match: "<revision>"`` (the ETag of GET /api/sites/<id>):
  428 without it, 412 with a stale one, the body naming the fields changed since.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for

from ..db.errors import Conflict, NotFound
from ..history import diff
from ..problems import DataError
from . import catalogue
from .auth import Account, check_role, repository
from .errors import ApiError

bp = Blueprint("edit", __name__)

MAX_COMMENT = 500


# ---------------------------------------------------------------------------
# Request parts


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object (Content-Type: application/json)")
    return body


def comment_from(body: dict[str, Any], key: str = "comment") -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "missing_comment", f"say why in {key!r}: a short, non-empty text", field=key)
    if len(value) > MAX_COMMENT:
        raise ApiError(400, "invalid_comment", f"{key!r} is at most {MAX_COMMENT} characters", field=key)
    return value.strip()


def feature_from(body: dict[str, Any], site_id: str | None = None) -> dict[str, Any]:
    feature = body.get("feature")
    if not isinstance(feature, dict):
        raise ApiError(400, "invalid_feature", "'feature' must be a GeoJSON Feature object", field="feature")
    if site_id is not None:
        if feature.get("id", site_id) != site_id:
            raise ApiError(400, "invalid_feature", f"the feature's id must be {site_id!r}, as in the URL", field="id")
        feature = {**feature, "id": site_id}
    elif not isinstance(feature.get("id"), str) or not feature["id"]:
        raise ApiError(400, "invalid_feature", "a new site needs an 'id' (a slug)", field="id")
    return feature


def expected_revision(required: bool = True) -> int:
    """The revision in ``If-Match: "<n>"`` (``W/`` and quotes allowed)."""
    raw = request.headers.get("If-Match")
    if raw is None:
        raise ApiError(
            428,
            "precondition_required",
            'send If-Match: "<revision>" (the ETag of the site you edited)',
            field="If-Match",
        )
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise ApiError(400, "invalid_if_match", f'If-Match must be "<revision number>", got {raw!r}', field="If-Match")
    return int(value)


# ---------------------------------------------------------------------------
# Answers


def revision_json(rev, *, full: bool = False) -> dict[str, Any]:
    out = {
        "site": rev.site_id,
        "n": rev.n,
        "author": rev.author,
        "at": rev.at.isoformat(),
        "comment": rev.comment,
        "state": rev.state,
        "changes": diff(rev.before, rev.after),
    }
    if full:
        out["before"], out["after"] = rev.before, rev.after
    return out


def conflict_error(exc, status: int = 412) -> ApiError:
    current = exc.current
    return ApiError(
        status,
        "conflict" if status == 409 else "edited_since",
        "this site was changed since you loaded it: reload it, check the changed fields, and save again"
        if status == 412
        else "a site with this id exists already",
        current_revision=current.revision if current is not None else None,
        changed=list(exc.changed or []),
        current=current.feature if current is not None else None,
    )


def data_error(exc: DataError) -> ApiError:
    problems = [{"field": p.field, "message": p.message} for p in exc.problems]
    first = exc.problems[0]
    return ApiError(
        400, "invalid_site", f"{first.field or 'site'}: {first.message}", field=first.field, problems=problems
    )


@contextmanager
def repository_errors(conflict_status: int = 412):
    """The repository's errors as 4xx answers."""
    try:
        yield
    except DataError as exc:
        raise data_error(exc) from None
    except Conflict as exc:
        raise conflict_error(exc, conflict_status) from None
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc) or "no such site or revision") from None


def refresh() -> None:
    """Show a published change on the public map at once (this process; others poll)."""
    app = current_app._get_current_object()
    app.extensions["webmap.refresh"](app)  # webmap.web.app.refresh_catalogue


def saved(rev, created: bool = False):
    """The answer to a save: 201/200 when published (with the new ETag), 202 when pending."""
    body = revision_json(rev)
    status = (201 if created else 200) if rev.state == "published" else 202
    resp = jsonify(body)
    resp.status_code = status
    stored = repository().site(rev.site_id)
    if stored is not None and rev.state == "published":
        resp.set_etag(str(stored.revision))
    if created:
        resp.headers["Location"] = url_for("api.site", site_id=rev.site_id)
    return resp


def _publishes(who: Account) -> bool:
    return who.has_role("steward")


# ---------------------------------------------------------------------------
# Routes (the core actions are shared with the OGC API adapter, webmap/web/ogc.py)


def create_site(who: Account, feature: dict, comment: str):
    with repository_errors(conflict_status=409):
        rev = repository().save(
            feature["id"], feature, author=who.name, comment=comment, expected_revision=None, publish=_publishes(who)
        )
    return _refreshed(rev)


def replace_site(who: Account, site_id: str, feature: dict, comment: str, expected: int):
    with repository_errors():
        rev = repository().save(
            site_id, feature, author=who.name, comment=comment, expected_revision=expected, publish=_publishes(who)
        )
    return _refreshed(rev)


def _refreshed(rev):
    if rev.state == "published":
        refresh()
    return rev


def retire_site(who: Account, site_id: str, comment: str, expected: int):
    with repository_errors():
        rev = repository().retire(site_id, author=who.name, comment=comment, expected_revision=expected)
    refresh()
    return rev


def _existing(site_id: str):
    stored = repository().site(site_id)
    if stored is None:
        raise ApiError(404, "not_found", f"no site with id {site_id!r}")
    return stored


@bp.post("/api/sites")
def create():
    who = check_role("editor")
    body = json_body()
    rev = create_site(who, feature_from(body), comment_from(body))
    return saved(rev, created=True)


@bp.put("/api/sites/<site_id>")
def replace(site_id: str):
    who = check_role("editor")
    expected = expected_revision()
    body = json_body()
    _existing(site_id)
    rev = replace_site(who, site_id, feature_from(body, site_id), comment_from(body), expected)
    return saved(rev)


@bp.delete("/api/sites/<site_id>")
def retire(site_id: str):
    who = check_role("steward")
    expected = expected_revision()
    body = json_body()
    _existing(site_id)
    rev = retire_site(who, site_id, comment_from(body), expected)
    return jsonify(revision_json(rev))


@bp.get("/api/sites/<site_id>/history")
def history(site_id: str):
    """Public: the published revisions, newest first, each with its field-by-field diff."""
    repo = repository()
    if repo is None:  # read-only from files: no revisions are kept
        if site_id not in catalogue().features:
            raise ApiError(404, "not_found", f"no site with id {site_id!r}")
        return jsonify({"site": site_id, "revisions": []})
    if repo.site(site_id) is None:
        raise ApiError(404, "not_found", f"no site with id {site_id!r}")
    revisions = [r for r in repo.history(site_id) if r.state == "published"]
    revisions.sort(key=lambda r: r.n, reverse=True)
    return jsonify({"site": site_id, "revisions": [revision_json(r) for r in revisions]})


@bp.post("/api/sites/<site_id>/revert")
def revert(site_id: str):
    who = check_role("steward")
    body = json_body()
    to = body.get("to")
    if not isinstance(to, int) or isinstance(to, bool) or to < 1:
        raise ApiError(400, "invalid_revision", "'to' must be a revision number (≥ 1)", field="to")
    comment = comment_from(body)
    _existing(site_id)
    with repository_errors():
        rev = repository().revert(site_id, to, author=who.name, comment=comment)
    return saved(_refreshed(rev))


@bp.get("/api/proposals")
def proposals():
    check_role("steward")
    pending = repository().pending()
    return jsonify({"proposals": [revision_json(r, full=True) for r in pending]})


@bp.post("/api/proposals/<site_id>/<int:n>")
def decide(site_id: str, n: int):
    who = check_role("steward")
    body = json_body()
    decision = body.get("decision")
    if decision not in ("publish", "reject"):
        raise ApiError(
            400,
            "invalid_decision",
            "'decision' must be 'publish' or 'reject'",
            field="decision",
            allowed=["publish", "reject"],
        )
    reason = comment_from(body, "reason")
    with repository_errors():
        rev = repository().decide(site_id, n, author=who.name, publish=decision == "publish", reason=reason)
    return jsonify(revision_json(_refreshed(rev)))
