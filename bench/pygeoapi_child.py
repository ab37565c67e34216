"""Runs inside bench/.venv-pygeoapi (not the app's venv): time pygeoapi's items endpoint.

    PYGEOAPI_CONFIG=... PYGEOAPI_OPENAPI=... python pygeoapi_child.py QUERIES_JSON

QUERIES_JSON maps a name to a path. Prints one JSON line: per query p50/p99 in ms, the
sample count, the status and the numberReturned of the last response, plus peak RSS.
In process, through pygeoapi's Flask app and its test client, as bench/scale.py does for
the map's own API. Only the standard library and pygeoapi are used here.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def main() -> None:
    queries = json.loads(sys.argv[1])
    t = time.perf_counter()
    from pygeoapi import __version__
    from pygeoapi.flask_app import APP

    import_s = time.perf_counter() - t
    client = APP.test_client()
    out = {"version": __version__, "import_s": import_s, "latency": {}}
    for name, url in queries.items():
        first = time.perf_counter()
        resp = client.get(url)  # warm
        first = time.perf_counter() - first
        body = json.loads(resp.data) if resp.status_code == 200 else {}
        # pygeoapi's GeoJSON provider re-reads the file on every request: at 100k sites one
        # request takes seconds, so repeat until 100 samples or ~60 s (at least 5 samples).
        budget = max(5, min(100, int(60 / max(first, 1e-3))))
        times = []
        for _ in range(budget):
            t = time.perf_counter()
            resp = client.get(url)
            times.append(time.perf_counter() - t)
            if resp.status_code != 200:
                break
        s = sorted(times)
        out["latency"][name] = {
            "p50_ms": s[len(s) // 2] * 1000,
            "p99_ms": s[min(len(s) - 1, int(len(s) * 0.99))] * 1000,
            "samples": len(s),
            "status": resp.status_code,
            "returned": body.get("numberReturned"),
            "matched": body.get("numberMatched"),
            "bytes": len(resp.data),
        }
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
