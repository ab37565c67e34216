"""Time to first markers in headless Chromium, for the map and for a plain Folium export.

Ours: `python -m webmap.cli serve --port 0` on the bench's data folder (as tests/support/browser.py
starts it), then `/?lang=zh` in a fresh browser. Plain Folium: the HTML bench/scale.py
built, with Leaflet from the same node_modules, served by a small local http.server.
Every request to a host other than 127.0.0.1/localhost is aborted, so nothing leaves the
machine (and no basemap tiles are drawn: WEBMAP_TILES=none, and Folium's tiles=None).

The time is milliseconds from navigation start (performance.timeOrigin) until:
- ours: the `webmap:first-markers` performance mark, when the page sets it; until then the
  first animation frame in which body[data-state=ready] and a .leaflet-marker-icon exist;
- plain: the first animation frame with a .leaflet-marker-icon in the page.
The signal used is reported with each figure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("WEBMAP_BENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1440, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
MARK = "webmap:first-markers"

# Runs in the page on every animation frame until it returns something truthy.
_FIRST_MARKERS_JS = """
([mark, plain]) => {
  const m = performance.getEntriesByName(mark);
  if (m.length) return {signal: "performance mark " + mark, ms: m[0].startTime};
  const icons = document.querySelectorAll(".leaflet-marker-icon, .marker-cluster").length;
  if (plain) return icons ? {signal: "first frame with a .leaflet-marker-icon", ms: performance.now()} : false;
  const state = document.body && document.body.dataset.state;
  if (state === "error") return {signal: "page reported data-state=error", ms: performance.now(), error: true};
  const signal = "data-state=ready + .leaflet-marker-icon (no mark yet)";
  if (state === "ready" && icons) return {signal, ms: performance.now()};
  return false;
}
"""
# What was loaded, from the Resource Timing API (same-origin, so sizes are exposed).
_TRANSFER_JS = """
() => {
  const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
  const sum = (k) => entries.reduce((a, e) => a + (e[k] || 0), 0);
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    requests: entries.length,
    wire_bytes: sum("transferSize"),
    encoded_bytes: sum("encodedBodySize"),
    decoded_bytes: sum("decodedBodySize"),
    largest: entries.map((e) => [e.name, e.encodedBodySize, e.decodedBodySize]).sort((a, b) => b[2] - a[2])[0],
    load_ms: nav ? nav.loadEventEnd : null,
    ttfb_ms: nav ? nav.responseStart : null,
    // What was requested, in order (the page's own origin left out), and how many had
    // finished when the first markers were drawn (what they could have waited for).
    names: entries.map((e) => e.name.replace(location.origin, "")),
    done_before_mark: (() => {
      const m = performance.getEntriesByName("webmap:first-markers")[0];
      return m ? entries.filter((e) => e.responseEnd <= m.startTime).length : null;
    })(),
    markers: document.querySelectorAll(".leaflet-marker-icon").length,
    clusters: document.querySelectorAll(".marker-cluster").length,
    js_heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null,
  };
}
"""


class LiveServer:
    """`webmap serve --port 0` in a subprocess (the approach of tests/support/browser.py's LiveServer)."""

    def __init__(self, app_root: Path, data_dir: Path, tmp: Path, assets_dir: Path | None = None):
        env = {
            **os.environ,
            "WEBMAP_DATA_DIR": str(data_dir),
            # The bench's data folder itself, not the checkout's instance/ database (seeded
            # once, from whatever data it was first started on), unless asked for.
            "WEBMAP_DATABASE_URL": os.environ.get("WEBMAP_DATABASE_URL", "none"),
            "WEBMAP_TILES": "none",
            "WEBMAP_CACHE_DIR": str(tmp / "cache"),
            "PYTHONUNBUFFERED": "1",
        }
        if assets_dir:
            env["WEBMAP_ASSETS_DIR"] = str(assets_dir)
        t = time.perf_counter()
        # cwd = app_root, so `-m webmap.cli` imports that checkout's webmap, like the child.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webmap.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=app_root,
        )
        line = self.proc.stdout.readline()  # "Serving ... at http://127.0.0.1:PORT/", after loading the data
        if "http://" not in line:
            rest = self.proc.stdout.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"server did not start:\n{line}{rest}")
        self.start_s = time.perf_counter() - t
        self.url = line.strip().split()[-1].rstrip("/")
        self.log: list[str] = []  # keep draining, or the pipe fills up and the server blocks
        threading.Thread(target=lambda: self.log.extend(self.proc.stdout), daemon=True).start()

    def peak_rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class StaticServer:
    """http.server on 127.0.0.1, port chosen by the OS, in a thread."""

    def __init__(self, folder: Path):
        handler = partial(_QuietHandler, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def local_only(blocked: list[str]):
    """A Playwright route handler: requests to this machine go on, others are aborted
    and listed in ``blocked`` (a bench makes no request outside the machine)."""

    def route(r):
        host = urlsplit(r.request.url).hostname
        if host is None or host in LOCAL_HOSTS:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    return route


def first_markers(url: str, plain: bool, timeout_s: float = 120) -> dict:
    """Open url in a fresh headless Chromium; see the module docstring for what is timed."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    result: dict = {"url": url, "timeout_s": timeout_s}
    route = local_only(blocked)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.context.route("**/*", route)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            deadline = time.monotonic() + timeout_s
            wall = time.perf_counter()
            try:
                page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
                left = max(1.0, deadline - time.monotonic())
                handle = page.wait_for_function(
                    _FIRST_MARKERS_JS, arg=[MARK, plain], polling="raf", timeout=left * 1000
                )
                result.update(handle.json_value())
            except PlaywrightError as exc:
                # A timeout (or a page that hangs) is a result, not a crash of the whole table.
                timed_out = "Timeout" in type(exc).__name__ or "Timeout" in str(exc)
                result.update(timeout=timed_out, error=str(exc).splitlines()[0][:200], ms=None)
            result["wall_s"] = time.perf_counter() - wall
            # Let the load event and late requests finish, then add up what was transferred.
            # Not "networkidle": a page with thousands of Folium markers never reaches it.
            try:
                page.wait_for_load_state("load", timeout=min(30.0, max(1.0, deadline - time.monotonic())) * 1000)
                page.wait_for_timeout(500)
            except PlaywrightError:
                result["load_event"] = False
            try:  # evaluate() has no timeout, and a page still busy drawing markers would hang it
                handle = page.wait_for_function(_TRANSFER_JS, timeout=30_000)
                result.update(handle.json_value())
            except PlaywrightError as exc:
                result["transfer_error"] = str(exc).splitlines()[0][:200]
            result["blocked"] = blocked
            result["page_errors"] = errors[:5]
        finally:
            browser.close()
    return result


def first_markers_isolated(url: str, plain: bool, timeout_s: float = 120) -> dict:
    """first_markers() in a child process with a hard wall-clock limit.

    Playwright's own timeouts do not always fire while the renderer is stuck in a long
    script (a 40 MB Folium page at 100k markers kept one busy for minutes past every
    timeout), so the child and its Playwright driver are stopped as a process group, and the
    driver closes the Chromium it launched."""
    limit = timeout_s + 90  # goto + first markers + load event + transfer figures + close
    proc = subprocess.Popen(
        [sys.executable, __file__, url, "plain" if plain else "ours", str(timeout_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so all of it can be stopped
    )
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        # SIGTERM first: Playwright's driver then closes the Chromium it launched (in a
        # process group of its own); SIGKILL if that does not end it.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        return {"url": url, "ms": None, "timeout": True, "error": f"no answer from Chromium within {limit:.0f} s"}
    if proc.returncode != 0 or not out.strip():
        return {"url": url, "ms": None, "error": f"browser child failed: {err.strip()[-500:]}"}
    return json.loads(out.strip().splitlines()[-1])


def measure_ours(app_root: Path, data_dir: Path, tmp: Path, assets_dir: Path | None, timeout_s: float) -> dict:
    server = LiveServer(app_root, data_dir, tmp, assets_dir)
    try:
        out = first_markers_isolated(server.url + "/?lang=zh", plain=False, timeout_s=timeout_s)
        out["server_start_s"] = server.start_s
        out["server_rss_mb"] = server.peak_rss_mb()
    finally:
        server.stop()
    return out


def measure_plain(html: Path, leaflet_dist: Path, timeout_s: float) -> dict:
    """Serve html as /index.html with leaflet_dist at /vendor/leaflet/ (the paths the page uses)."""
    folder = html.parent
    vendor = folder / "vendor"
    vendor.mkdir(exist_ok=True)
    link = vendor / "leaflet"
    if not link.exists():
        link.symlink_to(leaflet_dist, target_is_directory=True)
    server = StaticServer(folder)
    try:
        return first_markers_isolated(f"{server.url}/{html.name}", plain=True, timeout_s=timeout_s)
    finally:
        server.stop()


if __name__ == "__main__":
    # python bench/browser.py URL ours|plain TIMEOUT_S  -> one JSON line (used by first_markers_isolated)
    print(json.dumps(first_markers(sys.argv[1], sys.argv[2] == "plain", float(sys.argv[3]))))
