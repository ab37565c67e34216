"""The production stack as `scripts/serve-production` runs it: real nginx in front of real
gunicorn on a free loopback port. Slow and idle clients must not starve everyone else
(issue 16: 24 trickling clients left gunicorn alone with no free thread), nginx's own
answers carry the security headers, versioned static files are cached for good, and an
oversized body is refused before it reaches the app."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from webmap.settings import PROJECT_ROOT

pytestmark = pytest.mark.production

SCRIPT = PROJECT_ROOT / "scripts" / "serve-production"
HELD = 320  # slow + idle connections kept open at once (issue 16 asks for >= 300)
HOLD_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(tmp: Path, *extra: str):
    """scripts/serve-production on a free port, as an operator starts it; stopped with SIGTERM."""
    port = _free_port()
    env = dict(os.environ, PYTHON=sys.executable, WEBMAP_TILES="none", WEBMAP_CACHE_DIR=str(tmp / "cache"))
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--port", str(port), "--run-dir", str(tmp / "run"), *extra],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()  # the "serving on" line, once gunicorn answers and nginx runs
    if "serve-production: http://" not in line:
        proc.kill()
        pytest.fail(f"serve-production did not start: {line!r}")
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield port
    proc.send_signal(signal.SIGTERM)
    # Both nginx and gunicorn stop, cleanly, and the port is free again.
    assert proc.wait(timeout=20) == 0
    with socket.socket() as s:  # REUSEADDR: TIME_WAIT is fine, a listener left behind is not
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with _serving(tmp_path_factory.mktemp("production")) as port:
        yield port


def _get(port: int, path: str, timeout: float = 5, **kw) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(kw.pop("method", "GET"), path, **kw)
        resp = conn.getresponse()
        return resp, resp.read()
    finally:
        conn.close()


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _assert_security_headers(resp: http.client.HTTPResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert resp.getheader(name) == value, name
    assert "geolocation=(self)" in resp.getheader("Permissions-Policy", "")
    csp = resp.headers.get_all("Content-Security-Policy") or []
    assert len(csp) == 1 and "frame-ancestors" in csp[0] and "default-src" in csp[0]


class _Attackers(threading.Thread):
    """Keeps `count` connections open: half trickle a request header one line every 5 s
    and never finish it, half send nothing. Any the server closes are opened again, so the
    server faces `count` of them for the whole run."""

    def __init__(self, port: int, count: int, seconds: float):
        super().__init__(daemon=True)
        self.port, self.count, self.seconds = port, count, seconds
        self.min_open = count
        self.reopened = 0
        self.done = threading.Event()

    def _open(self, sel: selectors.BaseSelector, slow: bool) -> None:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.setblocking(False)
        if slow:
            s.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        sel.register(s, selectors.EVENT_READ, {"slow": slow, "next": time.monotonic() + 5})

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        try:
            for i in range(self.count):
                self._open(sel, slow=i % 2 == 0)
            end = time.monotonic() + self.seconds
            while time.monotonic() < end:
                for key, _ in sel.select(timeout=0.5):
                    try:
                        data = key.fileobj.recv(4096)
                    except OSError:
                        data = b""
                    if not data:  # closed by the server (its timeouts): open another
                        sel.unregister(key.fileobj)
                        key.fileobj.close()
                        self._open(sel, key.data["slow"])
                        self.reopened += 1
                now = time.monotonic()
                for key in list(sel.get_map().values()):
                    if key.data["slow"] and now >= key.data["next"]:
                        key.data["next"] = now + 5
                        try:
                            key.fileobj.send(b"X-Trickle: 1\r\n")
                        except OSError:
                            pass
                self.min_open = min(self.min_open, len(sel.get_map()))
        finally:
            for key in list(sel.get_map().values()):
                key.fileobj.close()
            self.done.set()


def test_slow_and_idle_clients_do_not_starve_normal_requests(stack):
    attackers = _Attackers(stack, HELD, HOLD_SECONDS)
    attackers.start()
    time.sleep(1)  # all of them connected and sending their first bytes
    answered, worst = 0, 0.0
    while not attackers.done.is_set():
        start = time.monotonic()
        # A 1 s timeout: a normal request that is not answered within 1 s fails the test.
        resp, body = _get(stack, "/api/sites/yungang-grottoes", timeout=1)
        worst = max(worst, time.monotonic() - start)
        assert resp.status == 200 and json.loads(body)["id"] == "yungang-grottoes"
        answered += 1
        time.sleep(0.5)
    attackers.join()
    assert attackers.min_open >= 300, attackers.min_open
    assert answered >= HOLD_SECONDS, (answered, worst)


def test_versioned_static_files_are_cached_for_good(stack):
    resp, page = _get(stack, "/")
    assert resp.status == 200
    _assert_security_headers(resp)
    urls = re.findall(r'(/static/([a-z]+\.(?:css|js))\?v=([0-9a-f]+))"', page.decode())
    assert {name for _, name, _ in urls} >= {"app.css", "planner.css"}
    for url, name, version in urls:
        on_disk = (PROJECT_ROOT / "static" / name).read_bytes()
        assert version == hashlib.sha256(on_disk).hexdigest()[: len(version)]
        resp, body = _get(stack, url, headers={"Accept-Encoding": "identity"})
        assert resp.status == 200 and body == on_disk
        cache = ", ".join(resp.headers.get_all("Cache-Control"))
        assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache)[1]) >= 365 * 86400
        _assert_security_headers(resp)
    # The map's scripts come as bundles from the app, through the proxy, kept for good too.
    bundles = re.findall(r'src="(/bundle/[a-z-]+\.js\?v=[0-9a-f]+)"', page.decode())
    assert len(bundles) == 2, bundles  # the first markers' scripts, and the rest
    for url in bundles:
        resp, body = _get(stack, url, headers={"Accept-Encoding": "identity"})
        cache = ", ".join(resp.headers.get_all("Cache-Control"))
        assert resp.status == 200 and b"WebMapApp" in body and "immutable" in cache, url
    # Without a version the browser must ask again (it may get a 304), never keep it blindly.
    resp, _ = _get(stack, "/static/app.css")
    cache = ", ".join(resp.headers.get_all("Cache-Control"))
    assert resp.status == 200 and "immutable" not in cache and "no-cache" in cache


def test_static_files_are_gzipped(stack):
    resp, body = _get(stack, "/static/map.js", headers={"Accept-Encoding": "gzip"})
    assert resp.status == 200 and resp.getheader("Content-Encoding") == "gzip"
    assert len(body) < (PROJECT_ROOT / "static" / "map.js").stat().st_size


def test_nginx_error_pages_carry_the_security_headers(stack):
    resp, _ = _get(stack, "/static/no-such-file.js")
    assert resp.status == 404
    _assert_security_headers(resp)


def test_a_body_over_the_limit_gets_413_with_a_json_body(stack):
    body = b'{"stops": [' + b'"yungang-grottoes", ' * 60_000 + b'"yungang-grottoes"]}'  # > 1 MB
    resp, answer = _get(
        stack, "/api/trips/plan", method="POST", body=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status == 413
    _assert_security_headers(resp)
    error = json.loads(answer)["error"]
    assert error["status"] == 413 and error["code"] == "request_entity_too_large"
    # A body within the limit still reaches the app (which answers for itself).
    resp, answer = _get(
        stack, "/api/trips/plan", method="POST", body=b"{}", headers={"Content-Type": "application/json"}
    )
    assert resp.status != 413 and resp.status < 500


def test_a_forged_forwarded_host_does_not_reach_the_app(stack):
    resp, page = _get(stack, "/sites/yungang-grottoes", headers={"X-Forwarded-Host": "evil.example"})
    assert resp.status == 200 and b"evil.example" not in page


def _canonical(page: bytes) -> str:
    return re.search(rb'<link rel="canonical" href="([^"]+)"', page).group(1).decode()


def test_only_a_trusted_proxy_can_say_the_visitor_came_over_https(stack, tmp_path):
    # Untrusted peer: its X-Forwarded-Proto is replaced by nginx's own scheme.
    _, page = _get(stack, "/sites/yungang-grottoes", headers={"X-Forwarded-Proto": "https"})
    assert _canonical(page).startswith("http://127.0.0.1:")
    # Behind a TLS-terminating proxy at 127.0.0.1 (--trusted-proxy): links say https, with the port.
    with _serving(tmp_path, "--trusted-proxy", "127.0.0.1") as port:
        _, page = _get(port, "/sites/yungang-grottoes", headers={"X-Forwarded-Proto": "https"})
        assert _canonical(page) == f"https://127.0.0.1:{port}/sites/yungang-grottoes"
        _, page = _get(port, "/sites/yungang-grottoes")
        assert _canonical(page).startswith("http://")
