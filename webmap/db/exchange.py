"""Importing the data files into the database and exporting them back, byte-stable: a part
of ``Repository`` (``webmap db import`` / ``export``)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from ..catalogue import (
    DOCUMENTS,
    SITES_FILE,
    Catalogue,
    DataError,
    Problem,
    load_catalogue,
)
from . import tables as t
from .engine import now as _now
from .errors import DatabaseError
from .revisions import _rev_row
from .tables import dumps


class Exchange:
    """Mixed into ``Repository``."""

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
