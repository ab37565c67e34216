"""A private, throwaway PostgreSQL + PostGIS cluster for the database tests (tests/conftest.py: pg_url, db_url).

``initdb`` into a fresh temporary folder, ``pg_ctl start`` listening only on a unix
socket in that folder (no TCP), a template database with PostGIS from which each test
gets its own database, everything removed at the end. PostgreSQL refuses to run as root,
so as root (here and in CI) the cluster belongs to the ``postgres`` system user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

PG_BIN = Path(os.environ.get("WEBMAP_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
INSTALL_HINT = (
    "install the Debian packages postgresql and postgresql-15-postgis-3 "
    "(scripts/install-system-deps does it), or set WEBMAP_TEST_PG_BIN to PostgreSQL's bin folder"
)
TEMPLATE = "webmap_template"


class ClusterUnavailable(Exception):
    """PostgreSQL or PostGIS is not installed here; the message says what to install."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self):
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (PG_BIN / tool).exists():
                raise ClusterUnavailable(f"PostgreSQL not found ({PG_BIN / tool} is missing): {INSTALL_HINT}")
        control = subprocess.run([PG_BIN / "pg_config", "--sharedir"], capture_output=True, text=True)
        share = Path(control.stdout.strip() or "/usr/share/postgresql/15")
        if not (share / "extension" / "postgis.control").exists():
            raise ClusterUnavailable(f"PostGIS not found (no {share}/extension/postgis.control): {INSTALL_HINT}")
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="webmap-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user = "postgres" if self.as_root else os.environ.get("USER") or "postgres"
        self._counter = 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        try:
            self._run(PG_BIN / "initdb", "-D", self.data, "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-sync")
            opts = f"-p {self.port} -c listen_addresses='' -c unix_socket_directories='{self.dir}' -c fsync=off"
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "log", "-o", opts, "-w", "start")
            self.psql("postgres", f"CREATE DATABASE {TEMPLATE}")
            self.psql(TEMPLATE, "CREATE EXTENSION postgis")
        except BaseException:
            self.stop()
            raise

    def _run(self, *args) -> str:
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
        if proc.returncode:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}{log}")
        return proc.stdout

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@/{dbname}?host={quote(str(self.dir))}&port={self.port}"

    def psql(self, dbname: str, sql: str) -> str:
        return self._run(PG_BIN / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(dbname), "-c", sql)

    def new_database(self, prefix: str = "webmap_test") -> str:
        """A fresh, empty database with PostGIS; returns its URL."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        self.psql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
