"""How the current (in-memory) design scales: groundwork for issue 7.

    python bench/scale.py                 # N = 30 (shipped), 10000, 100000
    python bench/scale.py --sizes 30,2000 # quicker

For each N it writes a data folder with the shipped sites plus N synthetic ones (random
points inside the district outline, seeded, so runs are comparable), then, in a fresh
subprocess per N (so peak memory is that N's alone), measures:

- catalogue load time and peak RSS (load + validation + search index);
- in-process API latency, p50/p99 over repeated requests, for a layer filter, an OGC bbox
  page, a search and a nearby query;
- response bytes of the map page and of /api/sites;
- a baseline in the same run: a plain Folium map of the same N markers (folium.Marker,
  local assets), its HTML bytes and build time, with the ratio to ours.

It prints figures only; nothing here is a pass/fail test (machines here are shared and
noisy). Not measured yet: time to first markers in Chromium, and pygeoapi as a baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_data(n: int, target: Path) -> None:
    from shapely import Point
    from shapely.geometry import shape

    shutil.copytree(ROOT / "data", target)
    sites = json.loads((target / "sites.geojson").read_text(encoding="utf-8"))
    boundary = shape(json.loads((target / "boundary.geojson").read_text())["features"][0]["geometry"])
    layers = [x["id"] for x in json.loads((target / "layers.json").read_text())["layers"]]
    rng = random.Random(7)
    minx, miny, maxx, maxy = boundary.bounds
    made = 0
    while made < n:
        lon, lat = round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6)
        if not boundary.contains(Point(lon, lat)):
            continue
        made += 1
        text = {"zh": f"测试地点{made}号", "en": f"Synthetic place {made}"}
        sites["features"].append(
            {
                "type": "Feature",
                "id": f"synthetic-{made}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "layer": layers[made % len(layers)],
                    "name": text,
                    "summary": text,
                    "details": text,
                    "status": "open",
                    "themes": [],
                    "location": {"precision": "site", "source": "synthetic (bench/scale.py)", "uncertainty_m": 100},
                    "article_section": text,
                },
            }
        )
    (target / "sites.geojson").write_text(json.dumps(sites, ensure_ascii=False), encoding="utf-8")


def percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return s[len(s) // 2] * 1000, s[min(len(s) - 1, int(len(s) * 0.99))] * 1000


def measure(data_dir: Path, n: int) -> dict:
    """Runs inside a fresh process for one N."""
    from webmap import create_app
    from webmap.catalogue import load_catalogue
    from webmap.settings import load_settings

    t = time.perf_counter()
    cat = load_catalogue(data_dir)
    load_s = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    app = create_app(load_settings(data_dir=data_dir, tiles="none"), cat)
    client = app.test_client()
    queries = {
        "layer": "/api/sites?layer=heritage",
        "bbox": "/ogc/collections/sites/items?bbox=113.10,40.00,113.15,40.05&limit=100&f=json",
        "search": "/api/search?q=yungang",
        "nearby": "/api/nearby?lon=113.12&lat=40.02&radius=2000",
    }
    latency = {}
    for name, url in queries.items():
        client.get(url)  # warm
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
    for fid, f in cat.features.items():
        if f.geometry:
            lon, lat = f.geometry.coordinates
            folium.Marker([lat, lon], tooltip=fid).add_to(m)
    plain = m.get_root().render()
    plain_s = time.perf_counter() - t
    return {
        "n": n,
        "sites": len(cat.features),
        "load_s": load_s,
        "rss_mb": rss_mb,
        "latency": latency,
        "page_bytes": page,
        "sites_bytes": sites,
        "plain_bytes": len(plain.encode()),
        "plain_s": plain_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000", help="synthetic sites added to the shipped ones")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child[0]), int(args.child[1]))))
        return

    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            make_data(n, data)
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(data), str(n)], check=True, capture_output=True, text=True
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))

    print(
        f"{'sites':>7} {'load s':>7} {'RSS MB':>7} "
        + " ".join(f"{q + ' p50/p99 ms':>20}" for q in ("layer", "bbox", "search", "nearby"))
        + f" {'page KB':>8} {'/api/sites KB':>13} {'plain Folium KB':>15} {'ratio':>6}"
    )
    for r in rows:
        lat = " ".join(
            f"{r['latency'][q][0]:>9.1f}/{r['latency'][q][1]:<10.1f}" for q in ("layer", "bbox", "search", "nearby")
        )
        ours = r["page_bytes"] + r["sites_bytes"]
        print(
            f"{r['sites']:>7} {r['load_s']:>7.2f} {r['rss_mb']:>7.0f} {lat} {r['page_bytes'] / 1024:>8.0f} "
            f"{r['sites_bytes'] / 1024:>13.0f} {r['plain_bytes'] / 1024:>15.0f} {r['plain_bytes'] / ours:>6.2f}"
        )
    print(
        "ratio = plain Folium HTML bytes / (our page + /api/sites); plain Folium build s: "
        + ", ".join(f"{r['sites']}: {r['plain_s']:.2f}" for r in rows)
    )


if __name__ == "__main__":
    main()
