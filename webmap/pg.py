"""The PostGIS backend: the catalogue's documents in PostgreSQL, spatial queries in SQL.

With ``WEBMAP_DATABASE_URL`` set, the app reads its data from the database instead of
the data folder (``PgSource``), validates it exactly as the file loader does, keeps it in
memory for pages, search and filters, and answers bounding-box and nearby queries with
PostGIS on GiST indexes (``PgSpatialIndex``). ``import_data`` (``webmap db import``)
fills the database from a data folder, validated first, in one transaction. Photos stay
files under the data folder. See docs/postgis.md.

Nothing here imports Flask; psycopg (the ``postgis`` extra) is imported only when used.
Messages never show a password from the URL (``mask_url``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .catalogue import (
    DOCUMENTS,
    MAX_FILE_BYTES,
    SITES_FILE,
    Catalogue,
    DataError,
    FileSource,
    Problem,
    load_catalogue,
)
from .geo import BBox, Near, PointIndex, SpatialIndex, bbox_parts

try:  # the optional ``postgis`` extra
    import psycopg
    from psycopg.types.json import Json, Jsonb
    from psycopg_pool import ConnectionPool
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
SITES_TABLE = "webmap_sites"
DOCUMENTS_TABLE = "webmap_documents"
META_TABLE = "webmap_meta"
# Any fixed 64-bit number: concurrent imports wait for each other instead of interleaving.
_IMPORT_LOCK = 0x7765626D6170  # "webmap"
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 10_000
RETRY_AFTER_S = 30  # after a failed spatial query, answer from memory this long before retrying

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {DOCUMENTS_TABLE} (
    name text PRIMARY KEY,
    doc  json NOT NULL  -- json, not jsonb: keeps key order (trips, anchors are ordered maps)
);
CREATE TABLE IF NOT EXISTS {SITES_TABLE} (
    id    text PRIMARY KEY,
    ord   integer UNIQUE NOT NULL,  -- the feature's place in sites.geojson: catalogue order
    layer text NOT NULL,
    doc   jsonb NOT NULL,           -- the GeoJSON Feature as imported
    geom  geometry(Point, 4326)     -- NULL: location to be confirmed
);
CREATE INDEX IF NOT EXISTS webmap_sites_geom_idx ON {SITES_TABLE} USING gist (geom);
CREATE INDEX IF NOT EXISTS webmap_sites_geog_idx ON {SITES_TABLE} USING gist (geography(geom));
CREATE TABLE IF NOT EXISTS {META_TABLE} (
    key   text PRIMARY KEY,
    value text NOT NULL
);
"""


class DatabaseError(Exception):
    """The database cannot be used (unreachable, refused, no PostGIS, psycopg missing).
    The message names the database by its masked URL and never contains a password."""


# ---------------------------------------------------------------------------
# URLs and messages


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (URL or ``key=value`` form)."""
    try:
        parts = urlsplit(url)
        if parts.scheme in ("postgres", "postgresql"):
            netloc = parts.netloc
            if "@" in netloc:
                userinfo, host = netloc.rsplit("@", 1)
                if ":" in userinfo:
                    userinfo = userinfo.split(":", 1)[0] + ":***"
                netloc = f"{userinfo}@{host}"
            query = "&".join(
                (kv.split("=", 1)[0] + "=***") if unquote(kv.split("=", 1)[0]).strip().lower() == "password" else kv
                for kv in parts.query.split("&")
                if kv
            )
            # Not urlunsplit: it drops the "//" of an empty host ("postgresql:///db").
            return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    except ValueError:
        return "<the database URL>"
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", url, flags=re.I)


def _secrets(url: str) -> list[str]:
    """Every spelling of the password in ``url``, to scrub from driver messages."""
    found = set()
    try:
        parts = urlsplit(url)
        if parts.password:
            found |= {parts.password, unquote(parts.password)}
        for kv in parts.query.split("&"):
            key, _, value = kv.partition("=")
            if unquote(key).strip().lower() == "password" and value:
                found |= {value, unquote(value)}
    except ValueError:
        pass
    for m in re.finditer(r"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", url, flags=re.I):
        found |= {m.group(1), m.group(1).strip("'")}
    if psycopg is not None:
        try:
            password = psycopg.conninfo.conninfo_to_dict(url).get("password")
            if password:
                found.add(str(password))
        except Exception:  # noqa: BLE001 - an unparsable URL has no password to find
            pass
    return sorted((s for s in found if s), key=len, reverse=True)


def _reason(exc: BaseException, url: str) -> str:
    """A driver error as one line, with the URL's password scrubbed out."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return text


def _require_psycopg() -> None:
    if psycopg is None:
        raise DatabaseError(
            "WEBMAP_DATABASE_URL is set but psycopg is not installed: pip install 'yungang-webmap[postgis]'"
        )


def connect(url: str, **kwargs):
    """One connection, or ``DatabaseError`` naming the (masked) URL and the reason."""
    _require_psycopg()
    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, **kwargs)
    except Exception as exc:  # noqa: BLE001 - bad URL syntax, refused, auth, timeout: all "cannot connect"
        raise DatabaseError(f"cannot connect to the database {mask_url(url)}: {_reason(exc, url)}") from None
    return conn


# ---------------------------------------------------------------------------
# Import


@dataclasses.dataclass(frozen=True)
class ImportResult:
    sites: int
    located: int
    version: str
    imported_at: str


def import_data(url: str, data_dir: Path | str, max_file_bytes: int = MAX_FILE_BYTES) -> ImportResult:
    """Validate ``data_dir`` like ``webmap validate`` (raises ``DataError`` and imports
    nothing when it is invalid), then replace the database's data with it in one
    transaction: readers see the old data or the new, never a mix, and a failure
    leaves the previous data as it was."""
    data_dir = Path(data_dir)
    cat = load_catalogue(data_dir, max_file_bytes)
    source = FileSource(data_dir, max_file_bytes)
    docs = {name: source.read(name) for name in DOCUMENTS}
    version = source.digest()
    if version != cat.version:  # pragma: no cover - the folder changed while we read it
        raise DataError([Problem(str(data_dir), None, None, "the files changed during the import; run it again")])
    collection = docs.pop(SITES_FILE)
    features = collection["features"]
    docs[SITES_FILE] = {**collection, "features": []}  # any other members of the collection
    imported_at = datetime.now(UTC).isoformat(timespec="seconds")

    with connect(url) as conn:
        try:
            with conn.transaction():
                # First, so two first imports do not race to create the tables.
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_IMPORT_LOCK,))
                _ensure_postgis(conn, url)
                conn.execute(SCHEMA)
                # DELETE, not TRUNCATE: readers keep seeing the old rows until we commit.
                conn.execute(f"DELETE FROM {SITES_TABLE}")
                conn.execute(f"DELETE FROM {DOCUMENTS_TABLE}")
                conn.execute(f"DELETE FROM {META_TABLE}")
                with conn.cursor() as cur:
                    cur.executemany(
                        f"INSERT INTO {DOCUMENTS_TABLE} (name, doc) VALUES (%s, %s)",
                        [(name, Json(doc)) for name, doc in docs.items()],
                    )
                    with cur.copy(f"COPY {SITES_TABLE} (id, ord, layer, doc, geom) FROM STDIN") as copy:
                        for i, raw in enumerate(features):
                            geom = raw.get("geometry")
                            ewkt = None
                            if geom is not None:
                                lon, lat = geom["coordinates"]
                                ewkt = f"SRID=4326;POINT({float(lon)!r} {float(lat)!r})"
                            copy.write_row((raw["id"], i, raw["properties"]["layer"], Jsonb(raw), ewkt))
                    meta = {
                        "version": version,
                        "imported_at": imported_at,
                        "schema": SCHEMA_VERSION,
                        "source": str(data_dir.resolve()),
                        "sites": str(len(features)),
                    }
                    cur.executemany(f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)", list(meta.items()))
        except DatabaseError:
            raise
        except psycopg.Error as exc:
            raise DatabaseError(f"import into {mask_url(url)} failed, nothing changed: {_reason(exc, url)}") from None
        conn.execute(f"ANALYZE {SITES_TABLE}")
    located = sum(1 for f in features if f.get("geometry") is not None)
    return ImportResult(len(features), located, version, imported_at)


def _ensure_postgis(conn, url: str) -> None:
    """Create the extension if it is missing (needs a privileged role the first time)."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as exc:
        raise DatabaseError(
            f"{mask_url(url)}: the postgis extension is not installed and could not be created "
            f"({_reason(exc, url)}); install PostGIS (Debian: postgresql-15-postgis-3) and run "
            "CREATE EXTENSION postgis as a superuser"
        ) from None


def status(url: str) -> dict[str, Any]:
    """What is in the database: the meta table and site counts (``DataError`` if empty)."""
    masked = mask_url(url)
    with connect(url, autocommit=True) as conn:
        try:
            if not _tables_exist(conn):
                raise DataError([Problem(masked, None, None, "no webmap tables — run `webmap db import`")])
            meta = dict(conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())
            sites, located = conn.execute(f"SELECT count(*), count(geom) FROM {SITES_TABLE}").fetchone()
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot read the database {masked}: {_reason(exc, url)}") from None
    if not sites:
        raise DataError([Problem(f"{masked}: table {SITES_TABLE}", None, None, "no sites — run `webmap db import`")])
    return {**meta, "sites": sites, "located": located}


def _tables_exist(conn) -> bool:
    sql = "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL"
    return conn.execute(sql, (SITES_TABLE, DOCUMENTS_TABLE, META_TABLE)).fetchone()[0]


# ---------------------------------------------------------------------------
# Reading: the Source protocol


@dataclasses.dataclass(frozen=True)
class _Snapshot:
    """Everything the loader needs, read in one repeatable-read transaction, so a
    concurrent import cannot give us half the old data and half the new."""

    meta: dict[str, str]
    documents: dict[str, Any]
    features: list[dict[str, Any]]

    @classmethod
    def read(cls, url: str) -> _Snapshot:
        masked = mask_url(url)
        with connect(url) as conn:
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    exists = _tables_exist(conn)
                    if not exists:
                        raise DataError([Problem(masked, None, None, "no webmap tables — run `webmap db import`")])
                    meta = dict(conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())
                    documents = dict(conn.execute(f"SELECT name, doc FROM {DOCUMENTS_TABLE}").fetchall())
                    features = [row[0] for row in conn.execute(f"SELECT doc FROM {SITES_TABLE} ORDER BY ord")]
            except psycopg.Error as exc:
                raise DatabaseError(f"cannot read the database {masked}: {_reason(exc, url)}") from None
        if not features:
            raise DataError(
                [Problem(f"{masked}: table {SITES_TABLE}", None, None, "no sites — run `webmap db import`")]
            )
        if "version" not in meta:
            raise DataError(
                [Problem(f"{masked}: table {META_TABLE}", None, "version", "missing — run `webmap db import`")]
            )
        return cls(meta, documents, features)


class PgSource:
    """The ``catalogue.Source`` for a database filled by ``import_data``.

    ``read(SITES_FILE)`` reassembles the FeatureCollection from ``webmap_sites`` in
    import order; the other documents come from ``webmap_documents``; ``digest`` is the
    version stored at import (the data folder's digest, so both backends agree)."""

    def __init__(self, url: str):
        self.url = url
        self.masked = mask_url(url)
        self._snapshot: _Snapshot | None = None

    @property
    def snapshot(self) -> _Snapshot:
        if self._snapshot is None:
            self._snapshot = _Snapshot.read(self.url)
        return self._snapshot

    def where(self, name: str) -> str:
        table = SITES_TABLE if name == SITES_FILE else DOCUMENTS_TABLE
        # Ends with the document's name: the loader matches problems on it.
        return f"{self.masked}#{table}/{name}"

    def read(self, name: str) -> Any:
        snap = self.snapshot
        if name == SITES_FILE:
            return {**snap.documents.get(SITES_FILE, {"type": "FeatureCollection"}), "features": snap.features}
        if name not in snap.documents:
            raise DataError([Problem(self.where(name), None, None, "document is missing — run `webmap db import`")])
        return snap.documents[name]

    def digest(self) -> str:
        return self.snapshot.meta["version"]


# ---------------------------------------------------------------------------
# Spatial queries


class PgSpatialIndex:
    """``geo.SpatialIndex`` answered by PostGIS, with exactly ``PointIndex``'s results.

    - bbox: ``geom && envelope`` (GiST; two envelopes across the antimeridian), then an
      exact check on the coordinates, because the index compares float4 boxes;
    - nearby: ``ST_DWithin`` on ``geography(geom)`` (GiST) and ``ST_Distance`` on the
      WGS-84 spheroid, nearest first, ties in import (catalogue) order.

    ``approximate`` maps the loaded catalogue's located sites to their approximate flag:
    ids it does not know never reach callers. Each query also reads the stored version
    in the same statement; when the database was re-imported after this process loaded
    (version differs) or cannot be reached, the query is answered by ``fallback()`` (the
    in-memory index over the loaded catalogue) and a warning is logged, so answers
    always match the loaded data. Restart (rolling) after an import to serve it.

    Thread-safe: a small connection pool, created lazily in each process (safe to fork
    after construction, as gunicorn --preload does)."""

    def __init__(
        self,
        url: str,
        approximate: Mapping[str, bool],
        version: str,
        fallback: Callable[[], SpatialIndex] | None = None,
        max_connections: int = 4,
        timeout: float = CONNECT_TIMEOUT_S,
    ):
        _require_psycopg()
        self.url, self.masked = url, mask_url(url)
        self._approx = dict(approximate)
        self.version = version
        self.fallback = fallback
        self._memory: SpatialIndex | None = None
        self._max, self._timeout = max_connections, timeout
        self._lock = threading.Lock()
        self._pool = None
        self._pool_pid: int | None = None
        self._warned_at = 0.0
        self._down_until = 0.0
        self.fallbacks = 0  # queries answered from memory (for tests and operators)

    @classmethod
    def for_catalogue(cls, url: str, cat: Catalogue, **kwargs) -> PgSpatialIndex:
        """For ``cat`` (loaded from this database); set ``fallback`` once the catalogue
        that owns the index exists (see ``load_catalogue_from_db``)."""
        # From the sites table, not the features: those may be parsed on demand.
        df = cat.sites
        located = df[~(df.geometry.isna() | df.geometry.is_empty)]
        approx = dict(zip(located.index, located["approximate"].astype(bool).tolist(), strict=True))
        return cls(url, approx, cat.version, **kwargs)

    # -- connections

    def _get_pool(self):
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self._max,
                    timeout=self._timeout,
                    kwargs={"autocommit": True, "connect_timeout": max(1, round(self._timeout))},
                    configure=_configure,
                    open=True,
                    name="webmap",
                )
                self._pool_pid = os.getpid()
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None

    def _run(self, sql: str, params: dict[str, Any]) -> tuple[str | None, list, list] | None:
        """(stored version, ids, distances), or None when the database cannot answer.

        After a failure the database is left alone for ``RETRY_AFTER_S`` (answers come
        from memory meanwhile), so an outage does not cost every request a timeout."""
        if self.fallback is not None and time.monotonic() < self._down_until:
            return None
        try:
            with self._get_pool().connection() as conn:
                return conn.execute(sql, params).fetchone()
        except Exception as exc:  # noqa: BLE001 - pool timeout, connection lost, statement timeout
            if self.fallback is None:
                raise DatabaseError(f"spatial query on {self.masked} failed: {_reason(exc, self.url)}") from None
            self._down_until = time.monotonic() + RETRY_AFTER_S
            self._warn(f"spatial query on {self.masked} failed ({_reason(exc, self.url)}); answering from memory")
            return None

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:  # at most once a minute, not once per request
            self._warned_at = now
            log.warning(message)

    def _answer_from_memory(self) -> SpatialIndex:
        self.fallbacks += 1
        with self._lock:
            if self._memory is None:
                self._memory = self.fallback()
            return self._memory

    def _usable(self, row) -> bool:
        if row is None:
            return False
        if row[0] != self.version:
            if self.fallback is None:
                raise DatabaseError(
                    f"{self.masked} holds data version {row[0]!r}, this process loaded {self.version!r}: restart it"
                )
            self._warn(
                f"{self.masked} holds data version {row[0]!r} but this process loaded {self.version!r}; "
                "answering spatial queries from memory until it is restarted"
            )
            return False
        return True

    # -- queries

    @staticmethod
    def bbox_sql(bbox: BBox) -> tuple[str, dict[str, Any]]:
        """The bbox statement and its parameters (public so tests can EXPLAIN it)."""
        conds, params = [], {}
        for k, (minx, miny, maxx, maxy) in enumerate(bbox_parts(bbox)):
            params.update({f"x0{k}": minx, f"y0{k}": miny, f"x1{k}": maxx, f"y1{k}": maxy})
            conds.append(
                f"(geom && ST_MakeEnvelope(%(x0{k})s, %(y0{k})s, %(x1{k})s, %(y1{k})s, 4326)"
                f" AND ST_X(geom) BETWEEN %(x0{k})s AND %(x1{k})s AND ST_Y(geom) BETWEEN %(y0{k})s AND %(y1{k})s)"
            )
        sql = (
            f"SELECT (SELECT value FROM {META_TABLE} WHERE key = 'version'),"
            f" ARRAY(SELECT id FROM {SITES_TABLE} WHERE {' OR '.join(conds)}), NULL::float8[]"
        )
        return sql, {k: float(v) for k, v in params.items()}

    @staticmethod
    def nearby_sql(lon: float, lat: float, radius_m: float, exclude: str | None) -> tuple[str, dict[str, Any]]:
        point = "geography(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))"
        sql = f"""
            WITH hits AS (
                SELECT id, ord, ST_Distance(geography(geom), {point}) AS d
                FROM {SITES_TABLE}
                WHERE ST_DWithin(geography(geom), {point}, %(r)s)
                  AND (%(exclude)s::text IS NULL OR id <> %(exclude)s::text)
            )
            SELECT (SELECT value FROM {META_TABLE} WHERE key = 'version'),
                   ARRAY(SELECT id FROM hits WHERE d <= %(r)s ORDER BY d, ord),
                   ARRAY(SELECT d FROM hits WHERE d <= %(r)s ORDER BY d, ord)
        """
        return sql, {"lon": float(lon), "lat": float(lat), "r": float(radius_m), "exclude": exclude}

    def within_bbox(self, bbox: BBox) -> list[str]:
        row = self._run(*self.bbox_sql(bbox))
        if not self._usable(row):
            return self._answer_from_memory().within_bbox(bbox)
        return [i for i in row[1] if i in self._approx]

    def nearby(self, lon: float, lat: float, radius_m: float, exclude: str | None = None) -> list[Near]:
        row = self._run(*self.nearby_sql(lon, lat, radius_m, exclude))
        if not self._usable(row):
            return self._answer_from_memory().nearby(lon, lat, radius_m, exclude)
        return [Near(i, float(d), self._approx[i]) for i, d in zip(row[1], row[2], strict=True) if i in self._approx]


def _configure(conn) -> None:
    conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")


# ---------------------------------------------------------------------------
# The catalogue


def load_catalogue_from_db(url: str, data_dir: Path | str) -> Catalogue:
    """The catalogue from the database (photos from ``data_dir``), validated exactly as
    the files are, with spatial queries answered by PostGIS. Raises ``DataError`` for
    invalid or missing data and ``DatabaseError`` when the database cannot be used."""
    _require_psycopg()
    cat = load_catalogue(data_dir, source=PgSource(url))
    spatial = PgSpatialIndex.for_catalogue(url, cat)
    cat = dataclasses.replace(cat, spatial=spatial)
    # Built only if ever needed (database unreachable, or re-imported since this load).
    spatial.fallback = lambda: PointIndex(cat.sites)
    return cat.warm()
