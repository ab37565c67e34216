"""In process: what one page of an OGC bbox query, a search and a nearby answer costs (issue 17).

    .venv/bin/python bench/pages.py                 # 10,000 synthetic sites
    .venv/bin/python bench/pages.py --n 100000
    PYTHONPATH=/tmp/old-checkout .venv/bin/python bench/pages.py   # the same on another checkout

The app runs on the Flask test client (no HTTP, no compression) over synthetic sites
worded from the article (bench/synthetic.py, seeded: the same N gives the same data). Each
request is asked once to warm up, then `--reps` times; it prints the median and the
slowest, how many sites the request matched, and the load average. Run it on two
checkouts one after the other and compare the medians; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402  (bench/synthetic.py)

REQUESTS = {
    "OGC sites, bbox 0.05°, limit 100": "/ogc/collections/sites/items?bbox=113.10,40.00,113.15,40.05&limit=100&f=json",
    "OGC sites, bbox of all, limit 100": "/ogc/collections/sites/items?bbox=112,39,114,41&limit=100&f=json",
    "OGC heritage, bbox of all, offset 200": "/ogc/collections/heritage/items?bbox=112,39,114,41&limit=100&offset=200",
    "/api/search?q=yungang": "/api/search?q=yungang",
    "/api/nearby r=2 km": "/api/nearby?lon=113.12&lat=40.02&radius=2000",
    "/api/nearby r=20 km": "/api/nearby?lon=113.12&lat=40.02&radius=20000",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="synthetic sites (default 10,000)")
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    os.environ["WEBMAP_DATABASE_URL"] = "none"  # the files, as the bench data is written
    from webmap.settings import load_settings
    from webmap.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="webmap-pages-") as tmp:
        data = Path(tmp) / "data"
        synthetic.make_data(args.n, data)
        started = time.perf_counter()
        app = create_app(load_settings(data_dir=data, tiles="none", cache_dir=Path(tmp) / "cache"))
        print(f"{args.n:,} synthetic sites; app ready in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        print(f"{'request':40} {'p50 ms':>8} {'max ms':>8} {'matched':>8}  load")
        for name, url in REQUESTS.items():
            first = client.get(url)
            if first.status_code != 200:
                raise SystemExit(f"{url}: HTTP {first.status_code} {first.data[:300]!r}")
            times = []
            for _ in range(args.reps):
                t = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            matched = first.get_json().get("numberMatched", len(first.get_json().get("features", [])))
            load = os.getloadavg()[0]
            print(f"{name:40} {statistics.median(times):8.1f} {max(times):8.1f} {matched:8,}  {load:.1f}")


if __name__ == "__main__":
    main()
