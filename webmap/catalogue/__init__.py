"""The catalogue: every data document read (``files``), validated (``validate``) and held
in memory (``store``) by the one loader (``loader``). Import from here; the submodules
are the homes of each job. No Flask here."""

from ..problems import DataError, Problem
from .files import (
    BOUNDARY_FILE,
    DISTRICT_FILE,
    DOCUMENTS,
    LAYERS_FILE,
    MAX_FILE_BYTES,
    PHOTOS_DIR,
    SITES_FILE,
    THEMES_FILE,
    FileSource,
    Source,
    read_json,
)
from .loader import catalogue_from_served, load_catalogue
from .store import COLUMNS, Catalogue, FeatureStore
from .validate import SiteContext, check_site, validate_site

__all__ = [
    "BOUNDARY_FILE",
    "COLUMNS",
    "DISTRICT_FILE",
    "DOCUMENTS",
    "LAYERS_FILE",
    "MAX_FILE_BYTES",
    "PHOTOS_DIR",
    "SITES_FILE",
    "THEMES_FILE",
    "Catalogue",
    "DataError",
    "FeatureStore",
    "FileSource",
    "Problem",
    "SiteContext",
    "Source",
    "catalogue_from_served",
    "check_site",
    "load_catalogue",
    "read_json",
    "validate_site",
]
