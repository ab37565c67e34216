"""Online backups and restores, as a part of ``Repository``: SQLite's backup API, or
pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from .errors import DatabaseError


class Backups:
    """Mixed into ``Repository`` (its engine, ``_errors``, ``upgrade`` and ``status``)."""

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
