"""The one loader: read every data document, validate it, and return a complete
in-memory ``Catalogue``, or raise one ``DataError`` listing every problem found
(file, feature id, field, message). No Flask here."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd

from ..problems import DataError, Problem
from ..schema import Layer, Theme
from ..search import SearchIndex
from ..trips.data import load_trips
from .files import (
    BOUNDARY_FILE,
    DISTRICT_FILE,
    LAYERS_FILE,
    MAX_FILE_BYTES,
    PHOTOS_DIR,
    SITES_FILE,
    THEMES_FILE,
    FileSource,
    Source,
    read_or_note,
)
from .store import Catalogue, FeatureStore, sites_frame, to_geojson
from .validate import SiteContext, validate_boundary, validate_district, validate_records, validate_site


def load_catalogue(
    data_dir: Path | str, max_file_bytes: int = MAX_FILE_BYTES, source: Source | None = None
) -> Catalogue:
    """Load and validate everything under ``data_dir`` (or from ``source``, with photos
    still under ``data_dir``); raise ``DataError`` on any problem.

    ``max_file_bytes`` bounds each file (tests pass a small one instead of writing 64 MB)."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if source is None:
        if not data_dir.is_dir():
            raise DataError([Problem(str(data_dir), None, None, "data folder does not exist")])
        source = FileSource(data_dir, max_file_bytes)

    def read(name: str):
        return read_or_note(source, name, problems)

    layers = validate_records(read(LAYERS_FILE), source.where(LAYERS_FILE), "layers", Layer, problems)
    themes = validate_records(read(THEMES_FILE), source.where(THEMES_FILE), "themes", Theme, problems)
    boundary = validate_boundary(read(BOUNDARY_FILE), source.where(BOUNDARY_FILE), problems)
    layer_ids, theme_ids = {x.id for x in layers}, {x.id for x in themes}
    context = SiteContext.build(source.where(SITES_FILE), layer_ids, theme_ids, boundary, data_dir / PHOTOS_DIR)
    features, sites, search_index = _load_sites(source, context, problems)
    district = validate_district(read(DISTRICT_FILE), source.where(DISTRICT_FILE), problems)
    # Cross-checks against the sites only make sense when the sites file itself loaded.
    sites_ok = not any(p.file.endswith(SITES_FILE) for p in problems)
    trips = load_trips(source, features, layer_ids, theme_ids, problems, boundary, sites_ok=sites_ok)

    if problems:
        raise DataError(problems)

    return _catalogue(
        data_dir, layers, themes, features, sites, boundary, district, search_index, source.digest(), trips
    )


def _load_sites(
    source: Source, context: SiteContext, problems: list[Problem]
) -> tuple[FeatureStore, gpd.GeoDataFrame | None, SearchIndex]:
    """Validate every site and build, in one pass, the three things kept of it: its
    GeoJSON (``FeatureStore``), its row in the sites table and its search texts. Each
    raw feature is dropped as soon as it is done, so peak memory stays near one copy."""
    name = context.file
    store, search = FeatureStore(), SearchIndex()
    rows = _rows()
    doc = read_or_note(source, SITES_FILE, problems)
    if doc is None:
        return store, None, search
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        problems.append(Problem(name, None, "type", "must be a GeoJSON FeatureCollection"))
        return store, None, search
    raws = doc.get("features")
    if not isinstance(raws, list) or not raws:
        problems.append(Problem(name, None, "features", "must be a non-empty list of Features"))
        return store, None, search

    for i, raw in enumerate(raws):
        raws[i] = None
        try:
            feature = validate_site(raw, context, i, taken=store)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        _keep(to_geojson(feature), store, search, rows)
    search.close()
    return store, sites_frame(rows), search


def _rows() -> dict[str, list]:
    return {k: [] for k in ("id", "layer", "status", "precision", "approximate", "themes", "school", "lon", "lat")}


def _keep(served: dict, store: FeatureStore, search: SearchIndex, rows: dict[str, list]) -> None:
    """Keep one validated site (in its served form): its GeoJSON, search texts and row."""
    store.add_served(served)
    fid, p, geometry = served["id"], served["properties"], served["geometry"]
    search.add_geojson(fid, p)
    lon, lat = geometry["coordinates"] if geometry else (math.nan, math.nan)
    school = p.get("school_trip")
    for key, value in (
        ("id", fid),
        ("layer", p["layer"]),
        ("status", p["status"]),
        ("precision", p["location"]["precision"]),
        ("approximate", p["location"]["precision"] != "site"),  # schema.Location.approximate
        ("themes", tuple(p["themes"])),
        ("school", bool(school and school["suitable"])),
        ("lon", lon),
        ("lat", lat),
    ):
        rows[key].append(value)


def catalogue_from_served(data_dir: Path | str, source: Source, served: Iterable[dict], version: str) -> Catalogue:
    """The catalogue from sites validated when they were stored (the database's
    ``served`` column): the sites are NOT checked again, only the small documents
    (layers, themes, outline, district, trips) are. ``served`` in catalogue order."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    store, search, rows = FeatureStore(), SearchIndex(), _rows()
    for site in served:
        _keep(site, store, search, rows)
    search.close()
    return _assemble(data_dir, source, problems, store, sites_frame(rows), search, version)


def _assemble(data_dir: Path, source: Source, problems: list[Problem], store, frame, search, version: str) -> Catalogue:
    def read(name: str):
        return read_or_note(source, name, problems)

    layers = validate_records(read(LAYERS_FILE), source.where(LAYERS_FILE), "layers", Layer, problems)
    themes = validate_records(read(THEMES_FILE), source.where(THEMES_FILE), "themes", Theme, problems)
    boundary = validate_boundary(read(BOUNDARY_FILE), source.where(BOUNDARY_FILE), problems)
    layer_ids, theme_ids = {x.id for x in layers}, {x.id for x in themes}
    district = validate_district(read(DISTRICT_FILE), source.where(DISTRICT_FILE), problems)
    trips = load_trips(source, store, layer_ids, theme_ids, problems, boundary)
    if problems:
        raise DataError(problems)
    return _catalogue(data_dir, layers, themes, store, frame, boundary, district, search, version, trips)


def _catalogue(data_dir, layers, themes, features, sites, boundary, district, search, version, trips) -> Catalogue:
    """The one place a Catalogue is put together (from files or from the database)."""
    return Catalogue(
        data_dir=data_dir,
        layers=tuple(sorted(layers, key=lambda x: (x.order, x.id))),
        themes=tuple(themes),
        features=features,
        sites=sites,
        boundary=boundary,
        district=district,
        search_index=search,
        version=version,
        trips=trips,
    ).warm()
