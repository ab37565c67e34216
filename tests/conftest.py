"""Fixtures only: the shipped data (or a copy to break), the app, and a real server
driven by headless Chromium that fails on console errors and outside requests. The
helpers they use live in tests/support/; browser tests are in tests/browser/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, PageWatch, blank_tile
from support.data import DATA

from webmap.catalogue import load_catalogue
from webmap.settings import load_settings
from webmap.web.app import create_app

# The suite serves the data folder read-only unless a test asks for a database
# (tests/test_db_*.py give each test its own SQLite file): the default would be the
# developer's instance/webmap.sqlite3. Servers started by tests inherit this.
os.environ.setdefault("WEBMAP_DATABASE_URL", "none")


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(DATA)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data folder, for tests that change or break it."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def app(tmp_path):
    return create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache"))


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------------------
# A real server process and a real browser


@pytest.fixture
def serve(tmp_path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(data_dir: Path = DATA, tiles: str = "none", env: dict[str, str] | None = None) -> LiveServer:
        server = LiveServer(data_dir, tmp_path, tiles, env)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def server(serve) -> LiveServer:
    return serve()


# ---------------------------------------------------------------------------
# A throwaway PostgreSQL + PostGIS cluster (tests/support/pgcluster.py) for the database backend


@pytest.fixture(scope="session")
def pg_cluster():
    """Started once per session, removed at the end. Without PostgreSQL/PostGIS (or
    psycopg) the tests that need it skip, and fail in CI, saying what to install."""
    from support.pgcluster import Cluster, ClusterUnavailable

    missing = os.environ.get("CI") and pytest.fail or pytest.skip
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("psycopg is not installed: pip install -e '.[test]' (the postgis extra)")
    try:
        cluster = Cluster()
    except ClusterUnavailable as exc:
        missing(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """The URL of a new, empty database (PostGIS installed, no webmap tables)."""
    return pg_cluster.new_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A new SQLite database file (not created yet) for one test."""
    return f"sqlite:///{tmp_path / 'webmap.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The same test on a new SQLite file and on a new PostgreSQL database (skipped
    where PostgreSQL is not installed, as for tests/test_postgis.py)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'webmap.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium (see README)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., tuple]]:
    """open_page(server, path, width=1440, height=900, allow_hosts=()) -> (page, watch).

    Any request to a host other than the app (and ``allow_hosts``, which are answered
    locally with a blank tile) is aborted and recorded; console errors, page errors
    and dialogs (alert/confirm) are recorded. At the end of the test all must be empty."""
    watches: list[PageWatch] = []
    contexts = []
    blank_png = blank_tile()

    def opener(
        server: LiveServer,
        path: str = "/",
        width: int = 1440,
        height: int = 900,
        allow_hosts: tuple[str, ...] = (),
        wait_ready: bool = True,
        **context_options,
    ):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", service_workers="block", **context_options
        )
        contexts.append(ctx)
        page = ctx.new_page()
        watch = PageWatch()
        watches.append(watch)

        def route(r):
            url = r.request.url
            if url.startswith(server.origin + "/") or url.startswith("data:"):
                return r.continue_()
            host = urlsplit(url).hostname or ""
            if host in allow_hosts:
                return r.fulfill(status=200, content_type="image/png", body=blank_png)
            watch.outside_requests.append(url)
            return r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and watch.console_errors.append(m.text))
        page.on("pageerror", lambda e: watch.console_errors.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
        page.goto(server.url + path)
        if wait_ready:
            page.wait_for_selector("body[data-state=ready]", timeout=15_000)
        return page, watch

    yield opener
    for ctx in contexts:
        ctx.close()
    for w in watches:
        assert w.console_errors == [], f"browser console errors: {w.console_errors} (outside: {w.outside_requests[:5]})"
        assert w.outside_requests == [], f"requests left the machine: {w.outside_requests}"
        assert w.dialogs == [], f"a dialog was opened (injected script ran?): {w.dialogs}"
