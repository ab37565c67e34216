"""Residents' suggestions, like OpenStreetMap's notes: anyone says what is wrong with a
place (optionally where it really is, a photo, a way to reach them); a steward answers,
accepts or rejects it with a reply that the suggester reads on the suggestion's public
status page. No Flask here; webmap/web/suggest.py is the adapter.

- Nothing a visitor sends is published: the public view of a suggestion (``public``) is
  its status, what was said and the steward's reply, reachable only through its random,
  unguessable id (the status page link the suggester was given). It never holds the
  contact, the sender's address hash or the photos.
- Contact details and the address hash are for stewards only and are deleted
  ``suggestion_retention_days`` after the suggestion closes (``purge``).
- Every decision is recorded: who, when, the reply (and in the audit log).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from . import suggestion_photos
from .db import tables as t
from .db.engine import aware, now
from .db.errors import Conflict, NotFound
from .errors import WebmapError
from .photo_ingest import LICENCES, Ingested
from .text_rules import check_text

STATUSES = ("open", "answered", "accepted", "rejected")
DECISIONS = ("answered", "accepted", "rejected")  # each closes the suggestion
FINAL = ("accepted", "rejected")  # an answered one may still be accepted or rejected
MAX_TEXT = 2000
MAX_CONTACT = 200
MAX_REPLY = 2000
MAX_CREDIT = 200
MAX_PHOTOS = 3
_ID = re.compile(r"[A-Za-z0-9_-]{16}")

BBox = tuple[float, float, float, float]


class SuggestionError(WebmapError):
    """A suggestion (or a steward's decision) that cannot be taken as sent; ``field``
    names the part to fix."""

    status = 400
    code = "invalid_suggestion"

    def __init__(self, field: str, message: str, **detail):
        super().__init__(f"{field}: {message}", field=field, **detail)


@dataclass(frozen=True)
class Draft:
    """A validated suggestion, ready to store."""

    what_is_wrong: str
    site_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Photo:
    """A photo already through ``photo_ingest.ingest``, with what the sender said of it."""

    ingested: Ingested
    credit: str | None = None
    licence: str | None = None


def is_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))


# ---------------------------------------------------------------------------
# Validation


def _text(raw: Mapping[str, Any], field: str, limit: int, *, required: bool) -> str | None:
    value = raw.get(field)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise SuggestionError(field, "say what is wrong (a short text)")
        return None
    if not isinstance(value, str):
        raise SuggestionError(field, "must be text")
    value = value.strip()
    if not value:
        raise SuggestionError(field, "say what is wrong (a short text)")
    if len(value) > limit:
        raise SuggestionError(field, f"at most {limit} characters (got {len(value)})", limit=limit)
    try:
        return check_text(value)
    except ValueError as exc:
        raise SuggestionError(field, str(exc)) from None


def _number(raw: Mapping[str, Any], field: str) -> float | None:
    value = raw.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SuggestionError(field, "must be a number")
    try:
        number = float(value) if isinstance(value, (int, float, str)) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise SuggestionError(field, "must be a finite number (decimal degrees, WGS 84)")
    return number


def validate(raw: Mapping[str, Any], *, bbox: BBox, site_exists: Callable[[str], bool]) -> Draft:
    """The suggestion in ``raw`` (a JSON object or a form's fields, all strings) checked:
    ``what_is_wrong`` 1 to MAX_TEXT characters; ``site_id`` a published site, if given;
    ``lon`` and ``lat`` both or neither, inside the district's bounding box ``bbox``
    (the outline the loader validates against); ``contact`` at most MAX_CONTACT
    characters. ``SuggestionError`` names the first field that is wrong."""
    what = _text(raw, "what_is_wrong", MAX_TEXT, required=True)
    site_id = raw.get("site_id")
    if site_id in (None, ""):
        site_id = None
    elif not isinstance(site_id, str) or len(site_id) > 200 or not site_exists(site_id):
        raise SuggestionError("site_id", "no such place on the map")
    lon, lat = _number(raw, "lon"), _number(raw, "lat")
    if (lon is None) != (lat is None):
        raise SuggestionError("lat" if lat is None else "lon", "give both lon and lat, or neither")
    if lon is not None:
        minx, miny, maxx, maxy = bbox
        if not (minx <= lon <= maxx):
            raise SuggestionError("lon", f"{lon} is outside the district (longitude {minx:.3f} to {maxx:.3f})")
        if not (miny <= lat <= maxy):
            raise SuggestionError("lat", f"{lat} is outside the district (latitude {miny:.3f} to {maxy:.3f})")
    contact = _text(raw, "contact", MAX_CONTACT, required=False)
    return Draft(what, site_id, lon, lat, contact)


def photo_credit(credit: Any, licence: Any) -> tuple[str | None, str | None]:
    """A sender's optional credit and licence for their photos, checked."""
    if credit in (None, ""):
        credit = None
    elif not isinstance(credit, str) or len(credit.strip()) > MAX_CREDIT or not credit.strip():
        raise SuggestionError("photo_credit", f"who took the photo, at most {MAX_CREDIT} characters")
    else:
        try:
            credit = check_text(credit.strip())
        except ValueError as exc:
            raise SuggestionError("photo_credit", str(exc)) from None
    if licence in (None, ""):
        licence = None
    elif licence not in LICENCES:
        raise SuggestionError("photo_licence", f"choose one of {', '.join(LICENCES)}", allowed=list(LICENCES))
    return credit, licence


# ---------------------------------------------------------------------------
# Storage


class Suggestions:
    """Suggestions in ``repo``'s database (its transactions and error handling), their
    photos in ``uploads_dir``. ``key`` keys the hash of the sender's address (None: no
    hash is kept, e.g. for the purge command)."""

    def __init__(self, repo, uploads_dir: Path, key: bytes | None = None):
        self.repo = repo
        self.uploads_dir = Path(uploads_dir)
        self._key = key

    def address_hash(self, address: str | None) -> str | None:
        if not address or not self._key:
            return None
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()

    def create(self, draft: Draft, photos: list[Photo] = (), address: str | None = None) -> str:
        """Store a validated suggestion (status open) and its photos; its new id."""
        if len(photos) > MAX_PHOTOS:
            raise SuggestionError("photo", f"at most {MAX_PHOTOS} photos", limit=MAX_PHOTOS)
        refs = [suggestion_photos.store(self.uploads_dir, p.ingested) for p in photos]
        sid = secrets.token_urlsafe(12)
        with self.repo._write("saving a suggestion") as conn:
            conn.execute(
                insert(t.suggestions).values(
                    id=sid,
                    site_id=draft.site_id,
                    what_is_wrong=draft.what_is_wrong,
                    lon=draft.lon,
                    lat=draft.lat,
                    contact=draft.contact,
                    address_hash=self.address_hash(address),
                    status="open",
                    created_at=now(),
                )
            )
            for p, ref in zip(photos, refs, strict=True):
                conn.execute(
                    insert(t.suggestion_photos).values(
                        suggestion_id=sid,
                        photo=ref,
                        width=p.ingested.width,
                        height=p.ingested.height,
                        credit=p.credit,
                        licence=p.licence,
                    )
                )
        return sid

    def _row(self, conn, sid: str):
        if not is_id(sid):
            return None
        return conn.execute(select(t.suggestions).where(t.suggestions.c.id == sid)).mappings().first()

    def _photos(self, conn, sid: str) -> list[dict[str, Any]]:
        q = select(t.suggestion_photos).where(t.suggestion_photos.c.suggestion_id == sid)
        return [dict(r) for r in conn.execute(q.order_by(t.suggestion_photos.c.id)).mappings()]

    def public(self, sid: str) -> dict[str, Any] | None:
        """What anyone holding the link may see; None if there is no such suggestion."""
        with self.repo._read() as conn:
            row = self._row(conn, sid)
            if row is None:
                return None
            count = conn.execute(
                select(func.count()).select_from(t.suggestion_photos).where(t.suggestion_photos.c.suggestion_id == sid)
            ).scalar_one()
        return _public(row, count)

    def for_stewards(self, sid: str) -> dict[str, Any] | None:
        """Everything, contact and photo references included: for the stewards' queue only."""
        with self.repo._read() as conn:
            row = self._row(conn, sid)
            if row is None:
                return None
            photos = self._photos(conn, sid)
        out = _public(row, len(photos))
        out.update(contact=row["contact"], address_hash=row["address_hash"], decided_by=row["decided_by"])
        out["photos"] = photos
        return out

    def decide(self, sid: str, decision: Any, reply: Any, *, by: str) -> dict[str, Any]:
        """A steward answers, accepts or rejects a suggestion with a reply the suggester
        will read. ``NotFound``, ``Conflict`` (already accepted or rejected) or
        ``SuggestionError`` naming the field."""
        if decision not in DECISIONS:
            raise SuggestionError("decision", f"one of {', '.join(DECISIONS)}", allowed=list(DECISIONS))
        text = _text({"reply": reply}, "reply", MAX_REPLY, required=False)
        if text is None:
            raise SuggestionError("reply", "write a reply the suggester will read (why, or what was done)")
        self.close(sid, decision, text, by=by, audit="suggestion_decided", detail={"decision": decision})
        return self.public(sid)

    def close(self, sid: str, status: str, reply: str, *, by: str, audit: str, detail: dict) -> None:
        """Close an open (or answered) suggestion with ``status`` and the steward's reply, in
        one transaction with its audit row (``audit``, plus ``detail``). ``NotFound``, or
        ``Conflict`` when it was already accepted or rejected."""
        with self.repo._write("closing a suggestion") as conn:
            row = self._row(conn, sid)
            if row is None:
                raise NotFound("no such suggestion", field="id")
            if row["status"] in FINAL:
                raise Conflict(f"this suggestion was already {row['status']}")
            conn.execute(
                update(t.suggestions)
                .where(t.suggestions.c.id == sid)
                .values(status=status, steward_reply=reply, closed_at=now(), decided_by=by)
            )
            self.repo._audit(conn, audit, by, {"suggestion": sid, "reply": reply, "was": row["status"], **detail})

    def purge(self, days: int, *, at: datetime | None = None) -> int:
        """Delete the contact and address hash of every suggestion closed more than
        ``days`` ago; how many were cleared."""
        cutoff = (at or now()) - timedelta(days=days)
        s = t.suggestions.c
        with self.repo._write("deleting expired contact details") as conn:
            result = conn.execute(
                update(t.suggestions)
                .where(s.closed_at.is_not(None), s.closed_at <= cutoff)
                .where(s.contact.is_not(None) | s.address_hash.is_not(None))
                .values(contact=None, address_hash=None)
            )
            count = result.rowcount
            if count:
                self.repo._audit(conn, "suggestion_contacts_purged", None, {"count": count, "days": days})
        return count


def _iso(value: datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _public(row: Mapping[str, Any], photos: int) -> dict[str, Any]:
    point = None
    if row["lon"] is not None and row["lat"] is not None:
        point = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
    return {
        "id": row["id"],
        "status": row["status"],
        "site_id": row["site_id"],
        "what_is_wrong": row["what_is_wrong"],
        "proposed_location": point,
        "photos": photos,
        "steward_reply": row["steward_reply"],
        "created_at": _iso(row["created_at"]),
        "closed_at": _iso(row["closed_at"]),
    }


__all__ = ["DECISIONS", "STATUSES", "Draft", "Photo", "SuggestionError", "Suggestions", "photo_credit", "validate"]
