"""A real server process (``webmap serve``) and what a test records of a real Chromium page."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from webmap.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WEBMAP_TEST_CHROMIUM", "/usr/bin/chromium")
# Page probes for cluster mode: the sites the map shows (every cluster's count plus each
# single marker), and the located sites that pass the filters.
ON_MAP = """() => {
  const clusters = [...document.querySelectorAll('.leaflet-marker-pane .site-cluster')];
  return clusters.reduce((n, c) => n + Number(c.dataset.count), 0)
         + document.querySelectorAll('.leaflet-marker-pane .site-marker').length;
}"""
LOCATED_VISIBLE = "() => WebMap.visibleFeatures().filter((f) => f.geometry).length"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, data_dir: Path, tmp: Path, tiles: str = "none", env: dict[str, str] | None = None):
        env = {
            **os.environ,
            "WEBMAP_DATA_DIR": str(data_dir),
            "WEBMAP_TILES": tiles,
            "WEBMAP_CACHE_DIR": str(tmp / "cache"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webmap.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
        )
        # The first line is the URL; if the process dies instead, fail with what it said.
        line = self.proc.stdout.readline()
        if "http://" not in line:
            rest = self.proc.stdout.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"server did not start:\n{line}{rest}")
        self.url = line.strip().split()[-1].rstrip("/")
        # Keep reading the server's log, or its pipe fills up and the server blocks.
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.proc.stdout), daemon=True).start()
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.url))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class PageWatch:
    """Everything a page did that a test must not ignore."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.outside_requests: list[str] = []
        self.dialogs: list[str] = []


def blank_tile() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (238, 240, 236)).save(buf, "PNG")
    return buf.getvalue()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


# The page writes its address on the frame after an action (so that a zoom it started is
# already under way): two frames later, any write asked for before now has been made.
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def settled(page, timeout: float = 20_000) -> None:
    """Wait until the map has finished panning and zooming, including a move that an
    action just asked for (Leaflet begins an animated one on the next frame)."""
    page.evaluate(TWO_FRAMES)
    page.wait_for_function("() => !document.body.hasAttribute('data-map-moving')", timeout=timeout)


def zoomed_in_from(page, zoom: float, timeout: float = 20_000) -> None:
    """Wait for a zoom in past `zoom` to happen and finish. Leaflet starts an animated zoom
    on the next frame, so just after a click the map may not be moving yet: waiting only
    for 'not moving' can return before the zoom has begun."""
    page.wait_for_function("(z) => WebMap.map.getZoom() > z", arg=zoom, timeout=timeout)
    settled(page, timeout)


def address(page) -> dict[str, list[str]]:
    """The page's query parameters once the address has caught up with the last action."""
    page.evaluate(TWO_FRAMES)
    return parse_qs(urlsplit(page.url).query)
