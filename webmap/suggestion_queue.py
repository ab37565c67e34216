"""The stewards' side of residents' suggestions (#13): the queue of open ones, duplicates
merged, a suggestion accepted with the revision that used it, and a suggestion's photo
published onto the site. No Flask here; webmap/web/suggestion_queue.py is the adapter.

- Distances are geodesic on WGS 84 (``geo.GEOD``), never computed by hand.
- A published photo is the re-encoded JPEG photo_ingest made (EXIF and GPS already
  gone), copied into the data folder's ``photos/`` as ``s-<sha256[:24]>.jpg``: the one
  folder the loader's validator checks and ``/photos/<size>/<name>`` serves, so a
  published photo is served exactly like a shipped one and ``webmap db export`` plus that
  folder is a complete data folder.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from . import suggestion_photos
from .db import tables as t
from .geo import GEOD
from .photo_ingest import LICENCES
from .photos import StorageError
from .suggestions import FINAL, MAX_CREDIT, SuggestionError, Suggestions, _text

PUBLISHED_PREFIX = "s-"
MAX_ALT = 300
QUEUE_LIMIT = 200  # one page; a flood shows as its count, not as 10,000 sections


def distance_m(a: list[float] | None, b: list[float] | None) -> float | None:
    """Geodesic distance in metres between two [lon, lat] points (None if either is missing)."""
    if not a or not b:
        return None
    _, _, dist = GEOD.inv(a[0], a[1], b[0], b[1])
    return float(dist)


def open_suggestions(store: Suggestions, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """The newest ``limit`` open suggestions, newest first, each as
    ``Suggestions.for_stewards`` gives it, and how many are open in all."""
    s = t.suggestions.c
    with store.repo._read() as conn:
        total = conn.execute(select(func.count()).select_from(t.suggestions).where(s.status == "open")).scalar_one()
        newest = select(s.id).where(s.status == "open").order_by(s.created_at.desc(), s.id.desc())
        query = newest.limit(limit or QUEUE_LIMIT)
        ids = list(conn.execute(query).scalars())
    return [v for v in (store.for_stewards(i) for i in ids) if v is not None], total


def counts_by_layer(rows: list[dict[str, Any]], layer_of) -> dict[str | None, int]:
    """How many open suggestions per layer id (None: about no particular place)."""
    return dict(Counter(layer_of(r["site_id"]) if r["site_id"] else None for r in rows))


def merge(store: Suggestions, sid: str, into: str, reply: Any, *, by: str) -> None:
    """Close ``sid`` as a duplicate of the open suggestion ``into``: status answered, the
    steward's reply for its sender, the other's id in the audit log (never in the public
    reply: the id is the key to the other sender's status page)."""
    text = _text({"reply": reply}, "reply", 2000, required=False)
    if text is None:
        raise SuggestionError("reply", "write a reply the suggester will read")
    if into == sid:
        raise SuggestionError("duplicate_of", "a suggestion cannot duplicate itself")
    other = store.for_stewards(into)
    if other is None:
        raise SuggestionError("duplicate_of", "no such suggestion")
    store.close(sid, "answered", text, by=by, audit="suggestion_merged", detail={"duplicate_of": into})


def duplicates_of(store: Suggestions, sid: str) -> list[str]:
    """The suggestions merged into ``sid`` (from the audit log), oldest merge first."""
    a = t.audit.c
    with store.repo._read() as conn:
        rows = conn.execute(select(a.detail).where(a.event == "suggestion_merged").order_by(a.id)).scalars()
        return [d["suggestion"] for d in rows if d.get("duplicate_of") == sid]


def accept(store: Suggestions, sid: str, reply: str, *, revision: int, site_id: str, by: str) -> None:
    """Mark ``sid`` accepted: its public reply says which revision of the place used it.
    Suggestions merged into it as duplicates (still answered) are accepted with it, so
    their senders read the same outcome."""
    detail = {"revision": revision, "site": site_id}
    store.close(sid, "accepted", reply, by=by, audit="suggestion_decided", detail=detail)
    for dup in duplicates_of(store, sid):
        row = store.public(dup)
        if row is not None and row["status"] not in FINAL:
            store.close(
                dup, "accepted", reply, by=by, audit="suggestion_decided", detail={**detail, "duplicate_of": sid}
            )


def check_photo(index: int, credit: Any, licence: Any, alt_zh: Any, alt_en: Any) -> dict[str, Any]:
    """A steward's credit, licence and alt texts for one photo, checked: the data
    contract's ``Photo`` fields (caption = the alt text). ``SuggestionError`` names the field."""
    out = {}
    for name, value, limit in (
        ("credit", credit, MAX_CREDIT),
        ("alt_zh", alt_zh, MAX_ALT),
        ("alt_en", alt_en, MAX_ALT),
    ):
        field = f"photo{index}_{name}"
        text = _text({field: value}, field, limit, required=False)
        if text is None:
            raise SuggestionError(field, "required before the photo is published")
        out[name] = text
    if licence not in LICENCES:
        raise SuggestionError(f"photo{index}_licence", f"choose one of {', '.join(LICENCES)}", allowed=list(LICENCES))
    alt = {"zh": out["alt_zh"], "en": out["alt_en"]}
    return {"caption": alt, "alt": alt, "credit": {"zh": out["credit"], "en": out["credit"]}, "licence": licence}


def publish_photo(uploads_dir: Path, photos_dir: Path, ref: str) -> str:
    """Copy a suggestion's stored photo into the served photos folder; its file name."""
    source = suggestion_photos.path(uploads_dir, ref, "full")
    name = f"{PUBLISHED_PREFIX}{ref[:24]}.jpg"
    target = Path(photos_dir) / name
    if not target.is_file():
        tmp = target.with_suffix(".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp)
            tmp.replace(target)
        except FileNotFoundError:
            raise SuggestionError("photo", "the stored photo is missing from the uploads folder") from None
        except OSError as exc:
            raise StorageError(f"the photos folder cannot be written ({exc.strerror or exc})") from None
    return name
