"""What the repository hands back about sites and their revisions, and the small rules
for writing a revision row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .engine import aware as _aware
from .errors import Invalid


@dataclass(frozen=True)
class StoredSite:
    id: str
    revision: int
    retired: bool
    feature: dict  # the GeoJSON Feature as written


@dataclass(frozen=True)
class Revision:
    site_id: str
    n: int
    author: str
    at: datetime
    comment: str
    before: dict | None
    after: dict | None  # None: this revision retired the site
    state: str  # published | pending | rejected
    base: int | None = None  # the published revision a proposal was made against
    decided_by: str | None = None
    reason: str | None = None


def changed_fields(old: dict | None, new: dict | None) -> list[str]:
    """Which fields differ between two versions of a feature: ``geometry``, ``id`` and
    each ``properties.<name>`` (``retired`` when one side is retired)."""
    if old is None or new is None:
        return [] if old is new else ["retired"]
    out = [k for k in ("id", "geometry") if old.get(k) != new.get(k)]
    po, pn = old.get("properties") or {}, new.get("properties") or {}
    out += [f"properties.{k}" for k in sorted(set(po) | set(pn)) if po.get(k) != pn.get(k)]
    return out


def _need_comment(comment: str, field: str = "comment") -> None:
    if not isinstance(comment, str) or not comment.strip():
        raise Invalid(f"a short {field} saying why is required", field=field)
    if len(comment) > 2000:
        raise Invalid(f"the {field} is longer than 2000 characters", field=field)


def _rev_row(site_id, n, author, at, comment, before, after, state, base=None) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "n": n,
        "author": author,
        "at": at,
        "comment": comment,
        "before": before,
        "after": after,
        "state": state,
        "base": base,
    }


def _revision_from(row: dict[str, Any]) -> Revision:
    return Revision(**row)


def _revision(r) -> Revision:
    return Revision(
        r.site_id, r.n, r.author, _aware(r.at), r.comment, r.before, r.after, r.state, r.base, r.decided_by, r.reason
    )
