"""What changed on the map: the published revisions, newest first, each classified for a
resident (a new place, a place located, a status change, a new photo, ...), and the
Atom feed of them. Read from the revisions table (``webmap.db``); proposals waiting for
a steward and rejected ones never appear. No Flask here: ``webmap.web.changes`` adds
the words and the URLs. See docs/editing.md ("What changed").
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, select

from .db import tables as t
from .db.revisions import Revision, _revision
from .params import ParameterError

# The revisions written when the database is first seeded from data/ (Repository.init):
# the map's starting point, not a change anyone made.
SEED_AUTHOR = "webmap db init"
PAGE_SIZE = 50
MAX_PAGE = 10_000
DEFAULT_DAYS = 30
MAX_DAYS = 366
_SCAN_CHUNK = 500  # revisions read at a time while filling a page

# In the order an entry names them first: the most telling kind leads.
KINDS = ("added", "restored", "retired", "located", "moved", "unlocated", "status", "photo", "text", "edited")
# The properties a resident reads as text (location.note is text too).
TEXT_FIELDS = ("name", "summary", "details", "facts", "school_trip", "article_section", "name_note")


@dataclass(frozen=True)
class Change:
    """One published revision, as "what changed" shows it."""

    site_id: str
    n: int
    at: datetime
    author: str
    comment: str
    layer: str | None
    name: Mapping[str, str]  # {zh, en}: the name the place had after the change (before, if retired)
    kinds: tuple[str, ...]
    status_before: str | None = None
    status_after: str | None = None
    photos_added: int = 0

    @property
    def kind(self) -> str:
        return self.kinds[0]


def _photo_keys(props: Mapping[str, Any]) -> set[str]:
    """The photos that have an image (a file or a stored photo's id); placeholders have none."""
    out = set()
    for photo in props.get("photos") or ():
        if isinstance(photo, dict):
            key = photo.get("file") or photo.get("id")
            if key:
                out.add(str(key))
    return out


def _location_rest(props: Mapping[str, Any]) -> dict:
    loc = props.get("location")
    return {k: v for k, v in loc.items() if k != "note"} if isinstance(loc, dict) else {}


def _note(props: Mapping[str, Any]) -> Any:
    loc = props.get("location")
    return loc.get("note") if isinstance(loc, dict) else None


def _plain(value: Any) -> Any:
    """A feature without its empty members: a default the API fills in (``disputed: false``,
    ``candidates: []``, ``name_note: null``) saved back by an editor is not a change."""
    if isinstance(value, dict):
        out = {k: _plain(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, False)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def classify(before: dict | None, after: dict | None, *, restored: bool = False) -> tuple[str, ...]:
    """The kinds of change from ``before`` to ``after`` (GeoJSON Features; ``None``: not on
    the map), most telling first. ``restored``: a site that was on the map before (retired
    since) is back."""
    before, after = _plain(before), _plain(after)
    if after is None:
        return ("retired",)
    pa = after.get("properties") or {}
    if before is None:
        return ("restored",) if restored else ("added", *(("photo",) if _photo_keys(pa) else ()))
    pb = before.get("properties") or {}
    kinds: list[str] = []
    gb, ga = before.get("geometry"), after.get("geometry")
    if gb is None and ga is not None:
        kinds.append("located")
    elif gb is not None and ga is None:
        kinds.append("unlocated")
    elif gb != ga:
        kinds.append("moved")
    if pb.get("status") != pa.get("status"):
        kinds.append("status")
    if _photo_keys(pa) - _photo_keys(pb):
        kinds.append("photo")
    if any(pb.get(k) != pa.get(k) for k in TEXT_FIELDS) or _note(pb) != _note(pa):
        kinds.append("text")
    covered = {"status", "photos", "location", *TEXT_FIELDS}
    rest = any(pb.get(k) != pa.get(k) for k in (set(pb) | set(pa)) - covered)
    photos_other = pb.get("photos") != pa.get("photos") and "photo" not in kinds
    location_other = _location_rest(pb) != _location_rest(pa) and gb == ga
    if rest or photos_other or location_other or not kinds:
        kinds.append("edited")  # layer, themes, location details, a photo's caption, ...
    return tuple(kinds)


def _props(feature: dict | None) -> Mapping[str, Any]:
    return (feature or {}).get("properties") or {}


def to_change(rev: Revision, *, restored: bool = False) -> Change:
    shown = _props(rev.after if rev.after is not None else rev.before)
    pb, pa = _props(rev.before), _props(rev.after)
    name = shown.get("name") if isinstance(shown.get("name"), dict) else {}
    return Change(
        site_id=rev.site_id,
        n=rev.n,
        at=rev.at,
        author=rev.author,
        comment=rev.comment,
        layer=shown.get("layer"),
        name={"zh": str(name.get("zh") or rev.site_id), "en": str(name.get("en") or rev.site_id)},
        kinds=classify(rev.before, rev.after, restored=restored),
        status_before=pb.get("status"),
        status_after=pa.get("status"),
        photos_added=len(_photo_keys(pa) - _photo_keys(pb)),
    )


# ---------------------------------------------------------------------------
# Reading them from the database


def _published(since: datetime | None = None):
    cond = [t.revisions.c.state == "published", t.revisions.c.author != SEED_AUTHOR]
    if since is not None:
        cond.append(t.revisions.c.at >= since)
    return select(t.revisions).where(and_(*cond)).order_by(t.revisions.c.at.desc(), t.revisions.c.id.desc())


def _restored(conn, revs: Sequence[Revision]) -> set[tuple[str, int]]:
    """Which of ``revs`` (a site appearing with nothing before) bring back a site that was
    published before, rather than add a new one."""
    out = set()
    for rev in revs:
        if rev.before is None and rev.after is not None and rev.n > 1:
            q = select(t.revisions.c.n).where(
                t.revisions.c.site_id == rev.site_id,
                t.revisions.c.n < rev.n,
                t.revisions.c.state == "published",
            )
            if conn.execute(q.limit(1)).first() is not None:
                out.add((rev.site_id, rev.n))
    return out


def _layer_of(rev: Revision) -> str | None:
    return _props(rev.after if rev.after is not None else rev.before).get("layer")


def published_changes(
    repo, *, layers: Iterable[str] = (), page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[list[Change], bool]:
    """One page of published changes, newest first (in ``layers`` only, when given), and
    whether there is a next page. ``repo`` is a ``webmap.db.repository.Repository``."""
    wanted = set(layers)
    skip, need = (page - 1) * page_size, page_size + 1
    found: list[Revision] = []
    with repo._read("reading the changes") as conn:
        offset = 0
        while len(found) < skip + need:
            rows = conn.execute(_published().limit(_SCAN_CHUNK).offset(offset)).all()
            for row in rows:
                rev = _revision(row)
                if not wanted or _layer_of(rev) in wanted:
                    found.append(rev)
            if len(rows) < _SCAN_CHUNK:
                break
            offset += _SCAN_CHUNK
        chosen = found[skip : skip + page_size]
        restored = _restored(conn, chosen)
    changes = [to_change(r, restored=(r.site_id, r.n) in restored) for r in chosen]
    return changes, len(found) > skip + page_size


def changed_sites(repo, *, since: datetime, layers: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The sites with a published change at or after ``since``, most recently changed
    first: ``[{"id", "changed" (the newest change's time), "kinds" (of all of them)}]``."""
    wanted = set(layers)
    out: dict[str, dict[str, Any]] = {}
    with repo._read("reading the changes") as conn:
        revs = [_revision(row) for row in conn.execute(_published(since))]
        revs = [r for r in revs if not wanted or _layer_of(r) in wanted]
        restored = _restored(conn, revs)
    for rev in revs:
        entry = out.setdefault(rev.site_id, {"id": rev.site_id, "changed": rev.at, "kinds": []})
        for kind in classify(rev.before, rev.after, restored=(rev.site_id, rev.n) in restored):
            if kind not in entry["kinds"]:
                entry["kinds"].append(kind)
    for entry in out.values():
        entry["kinds"].sort(key=KINDS.index)
    return list(out.values())


# ---------------------------------------------------------------------------
# Query parameters


def parse_page(args: Mapping[str, Sequence[str]]) -> int:
    raw = (args.get("page") or ["1"])[-1]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ParameterError("page", f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


_SINCE = re.compile(r"([0-9]{1,4})d")


def parse_days(args: Mapping[str, Sequence[str]]) -> int:
    """``days=N`` or ``since=Nd`` (default 30): how many days back."""
    if args.get("days") and args.get("since"):
        raise ParameterError("since", "give since or days, not both")
    if args.get("since"):
        name, m = "since", _SINCE.fullmatch(args["since"][-1].strip())
        raw = m.group(1) if m else ""
    else:
        name, raw = "days", (args.get("days") or [str(DEFAULT_DAYS)])[-1].strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        form = "a number of days followed by d, e.g. 30d" if name == "since" else "a whole number of days"
        raise ParameterError(name, f"{name} must be {form}, from 1 to {MAX_DAYS}")
    return int(raw)


def since(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)


# ---------------------------------------------------------------------------
# The Atom feed (RFC 4287), built with an XML builder: every data text is escaped by it


ATOM = "http://www.w3.org/2005/Atom"
# What XML 1.0 cannot carry at all (a steward's comment is not checked like data text is):
# dropped, so the feed stays well-formed whatever was typed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def rfc3339(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(authority: str, date: str, specific: str) -> str:
    """An RFC 4151 ``tag:`` URI: stable whatever address the feed is read at."""
    return f"tag:{authority},{date}:{quote(specific, safe='/-._~')}"


def entry_id(authority: str, change: Change) -> str:
    return tag_uri(authority, change.at.strftime("%Y-%m-%d"), f"sites/{change.site_id}/revisions/{change.n}")


@dataclass
class AtomEntry:
    id: str
    title: str
    updated: datetime
    link: str  # the place's page (or the changes page, for a place no longer shown)
    summary: str
    author: str
    related: list[tuple[str, str]] = field(default_factory=list)  # (href, title): the history page
    categories: list[tuple[str, str]] = field(default_factory=list)  # (term, label)


def atom_feed(
    *,
    feed_id: str,
    title: str,
    lang: str,
    self_url: str,
    page_url: str,
    updated: datetime,
    entries: Sequence[AtomEntry],
    category_scheme: str,
    generator: str = "Yungang District Map",
) -> bytes:
    ET.register_namespace("", ATOM)

    def sub(parent, tag: str, text: str | None = None, **attrs: str):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
        if text is not None:
            el.text = _NOT_XML.sub("", text)
        return el

    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: lang})
    sub(feed, "id", feed_id)
    sub(feed, "title", title, type="text")
    sub(feed, "updated", rfc3339(updated))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    sub(feed, "generator", generator)
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", e.id)
        sub(entry, "title", e.title, type="text")
        sub(entry, "updated", rfc3339(e.updated))
        sub(sub(entry, "author"), "name", e.author)
        sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        for href, label in e.related:
            sub(entry, "link", rel="related", type="text/html", href=href, title=label)
        for term, label in e.categories:
            sub(entry, "category", term=term, scheme=category_scheme, label=label)
        sub(entry, "summary", e.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


__all__ = [
    "KINDS",
    "PAGE_SIZE",
    "AtomEntry",
    "Change",
    "atom_feed",
    "changed_sites",
    "classify",
    "entry_id",
    "parse_days",
    "parse_page",
    "published_changes",
    "since",
]
