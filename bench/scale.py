"""How the map scales with the number of sites, against two baselines (issue 7).

    python bench/scale.py                                 # N = 0 (shipped 33), 10000, 100000
    python bench/scale.py --sizes 0,2000 --no-pygeoapi    # quicker
    python bench/scale.py --no-browser --no-pygeoapi      # in-process figures only

For each N it writes a data folder with the shipped sites plus N synthetic ones (seeded
random points inside the district outline, worded from the source article: see
bench/synthetic.py), then measures, one step at a time (never two heavy jobs at once):

1. in a fresh subprocess (so peak memory is that N's alone), in process:
   catalogue load time and peak RSS (load + validation + search index); p50/p99 latency
   through the Flask test client (no HTTP, no compression) for a layer filter, an OGC bbox
   page, a search and a nearby query; bytes of the map page and of /api/sites; and the
   plain-Folium baseline: folium.Marker per located site, local Leaflet, its HTML bytes
   and build time (the HTML is kept for step 2);
2. --browser (default): over HTTP on 127.0.0.1, in a fresh headless Chromium each (cold
   cache, 1440x900, every non-local request aborted): time from navigation start to the
   first drawn markers, and bytes transferred, for our server (`webmap serve`) and for the
   plain Folium page (bench/browser.py says exactly what is timed);
3. --pygeoapi (default): pygeoapi serving the same sites.geojson with its GeoJSON
   provider, p50/p99 of its OGC API items endpoint for the same bbox page and a layer
   filter, in process through its Flask test client like ours (bench/pygeoapi_baseline.py;
   installs pygeoapi into bench/.venv-pygeoapi on first use).

It prints figures and ratios (ours / baseline) only; nothing here is a pass/fail test
(machines here are shared and noisy). --json FILE also writes every raw figure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

QUERIES = {
    "layer": "/api/sites?layer=heritage",
    "bbox": "/ogc/collections/sites/items?bbox=113.10,40.00,113.15,40.05&limit=100&f=json",
    "search": "/api/search?q=yungang",
    "nearby": "/api/nearby?lon=113.12&lat=40.02&radius=2000",
}


def percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return s[len(s) // 2] * 1000, s[min(len(s) - 1, int(len(s) * 0.99))] * 1000


def measure(app_root: Path, data_dir: Path, n: int, plain_html: Path) -> dict:
    """Step 1; runs inside a fresh process for one N."""
    sys.path.insert(0, str(app_root))
    import webmap

    try:
        from webmap.web.app import create_app
    except ImportError:  # a checkout from before the factory moved into the web package
        from webmap import create_app
    from webmap.catalogue import load_catalogue
    from webmap.settings import load_settings

    t = time.perf_counter()
    cat = load_catalogue(data_dir)
    load_s = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    app = create_app(load_settings(data_dir=data_dir, tiles="none"), cat)
    client = app.test_client()
    latency, returned = {}, {}
    for name, url in QUERIES.items():
        resp = client.get(url)  # warm
        body = resp.get_json()
        returned[name] = body.get("numberReturned", len(body.get("features", []))) if isinstance(body, dict) else None
        times = []
        for _ in range(30 if n > 20000 else 100):
            t = time.perf_counter()
            resp = client.get(url)
            times.append(time.perf_counter() - t)
            assert resp.status_code == 200, (url, resp.status_code)
        latency[name] = percentiles(times)
    page = len(client.get("/").data)
    sites = len(client.get("/api/sites").data)

    import folium

    t = time.perf_counter()
    m = folium.Map(location=[40.02, 113.11], zoom_start=10, tiles=None)
    m.default_js = [("leaflet", "/vendor/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "/vendor/leaflet/leaflet.css")]
    located = 0
    for fid, f in cat.features.items():
        if f.geometry:
            lon, lat = f.geometry.coordinates
            folium.Marker([lat, lon], tooltip=fid).add_to(m)
            located += 1
    plain = m.get_root().render()
    plain_s = time.perf_counter() - t
    plain_html.parent.mkdir(parents=True, exist_ok=True)
    plain_html.write_text(plain, encoding="utf-8")
    return {
        "n": n,
        "webmap": str(Path(webmap.__file__).parent),
        "sites": len(cat.features),
        "located": located,
        "file_bytes": (data_dir / "sites.geojson").stat().st_size,
        "load_s": load_s,
        "rss_mb": rss_mb,
        "latency": latency,
        "returned": returned,
        "page_bytes": page,
        "sites_bytes": sites,
        "plain_bytes": len(plain.encode()),
        "plain_s": plain_s,
    }


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_size(n: int, args, assets_dir: Path) -> dict:
    from synthetic import make_data

    with tempfile.TemporaryDirectory(prefix="webmap-bench-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        made = make_data(n, data, source=args.app / "data")
        log(f"N={n}: {made['sites']} sites, sites.geojson {made['file_bytes'] / 1e6:.1f} MB; in-process step")
        plain_html = tmp / "plain" / "index.html"
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(args.app), str(data), str(n), str(plain_html)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        if args.browser:
            import browser

            log(f"N={n}: Chromium, our server")
            row["ours_browser"] = _guard(browser.measure_ours, args.app, data, tmp, assets_dir, args.timeout)
            log(f"N={n}: Chromium, plain Folium")
            row["plain_browser"] = _guard(
                browser.measure_plain, plain_html, assets_dir / "leaflet" / "dist", args.timeout
            )
        if args.pygeoapi:
            import pygeoapi_baseline

            log(f"N={n}: pygeoapi")
            row["pygeoapi"] = _guard(pygeoapi_baseline.measure, data, tmp / "pygeoapi", log)
        return row


def _guard(fn, *args) -> dict:
    """One failing measurement is reported in the table; it does not lose the others."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - anything, reported as is
        return {"error": f"{type(exc).__name__}: {str(exc).strip()[:500]}"}


# ------------------------------------------------------------------ output


def _ms(x) -> str:
    return "-" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def _kb(x) -> str:
    return "-" if x is None else f"{x / 1024:,.0f}"


def _ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.2f}"


def _table(title: str, header: list[str], rows: list[list[str]], notes: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = [title, "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines + [f"  {n}" for n in notes]) + "\n"


def _first(b: dict | None) -> str:
    if not b:
        return "-"
    if "error" in b and b.get("ms") is None:
        return f"TIMEOUT >{b.get('timeout_s', 0):.0f}s" if b.get("timeout") else "ERROR"
    return _ms(b.get("ms"))


def report(rows: list[dict], args) -> str:
    out = []
    qs = ("layer", "bbox", "search", "nearby")
    out.append(
        _table(
            "1. In process (Flask test client: no HTTP, no compression); latency p50/p99 ms",
            ["sites", "located", "file MB", "load s", "RSS MB", *qs, "page KB", "/api/sites KB"],
            [
                [
                    f"{r['sites']:,}",
                    f"{r['located']:,}",
                    f"{r['file_bytes'] / 1e6:.1f}",
                    f"{r['load_s']:.2f}",
                    f"{r['rss_mb']:,.0f}",
                    *(f"{_ms(r['latency'][q][0])}/{_ms(r['latency'][q][1])}" for q in qs),
                    _kb(r["page_bytes"]),
                    _kb(r["sites_bytes"]),
                ]
                for r in rows
            ],
            [
                "load s, RSS MB: load_catalogue() (read, validate, search index), then the process's peak RSS;",
                "queries: " + "; ".join(f"{k} {v}" for k, v in QUERIES.items()),
                "samples per query: 100, or 30 above 20,000 synthetic sites; bbox page returned: "
                + ", ".join(f"{r['returned']['bbox']}" for r in rows),
            ],
        )
    )
    signals: dict[str, str] = {}

    def sig(b):
        s = (b or {}).get("signal")
        if not s:
            return ""
        key = signals.setdefault(s, "abcdefgh"[len(signals)])
        return f" ({key})"

    if args.browser:
        body = []
        notes = []
        for r in rows:
            o, p = r.get("ours_browser") or {}, r.get("plain_browser") or {}
            body.append(
                [
                    f"{r['sites']:,}",
                    _first(o) + sig(o),
                    f"{o.get('markers', '-')}",
                    _kb(o.get("encoded_bytes")),
                    _kb(o.get("decoded_bytes")),
                    _ms(o.get("load_ms")),
                    "-" if o.get("server_start_s") is None else f"{o['server_start_s']:.1f}",
                    "-" if o.get("server_rss_mb") is None else f"{o['server_rss_mb']:,.0f}",
                    _first(p) + sig(p),
                    f"{p.get('markers', '-')}",
                    _kb(p.get("decoded_bytes")),
                    f"{r['plain_s']:.1f}",
                ]
            )
            for who, b in (("ours", o), ("plain", p)):
                if b.get("error"):
                    notes.append(f"N={r['n']} {who}: {b['error']}")
                if b.get("blocked"):
                    notes.append(f"N={r['n']} {who}: blocked {len(b['blocked'])} non-local request(s)")
                if b.get("page_errors"):
                    notes.append(f"N={r['n']} {who}: page errors: {b['page_errors']}")
        notes = [f"({v}) {k}" for k, v in signals.items()] + notes
        out.append(
            _table(
                "2. Over HTTP in headless Chromium (cold cache, 1440x900): ms from navigation start to first markers",
                [
                    "sites",
                    "ours ms",
                    "markers",
                    "wire KB",
                    "body KB",
                    "load ev ms",
                    "start s",
                    "srv RSS MB",
                    "plain ms",
                    "markers",
                    "plain KB",
                    "build s",
                ],
                body,
                [
                    "ours: `webmap serve` on the data folder, /?lang=zh; wire KB = encoded (compressed) bodies,"
                    " body KB = decoded, page + scripts + data, from the Resource Timing API;",
                    "start s = until the server printed its URL (it loads the data first);"
                    " srv RSS = its peak RSS after the page;",
                    "plain: Folium export of the same located sites (folium.Marker each), local Leaflet, python"
                    " http.server (no compression); build s = Folium render time in process;",
                    "markers = .leaflet-marker-icon elements (markers or cluster icons) after the load event (+0.5 s).",
                    *notes,
                ],
            )
        )
    if args.pygeoapi:
        body, notes = [], []
        for r in rows:
            g = r.get("pygeoapi") or {}
            lat = g.get("latency", {})

            def cell(q, lat=lat):
                x = lat.get(q)
                return "-" if not x else f"{_ms(x['p50_ms'])}/{_ms(x['p99_ms'])} n={x['samples']}"

            body.append(
                [
                    f"{r['sites']:,}",
                    f"{_ms(r['latency']['bbox'][0])}/{_ms(r['latency']['bbox'][1])}",
                    cell("bbox"),
                    f"{_ms(r['latency']['layer'][0])}/{_ms(r['latency']['layer'][1])}",
                    cell("layer"),
                    "-" if not g.get("rss_mb") else f"{g['rss_mb']:,.0f}",
                ]
            )
            if g.get("error"):
                notes.append(f"N={r['n']}: {g['error']}")
            elif lat:
                notes.append(
                    f"N={r['n']}: pygeoapi {g.get('version')} returned bbox {lat['bbox']['returned']}"
                    f" / layer {lat['layer']['returned']} features (ours: {r['returned']['bbox']}"
                    f" / {r['returned']['layer']})"
                )
        out.append(
            _table(
                "3. pygeoapi baseline, in process (its Flask test client); p50/p99 ms",
                ["sites", "ours bbox", "pygeoapi bbox", "ours layer", "pygeoapi layer", "pygeoapi RSS MB"],
                body,
                [
                    "pygeoapi: GeoJSON provider on the same sites.geojson; bbox = /collections/sites/items?"
                    "bbox=113.10,40.00,113.15,40.05&limit=100; layer = ?layer=heritage&limit=1000000;",
                    "its GeoJSON provider re-reads and re-parses the file on every request (by design, documented in"
                    " its source); n = samples (until 100 or ~60 s).",
                    *notes,
                ],
            )
        )
    ratio_rows = []
    for r in rows:
        o, p, g = r.get("ours_browser") or {}, r.get("plain_browser") or {}, (r.get("pygeoapi") or {}).get("latency")
        g = g or {}
        ratio_rows.append(
            [
                f"{r['sites']:,}",
                _ratio(r["page_bytes"] + r["sites_bytes"], r["plain_bytes"]),
                _ratio(o.get("decoded_bytes"), p.get("decoded_bytes")),
                _ratio(o.get("encoded_bytes"), p.get("encoded_bytes")),
                _ratio(o.get("ms"), p.get("ms")),
                _ratio(r["latency"]["bbox"][0], (g.get("bbox") or {}).get("p50_ms")),
                _ratio(r["latency"]["bbox"][1], (g.get("bbox") or {}).get("p99_ms")),
                _ratio(r["latency"]["layer"][0], (g.get("layer") or {}).get("p50_ms")),
                _ratio(r["latency"]["layer"][1], (g.get("layer") or {}).get("p99_ms")),
            ]
        )
    out.append(
        _table(
            "4. Ratios, ours / baseline (below 1: ours is smaller or faster)",
            [
                "sites",
                "bytes/Folium",
                "browser body",
                "browser wire",
                "first markers",
                "bbox p50 vs pygeoapi",
                "bbox p99",
                "layer p50",
                "layer p99",
            ],
            ratio_rows,
            [
                "bytes/Folium: (our page + /api/sites) / plain Folium HTML, in process, uncompressed;",
                "browser body/wire: everything the page loaded, decoded / as transferred (ours is compressed, plain is"
                " not); first markers: Chromium ms ours / plain;",
                "bbox, layer: in-process latency ours / pygeoapi, same query and page size.",
            ],
        )
    )
    head = (
        f"bench/scale.py {datetime.date.today().isoformat()} on {platform.node()} ({os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}); webmap from {rows[0]['webmap'] if rows else '?'}\n"
    )
    return head + "\n" + "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000", help="synthetic sites added to the shipped ones")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True, help="Chromium step")
    parser.add_argument("--pygeoapi", action=argparse.BooleanOptionalAction, default=True, help="pygeoapi step")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per page in Chromium (default 120)")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument(
        "--app", type=Path, default=ROOT, help="checkout of the app to measure (default: the one holding bench/)"
    )
    parser.add_argument(
        "--report", type=Path, nargs="+", metavar="JSON", help="only print the tables from earlier --json files"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        rows = [row for path in args.report for row in json.loads(path.read_text())]
        args.browser = any("ours_browser" in r for r in rows)
        args.pygeoapi = any("pygeoapi" in r for r in rows)
        print(report(rows, args))
        return
    if args.child:
        app, data, n, html = args.child
        print(json.dumps(measure(Path(app), Path(data), int(n), Path(html))))
        return

    args.app = args.app.resolve()
    assets_dir = Path(os.environ.get("WEBMAP_ASSETS_DIR") or args.app / "node_modules")
    if args.browser and not (assets_dir / "leaflet" / "dist" / "leaflet.js").is_file():
        raise SystemExit(
            f"bench: no Leaflet in {assets_dir}: run `npm ci` in {args.app}, set WEBMAP_ASSETS_DIR, or use --no-browser"
        )
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        t = time.perf_counter()
        rows.append(run_size(n, args, assets_dir))
        log(f"N={n}: done in {time.perf_counter() - t:.0f} s")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    print(report(rows, args))


if __name__ == "__main__":
    main()
