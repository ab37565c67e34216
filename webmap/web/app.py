"""The Flask application factory: the one place that assembles the web layer.

The domain package (``webmap``) imports without Flask; only ``webmap.web`` and the CLI's
``serve`` command reach Flask, and they do it through :func:`create_app`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request
from flask_compress import Compress
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..catalogue import Catalogue, load_catalogue
from ..exporters import FORMATS as _EXPORT_FORMATS
from ..secret import derived_key, server_secret
from ..settings import PROJECT_ROOT, Settings, load_settings
from .errors import REFUSED_HOST


def create_app(settings: Settings | None = None, catalogue: Catalogue | None = None) -> Flask:
    """Build the application. Serves the database at ``WEBMAP_DATABASE_URL`` (created and
    seeded from the data folder on first start), or with ``none`` the data folder,
    read-only. Raises ``DataError`` (and so refuses to start) when the data is not valid,
    ``webmap.db.repository.DatabaseError`` when the database cannot be used. A given
    ``catalogue`` is served as is, without a database."""
    settings = settings or load_settings()
    secret = server_secret(settings.secret_key, settings.cache_dir)
    snapshot_key = derived_key(secret, "catalogue-snapshot")
    repository = None
    if catalogue is None:
        repository = open_repository(settings)
        if repository is None:
            catalogue = load_catalogue(settings.data_dir)
        else:  # the snapshot of the last full build and the changes since, if it has one
            from ..db.snapshot import start_catalogue

            catalogue = start_catalogue(repository, settings.cache_dir, snapshot_key)

    app = _WebmapFlask(
        "webmap",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=secret,
        JSON_AS_ASCII=False,
        COMPRESS_MIN_SIZE=500,
        # Larger bodies are a 413 (webmap/web/errors.py) before they are read; nginx has the same limit.
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    app.public_url = urlsplit(settings.public_url) if settings.public_url else None
    app.fallback_host = app.public_url.netloc if app.public_url else (settings.host_list or ["localhost"])[0]
    if settings.trusted_proxies:
        # Only X-Forwarded-For/-Proto, from exactly that many proxies; never X-Forwarded-Host:
        # absolute URLs come from WEBMAP_PUBLIC_URL (or the allowed request host).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_port=0, x_prefix=0)
    app.json.ensure_ascii = False
    app.extensions["webmap.settings"] = settings
    app.extensions["webmap.snapshot_key"] = snapshot_key
    app.extensions["webmap.catalogue"] = catalogue
    app.extensions["webmap.repository"] = repository
    # What a write calls to show its change at once (webmap/web/edit.py; no import back here).
    app.extensions["webmap.refresh"] = refresh_catalogue
    if repository is not None:
        _follow_database(app, catalogue)

    from . import (
        api,
        assets,
        auth,
        bundle,
        changes,
        edit,
        edit_pages,
        errors,
        exports,
        i18n,
        ogc,
        pages,
        revert_page,
        review,
        security,
        site_pages,
        trips,
    )

    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    auth.init_app(app)  # sessions, tokens, CSRF, sign-in throttle (/login, /logout)
    assets.init_app(app)  # ?v=<content hash> on static URLs (deploy/nginx.conf caches those)
    _cache_versioned_static(app)
    bundle.init_app(app)  # the map page's scripts, one file per group
    app.register_blueprint(api.bp)
    app.register_blueprint(edit.bp)  # writes, history, review queue (needs the repository)
    assert (
        edit_pages.bp is edit.bp is review.bp is revert_page.bp is site_pages.bp
    )  # history (and restore), edit form, review queue
    app.register_blueprint(pages.bp)
    app.register_blueprint(changes.bp)  # what changed: /changes, /changes.atom, /api/changes
    app.register_blueprint(trips.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(ogc.bp)
    from . import suggest, suggest_pages  # residents' suggestions (#13), throttled by auth's limiter

    suggest.init_app(app)
    from . import steward_queue  # the stewards' queue of suggestions (#13)

    app.register_blueprint(steward_queue.bp)
    suggest_pages.init_app(app)  # the residents' form /suggest/<site_id>
    compress = Compress(app)
    # flask-compress has no open-data types in its list (read once, at init); add ours.
    compress.compress_mimetypes_set |= {t.split(";")[0] for t in _EXPORT_FORMATS.values()}
    app.extensions["webmap.warm"] = api.warm
    api.warm(app)
    pages.warm(app)
    return app


def _cache_versioned_static(app: Flask) -> None:
    """``/static/<file>?v=<hash>`` is kept by browsers for good when the hash is the file's
    own (as deploy/nginx.conf does in production): a changed file gets a new URL, so a
    repeat visit asks for no script or stylesheet again. An old hash is still served, with
    the current file and the default revalidation, never marked immutable."""
    from .assets import IMMUTABLE, content_version

    static_root = Path(app.static_folder or "").resolve()

    @app.after_request
    def immutable_static(resp):
        version = request.args.get("v")
        if request.endpoint != "static" or not version or resp.status_code not in (200, 304):
            return resp
        path = (static_root / (request.view_args or {}).get("filename", "")).resolve()
        if path.is_relative_to(static_root) and content_version(path) == version:
            resp.headers["Cache-Control"] = IMMUTABLE
        return resp


class _WebmapFlask(Flask):
    """Flask whose absolute URLs (``url_for(..., _external=True)``: OGC links, canonical
    links, export URL columns, ICS, QR codes) use ``WEBMAP_PUBLIC_URL`` when it is set,
    whatever Host the request names: the one place that decides the public origin."""

    public_url = None
    fallback_host = "localhost"

    def create_url_adapter(self, request):
        try:
            adapter = super().create_url_adapter(request)
            refused = request is not None and not self.extensions["webmap.settings"].allows_host(request.host)
        except SecurityError:  # werkzeug: not a host name at all
            refused = True
        if refused:
            # A Host that is not allowed (WEBMAP_ALLOWED_HOSTS) or malformed: build this request's
            # URLs (the error page's) for the public or first allowed host; errors.py refuses it.
            request.environ[REFUSED_HOST] = True
            request.environ["HTTP_HOST"] = self.fallback_host
            adapter = super().create_url_adapter(request)
        if adapter is not None and request is not None and self.public_url is not None:
            adapter.url_scheme = self.public_url.scheme
            adapter.server_name = self.public_url.netloc
            if self.public_url.path:
                adapter.script_name = self.public_url.path
        return adapter


def open_repository(settings: Settings):
    """The settings' database, its schema brought up to date and seeded from the data
    folder if it is empty; None when ``WEBMAP_DATABASE_URL=none`` (serve the files)."""
    if not settings.database_url:
        return None
    from ..db.repository import Repository

    repository = Repository.open(settings.database_url, settings.data_dir)
    repository.init(settings.data_dir)
    return repository


def load_app_catalogue(settings: Settings) -> Catalogue:
    """The catalogue the settings ask for: the database's, or the data folder's."""
    repository = open_repository(settings)
    if repository is None:
        return load_catalogue(settings.data_dir)
    try:
        return repository.load_catalogue()
    finally:
        repository.close()


# How often (at most) a request checks the database for changes made elsewhere.
POLL_INTERVAL_S = 0.5
# What depends on the catalogue and is rebuilt lazily after a change.
_DERIVED = ("webmap.collections", "webmap.map_parts", "webmap.ogc")


def _db_version(catalogue: Catalogue) -> int:
    return int(catalogue.version.removeprefix("db-"))


def _follow_database(app: Flask, catalogue: Catalogue) -> None:
    state = app.extensions["webmap.follow"] = {
        "version": _db_version(catalogue),
        "polled": time.monotonic(),
        "lock": threading.Lock(),
        "busy": False,
    }

    @app.before_request
    def poll() -> None:
        """At most every POLL_INTERVAL_S, one cheap query: has another process published
        a change? If so, rebuild in the background and go on serving what we have."""
        now = time.monotonic()
        if now - state["polled"] < POLL_INTERVAL_S or state["busy"]:
            return
        state["polled"] = now
        try:
            changed = app.extensions["webmap.repository"].version() != state["version"]
        except Exception:  # noqa: BLE001 - the database is briefly unreachable: serve what we have
            app.logger.warning("cannot poll the database for changes", exc_info=True)
            return
        if changed:
            state["busy"] = True
            threading.Thread(target=_refresh_in_background, args=(app,), daemon=True).start()


def _refresh_in_background(app: Flask) -> None:
    try:
        refresh_catalogue(app)
    except Exception:  # noqa: BLE001 - logged; the old catalogue is served until the next try
        app.logger.exception("refreshing the catalogue from the database failed")
    finally:
        app.extensions["webmap.follow"]["busy"] = False


# Past this many sites changed since the last full build, refresh rebuilds the catalogue
# rather than patching more sites into it (webmap/catalogue/incremental.py).
FULL_REBUILD_AT = 2000


def _layered_size(catalogue: Catalogue) -> int:
    return getattr(catalogue.search_index, "size", 0)


def refresh_catalogue(app: Flask) -> bool:
    """Serve what the database holds now, if it changed since we loaded: call after a
    write (the poll calls it for changes made by other processes). Builds a new
    catalogue from the current one and the sites changed since its version (a full
    rebuild from the stored rows when too many changed), then swaps it in, so requests
    meanwhile are answered from the previous one. True if it changed."""
    repository = app.extensions.get("webmap.repository")
    if repository is None:
        return False
    state = app.extensions["webmap.follow"]
    with state["lock"]:
        if repository.version() == state["version"]:
            return False
        current = app.extensions["webmap.catalogue"]
        catalogue = repository.update_catalogue(current) if _layered_size(current) < FULL_REBUILD_AT else None
        if catalogue is None:  # too many changes to patch in: the full rebuild (and a new snapshot)
            from ..db.snapshot import full_catalogue

            cache_dir = app.extensions["webmap.settings"].cache_dir
            catalogue = full_catalogue(repository, cache_dir, app.extensions["webmap.snapshot_key"])
        app.extensions["webmap.catalogue"] = catalogue
        for key in _DERIVED:
            app.extensions.pop(key, None)
        state["version"] = _db_version(catalogue)
    app.extensions["webmap.warm"](app)  # /api/columns for the new version, in the background
    return True


__all__ = ["create_app", "load_app_catalogue", "open_repository", "refresh_catalogue"]
