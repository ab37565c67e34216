"""The engine's small helpers shared by the repository's parts: URLs shown without their
password, the default SQLite file, UTC times, readable database errors, SQLite pragmas."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from ..settings import PROJECT_ROOT

BUSY_TIMEOUT_MS = 10_000


def mask_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<the database URL>"


def default_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'webmap.sqlite3'}"


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def sqlite_events(engine: Engine) -> None:
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


def reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    hints = {
        "readonly": " (the database file or its folder is read-only for this user)",
        "disk is full": " (no space left for the database)",
        "database is locked": " (another process holds the database; try again)",
        "unable to open": " (the file or its folder cannot be opened)",
    }
    return text + next((h for k, h in hints.items() if k in text), "")
