"""The PostGIS backend against the in-memory one, same data, same run.

    python bench/postgis.py                         # N = 100000, in a throwaway cluster
    python bench/postgis.py --n 10000
    python bench/postgis.py --database-url postgresql://user@host/db   # an existing database
                                                    # (its webmap_* tables are replaced)

Writes the shipped data plus N synthetic sites (``make_data`` from bench/scale.py, same
seed), imports it (``webmap.pg.import_data``), loads it both ways (data folder, and
database), and measures in process (Flask test client) p50/p99 of the same OGC bbox page
and nearby query as bench/scale.py, plus the spatial index call alone, for each backend.
Checks both backends give the same bodies. Prints figures only: this machine is shared.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

QUERIES = {
    "bbox": "/ogc/collections/sites/items?bbox=113.10,40.00,113.15,40.05&limit=100&f=json",
    "nearby": "/api/nearby?lon=113.12&lat=40.02&radius=2000",
}
INDEX_CALLS = {
    "bbox": lambda ix: ix.within_bbox((113.10, 40.00, 113.15, 40.05)),
    "nearby": lambda ix: ix.nearby(113.12, 40.02, 2000),
}


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    samples.sort()
    return samples[len(samples) // 2] * 1000, samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000


def run(url: str, n: int, repeat: int) -> None:
    from scale import make_data

    from webmap.catalogue import load_catalogue
    from webmap.pg import import_data, load_catalogue_from_db, mask_url
    from webmap.settings import load_settings
    from webmap.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        make_data(n, data)
        t = time.perf_counter()
        result = import_data(url, data)
        import_s = time.perf_counter() - t
        print(f"{result.sites} sites imported into {mask_url(url)} in {import_s:.1f} s (validation included)")

        backends = {}
        for name, load in (
            ("file", lambda: load_catalogue(data)),
            ("postgis", lambda: load_catalogue_from_db(url, data)),
        ):
            t = time.perf_counter()
            cat = load()
            load_s = time.perf_counter() - t
            app = create_app(load_settings(data_dir=data, tiles="none", cache_dir=Path(tmp) / "cache"), cat)
            backends[name] = (cat, app.test_client(), load_s)

        rows = {}
        for name, (cat, client, load_s) in backends.items():
            rows[name] = {"load": load_s}
            for q, path in QUERIES.items():

                def request(client=client, path=path):
                    resp = client.get(path)
                    assert resp.status_code == 200, (path, resp.status_code)

                rows[name][q] = timed(request, repeat)
                rows[name][q + " index"] = timed(lambda cat=cat, q=q: INDEX_CALLS[q](cat.index), repeat)
            assert getattr(cat.index, "fallbacks", 0) == 0, "the PostGIS index answered from memory"

        for q, path in QUERIES.items():
            bodies = {name: client.get(path).get_json() for name, (_, client, _) in backends.items()}
            for body in bodies.values():
                body.pop("timeStamp", None)
            assert bodies["file"] == bodies["postgis"], f"the backends disagree on {path}"
            print(f"{q}: {len(bodies['file']['features'])} features  {path}")

    cols = ["bbox", "bbox index", "nearby", "nearby index"]
    print(f"\n{'backend':<8} {'load s':>7} " + " ".join(f"{c + ' p50/p99 ms':>24}" for c in cols))
    for name, r in rows.items():
        print(f"{name:<8} {r['load']:>7.1f} " + " ".join(f"{r[c][0]:>11.2f}/{r[c][1]:<12.2f}" for c in cols))
    ratio = " ".join(f"{rows['postgis'][c][0] / rows['file'][c][0]:>11.2f}/{'':<12}" for c in cols)
    print(f"{'ratio':<8} {'':>7} {ratio}   (postgis p50 / file p50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic sites added to the shipped ones")
    parser.add_argument("--database-url", help="an existing PostGIS database (default: start a throwaway cluster)")
    parser.add_argument("--repeat", type=int, default=200, help="requests per measurement")
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.n, args.repeat)
        return
    from pgcluster import Cluster

    cluster = Cluster()
    try:
        run(cluster.new_database("webmap_bench"), args.n, args.repeat)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
