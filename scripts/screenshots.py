"""Retake the screenshots in docs/ (390×844 phone, zh; 1440×900 desktop) from a real server.

    .venv/bin/python scripts/screenshots.py            # all of them, into docs/
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

The server runs on the shipped data without basemap tiles (WEBMAP_TILES=none) and without
a database, in Debian's Chromium. Open the files and look at them after a UI change.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
TRIP = "trip=yungang-grottoes,red-memorial-hall,gaoshan-town-countryside,gaotun-community&start=08:30"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    out = ap.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WEBMAP_TILES": "none", "WEBMAP_DATABASE_URL": "none", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "webmap.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    url = server.stdout.readline().split()[-1].rstrip("/")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

            def page(viewport, path, locale="zh-CN"):
                p = browser.new_context(viewport=viewport, locale=locale).new_page()
                p.goto(url + path)
                return p

            def map_page(viewport, path="/", locale="zh-CN"):
                p = page(viewport, path, locale)
                p.wait_for_selector("body[data-state=ready]")
                p.wait_for_selector("body:not([data-map-moving])", state="attached")
                p.wait_for_timeout(400)
                return p

            map_page(DESKTOP).screenshot(path=out / "screenshot-desktop.png")
            map_page(PHONE).screenshot(path=out / "screenshot-phone-map.png")
            for viewport, name in ((PHONE, "screenshot-phone-popup.png"), (DESKTOP, "screenshot-desktop-popup.png")):
                map_page(viewport, "/?site=yungang-grottoes").screenshot(path=out / name)
            # In English, with a link part the page had to correct (its notice quotes it).
            map_page(DESKTOP, "/?lang=en&site=yungang-grottoes&r=999999", "en-US").screenshot(
                path=out / "screenshot-desktop-en.png"
            )
            for viewport, name in ((DESKTOP, "screenshot-planner.png"), (PHONE, "screenshot-phone-planner.png")):
                p = map_page(viewport, "/?" + TRIP)
                p.wait_for_selector("#trip-schedule tr[data-kind=stop]", state="attached")
                if viewport is PHONE:
                    p.locator("#sheet-toggle").click()
                    p.locator("#sheet-toggle").click()  # peek -> half -> full
                p.eval_on_selector("#planner-box", "b => { b.open = true; b.scrollIntoView({block: 'start'}); }")
                p.wait_for_timeout(400)
                p.screenshot(path=out / name)
            itineraries = ((DESKTOP, "screenshot-desktop-itinerary.png"), (PHONE, "screenshot-phone-itinerary.png"))
            for viewport, name in itineraries:
                p = page(viewport, "/trip?" + TRIP)
                p.wait_for_selector("h1")
                p.screenshot(path=out / name)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
