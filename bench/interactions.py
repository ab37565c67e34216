"""Interactions at N sites (issue 17): our map against a plain Folium + Leaflet.markercluster page.

    python bench/interactions.py                 # N = 100,000 synthetic sites + the shipped ones
    python bench/interactions.py --n 10000 --reps 5
    python bench/interactions.py --before /work/main   # also main's page, same data, interleaved

Both pages hold the same sites (bench/synthetic.py, seeded). Ours: `webmap serve` on that
data folder (cluster mode from 1,000 located sites); the peer: a Folium map with one
`FastMarkerCluster` per layer (Folium's plugin for many points: the points go into the
page as data and the markers are made in the browser) and an expanded `LayerControl`,
Leaflet and Leaflet.markercluster served locally by http.server. Nothing leaves the
machine: every request to another host is aborted, and there are no basemap tiles.

Each action is timed in the page, with performance.now(), from just before it starts
until the next frame after it has been handled (a requestAnimationFrame callback queued
once the work is done, then a message posted from it, so the frame's style, layout and
paint are included):

- layer off / on: a click on the layer's checkbox (ours: the filter box; peer: the layer
  control). Ours updates clusters, counts and list in that click's task; the peer's
  cluster group leaves or joins the map in it;
- pan: `map.panBy([300, 0], {animate: false})`, which fires moveend at once (both pages
  redraw on moveend);
- search (ours only): the search box gets the text and an `input` event; the end is the
  next frame after the list was drawn with the server's hits (this includes the 200 ms
  typing debounce and the request).

Repetitions are interleaved (ours, peer, ours, peer...) and the medians printed, with the
ratio ours / peer and the load average (1 min) seen during the run. Timings only: nothing
here passes or fails.

Needs: the app's environment (Folium, Flask, Playwright for Python), Chromium at
/usr/bin/chromium (WEBMAP_BENCH_CHROMIUM), Leaflet in node_modules (WEBMAP_ASSETS_DIR), and
Leaflet.markercluster: on first use `npm install leaflet.markercluster@1.5.3` into
~/.cache/webmap-bench/markercluster (WEBMAP_BENCH_MARKERCLUSTER: a folder that already
has leaflet.markercluster/dist).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

MARKERCLUSTER_VERSION = "1.5.3"
VIEWPORT = {"width": 1440, "height": 900}
SEARCH = "云冈"

# The in-page helpers, installed once per page: bench.time(start) resolves with the ms from
# just before start() to the frame after the work it set off (done() says when that is).
_HELPERS = """
() => {
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve(performance.now());
    ch.port2.postMessage(0);
  }));
  const mapOf = () => window.WebMap ? WebMap.map
    : Object.values(window).find((v) => v && v instanceof L.Map);
  window.bench = {
    mapOf,
    nextFrame,
    async time(start, done) {
      const t0 = performance.now();
      const finished = start();
      if (done) await done(finished);
      const t1 = await nextFrame();
      return t1 - t0;
    },
  };
  return true;
}
"""
# Ours: the layer's box in the filters; the list, counts and clusters follow in the same task.
_OURS_TOGGLE = """
async (layer) => {
  const input = document.getElementById("f-layer-" + layer);
  return bench.time(() => input.click());
}
"""
_PEER_TOGGLE = """
async (layer) => {
  const label = [...document.querySelectorAll(".leaflet-control-layers-overlays label")]
    .find((l) => l.textContent.trim() === layer);
  return bench.time(() => label.querySelector("input").click());
}
"""
_PAN = """
async (dx) => {
  const map = bench.mapOf();
  return bench.time(() => map.panBy([dx, 0], {animate: false}));
}
"""
# Ours: type, then wait for the list drawn with the hits of this text (WebMap "list" event).
_OURS_SEARCH = """
async (q) => {
  const box = document.getElementById("search");
  const listed = () => new Promise((resolve) => {
    const check = () => WebMap.state.q === q && WebMap.state.hits;
    WebMap.on("list", () => { if (check() && !resolve.done) { resolve.done = true; resolve(); } });
  });
  return bench.time(() => { const p = listed(); box.value = q; box.dispatchEvent(new Event("input")); return p; },
                    (p) => p);
}
"""
_OURS_CLEAR_SEARCH = """
async () => {
  const box = document.getElementById("search");
  box.value = "";
  box.dispatchEvent(new Event("input"));
  const t0 = performance.now();
  while (WebMap.state.hits && performance.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 50));
  await bench.nextFrame();
  return !WebMap.state.hits;
}
"""
_COUNTS = """
() => ({
  clusters: document.querySelectorAll(".site-cluster, .marker-cluster").length,
  markers: document.querySelectorAll(".leaflet-marker-icon").length,
  list: document.querySelectorAll("#site-list li").length,
})
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def markercluster_dir() -> Path:
    """A folder holding leaflet.markercluster/dist (installed with npm on first use)."""
    env = os.environ.get("WEBMAP_BENCH_MARKERCLUSTER")
    if env:
        return Path(env)
    folder = Path.home() / ".cache" / "webmap-bench" / "markercluster"
    dist = folder / "node_modules" / "leaflet.markercluster" / "dist"
    if not (dist / "leaflet.markercluster.js").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        log(f"installing leaflet.markercluster@{MARKERCLUSTER_VERSION} into {folder}")
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder),
             f"leaflet.markercluster@{MARKERCLUSTER_VERSION}"],
            check=True,
        )  # fmt: skip
    return folder / "node_modules"


def build_peer(data_dir: Path, out: Path, bounds: list[list[float]]) -> dict:
    """The plain Folium page: one FastMarkerCluster per layer, an expanded LayerControl."""
    import folium
    from folium.plugins import FastMarkerCluster

    t = time.perf_counter()
    sites = json.loads((data_dir / "sites.geojson").read_text(encoding="utf-8"))["features"]
    layers = [x["id"] for x in json.loads((data_dir / "layers.json").read_text(encoding="utf-8"))["layers"]]
    m = folium.Map(location=[40.02, 113.11], zoom_start=10, tiles=None)
    m.options["maxZoom"] = 18  # markercluster needs one; without tiles Folium sets none
    m.default_js = [("leaflet", "/vendor/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "/vendor/leaflet/leaflet.css")]
    by_layer: dict[str, list] = {k: [] for k in layers}
    for f in sites:
        if f.get("geometry"):
            lon, lat = f["geometry"]["coordinates"]
            by_layer.setdefault(f["properties"]["layer"], []).append([lat, lon])
    callback = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"
    for layer, rows in by_layer.items():
        mc = FastMarkerCluster(rows, callback=callback, name=layer)
        mc.default_js = [("markerclusterjs", "/vendor/markercluster/leaflet.markercluster.js")]
        mc.default_css = [
            ("markerclustercss", "/vendor/markercluster/MarkerCluster.css"),
            ("markerclusterdefaultcss", "/vendor/markercluster/MarkerCluster.Default.css"),
        ]
        mc.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds(bounds)
    out.parent.mkdir(parents=True, exist_ok=True)
    m.save(str(out))
    return {"build_s": time.perf_counter() - t, "located": sum(map(len, by_layer.values())), "layers": layers}


def _route(blocked: list[str]):
    from browser import local_only

    return local_only(blocked)


def run(args) -> dict:
    import browser  # bench/browser.py: LiveServer, StaticServer, Chromium flags
    from playwright.sync_api import sync_playwright
    from synthetic import make_data

    assets = Path(os.environ.get("WEBMAP_ASSETS_DIR") or args.app / "node_modules")
    mc = markercluster_dir() / "leaflet.markercluster" / "dist"
    loads: list[float] = []

    def load_avg() -> float:
        loads.append(os.getloadavg()[0])
        return loads[-1]

    with tempfile.TemporaryDirectory(prefix="webmap-interactions-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        made = make_data(args.n, data, source=args.app / "data")
        log(f"{made['sites']:,} sites written; building the plain Folium page")
        boundary = json.loads((data / "boundary.geojson").read_text(encoding="utf-8"))["features"][0]["geometry"]
        from shapely.geometry import shape

        minx, miny, maxx, maxy = shape(boundary).bounds
        peer_html = tmp / "plain" / "index.html"
        peer = build_peer(data, peer_html, [[miny, minx], [maxy, maxx]])
        vendor = peer_html.parent / "vendor"
        vendor.mkdir(exist_ok=True)
        (vendor / "leaflet").symlink_to(assets / "leaflet" / "dist", target_is_directory=True)
        (vendor / "markercluster").symlink_to(mc, target_is_directory=True)
        log(f"peer built in {peer['build_s']:.1f} s ({peer['located']:,} located); starting our server(s)")
        apps = {"ours": args.app, **({"before": args.before} if args.before else {})}
        servers = {}
        static = browser.StaticServer(peer_html.parent)
        blocked: list[str] = []
        results: dict[str, dict[str, list[float]]] = {who: {} for who in [*apps, "peer"]}
        errors: dict[str, list[str]] = {}
        # Serve the data folder itself: without this a server seeds (and then serves) a
        # database in its checkout's instance/, which takes minutes at 100k and stays.
        os.environ["WEBMAP_DATABASE_URL"] = "none"
        try:
            for who, root in apps.items():
                env_assets = assets if os.environ.get("WEBMAP_ASSETS_DIR") else None
                os.environ["PYTHONPATH"] = str(root)  # that checkout's webmap (and its static/)
                servers[who] = browser.LiveServer(root, data, tmp / who, env_assets)
                log(f"{who} ({root}): server up in {servers[who].start_s:.1f} s")
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
                try:
                    pages = {}
                    urls = [(who, srv.url + "/?lang=zh") for who, srv in servers.items()]
                    for who, url in [*urls, ("peer", static.url + "/index.html")]:
                        ctx = chromium.new_context(viewport=VIEWPORT)
                        ctx.route("**/*", _route(blocked))
                        page = ctx.new_page()
                        page_errors: list[str] = []
                        page.on("pageerror", lambda e, errs=page_errors: errs.append(str(e)))
                        t = time.perf_counter()
                        page.goto(url, wait_until="load", timeout=args.timeout * 1000)
                        if who != "peer":
                            page.wait_for_selector("body[data-state=ready]", timeout=args.timeout * 1000)
                            page.locator("#filters summary").click()
                        else:
                            page.wait_for_selector(".marker-cluster", timeout=args.timeout * 1000)
                        page.evaluate(_HELPERS)
                        log(f"{who}: page ready in {time.perf_counter() - t:.1f} s")
                        pages[who] = (page, page_errors)
                    # The same view on all: the peer takes ours (centre and zoom, no animation).
                    # (A page in the background answers slowly: each is brought to the front first.)
                    pages["ours"][0].bring_to_front()
                    view = pages["ours"][0].evaluate(
                        "() => { const c = WebMap.map.getCenter(); return [c.lat, c.lng, WebMap.map.getZoom()]; }"
                    )
                    pages["peer"][0].bring_to_front()
                    pages["peer"][0].evaluate(
                        "([lat, lon, z]) => { bench.mapOf().setView([lat, lon], z, {animate: false}); return 1; }",
                        view,
                    )
                    layer = args.layer or peer["layers"][0]
                    for who, (page, _) in pages.items():
                        page.bring_to_front()
                        page.wait_for_timeout(1000)
                        log(f"{who}: at start {page.evaluate(_COUNTS)}")
                    for rep in range(args.reps):
                        for who, (page, _) in pages.items():
                            page.bring_to_front()
                            page.wait_for_timeout(300)
                            r = results[who]
                            toggle = _PEER_TOGGLE if who == "peer" else _OURS_TOGGLE
                            r.setdefault("layer off", []).append(page.evaluate(toggle, layer))
                            page.wait_for_timeout(300)
                            r.setdefault("layer on", []).append(page.evaluate(toggle, layer))
                            page.wait_for_timeout(300)
                            dx = 300 if rep % 2 == 0 else -300
                            r.setdefault("pan 300 px", []).append(page.evaluate(_PAN, dx))
                            page.wait_for_timeout(300)
                            if who != "peer":
                                r.setdefault("search", []).append(page.evaluate(_OURS_SEARCH, SEARCH))
                                page.evaluate(_OURS_CLEAR_SEARCH)
                            log(
                                f"rep {rep + 1} {who}: "
                                + ", ".join(f"{k} {v[-1]:.0f} ms" for k, v in r.items())
                                + f"; load {load_avg():.2f}"
                            )
                    errors = {who: e[:5] for who, (_, e) in pages.items() if e}
                finally:
                    chromium.close()
        finally:
            static.stop()
            for srv in servers.values():
                srv.stop()
    return {
        "n": args.n,
        "sites": made["sites"],
        "peer_located": peer["located"],
        "layer": layer,
        "reps": args.reps,
        "results": results,
        "load": loads,
        "blocked": blocked,
        "page_errors": errors,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def report(out: dict) -> str:
    res = out["results"]
    ours, peer, before = res["ours"], res["peer"], res.get("before")
    med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
    fmt = lambda x: "-" if x is None else f"{x:.0f}"  # noqa: E731
    ratio = lambda a, b: f"{a / b:.2f}" if a is not None and b else "-"  # noqa: E731
    lines = [
        f"Interactions at {out['sites']:,} sites ({out['peer_located']:,} located), layer {out['layer']!r}, "
        f"{out['reps']} interleaved repetitions, medians (ms, in-page, to the next frame); {out['when']}",
        f"{'action':<12}"
        + (f"{'before':>9}" if before else "")
        + f"{'ours':>9}{'peer':>9}{'ours/peer':>11}"
        + (f"{'ours/before':>13}" if before else "")
        + "   each: "
        + " / ".join(res),
    ]
    for action, samples in ours.items():
        o, p = med(samples), med(peer.get(action, []))
        b = med(before.get(action, [])) if before else None
        each = " / ".join(" ".join(f"{x:.0f}" for x in r.get(action, [])) or "-" for r in res.values())
        lines.append(
            f"{action:<12}"
            + (f"{fmt(b):>9}" if before else "")
            + f"{fmt(o):>9}{fmt(p):>9}{ratio(o, p):>11}"
            + (f"{ratio(o, b):>13}" if before else "")
            + f"   {each}"
        )
    la = out["load"]
    lines.append(f"load average (1 min) during the run: {min(la):.2f}–{max(la):.2f}")
    if out["blocked"]:
        lines.append(f"blocked requests: {len(out['blocked'])} (e.g. {out['blocked'][0]})")
    if out["page_errors"]:
        lines.append(f"page errors: {out['page_errors']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="synthetic sites added to the shipped ones")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--layer", help="layer to toggle (default: the first in layers.json)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds for each page to load")
    ap.add_argument("--app", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    ap.add_argument("--before", type=Path, help="also measure this checkout (e.g. main), interleaved, same data")
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    args = ap.parse_args()
    args.app = args.app.resolve()
    args.before = args.before.resolve() if args.before else None
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(report(out))


if __name__ == "__main__":
    main()
