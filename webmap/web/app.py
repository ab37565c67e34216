"""The Flask application factory: the one place that assembles the web layer.

The domain package (``webmap``) imports without Flask; only ``webmap.web`` and the CLI's
``serve`` command reach Flask, and they do it through :func:`create_app`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_compress import Compress
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..catalogue import Catalogue, load_catalogue
from ..exporters import FORMATS as _EXPORT_FORMATS
from ..settings import PROJECT_ROOT, Settings, load_settings
from .errors import REFUSED_HOST


def create_app(settings: Settings | None = None, catalogue: Catalogue | None = None) -> Flask:
    """Build the application. Loads and validates the data once (from the database when
    ``WEBMAP_DATABASE_URL`` is set); raises ``DataError`` (and so refuses to start) when
    the data is not valid, ``webmap.pg.DatabaseError`` when the database cannot be used."""
    settings = settings or load_settings()
    catalogue = catalogue or load_app_catalogue(settings)

    app = _WebmapFlask(
        "webmap",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
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
    app.extensions["webmap.catalogue"] = catalogue

    from . import api, assets, errors, exports, i18n, ogc, pages, security, trips

    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    assets.init_app(app)  # ?v=<content hash> on static URLs (deploy/nginx.conf caches those)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(trips.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(ogc.bp)
    compress = Compress(app)
    # flask-compress has no open-data types in its list (read once, at init); add ours.
    compress.compress_mimetypes_set |= {t.split(";")[0] for t in _EXPORT_FORMATS.values()}
    api.warm(app)
    pages.warm(app)
    return app


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


def load_app_catalogue(settings: Settings) -> Catalogue:
    """The catalogue the settings ask for: the database's, or the data folder's."""
    if settings.database_url:
        from ..pg import load_catalogue_from_db

        return load_catalogue_from_db(settings.database_url, settings.data_dir)
    return load_catalogue(settings.data_dir)


__all__ = ["create_app", "load_app_catalogue"]
