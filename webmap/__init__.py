"""Yungang District web map."""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from .catalogue import Catalogue, load_catalogue
from .settings import PROJECT_ROOT, Settings, load_settings


def create_app(settings: Settings | None = None, catalogue: Catalogue | None = None) -> Flask:
    """Build the application. Loads and validates the data once; raises ``DataError``
    (and so refuses to start) when the data is not valid."""
    settings = settings or load_settings()
    catalogue = catalogue or load_catalogue(settings.data_dir)

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False, COMPRESS_MIN_SIZE=500)
    app.json.ensure_ascii = False
    app.extensions["webmap.settings"] = settings
    app.extensions["webmap.catalogue"] = catalogue

    from .web import api, errors, pages, trips

    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(trips.bp)
    Compress(app)
    return app


__all__ = ["create_app"]
