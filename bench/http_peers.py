"""Over HTTP, side by side: this map's API against pygeoapi on the same sites (issue 17).

    .venv/bin/python bench/http_peers.py                       # 10,000 sites, 3 x 20 s per row
    .venv/bin/python bench/http_peers.py --sizes 2000 --duration 5s --reps 1
    .venv/bin/python bench/http_peers.py --app before=/tmp/main-checkout --app after=.

Each server runs as production would on this machine: ours under gunicorn with 2 gthread
workers (8 threads), pygeoapi 0.21 under gunicorn with 2 sync workers, once per provider
(GeoJSON: the file itself; GeoPackage: the SQLiteGPKG provider over SpatiaLite). Every row
is `wrk -t2 -c32 -d20s --latency` with gzip, repeated `--reps` times, interleaved (ours,
then each peer, then ours again...), so a busy minute on the shared machine falls on all
of them. It prints medians of requests/s and p99, the load average before each row, and
the ratio ours / the best peer provider. Nothing here passes or fails.

Needs Debian's wrk and libsqlite3-mod-spatialite (installed here if missing, as root) and
PyPI for pygeoapi's venv (bench/pygeoapi_baseline.py makes it; gunicorn is added to it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import production  # noqa: E402  (bench/production.py: its wrk row)

BBOX = "bbox=113.10,40.00,113.15,40.05&limit=100&f=json"
OURS = {
    "OGC items, bbox, limit 100": f"/ogc/collections/sites/items?{BBOX}",
    "/api/search?q=yungang": "/api/search?q=yungang",
    "/api/nearby r=2 km": "/api/nearby?lon=113.12&lat=40.02&radius=2000",
}
PEER = {"OGC items, bbox, limit 100": f"/collections/sites/items?{BBOX}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"bench: server for {url} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"bench: {url} did not answer within {timeout:.0f} s")


def wrk(url: str, duration: str, conns: int) -> dict:
    return production.wrk(url, duration, conns, threads=2)


def ensure_tools() -> None:
    missing = [p for p, ok in (("wrk", shutil.which("wrk")), ("libsqlite3-mod-spatialite", _spatialite())) if not ok]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True)


LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu")


def _spatialite() -> bool:
    return any(Path(d, "mod_spatialite.so").exists() for d in LIB_DIRS)


def start_ours(app: Path, data: Path, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(app),
        "WEBMAP_DATA_DIR": str(data),
        "WEBMAP_TILES": "none",
        "WEBMAP_CACHE_DIR": str(work / f"cache-{port}"),
        "WEBMAP_ASSETS_DIR": str(ROOT / "node_modules"),
    }
    cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8"]
    cmd += ["-b", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "600", "webmap.wsgi:app"]
    log = work / f"ours-{port}.log"
    proc = subprocess.Popen(cmd, env=env, cwd=app, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/healthz", proc, log)
    # Both workers: a request per worker warms what each builds lazily.
    for _ in range(8):
        urllib.request.urlopen(base + OURS["OGC items, bbox, limit 100"], timeout=60).read()
    return proc, base


def located_only(data: Path, target: Path) -> Path:
    """pygeoapi's copy holds only the located sites: its providers answer a bbox query with
    every site that has no geometry as well (42 of the first 100 at 2,000 sites), so the
    pages would not be the same work."""
    target.mkdir()
    doc = json.loads((data / "sites.geojson").read_text())
    doc["features"] = [f for f in doc["features"] if f.get("geometry")]
    (target / "sites.geojson").write_text(json.dumps(doc, ensure_ascii=False))
    shutil.copy(data / "boundary.geojson", target / "boundary.geojson")
    return target


def write_gpkg(data: Path, target: Path) -> None:
    """The same sites as a GeoPackage table (nested properties as JSON text), via GeoPandas."""
    import geopandas as gpd
    from shapely.geometry import shape

    features = json.loads((data / "sites.geojson").read_text())["features"]
    rows = []
    for f in features:
        p = f["properties"]
        row = {"id": f["id"], "layer": p.get("layer")}
        for k, v in p.items():
            if k not in row:
                row[k] = (
                    v if isinstance(v, str | int | float | bool) or v is None else json.dumps(v, ensure_ascii=False)
                )
        row["geometry"] = shape(f["geometry"]) if f.get("geometry") else None
        rows.append(row)
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(target, layer="sites", driver="GPKG")


def start_pygeoapi(provider: str, data: Path, work: Path) -> tuple[subprocess.Popen, str]:
    import pygeoapi_baseline as pb

    python = pb.ensure_venv()
    if subprocess.run([python, "-c", "import gunicorn"], capture_output=True).returncode:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "gunicorn"], check=True)
    folder = work / f"pygeoapi-{provider}"
    cfg, openapi = pb.write_config(data, folder)
    config = json.loads(cfg.read_text())
    port = free_port()
    config["server"]["bind"]["port"] = port
    config["server"]["url"] = f"http://127.0.0.1:{port}"
    if provider == "GeoPackage":
        gpkg = work / "sites.gpkg"
        if not gpkg.exists():
            write_gpkg(data, gpkg)
        config["resources"]["sites"]["providers"] = [
            {"type": "feature", "name": "SQLiteGPKG", "data": str(gpkg), "id_field": "id", "table": "sites"}
        ]
    cfg.write_text(json.dumps(config, indent=1))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi), "PYTHONUTF8": "1"}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [str(python.parent / "pygeoapi"), "openapi", "generate", str(cfg), "-f", "yaml", "-of", str(openapi)],
        check=True,
        env=env,
        capture_output=True,
    )
    cmd = [str(python), "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "600"]
    log = folder / "log"
    proc = subprocess.Popen(
        [*cmd, "pygeoapi.flask_app:APP"], env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=log.open("w")
    )
    base = f"http://127.0.0.1:{port}"
    wait_up(base + PEER["OGC items, bbox, limit 100"], proc, log)
    return proc, base


def _inside(feature: dict) -> bool:
    x, y = (feature.get("geometry") or {}).get("coordinates") or (None, None)
    return x is not None and 113.10 <= x <= 113.15 and 40.00 <= y <= 40.05


def check_same_page(ours: str, peer: str) -> str:
    """Both answer the bbox page with the same number of features (else the row is not a comparison)."""
    a = json.load(urllib.request.urlopen(ours + OURS["OGC items, bbox, limit 100"], timeout=120))
    try:
        b = json.load(urllib.request.urlopen(peer + PEER["OGC items, bbox, limit 100"], timeout=120))
    except urllib.error.HTTPError as exc:
        return f"ours {a['numberReturned']} of {a['numberMatched']}; peer answers {exc.code}: {exc.read()[:300]!r}"
    got = b.get("numberReturned", len(b.get("features", [])))
    outside = sum(1 for f in b.get("features", []) if not _inside(f))
    if outside:
        got = f"{got} ({outside} outside the bbox)"
    return f"ours {a['numberReturned']} of {a['numberMatched']}, peer {got} of {b.get('numberMatched', '?')}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000", help="synthetic sites added to the shipped ones")
    ap.add_argument("--duration", default="20s")
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--providers", default="GeoJSON,GeoPackage", help="pygeoapi providers to run")
    ap.add_argument("--app", action="append", default=[], help="label=checkout (default: this one, 'ours')")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    apps = [tuple(a.split("=", 1)) for a in args.app] or [("ours", str(ROOT))]
    providers = [p for p in args.providers.split(",") if p]
    ensure_tools()
    from synthetic import make_data

    results: dict = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        work = Path(tempfile.mkdtemp(prefix=f"http-peers-{n}-"))
        data = work / "data"
        make_data(n, data)
        peer_data = located_only(data, work / "peer-data")
        procs, bases = [], {}
        try:
            for label, path in apps:
                proc, bases[label] = start_ours(Path(path).resolve(), data, work)
                procs.append(proc)
            for p in providers:
                proc, bases[f"pygeoapi {p}"] = start_pygeoapi(p, peer_data, work)
                procs.append(proc)
                print(f"{n} sites, pygeoapi {p}: {check_same_page(bases[apps[0][0]], bases[f'pygeoapi {p}'])}")
            rows: dict = {}
            for _ in range(args.reps):
                for label, _path in apps:
                    for row, path in OURS.items():
                        rows.setdefault((row, label), []).append(wrk(bases[label] + path, args.duration, args.conns))
                for p in providers:
                    for row, path in PEER.items():
                        key = (row, f"pygeoapi {p}")
                        rows.setdefault(key, []).append(wrk(bases[key[1]] + path, args.duration, args.conns))
            results[n] = {f"{r} | {who}": runs for (r, who), runs in rows.items()}
            report(n, rows, apps, providers, args)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
            shutil.rmtree(work, ignore_errors=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))


def report(n: int, rows: dict, apps, providers, args) -> None:
    print(f"\n{n:,} synthetic sites (+ shipped); wrk -t2 -c{args.conns} -d{args.duration}, {args.reps} reps, medians")
    print(f"{'work':32} {'server':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'load':>5}")
    med = {}
    for (row, who), runs in rows.items():
        m = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99", "load")}
        m["errors"] = sum(r["errors"] for r in runs)
        med[(row, who)] = m
        print(f"{row:32} {who:22} {m['rps']:8.0f} {m['p50']:8.1f} {m['p99']:8.1f} {m['errors']:6d} {m['load']:5.1f}")
    for row in PEER:
        peers = [med[(row, f"pygeoapi {p}")] for p in providers if (row, f"pygeoapi {p}") in med]
        if not peers:
            continue
        best = max(peers, key=lambda m: m["rps"])
        for label, _ in apps:
            ours = med[(row, label)]
            print(
                f"ratio {label} / best pygeoapi, {row}: throughput {ours['rps'] / best['rps']:.2f}x, "
                f"p99 {ours['p99'] / best['p99']:.2f}x (goal: throughput >= 5x)"
            )


if __name__ == "__main__":
    main()
