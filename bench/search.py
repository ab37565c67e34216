"""In process: what a first (uncached) search costs, before and after a change (issue 17).

    .venv/bin/python bench/search.py --before /path/to/main-checkout
    .venv/bin/python bench/search.py --n 10000 --n 100000 --reps 5 --before ../main

For each N, synthetic sites worded from the article (bench/synthetic.py, seeded) plus the
shipped ones are indexed by this checkout's ``webmap/search.py`` and, given ``--before``,
by that checkout's ``webmap/search.py`` (loaded as a module of this package, so it uses
this checkout's schema). Each query is scanned uncached, as a first search is: the scan
plus the first page of 100 hits, as /api/search reads it. The two indexes take turns, so
load on the machine falls on both; it prints the median of ``--reps`` runs in ms, the
ratio, how many sites matched, whether both gave the same hits, and the load average.
Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402  (bench/synthetic.py)

QUERIES = ("云冈", "大同", "yungang", "datong", "yg", "马军营", "park", "光伏", "的", "zzqqxx")


def _module(checkout: Path, name: str):
    spec = importlib.util.spec_from_file_location(f"webmap.{name}", checkout / "webmap" / "search.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _build(module, sites: list[dict]):
    started = time.perf_counter()
    index = module.SearchIndex()
    for f in sites:
        index.add_geojson(f["id"], f["properties"])
    index.close()
    return index, time.perf_counter() - started


def _first_search(module, index, query: str) -> tuple[float, list, int]:
    """ms for an uncached search and its first page; the page and how many matched."""
    started = time.perf_counter()
    hits = index._scan(module.normalise_query(query))
    page = list(hits[:100])
    return (time.perf_counter() - started) * 1000, page, len(hits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, action="append", help="synthetic sites (default 10,000 and 100,000)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--before", type=Path, help="a checkout whose webmap/search.py is 'before'")
    args = ap.parse_args()
    indexes = {"after": _module(HERE.parent, "_search_after")}
    if args.before:
        indexes = {"before": _module(args.before.resolve(), "_search_before"), **indexes}
    for n in args.n or (10_000, 100_000):
        with tempfile.TemporaryDirectory(prefix="webmap-search-") as tmp:
            synthetic.make_data(n, Path(tmp) / "data")
            sites = json.loads((Path(tmp) / "data" / "sites.geojson").read_text(encoding="utf-8"))["features"]
        built = {name: _build(module, sites) for name, module in indexes.items()}
        print(f"\n{len(sites):,} sites; index built in " + ", ".join(f"{k} {v[1]:.1f} s" for k, v in built.items()))
        print(f"{'query':10} " + " ".join(f"{k + ' ms':>10}" for k in indexes) + "   ratio  matched  same  load")
        for query in QUERIES:
            times: dict[str, list[float]] = {name: [] for name in indexes}
            pages, matched = {}, {}
            for _ in range(args.reps):
                for name, module in indexes.items():
                    ms, pages[name], matched[name] = _first_search(module, built[name][0], query)
                    times[name].append(ms)
            medians = {name: statistics.median(t) for name, t in times.items()}
            ratio = f"{medians['before'] / medians['after']:6.1f}×" if "before" in medians else "      "
            same = len({json.dumps([list(vars(h).values()) for h in p]) for p in pages.values()}) == 1
            same = same and len(set(matched.values())) == 1
            cells = " ".join(f"{m:10.1f}" for m in medians.values())
            tail = f"{matched['after']:8,}  {'yes' if same else 'NO':4}  {os.getloadavg()[0]:.1f}"
            print(f"{query:10} {cells}  {ratio} {tail}")


if __name__ == "__main__":
    main()
