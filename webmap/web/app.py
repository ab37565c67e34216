"""The Flask application factory: the one place that assembles the web layer.

The domain package (``webmap``) imports without Flask; only ``webmap.web`` and the CLI's
``serve`` command reach Flask, and they do it through :func:`create_app`.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from ..catalogue import Catalogue, load_catalogue
from ..exporters import FORMATS as _EXPORT_FORMATS
from ..settings import PROJECT_ROOT, Settings, load_settings


def create_app(settings: Settings | None = None, catalogue: Catalogue | None = None) -> Flask:
    """Build the application. Loads and validates the data once (from the database when
    ``WEBMAP_DATABASE_URL`` is set); raises ``DataError`` (and so refuses to start) when
    the data is not valid, ``webmap.pg.DatabaseError`` when the database cannot be used."""
    settings = settings or load_settings()
    catalogue = catalogue or load_app_catalogue(settings)

    app = Flask(
        "webmap",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False, COMPRESS_MIN_SIZE=500)
    app.json.ensure_ascii = False
    app.extensions["webmap.settings"] = settings
    app.extensions["webmap.catalogue"] = catalogue

    from . import api, assets, auth, edit, errors, exports, i18n, ogc, pages, security, trips

    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    auth.init_app(app)  # sessions, tokens, CSRF, sign-in throttle (/login, /logout)
    assets.init_app(app)  # ?v=<content hash> on static URLs (deploy/nginx.conf caches those)
    app.register_blueprint(api.bp)
    app.register_blueprint(edit.bp)  # writes, history, review queue (needs the repository)
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


def load_app_catalogue(settings: Settings) -> Catalogue:
    """The catalogue the settings ask for: the database's, or the data folder's."""
    if settings.database_url:
        from ..pg import load_catalogue_from_db

        return load_catalogue_from_db(settings.database_url, settings.data_dir)
    return load_catalogue(settings.data_dir)


__all__ = ["create_app", "load_app_catalogue"]
