"""Start-up from the data files against start-up from an existing database, same run.

    python bench/db_startup.py              # the shipped sites + 100,000 synthetic ones
    python bench/db_startup.py --n 10000

Writes the shipped data plus N synthetic sites (tests/support/synthetic.py), seeds a
SQLite database from it once (``Repository.init``, timed but not part of start-up), then
starts the real server (`webmap serve`, a fresh process each) from the files and from the
database and times process start to the first 200 from /healthz. Then, in this process:
where the database start-up goes (reading the rows, building the search index, the rest
of the catalogue) and what one edit costs a running server (``refresh_catalogue``
rebuilds the catalogue). Prints figures and ratios only: this machine is shared.
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def time_to_healthz(env: dict[str, str], args: list[str], timeout: float = 600) -> float:
    """Seconds from starting `webmap serve` to its first 200 on /healthz."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "webmap.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        if "http://" not in line:
            raise SystemExit(f"server did not start: {line}{proc.stdout.read()}")
        url = line.strip().split()[-1].rstrip("/")
        while time.monotonic() - start < timeout:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        return time.monotonic() - start
            except OSError:
                time.sleep(0.05)
        raise SystemExit("no answer from /healthz")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic sites added to the shipped ones")
    args = parser.parse_args()

    from sqlalchemy import select
    from support.synthetic import add_synthetic_sites

    from webmap.catalogue import catalogue_from_served
    from webmap.db import tables as t
    from webmap.db.repository import Repository, _DocSource
    from webmap.search import SearchIndex

    tmp = Path(tempfile.mkdtemp(prefix="webmap-bench-db-"))
    data = add_synthetic_sites(ROOT / "data", tmp / "data", args.n)
    url = f"sqlite:///{tmp / 'webmap.sqlite3'}"
    log(f"data: {data} ({(data / 'sites.geojson').stat().st_size / 1e6:.0f} MB sites.geojson)")

    t0 = time.monotonic()
    repo = Repository.open(url, data)
    repo.init(data)
    seed_s = time.monotonic() - t0
    repo.close()
    log(f"seeded in {seed_s:.1f} s ({(tmp / 'webmap.sqlite3').stat().st_size / 1e6:.0f} MB)")

    common = {"WEBMAP_DATA_DIR": str(data), "WEBMAP_TILES": "none", "WEBMAP_CACHE_DIR": str(tmp / "cache")}
    files_s = time_to_healthz({**common, "WEBMAP_DATABASE_URL": "none"}, [])
    log(f"files: /healthz after {files_s:.1f} s")
    db_s = time_to_healthz({**common, "WEBMAP_DATABASE_URL": url}, [])
    log(f"database: /healthz after {db_s:.1f} s")

    # Where the database start-up goes (in process).
    repo = Repository.open(url, data)
    t0 = time.monotonic()
    with repo.engine.connect() as conn:
        texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
        q = select(t.sites.c.served).where(t.sites.c.retired.is_(False)).order_by(t.sites.c.ord)
        served = list(conn.execute(q).scalars())
    read_s = time.monotonic() - t0
    t0 = time.monotonic()
    search = SearchIndex()
    for s in served:
        search.add_geojson(s["id"], s["properties"])
    search.close()
    search_s = time.monotonic() - t0
    del search
    t0 = time.monotonic()
    catalogue_from_served(data, _DocSource(repo.masked, texts), served, "bench")
    build_s = time.monotonic() - t0
    del served

    # One edit, and what a running server pays to serve it.
    site = repo.site("yungang-grottoes")
    f = copy.deepcopy(site.feature)
    f["properties"]["name"]["en"] = "Yungang Grottoes (edited)"
    t0 = time.monotonic()
    repo.save(site.id, f, author="bench", comment="bench", expected_revision=site.revision, publish=True)
    save_s = time.monotonic() - t0
    t0 = time.monotonic()
    repo.load_catalogue()
    reload_s = time.monotonic() - t0

    n = args.n + 35
    print(f"\nStart-up at {n:,} sites (the shipped 35 + {args.n:,} synthetic), `webmap serve` to first /healthz 200:")
    print(f"  from the data files (validating every site) {files_s:7.1f} s")
    print(f"  from the existing SQLite database           {db_s:7.1f} s")
    print(f"  ratio files / database                      {files_s / db_s:7.1f} x")
    print(f"  (seeding the database once, not start-up:   {seed_s:7.1f} s)")
    print("Database start-up in process:")
    print(f"  read documents + {n:,} stored rows          {read_s:7.1f} s")
    print(f"  whole catalogue from the rows               {build_s:7.1f} s")
    print(f"    of which the search index (pinyin)        {search_s:7.1f} s  ({search_s / build_s:.0%})")
    print("One edit at this size:")
    print(f"  save (validate + one transaction)           {save_s * 1000:7.0f} ms")
    print(f"  a running server's rebuild to serve it      {reload_s:7.1f} s (refresh_catalogue rebuilds)")


if __name__ == "__main__":
    main()
