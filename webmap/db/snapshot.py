"""A server's catalogue from the database, built once and then kept up to date.

- ``update_catalogue``: a catalogue brought up to date with the sites changed since its
  version, site by site (``catalogue.incremental``), not rebuilt.
- ``full_catalogue``: the full build from the stored rows, which also writes a
  *snapshot* of what was built (the sites' bytes, the sites table, the search index with
  its pinyin) to ``<cache_dir>/catalogue/``, atomically.
- ``start_catalogue``: what start-up calls. With a snapshot of this database it loads
  that and applies the changes made since, as ``update_catalogue`` does; it checks first
  that every site the snapshot holds is at the revision the database has (or changed
  since), so a restored or replaced database is rebuilt, never served stale.

The snapshot is a pickle in the server's own cache folder (the one its photo thumbnails
are in), signed: the file is an HMAC-SHA256 of the pickle (keyed by the server's secret,
webmap/secret.py) followed by the pickle, and a file whose signature does not match is
never unpickled, only rebuilt. No Flask here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import tempfile
from pathlib import Path

from sqlalchemy import select

from ..catalogue import Catalogue, catalogue_from_served
from ..catalogue.incremental import apply_changes
from ..catalogue.store import FeatureStore
from ..problems import DataError, Problem
from . import tables as t
from .exchange import _DocSource

log = logging.getLogger(__name__)
FORMAT = 3  # bump when what a snapshot holds changes (3: the search index holds numpy arrays)
# Past this many sites changed, patching costs more than rebuilding.
PATCH_LIMIT = 2000


def update_catalogue(repo, cat: Catalogue, limit: int = PATCH_LIMIT, revisions: dict | None = None):
    """``cat`` (loaded from ``repo``) with the sites changed since its version applied;
    None when more than ``limit`` changed, the version went back (a restore) or, given
    the snapshot's ``revisions``, an unchanged site is not what the snapshot holds."""
    since = int(cat.version.removeprefix("db-"))
    with repo._read("loading the changes") as conn:
        n = conn.execute(select(t.version.c.n).where(t.version.c.id == 1)).scalar_one()
        q = select(t.sites.c.id, t.sites.c.retired, t.sites.c.served).where(t.sites.c.changed > since)
        rows = conn.execute(q.limit(limit + 1)).all()
        if n < since or len(rows) > limit:
            return None
        texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
        q = select(t.sites.c.id, t.sites.c.revision, t.sites.c.retired, t.sites.c.changed)
        every = conn.execute(q.order_by(t.sites.c.ord)).all()
    if revisions is not None and not _matches(revisions, every, since):
        return None
    changed = {r.id: None if r.retired else r.served for r in rows}
    order = [r.id for r in every if not r.retired]
    return apply_changes(cat, _DocSource(repo.masked, texts), order, changed, f"db-{n}")


def _matches(revisions: dict[str, int], every, since: int) -> bool:
    """Whether a snapshot (site id -> revision) is of this database at ``since``: every
    row unchanged since is in it at its revision if published and absent if retired, and
    it holds no site the database does not have."""
    for r in every:
        if r.changed <= since and revisions.get(r.id) != (None if r.retired else r.revision):
            return False
    return len(revisions.keys() - {r.id for r in every}) == 0


def full_catalogue(repo, cache_dir: Path | None = None, key: bytes | None = None) -> Catalogue:
    """Build the catalogue from every stored row; with ``cache_dir``, keep a snapshot."""
    with repo._read("loading the catalogue") as conn:
        n = conn.execute(select(t.version.c.n).where(t.version.c.id == 1)).scalar_one()
        texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
        q = select(t.sites.c.id, t.sites.c.revision, t.sites.c.served).where(t.sites.c.retired.is_(False))
        rows = conn.execute(q.order_by(t.sites.c.ord)).all()
    if not rows:
        raise DataError([Problem(f"{repo.masked}#sites", None, None, "no sites: run `webmap db init`")])
    revisions = {r.id: r.revision for r in rows}
    cat = catalogue_from_served(repo.data_dir, _DocSource(repo.masked, texts), (r.served for r in rows), f"db-{n}")
    del rows
    if cache_dir is not None and key:
        _write(_path(repo, cache_dir), cat, revisions, key)
    return cat


def start_catalogue(repo, cache_dir: Path | None, key: bytes | None = None) -> Catalogue:
    """The catalogue at start-up: from the snapshot and the changes since, if there is a
    usable one; else the full build (which writes a new snapshot)."""
    if cache_dir is not None and key:
        loaded = _read(_path(repo, cache_dir), key)
        if loaded is not None:
            base, revisions = loaded
            base.data_dir = Path(repo.data_dir)
            cat = update_catalogue(repo, base, revisions=revisions)
            if cat is not None:
                return cat
    return full_catalogue(repo, cache_dir, key)


def _path(repo, cache_dir: Path) -> Path:
    key = hashlib.sha256(f"{FORMAT}|{repo.masked}|{Path(repo.data_dir).resolve()}".encode()).hexdigest()[:20]
    return Path(cache_dir) / "catalogue" / f"{key}.pickle"


class _Base:
    """What ``apply_changes`` reads of a catalogue, as a snapshot holds it."""

    def __init__(self, data_dir, version, features, sites, search_index):
        self.data_dir, self.version, self.features = data_dir, version, features
        self.sites, self.search_index = sites, search_index


def _write(path: Path, cat: Catalogue, revisions: dict[str, int], key: bytes) -> None:
    state = {
        "format": FORMAT,
        "version": cat.version,
        "revisions": revisions,
        "json": cat.features._json,
        "compact": cat.features._compact,
        "sites": cat.sites,
        "search": cat.search_index,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
        try:
            body = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(fd, "wb") as f:
                f.write(hmac.new(key, body, hashlib.sha256).digest())
                f.write(body)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:  # a cache: without it start-up is slower, never wrong
        log.warning("cannot write the catalogue snapshot %s", path, exc_info=True)


def _read(path: Path, key: bytes):
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        log.warning("cannot read the catalogue snapshot %s", path, exc_info=True)
        return None
    mac, body = raw[:32], raw[32:]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        log.warning("ignoring the catalogue snapshot %s: not signed with this server's key", path)
        return None
    try:
        state = pickle.loads(body)  # noqa: S301 - signed above with this server's key
    except Exception:  # noqa: BLE001 - a damaged or foreign file: rebuild
        log.warning("ignoring the unreadable catalogue snapshot %s", path, exc_info=True)
        return None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        return None
    features = FeatureStore()
    features._json, features._compact = state["json"], state["compact"]
    return _Base(None, state["version"], features, state["sites"], state["search"]), state["revisions"]
