"""The catalogue in a database: sites with their full revision history, people, tokens
and an audit log, in SQLite (default) or PostgreSQL, through SQLAlchemy 2 Core.

Every write is checked by the loader's own validator (``_validate`` is the one call of
``catalogue.validate.validate_site`` here) and is one transaction: readers and a crash
see the state before or after it, never half of it. Rows are stored validated, with
their served form, so loading the catalogue does not check them again
(``Repository.load_catalogue``). See docs/stewardship.md. No Flask here.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from ..catalogue import (
    BOUNDARY_FILE,
    DOCUMENTS,
    LAYERS_FILE,
    PHOTOS_DIR,
    SITES_FILE,
    THEMES_FILE,
    Catalogue,
    DataError,
    Problem,
    SiteContext,
    catalogue_from_served,
    load_catalogue,
    validate_site,
)
from ..catalogue.store import to_geojson
from ..catalogue.validate import validate_boundary, validate_records
from ..errors import WebmapError
from ..schema import Layer, SiteFeature, Theme
from ..settings import PROJECT_ROOT
from ..trips.data import TRIPS_FILE, load_trips
from . import tables as t
from .errors import Conflict, DatabaseError, Invalid, NotFound
from .tables import dumps

ROLES = ("editor", "steward", "admin")
STATES = ("published", "pending", "rejected")
MIN_PASSWORD = 10
BUSY_TIMEOUT_MS = 10_000
TOKEN_PREFIX = "wm_"
_MIGRATE_LOCK = 0x7765626D6170  # any fixed 64-bit number ("webmap")
# Tests set this to a file name: a save creates "<name>.ready" inside its transaction and
# waits there, so a test can kill -9 the process mid-save (tests/test_db_crash.py).
PAUSE_ENV = "WEBMAP_DB_PAUSE_IN_SAVE"


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


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool


@dataclass(frozen=True)
class Token:
    id: int
    user: str
    label: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


def mask_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<the database URL>"


def default_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'webmap.sqlite3'}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def changed_fields(old: dict | None, new: dict | None) -> list[str]:
    """Which fields differ between two versions of a feature: ``geometry``, ``id`` and
    each ``properties.<name>`` (``retired`` when one side is retired)."""
    if old is None or new is None:
        return [] if old is new else ["retired"]
    out = [k for k in ("id", "geometry") if old.get(k) != new.get(k)]
    po, pn = old.get("properties") or {}, new.get("properties") or {}
    out += [f"properties.{k}" for k in sorted(set(po) | set(pn)) if po.get(k) != pn.get(k)]
    return out


class Repository:
    """One database. Thread-safe (a connection pool); open one per process."""

    def __init__(self, engine: Engine, url: str, data_dir: Path | None = None):
        self.engine = engine
        self.url = url
        self.masked = mask_url(url)
        self.data_dir = Path(data_dir) if data_dir is not None else PROJECT_ROOT / "data"
        self._context: tuple[int, SiteContext] | None = None
        from argon2 import PasswordHasher

        self._hasher = PasswordHasher()
        # A forked worker (gunicorn --preload) must not share the parent's connections.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (r := ref()) is not None and r.engine.dispose(close=False))

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, url: str, data_dir: Path | str | None = None) -> Repository:
        """``sqlite:///path`` (the folder is created) or ``postgresql://...``; ``data_dir``
        holds the photos the validator checks (default: the shipped data/)."""
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise DatabaseError(f"not a database URL: {mask_url(url)}") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise DatabaseError("a SQLite database needs a file: sqlite:///path/to/webmap.sqlite3")
            if not parsed.database.startswith("file:"):  # a URI (e.g. ?mode=ro&uri=true) is used as given
                path = Path(parsed.database)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseError(f"cannot create the folder for {path}: {exc.strerror}") from None
            engine = create_engine(
                parsed,
                json_serializer=dumps,
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            )
            _sqlite_events(engine)
        elif backend == "postgresql":
            if parsed.drivername in ("postgresql", "postgres"):
                parsed = parsed.set(drivername="postgresql+psycopg")
            engine = create_engine(
                parsed,
                json_serializer=dumps,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 5},
            )
        else:
            raise DatabaseError(f"unsupported database {mask_url(url)}: use sqlite:///PATH or postgresql://...")
        return cls(engine, url, data_dir)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Driver errors become one ``DatabaseError`` saying what was not done and why."""
        try:
            yield
        except (DataError, WebmapError, DatabaseError):
            raise
        except IntegrityError as exc:
            raise DatabaseError(f"{doing} refused by {self.masked}: {_reason(exc)}; nothing was changed") from None
        except (OperationalError, DBAPIError, SQLAlchemyError, sqlite3.Error) as exc:
            raise DatabaseError(f"{doing} failed on {self.masked}: {_reason(exc)}; nothing was changed") from None

    @contextmanager
    def _read(self, doing: str = "reading") -> Iterator[Connection]:
        with self._errors(doing), self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def _write(self, doing: str) -> Iterator[Connection]:
        """One write transaction, serialised with every other writer (SQLite: BEGIN
        IMMEDIATE; both: the version row locked first)."""
        with self._errors(doing), self.engine.connect() as conn:
            conn = conn.execution_options(webmap_write=True)
            with conn.begin():
                conn.execute(select(t.version.c.n).where(t.version.c.id == 1).with_for_update())
                yield conn

    # ------------------------------------------------------------------ schema

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration (idempotent)."""
        from .migrate import upgrade

        with self._errors("creating the schema"), self.engine.connect() as conn:
            conn = conn.execution_options(webmap_write=True)  # SQLite: BEGIN IMMEDIATE
            with conn.begin():
                if not self.is_sqlite:  # two servers starting at once: one migrates, the other waits
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATE_LOCK})")
                upgrade(conn)

    def schema_revision(self) -> str | None:
        from .migrate import current_revision

        with self._errors("reading the schema"), self.engine.connect() as conn:
            return current_revision(conn)

    def init(self, data_dir: Path | str | None = None) -> bool:
        """Create/upgrade the schema; seed it from ``data_dir`` when it holds no sites.
        True if it seeded. Safe to run again, and from two processes at once."""
        self.upgrade()
        data_dir = Path(data_dir) if data_dir is not None else self.data_dir
        with self._read() as conn:
            if conn.execute(select(func.count()).select_from(t.sites)).scalar_one():
                return False
        cat = load_catalogue(data_dir)  # the loader validates all of it first
        with self._write("seeding the database") as conn:
            if conn.execute(select(func.count()).select_from(t.sites)).scalar_one():
                return False  # another process seeded it meanwhile
            self._import(conn, data_dir, cat, author="webmap db init", comment=f"seeded from {data_dir}")
        return True

    # ------------------------------------------------------------------ import / export

    def import_data(self, data_dir: Path | str, *, author: str = "webmap db import") -> dict[str, int]:
        """Make the published data equal a data folder (validated whole first): changed
        and new sites get a new revision, sites no longer there are retired, documents
        are replaced. One transaction; nothing changes when the folder is invalid."""
        data_dir = Path(data_dir)
        self.upgrade()
        cat = load_catalogue(data_dir)
        with self._write("importing") as conn:
            return self._import(conn, data_dir, cat, author=author, comment=f"imported from {data_dir}")

    def _import(self, conn: Connection, data_dir: Path, cat: Catalogue, *, author: str, comment: str) -> dict[str, int]:
        collection = json.loads((data_dir / SITES_FILE).read_text(encoding="utf-8"))
        raws = collection["features"]
        collection["features"] = []
        texts = {name: (data_dir / name).read_text(encoding="utf-8") for name in DOCUMENTS if name != SITES_FILE}
        texts[SITES_FILE] = json.dumps(collection, ensure_ascii=False)
        docs_changed = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all()) != texts
        if docs_changed:
            conn.execute(t.documents.delete())
            conn.execute(insert(t.documents), [{"name": k, "text": v} for k, v in texts.items()])
            self._context = None

        existing = {
            r.id: r
            for r in conn.execute(select(t.sites.c.id, t.sites.c.revision, t.sites.c.retired, t.sites.c.feature))
        }
        last_n = dict(
            conn.execute(select(t.revisions.c.site_id, func.max(t.revisions.c.n)).group_by(t.revisions.c.site_id)).all()
        )
        version = conn.execute(select(t.version.c.n)).scalar_one() + 1  # bumped below if anything changed
        at = _now()
        counts = {"added": 0, "changed": 0, "retired": 0, "unchanged": 0}
        # Free the unique ord values first; then number in file order, the rest after.
        conn.execute(update(t.sites).values(ord=-t.sites.c.ord - 1))
        new_rows, new_revs = [], []
        for i, raw in enumerate(raws):
            fid = raw["id"]
            old = existing.pop(fid, None)
            if old is not None and not old.retired and old.feature == raw:
                conn.execute(update(t.sites).where(t.sites.c.id == fid).values(ord=i))
                counts["unchanged"] += 1
                continue
            n = last_n.get(fid, 0) + 1
            served = json.loads(cat.features.geojson_bytes(fid))
            new_revs.append(_rev_row(fid, n, author, at, comment, old.feature if old else None, raw, "published"))
            values = {"ord": i, "revision": n, "retired": False, "feature": raw, "served": served, "changed": version}
            if old is None:
                new_rows.append({"id": fid, **values})
                counts["added"] += 1
            else:
                conn.execute(update(t.sites).where(t.sites.c.id == fid).values(**values))
                counts["changed"] += 1
        for k, (fid, old) in enumerate(sorted(existing.items(), key=lambda kv: kv[0])):
            values = {"ord": len(raws) + k}
            if not old.retired:
                n = last_n.get(fid, 0) + 1
                new_revs.append(_rev_row(fid, n, author, at, comment, old.feature, None, "published"))
                values.update(revision=n, retired=True, changed=version)
                counts["retired"] += 1
            conn.execute(update(t.sites).where(t.sites.c.id == fid).values(**values))
        if new_rows:
            conn.execute(insert(t.sites), new_rows)
        if new_revs:
            conn.execute(insert(t.revisions), new_revs)
        if new_revs or docs_changed:
            self._bump(conn)
        self._audit(conn, "import", author, {"from": str(data_dir), **counts})
        return counts

    def export(self, out_dir: Path | str) -> list[Path]:
        """Write the published data as a data folder: the documents as imported and
        sites.geojson with every published, non-retired site in catalogue order, in the
        shipped files' format (2-space JSON, UTF-8). The same data gives the same bytes."""
        out_dir = Path(out_dir)
        with self._read("exporting") as conn:
            texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
            features = [
                r[0]
                for r in conn.execute(
                    select(t.sites.c.feature).where(t.sites.c.retired.is_(False)).order_by(t.sites.c.ord)
                )
            ]
        if SITES_FILE not in texts:
            raise DatabaseError(f"{self.masked} holds no data yet: run `webmap db init`")
        collection = json.loads(texts.pop(SITES_FILE))
        collection["features"] = features
        texts[SITES_FILE] = json.dumps(collection, ensure_ascii=False, indent=2) + "\n"
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for name in sorted(texts):
            path = out_dir / name
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(texts[name], encoding="utf-8", newline="")
            os.replace(tmp, path)  # a reader of the folder never sees half a file
            written.append(path)
        return written

    # ------------------------------------------------------------------ reading

    def version(self) -> int:
        with self._read() as conn:
            return conn.execute(select(t.version.c.n).where(t.version.c.id == 1)).scalar_one()

    def changes_since(self, version: int) -> tuple[int, list[str]]:
        with self._read() as conn:
            now = conn.execute(select(t.version.c.n).where(t.version.c.id == 1)).scalar_one()
            ids = conn.execute(select(t.sites.c.id).where(t.sites.c.changed > version).order_by(t.sites.c.ord))
            return now, list(ids.scalars())

    def site(self, site_id: str) -> StoredSite | None:
        with self._read() as conn:
            return self._site(conn, site_id)

    def _site(self, conn: Connection, site_id: str) -> StoredSite | None:
        row = conn.execute(
            select(t.sites.c.id, t.sites.c.revision, t.sites.c.retired, t.sites.c.feature).where(
                t.sites.c.id == site_id
            )
        ).first()
        return StoredSite(row.id, row.revision, bool(row.retired), row.feature) if row else None

    def published_features(self) -> list[dict]:
        with self._read() as conn:
            q = select(t.sites.c.feature).where(t.sites.c.retired.is_(False)).order_by(t.sites.c.ord)
            return list(conn.execute(q).scalars())

    def load_catalogue(self) -> Catalogue:
        """The in-memory catalogue of the published data, read in one transaction. The
        sites are not validated again (they were when written); the documents are."""
        with self._read("loading the catalogue") as conn:
            n = conn.execute(select(t.version.c.n).where(t.version.c.id == 1)).scalar_one()
            texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
            q = select(t.sites.c.served).where(t.sites.c.retired.is_(False)).order_by(t.sites.c.ord)
            served = list(conn.execute(q).scalars())
        if not served:
            raise DataError([Problem(f"{self.masked}#sites", None, None, "no sites: run `webmap db init`")])
        return catalogue_from_served(self.data_dir, _DocSource(self.masked, texts), served, f"db-{n}")

    def holds_data(self) -> bool:
        """Whether the schema exists and holds sites (without creating anything)."""
        try:
            with self.engine.connect() as conn:
                return bool(conn.execute(select(func.count()).select_from(t.sites)).scalar_one())
        except (SQLAlchemyError, sqlite3.Error):
            return False

    def validate(self) -> Catalogue:
        """The published data checked again, whole, by the loader (``webmap validate``):
        for an operator who doubts the stored rows; start-up does not do this."""
        with self._read("validating") as conn:
            texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
            q = select(t.sites.c.feature).where(t.sites.c.retired.is_(False)).order_by(t.sites.c.ord)
            features = list(conn.execute(q).scalars())
        collection = json.loads(texts.get(SITES_FILE, '{"type": "FeatureCollection"}'))
        texts[SITES_FILE] = json.dumps({**collection, "features": features}, ensure_ascii=False)
        return load_catalogue(self.data_dir, source=_DocSource(self.masked, texts))

    def history(self, site_id: str) -> list[Revision]:
        with self._read() as conn:
            q = select(t.revisions).where(t.revisions.c.site_id == site_id).order_by(t.revisions.c.n)
            return [_revision(r) for r in conn.execute(q)]

    def revision(self, site_id: str, n: int) -> Revision | None:
        with self._read() as conn:
            return self._revision(conn, site_id, n)

    def _revision(self, conn: Connection, site_id: str, n: int) -> Revision | None:
        q = select(t.revisions).where(t.revisions.c.site_id == site_id, t.revisions.c.n == n)
        row = conn.execute(q).first()
        return _revision(row) if row else None

    def pending(self) -> list[Revision]:
        with self._read() as conn:
            q = select(t.revisions).where(t.revisions.c.state == "pending").order_by(t.revisions.c.id)
            return [_revision(r) for r in conn.execute(q)]

    def status(self) -> dict[str, Any]:
        with self._read() as conn:

            def count(table, *where) -> int:
                return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()

            return {
                "database": self.masked,
                "schema": self.schema_revision(),
                "version": conn.execute(select(t.version.c.n)).scalar_one(),
                "sites": count(t.sites, t.sites.c.retired.is_(False)),
                "retired": count(t.sites, t.sites.c.retired.is_(True)),
                "revisions": count(t.revisions),
                "pending": count(t.revisions, t.revisions.c.state == "pending"),
                "users": count(t.users),
                "tokens": count(t.tokens, t.tokens.c.revoked.is_(None)),
            }

    # ------------------------------------------------------------------ writing sites

    def save(
        self,
        site_id: str,
        feature: dict,
        *,
        author: str,
        comment: str,
        expected_revision: int | None,
        publish: bool,
    ) -> Revision:
        """Store a new version of a site (``expected_revision`` None: a new site).
        Published at once, or (``publish=False``) kept as a pending proposal."""
        _need_comment(comment)
        if not isinstance(feature, dict) or feature.get("id") != site_id:
            got = feature.get("id") if isinstance(feature, dict) else None
            raise DataError([Problem("edit", site_id, "id", f"must be the site's id {site_id!r}, got {got!r}")])
        served = self._validate(feature)
        with self._write("saving") as conn:
            current = self._site(conn, site_id)
            self._check_expected(conn, site_id, current, expected_revision)
            n = self._next_n(conn, site_id)
            before = None if current is None or current.retired else current.feature
            if not publish:
                row = _rev_row(site_id, n, author, _now(), comment, before, feature, "pending", expected_revision)
                conn.execute(insert(t.revisions), row)
                return _revision_from(row)
            self._check_trips(conn, site_id, served)
            row = _rev_row(site_id, n, author, _now(), comment, before, feature, "published", expected_revision)
            self._publish(conn, site_id, current, n, feature, served)
            conn.execute(insert(t.revisions), row)
            _pause_if_asked()
            return _revision_from(row)

    def retire(self, site_id: str, *, author: str, comment: str, expected_revision: int) -> Revision:
        """Take a site off the map (never deleted: its history stays, revert brings it back)."""
        _need_comment(comment)
        with self._write("retiring") as conn:
            current = self._site(conn, site_id)
            if current is None:
                raise NotFound(f"no site {site_id!r}", site=site_id)
            self._check_expected(conn, site_id, current, expected_revision)
            if current.retired:
                raise Conflict(f"site {site_id!r} is already retired", current, ["retired"])
            self._check_trips(conn, site_id, None)
            n = self._next_n(conn, site_id)
            row = _rev_row(site_id, n, author, _now(), comment, current.feature, None, "published", expected_revision)
            self._publish(conn, site_id, current, n, None, None)
            conn.execute(insert(t.revisions), row)
            return _revision_from(row)

    def revert(self, site_id: str, to_revision: int, *, author: str, comment: str) -> Revision:
        """Publish, as a new revision, the site as it was after revision ``to_revision``."""
        _need_comment(comment)
        old = self.revision(site_id, to_revision)
        current = self.site(site_id)
        if old is None or current is None:
            raise NotFound(f"site {site_id!r} has no revision {to_revision}", site=site_id, revision=to_revision)
        if old.state != "published":
            raise Conflict(f"revision {to_revision} of {site_id!r} was never published ({old.state})", current)
        if old.after is None:
            return self.retire(site_id, author=author, comment=comment, expected_revision=current.revision)
        return self.save(
            site_id, old.after, author=author, comment=comment, expected_revision=current.revision, publish=True
        )

    def decide(self, site_id: str, n: int, *, author: str, publish: bool, reason: str) -> Revision:
        """Publish or reject a pending proposal. Publishing one made against an older
        revision than the published one is a ``Conflict`` (a new proposal is needed)."""
        _need_comment(reason, "reason")
        proposal = self.revision(site_id, n)
        if proposal is None:
            raise NotFound(f"site {site_id!r} has no revision {n}", site=site_id, revision=n)
        served = self._validate(proposal.after) if publish else None
        with self._write("deciding") as conn:
            proposal = self._revision(conn, site_id, n)
            current = self._site(conn, site_id)
            if proposal.state != "pending":
                raise Conflict(f"revision {n} of {site_id!r} is already {proposal.state}", current)
            values = {"state": "rejected", "decided_by": author, "reason": reason}
            if publish:
                self._check_expected(conn, site_id, current, proposal.base)
                self._check_trips(conn, site_id, served)
                before = None if current is None or current.retired else current.feature
                self._publish(conn, site_id, current, n, proposal.after, served)
                values.update(state="published", before=before)
            where = (t.revisions.c.site_id == site_id) & (t.revisions.c.n == n)
            conn.execute(update(t.revisions).where(where).values(**values))
            self._audit(conn, "publish" if publish else "reject", author, {"site": site_id, "revision": n})
            return self._revision(conn, site_id, n)

    def _check_expected(self, conn, site_id: str, current: StoredSite | None, expected: int | None) -> None:
        if expected is None:
            if current is not None:
                raise Conflict(f"site {site_id!r} already exists (revision {current.revision})", current, ["id"])
            return
        if current is None:
            raise NotFound(f"no site {site_id!r}", site=site_id)
        if current.revision != expected:
            seen = self._revision(conn, site_id, expected)
            before = seen.after if seen is not None else None
            now = None if current.retired else current.feature
            changed = changed_fields(before, now) if seen is not None else ["revision"]
            who = self._revision(conn, site_id, current.revision)
            by = f" by {who.author} at {who.at:%Y-%m-%d %H:%M} UTC" if who else ""
            raise Conflict(
                f"site {site_id!r} was changed{by} since revision {expected}: it is now at revision "
                f"{current.revision}; changed: {', '.join(changed) or 'nothing visible'}",
                current,
                changed,
            )

    def _next_n(self, conn: Connection, site_id: str) -> int:
        q = select(func.max(t.revisions.c.n)).where(t.revisions.c.site_id == site_id)
        return (conn.execute(q).scalar_one() or 0) + 1

    def _publish(self, conn, site_id: str, current: StoredSite | None, n: int, feature, served) -> None:
        version = self._bump(conn)
        if feature is None:
            values = {"revision": n, "retired": True, "changed": version}
        else:
            values = {"revision": n, "retired": False, "feature": feature, "served": served, "changed": version}
        if current is None:
            ord_ = (conn.execute(select(func.max(t.sites.c.ord))).scalar_one() or 0) + 1
            conn.execute(insert(t.sites).values(id=site_id, ord=ord_, **values))
        else:
            conn.execute(update(t.sites).where(t.sites.c.id == site_id).values(**values))
        self._audit(conn, "publish", None, {"site": site_id, "revision": n, "version": version})

    def _bump(self, conn: Connection) -> int:
        conn.execute(update(t.version).where(t.version.c.id == 1).values(n=t.version.c.n + 1))
        return conn.execute(select(t.version.c.n).where(t.version.c.id == 1)).scalar_one()

    # ------------------------------------------------------------------ validation

    def _site_context(self) -> SiteContext:
        """What a site is checked against (layers, themes, outline, photos), from the
        stored documents; rebuilt when they change (an import)."""
        with self._read() as conn:
            texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
        key = hash(tuple(sorted(texts.items())))
        if self._context is not None and self._context[0] == key:
            return self._context[1]
        if not texts:
            raise DatabaseError(f"{self.masked} holds no data yet: run `webmap db init`")
        src, problems = _DocSource(self.masked, texts), []
        layers = validate_records(src.read(LAYERS_FILE), src.where(LAYERS_FILE), "layers", Layer, problems)
        themes = validate_records(src.read(THEMES_FILE), src.where(THEMES_FILE), "themes", Theme, problems)
        boundary = validate_boundary(src.read(BOUNDARY_FILE), src.where(BOUNDARY_FILE), problems)
        if problems:
            raise DataError(problems)
        context = SiteContext.build(
            "edit", {x.id for x in layers}, {x.id for x in themes}, boundary, self.data_dir / PHOTOS_DIR
        )
        self._context = (key, context)
        return context

    def _validate(self, feature: dict) -> dict:
        """The loader's check of one site (the one call of ``validate_site`` in webmap.db);
        returns the site's served form. Raises ``DataError`` naming the field."""
        return to_geojson(validate_site(feature, self._site_context()))

    def _check_trips(self, conn: Connection, site_id: str, served: dict | None) -> None:
        """The trips must still load with this change: a stop must exist, be located and
        not disputed (``trips.data.load_trips``, the loader's own check)."""
        text = conn.execute(select(t.documents.c.text).where(t.documents.c.name == TRIPS_FILE)).scalar()
        if text is None or site_id not in text:
            return
        problems: list[Problem] = []
        sites = _TripSites(self, conn, site_id, served)
        load_trips(_DocSource(self.masked, {TRIPS_FILE: text}), sites, set(), set(), problems)
        problems = [p for p in problems if f"{site_id!r}" in p.message]
        if problems:
            raise DataError(problems)

    # ------------------------------------------------------------------ people

    def add_user(self, name: str, role: str, password: str) -> User:
        _check_role(role)
        if not name or len(name) > 200 or name != name.strip():
            raise Invalid("a user name is 1 to 200 characters, without spaces around it", field="name")
        if len(password) < MIN_PASSWORD:
            raise Invalid(f"the password must have at least {MIN_PASSWORD} characters", field="password")
        with self._write("adding a user") as conn:
            if conn.execute(select(t.users.c.name).where(t.users.c.name == name)).first():
                raise Conflict(f"user {name!r} already exists")
            conn.execute(
                insert(t.users).values(
                    name=name, role=role, password_hash=self._hasher.hash(password), disabled=False, created=_now()
                )
            )
            self._audit(conn, "user_added", None, {"name": name, "role": role})
        return User(name, role, False)

    def users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(select(t.users.c.name, t.users.c.role, t.users.c.disabled).order_by(t.users.c.name))
            return [User(r.name, r.role, bool(r.disabled)) for r in rows]

    def user(self, name: str) -> User | None:
        with self._read() as conn:
            r = conn.execute(select(t.users.c.name, t.users.c.role, t.users.c.disabled).where(t.users.c.name == name))
            r = r.first()
            return User(r.name, r.role, bool(r.disabled)) if r else None

    def set_role(self, name: str, role: str, *, by: str | None = None) -> User:
        _check_role(role)
        return self._change_user(name, "role_changed", by, role=role)

    def disable(self, name: str, *, by: str | None = None, disabled: bool = True) -> User:
        return self._change_user(name, "user_disabled" if disabled else "user_enabled", by, disabled=disabled)

    def set_password(self, name: str, password: str, *, by: str | None = None) -> User:
        if len(password) < MIN_PASSWORD:
            raise Invalid(f"the password must have at least {MIN_PASSWORD} characters", field="password")
        return self._change_user(name, "password_changed", by, password_hash=self._hasher.hash(password))

    def _change_user(self, name: str, event_name: str, by: str | None, **values) -> User:
        with self._write("changing a user") as conn:
            if not conn.execute(update(t.users).where(t.users.c.name == name).values(**values)).rowcount:
                raise NotFound(f"no user {name!r}", user=name)
            shown = {k: v for k, v in values.items() if k != "password_hash"}
            self._audit(conn, event_name, by, {"name": name, **shown})
            r = conn.execute(select(t.users.c.role, t.users.c.disabled).where(t.users.c.name == name)).one()
            return User(name, r.role, bool(r.disabled))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, if the password is right and the account enabled; else None (the
        same work is done for an unknown name, so timing does not tell names apart)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self._read() as conn:
            r = conn.execute(select(t.users).where(t.users.c.name == name)).first()
        stored = r.password_hash if r else _DUMMY_HASH.get(self._hasher)
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if r is None or r.disabled:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self._write("rehashing a password") as conn:
                conn.execute(
                    update(t.users).where(t.users.c.name == name).values(password_hash=self._hasher.hash(password))
                )
        return User(r.name, r.role, False)

    def create_token(self, user: str, label: str = "") -> str:
        """A new bearer token for ``user``: returned once, stored only as its SHA-256."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write("creating a token") as conn:
            if not conn.execute(select(t.users.c.name).where(t.users.c.name == user)).first():
                raise NotFound(f"no user {user!r}", user=user)
            conn.execute(insert(t.tokens).values(hash=_token_hash(token), user=user, label=label, created=_now()))
            self._audit(conn, "token_created", user, {"label": label})
        return token

    def tokens(self, user: str | None = None) -> list[Token]:
        with self._read() as conn:
            q = select(t.tokens).order_by(t.tokens.c.id)
            if user is not None:
                q = q.where(t.tokens.c.user == user)
            return [
                Token(r.id, r.user, r.label, _aware(r.created), _aware(r.last_used), _aware(r.revoked))
                for r in conn.execute(q)
            ]

    def revoke_token(self, token_id: int, *, by: str | None = None) -> Token:
        with self._write("revoking a token") as conn:
            q = update(t.tokens).where(t.tokens.c.id == token_id, t.tokens.c.revoked.is_(None)).values(revoked=_now())
            if not conn.execute(q).rowcount:
                raise NotFound(f"no active token {token_id}", token=token_id)
            self._audit(conn, "token_revoked", by, {"token": token_id})
        return next(x for x in self.tokens() if x.id == token_id)

    def user_for_token(self, token: str) -> User | None:
        """The token's user (with the user's current role), or None: unknown, revoked,
        or the user is disabled. Records when the token was last used (once a minute)."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        with self._read() as conn:
            q = (
                select(t.tokens.c.id, t.tokens.c.last_used, t.users.c.name, t.users.c.role, t.users.c.disabled)
                .join(t.users, t.users.c.name == t.tokens.c.user)
                .where(t.tokens.c.hash == _token_hash(token), t.tokens.c.revoked.is_(None))
            )
            r = conn.execute(q).first()
        if r is None or r.disabled:
            return None
        now = _now()
        last = _aware(r.last_used)
        if last is None or (now - last).total_seconds() > 60:
            with self._write("recording token use") as conn:
                conn.execute(update(t.tokens).where(t.tokens.c.id == r.id).values(last_used=now))
                self._audit(conn, "token_used", r.name, {"token": r.id})
        return User(r.name, r.role, False)

    def audit(self, event: str, user: str | None, detail: dict) -> None:
        with self._write("writing the audit log") as conn:
            self._audit(conn, event, user, detail)

    def _audit(self, conn: Connection, event_name: str, user: str | None, detail: dict) -> None:
        conn.execute(insert(t.audit).values(at=_now(), event=event_name, user=user, detail=detail))

    def audit_log(self, limit: int = 100) -> list[dict]:
        with self._read() as conn:
            q = select(t.audit).order_by(t.audit.c.id.desc()).limit(limit)
            return [{"at": _aware(r.at), "event": r.event, "user": r.user, "detail": r.detail} for r in conn.execute(q)]

    # ------------------------------------------------------------------ backup

    def backup(self, target: Path | str) -> Path:
        """An online, consistent copy: SQLite's backup API (writers may go on meanwhile);
        PostgreSQL: pg_dump in its custom format."""
        target = Path(target)
        if target.exists():
            raise DatabaseError(f"{target} exists; choose a new file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.is_sqlite:
            with self._errors("backing up"):
                raw = self.engine.raw_connection()
                try:
                    dest = sqlite3.connect(target)
                    try:
                        raw.driver_connection.backup(dest)
                    finally:
                        dest.close()
                finally:
                    raw.close()
            return target
        self._pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={target}")
        return target

    def restore(self, source: Path | str) -> dict[str, Any]:
        """Replace this database with a backup (checked first to be a webmap database)."""
        source = Path(source)
        if not source.is_file():
            raise DatabaseError(f"no backup file {source}")
        if self.is_sqlite:
            try:
                src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
                try:
                    names = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                    if not {"sites", "revisions", "version"} <= names:
                        raise DatabaseError(f"{source} is not a webmap database backup")
                    with self._errors("restoring"):
                        raw = self.engine.raw_connection()
                        try:
                            src.backup(raw.driver_connection)
                        finally:
                            raw.close()
                finally:
                    src.close()
            except sqlite3.DatabaseError as exc:
                raise DatabaseError(f"{source} is not a webmap database backup ({exc})") from None
            self.engine.dispose()
        else:
            self._pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source))
        self._context = None
        self.upgrade()
        return self.status()

    def _pg_tool(self, tool: str, *args: str) -> None:
        import shutil
        import subprocess

        exe = shutil.which(tool) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))), None)
        if exe is None:
            raise DatabaseError(f"{tool} is not installed (Debian: postgresql-client)")
        url = make_url(self.url).set(drivername="postgresql")
        env = {**os.environ, "PGPASSWORD": url.password or ""}
        dsn = url.set(password=None).render_as_string(hide_password=False)
        done = subprocess.run([str(exe), *args, f"--dbname={dsn}"], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise DatabaseError(f"{tool} failed for {self.masked}: {done.stderr.strip()[-500:]}")


# ---------------------------------------------------------------------- helpers


class _DummyHash:
    """A hash to verify against for unknown user names (made once, lazily)."""

    def __init__(self) -> None:
        self._hash: str | None = None

    def get(self, hasher) -> str:
        if self._hash is None:
            self._hash = hasher.hash(secrets.token_hex(16))
        return self._hash


_DUMMY_HASH = _DummyHash()


class _DocSource:
    """The ``catalogue.Source`` over the stored documents."""

    def __init__(self, masked: str, texts: dict[str, str]):
        self.masked, self.texts = masked, texts

    def where(self, name: str) -> str:
        return f"{self.masked}#documents/{name}"  # ends with the name: the loader matches on it

    def read(self, name: str) -> Any:
        if name not in self.texts:
            raise DataError([Problem(self.where(name), None, None, "document is missing: run `webmap db import`")])
        return json.loads(self.texts[name])

    def digest(self) -> str:
        return hashlib.sha256(dumps(self.texts).encode()).hexdigest()[:16]


class _TripSites(Mapping):
    """The sites a trip names, as they would be after one change (for ``load_trips``)."""

    def __init__(self, repo: Repository, conn: Connection, changed_id: str, served: dict | None):
        self.repo, self.conn, self.changed_id, self.served = repo, conn, changed_id, served

    def __getitem__(self, site_id: str) -> SiteFeature:
        if site_id == self.changed_id:
            if self.served is None:
                raise KeyError(site_id)
            return SiteFeature.model_validate(self.served)
        row = self.conn.execute(select(t.sites.c.served, t.sites.c.retired).where(t.sites.c.id == site_id)).first()
        if row is None or row.retired:
            raise KeyError(site_id)
        return SiteFeature.model_validate(row.served)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            try:
                cur.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # a read-only file: reads still work, writes say why they cannot
        cur.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable against a crash of the process
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        write = conn.get_execution_options().get("webmap_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    hints = {
        "readonly": " (the database file or its folder is read-only for this user)",
        "disk is full": " (no space left for the database)",
        "database is locked": " (another process holds the database; try again)",
        "unable to open": " (the file or its folder cannot be opened)",
    }
    return text + next((h for k, h in hints.items() if k in text), "")


def _need_comment(comment: str, field: str = "comment") -> None:
    if not isinstance(comment, str) or not comment.strip():
        raise Invalid(f"a short {field} saying why is required", field=field)
    if len(comment) > 2000:
        raise Invalid(f"the {field} is longer than 2000 characters", field=field)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use {', '.join(ROLES)}", field="role", allowed=list(ROLES))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def _pause_if_asked() -> None:
    flag = os.environ.get(PAUSE_ENV)
    if flag:
        Path(flag + ".ready").write_text(str(os.getpid()))
        while True:  # until killed
            time.sleep(0.1)
