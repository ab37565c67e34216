"""Start-up from an existing database, before and after the snapshot, and one edit, same run.

    python bench/db_startup.py              # the shipped sites + 100,000 synthetic ones
    python bench/db_startup.py --n 10000
    python bench/db_startup.py --dir /tmp/bench-100k   # seed once, reuse the next times

Writes the shipped data plus N synthetic sites (tests/support/synthetic.py), seeds a
SQLite database from it once (``Repository.init``, timed but not part of start-up; with
``--dir`` kept and reused), then starts the real server (`webmap serve`, a fresh process
each) and times process start to the first 200 from /healthz: with ``--files`` from the
data files; from the database without a snapshot (the full build from the rows, what
every start did before; it writes the snapshot) and with it (webmap/db/snapshot.py).
Then one edit, timed from the save until it is served by this process (``refresh_catalogue``,
site by site) and by a second running server (its poll), against the full rebuild each
process did before. Prints figures and ratios only: this machine is shared.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
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


def serve(env: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    """A running `webmap serve`: the process, its URL and seconds to its first /healthz 200."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "webmap.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
    )
    line = proc.stdout.readline()
    if "http://" not in line:
        raise SystemExit(f"server did not start: {line}{proc.stdout.read()}")
    url = line.strip().split()[-1].rstrip("/")
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
                if resp.status == 200:
                    return proc, url, time.monotonic() - start
        except OSError:
            time.sleep(0.05)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic sites added to the shipped ones")
    parser.add_argument("--dir", type=Path, help="keep the data and database here; reuse them if present")
    parser.add_argument("--files", action="store_true", help="also time start-up from the data files (slow)")
    args = parser.parse_args()

    from support.synthetic import add_synthetic_sites

    from webmap.db.repository import Repository
    from webmap.db.snapshot import full_catalogue
    from webmap.settings import load_settings
    from webmap.web.app import create_app, refresh_catalogue

    tmp = args.dir or Path(tempfile.mkdtemp(prefix="webmap-bench-db-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db_file = tmp / "webmap.sqlite3"
    url = f"sqlite:///{db_file}"
    seed_s = None
    if (tmp / "data" / "sites.geojson").exists() and db_file.exists():
        data = tmp / "data"
        log(f"reusing {data} and {db_file}")
    else:
        data = add_synthetic_sites(ROOT / "data", tmp / "data", args.n)
        t0 = time.monotonic()
        repo = Repository.open(url, data)
        repo.init(data)
        seed_s = time.monotonic() - t0
        repo.close()
        log(f"seeded in {seed_s:.1f} s ({db_file.stat().st_size / 1e6:.0f} MB)")
    cache = tmp / "cache"
    shutil.rmtree(cache / "catalogue", ignore_errors=True)  # "before": no snapshot yet

    common = {"WEBMAP_DATA_DIR": str(data), "WEBMAP_TILES": "none", "WEBMAP_CACHE_DIR": str(cache)}
    files_s = time_to_healthz({**common, "WEBMAP_DATABASE_URL": "none"}, []) if args.files else None
    db_env = {**common, "WEBMAP_DATABASE_URL": url}
    cold_s = time_to_healthz(db_env, [])  # the full build from the rows (as before), writes the snapshot
    log(f"database, full build: /healthz after {cold_s:.1f} s")
    warm_s = time_to_healthz(db_env, [])  # the snapshot and the changes since
    log(f"database, snapshot: /healthz after {warm_s:.1f} s")

    # One edit: in the writing process (refresh_catalogue) and in a second server.
    other, other_url, _ = serve(db_env)
    try:
        app = create_app(load_settings(tiles="none", cache_dir=cache, database_url=url, data_dir=data))
        repo = app.extensions["webmap.repository"]
        client = app.test_client()
        site = repo.site("yungang-grottoes")
        f = copy.deepcopy(site.feature)
        name = f"Yungang Grottoes (edited {time.time():.0f})"
        f["properties"]["name"]["en"] = name
        t0 = time.monotonic()
        repo.save(site.id, f, author="bench", comment="bench", expected_revision=site.revision, publish=True)
        save_s = time.monotonic() - t0
        refresh_catalogue(app)
        writer_s = time.monotonic() - t0
        assert client.get("/api/sites/yungang-grottoes").get_json()["properties"]["name"]["en"] == name
        hits = client.get("/api/search?q=edited&compact=1").get_json()["features"]
        assert any(h["id"] == "yungang-grottoes" for h in hits)
        while get_json(other_url + "/api/sites/yungang-grottoes")["properties"]["name"]["en"] != name:
            if time.monotonic() - t0 > 300:
                raise SystemExit("the second server never served the edit")
            time.sleep(0.02)
        other_s = time.monotonic() - t0
    finally:
        other.terminate()
        other.wait(timeout=30)
    t0 = time.monotonic()
    full_catalogue(repo)  # what each process did on every change before
    rebuild_s = time.monotonic() - t0

    n = sum(1 for _ in repo.published_features()) if args.dir else args.n + 35
    print(f"\nStart-up at {n:,} sites, `webmap serve` to first /healthz 200:")
    if files_s is not None:
        print(f"  from the data files (validating every site)   {files_s:7.1f} s")
    print(f"  database, full build from the rows (before)   {cold_s:7.1f} s")
    print(f"  database, snapshot + changes since (after)    {warm_s:7.1f} s")
    print(f"  ratio before / after                          {cold_s / warm_s:7.1f} x")
    if seed_s is not None:
        print(f"  (seeding the database once, not start-up:     {seed_s:7.1f} s)")
    print("One edit at this size, from the save to the edit being served:")
    print(f"  save alone (validate + one transaction)       {save_s * 1000:7.0f} ms")
    print(f"  in the writing process (site by site)         {writer_s:7.2f} s")
    print(f"  in a second server process (poll + patch)     {other_s:7.2f} s")
    print(f"  a full rebuild, as each process did before    {rebuild_s:7.2f} s")
    print(f"  ratio rebuild / writer, rebuild / second      {rebuild_s / writer_s:7.1f} x, {rebuild_s / other_s:.1f} x")


if __name__ == "__main__":
    main()
