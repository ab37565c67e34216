"""The checks every write passes, as the loader makes them: a part of ``Repository``."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..catalogue import (
    BOUNDARY_FILE,
    LAYERS_FILE,
    PHOTOS_DIR,
    THEMES_FILE,
    DataError,
    Problem,
    SiteContext,
    validate_site,
)
from ..catalogue.store import to_geojson
from ..catalogue.validate import validate_boundary, validate_records
from ..schema import Layer, SiteFeature, Theme
from ..trips.data import TRIPS_FILE, load_trips
from . import tables as t
from .errors import DatabaseError
from .exchange import _DocSource


class Checks:
    """Mixed into ``Repository``."""

    def _site_context(self) -> SiteContext:
        """What a site is checked against (layers, themes, outline, photos), from the
        stored documents; rebuilt when they change (an import)."""
        with self._read() as conn:
            texts = dict(conn.execute(select(t.documents.c.name, t.documents.c.text)).all())
        key = hash(tuple(sorted(texts.items())))
        if self._context is not None and self._context[0] == key:
            return self._context[1]
        if not texts:
            raise DatabaseError(f"{self.masked} holds no data yet: run `webmap db init`")
        src, problems = _DocSource(self.masked, texts), []
        layers = validate_records(src.read(LAYERS_FILE), src.where(LAYERS_FILE), "layers", Layer, problems)
        themes = validate_records(src.read(THEMES_FILE), src.where(THEMES_FILE), "themes", Theme, problems)
        boundary = validate_boundary(src.read(BOUNDARY_FILE), src.where(BOUNDARY_FILE), problems)
        if problems:
            raise DataError(problems)
        context = SiteContext.build(
            "edit", {x.id for x in layers}, {x.id for x in themes}, boundary, self.data_dir / PHOTOS_DIR
        )
        self._context = (key, context)
        return context

    def _validate(self, feature: dict) -> dict:
        """The loader's check of one site (the one call of ``validate_site`` in webmap.db);
        returns the site's served form. Raises ``DataError`` naming the field."""
        return to_geojson(validate_site(feature, self._site_context()))

    def _check_trips(self, conn: Connection, site_id: str, served: dict | None) -> None:
        """The trips must still load with this change: a stop must exist, be located and
        not disputed (``trips.data.load_trips``, the loader's own check)."""
        text = conn.execute(select(t.documents.c.text).where(t.documents.c.name == TRIPS_FILE)).scalar()
        if text is None or site_id not in text:
            return
        problems: list[Problem] = []
        sites = _TripSites(self, conn, site_id, served)
        load_trips(_DocSource(self.masked, {TRIPS_FILE: text}), sites, set(), set(), problems)
        problems = [p for p in problems if f"{site_id!r}" in p.message]
        if problems:
            raise DataError(problems)


class _TripSites(Mapping):
    """The sites a trip names, as they would be after one change (for ``load_trips``)."""

    def __init__(self, repo, conn: Connection, changed_id: str, served: dict | None):
        self.repo, self.conn, self.changed_id, self.served = repo, conn, changed_id, served

    def __getitem__(self, site_id: str) -> SiteFeature:
        if site_id == self.changed_id:
            if self.served is None:
                raise KeyError(site_id)
            return SiteFeature.model_validate(self.served)
        row = self.conn.execute(select(t.sites.c.served, t.sites.c.retired).where(t.sites.c.id == site_id)).first()
        if row is None or row.retired:
            raise KeyError(site_id)
        return SiteFeature.model_validate(row.served)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0
