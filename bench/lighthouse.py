"""Lighthouse (npm, the version in bench/lighthouse-npm/package-lock.json) against the running map: the map,
a site page, the site list and an itinerary, zh and en, mobile and desktop presets.

    make bench-lighthouse          # installs Lighthouse into bench/lighthouse-npm, then runs this
    python bench/lighthouse.py [--pages map,site] [--runs 1]

Starts `python -m webmap.cli serve --port 0` on the shipped data with WEBMAP_TILES=none and
WEBMAP_DATABASE_URL=none (no basemap tiles, so nothing leaves the machine; Lighthouse's
own network checks are local), runs Debian's Chromium headless, and prints one row per
page, language and preset: performance, accessibility, best practices, and for the
performance score its parts (LCP, TBT, render-blocking requests). Figures vary with the
machine's load (printed): compare rows of one run, and read docs/visitor-checks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from support.browser import CHROMIUM, LiveServer  # noqa: E402  (the tests' own server)
from support.data import DATA  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse-npm" / "node_modules" / ".bin" / "lighthouse"
FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
PAGES = {
    "map": "/",
    "site": "/sites/yungang-grottoes",
    "list": "/sites/",
    "trip": "/trip?trip=gaotun-party-branch-site,red-memorial-hall,gaotun-community&mode=coach&start=08:30",
}


def lighthouse(url: str, preset: str, out: Path) -> dict:
    cmd = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={FLAGS}",
    ]
    if preset == "desktop":
        cmd.append("--preset=desktop")
    # Lighthouse now and then loses its own trace (NO_NAVSTART) on a loaded machine: one
    # more try, said on stderr, before giving up.
    for attempt in (1, 2):
        done = subprocess.run(cmd, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
        if done.returncode == 0:
            return json.loads(out.read_text(encoding="utf-8"))
        print(f"lighthouse failed on {url} ({preset}), attempt {attempt}", file=sys.stderr)
    raise SystemExit(f"lighthouse failed twice on {url} ({preset})")


def row(report: dict) -> dict:
    cats, audits = report["categories"], report["audits"]

    def score(name: str) -> int:
        return round((cats[name]["score"] or 0) * 100)

    failed = sorted(
        a
        for name in ("accessibility", "best-practices")
        for a in (ref["id"] for ref in cats[name]["auditRefs"] if ref.get("weight"))
        if audits[a]["score"] is not None and audits[a]["score"] < 1
    )
    blocking = audits.get("render-blocking-resources", {}).get("details", {}).get("items", [])
    return {
        "performance": score("performance"),
        "accessibility": score("accessibility"),
        "best practices": score("best-practices"),
        "LCP ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "TBT ms": round(audits["total-blocking-time"]["numericValue"]),
        "render-blocking": len(blocking),
        "failed audits": ", ".join(failed) or "—",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--presets", default="mobile,desktop")
    parser.add_argument("--langs", default="zh,en")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make bench-lighthouse` (bench/lighthouse-npm)")
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    header = None
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(DATA, Path(tmp), "none", {"WEBMAP_DATABASE_URL": "none"})
        base = server.url
        try:
            for page in args.pages.split(","):
                for lang in args.langs.split(","):
                    for preset in args.presets.split(","):
                        path = PAGES[page]
                        url = f"{base}{path}{'&' if '?' in path else '?'}lang={lang}"
                        r = row(lighthouse(url, preset, Path(tmp) / "report.json"))
                        if header is None:
                            header = ["page", "lang", "preset", *r]
                            print("| " + " | ".join(header) + " |")
                            print("|" + "---|" * len(header))
                        print("| " + " | ".join([page, lang, preset, *map(str, r.values())]) + " |", flush=True)
        finally:
            server.stop()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
