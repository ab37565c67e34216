"""The catalogue in a database: sites with their full revision history, people, tokens
and an audit log, in SQLite (default) or PostgreSQL, through SQLAlchemy 2 Core.

Every write is checked by the loader's own validator (``_validate`` is the one call of
``catalogue.validate.validate_site`` here) and is one transaction: readers and a crash
see the state before or after it, never half of it. Rows are stored validated, with
their served form, so loading the catalogue does not check them again
(``Repository.load_catalogue``). See docs/stewardship.md. No Flask here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from ..catalogue import (
    SITES_FILE,
    Catalogue,
    DataError,
    Problem,
    SiteContext,
    catalogue_from_served,
    load_catalogue,
)
from ..errors import WebmapError
from ..settings import PROJECT_ROOT
from . import tables as t
from .accounts import ROLES, Accounts, Token, User, _check_role  # noqa: F401  (re-exported)
from .backup import Backups
from .checks import Checks
from .engine import BUSY_TIMEOUT_MS, default_url, mask_url  # noqa: F401  (re-exported)
from .engine import now as _now
from .engine import reason as _reason
from .engine import sqlite_events as _sqlite_events
from .errors import Conflict, DatabaseError, Invalid, NotFound  # noqa: F401  (re-exported)
from .exchange import Exchange, _DocSource  # noqa: F401  (bench/db_startup.py)
from .revisions import Revision, StoredSite, _need_comment, _rev_row, _revision, _revision_from, changed_fields  # noqa: F401
from .tables import dumps

STATES = ("published", "pending", "rejected")
_MIGRATE_LOCK = 0x7765626D6170  # any fixed 64-bit number ("webmap")
# Tests set this to a file name: a save creates "<name>.ready" inside its transaction and
# waits there, so a test can kill -9 the process mid-save (tests/test_db_crash.py).
PAUSE_ENV = "WEBMAP_DB_PAUSE_IN_SAVE"


class Repository(Accounts, Backups, Exchange, Checks):
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

    def update_catalogue(self, cat: Catalogue, limit: int = 2000) -> Catalogue | None:
        """``cat`` brought up to date site by site (``db.snapshot.update_catalogue``)."""
        from .snapshot import update_catalogue

        return update_catalogue(self, cat, limit)

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

    def proposals_by(self, author: str) -> list[Revision]:
        """Every revision ``author`` proposed or saved, newest first (the "my proposals" page)."""
        with self._read() as conn:
            q = select(t.revisions).where(t.revisions.c.author == author).order_by(t.revisions.c.id.desc())
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


# ---------------------------------------------------------------------- helpers


def _pause_if_asked() -> None:
    flag = os.environ.get(PAUSE_ENV)
    if flag:
        Path(flag + ".ready").write_text(str(os.getpid()))
        while True:  # until killed
            time.sleep(0.1)
