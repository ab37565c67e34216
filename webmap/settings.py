"""The one settings object. Every value comes from an environment variable
(``WEBMAP_*``) or its default; the CLI only overrides host and port."""

from __future__ import annotations

import secrets
from datetime import time
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .basemaps import BASEMAP_IDS, BASEMAPS, Basemap

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# CSP frame-ancestors sources, single-space separated. The value goes into a header as is,
# so ';', ',', quotes (other than the keywords) and line breaks can never get through.
_SOURCE = r"(?:'self'|[A-Za-z0-9*][A-Za-z0-9*.:/+-]*)"
_FRAME_ANCESTORS = rf"^(?:'none'|{_SOURCE}(?: {_SOURCE})*)$"


class SettingsError(Exception):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBMAP_", frozen=True, extra="ignore")

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Folder with sites.geojson, layers.json, ...")
    database_url: str | None = Field(
        f"sqlite:///{PROJECT_ROOT / 'instance' / 'webmap.sqlite3'}",
        repr=False,  # may hold a password
        description="The database the map is served and edited from: sqlite:///PATH or postgresql://...; "
        "created and seeded from WEBMAP_DATA_DIR on first start. `none`: serve the data folder read-only",
    )
    tiles: Basemap = Field("osm", description="Basemap shown first: osm, amap, tianditu-vec, tianditu-img or none")
    basemaps: str = Field(
        "osm,amap,none",
        description="Basemaps offered in the layer control, comma-separated (tianditu-* need WEBMAP_TIANDITU_KEY)",
    )
    tianditu_key: str | None = Field(None, description="Tianditu (天地图) browser key; enables tianditu-vec/-img")
    host: str = Field("127.0.0.1", description="Address `webmap serve` listens on")
    port: int = Field(8000, ge=0, le=65535, description="Port for `webmap serve`; 0 picks a free one")
    secret_key: str = Field(
        default_factory=lambda: secrets.token_hex(32),
        description="Flask secret key; random per process when unset",
    )
    cache_dir: Path = Field(
        PROJECT_ROOT / "instance" / "cache", description="Where generated photo thumbnails are kept"
    )
    assets_dir: Path = Field(PROJECT_ROOT / "node_modules", description="npm-installed front-end libraries (npm ci)")
    frame_ancestors: str = Field(
        "'self'",
        pattern=_FRAME_ANCESTORS,
        description="Who may frame the pages (CSP frame-ancestors): \"'self'\", \"'none'\" or space-separated origins",
    )

    @field_validator("database_url", mode="before")
    @classmethod
    def none_means_files(cls, value):
        """``none`` (or ``files``): no database, serve WEBMAP_DATA_DIR read-only. Empty: the default."""
        if isinstance(value, str) and value.strip().lower() in ("none", "files"):
            return None
        if isinstance(value, str) and not value.strip():
            return f"sqlite:///{PROJECT_ROOT / 'instance' / 'webmap.sqlite3'}"
        return value

    @field_validator("basemaps")
    @classmethod
    def known_basemaps(cls, value: str) -> str:
        ids = [x.strip() for x in value.split(",") if x.strip()]
        unknown = [x for x in ids if x not in BASEMAP_IDS]
        if unknown or not ids:
            raise ValueError(f"unknown basemap {unknown[0] if unknown else ''!r}; use {', '.join(BASEMAP_IDS)}")
        return ",".join(dict.fromkeys(ids))

    @model_validator(mode="after")
    def tianditu_needs_key(self) -> Settings:
        if any(BASEMAPS[b].get("needs_key") for b in self.basemap_ids) and not self.tianditu_key:
            raise ValueError("Tianditu basemaps need WEBMAP_TIANDITU_KEY")
        return self

    @property
    def basemap_ids(self) -> list[str]:
        """Basemaps offered, the default first among them."""
        ids = self.basemaps.split(",")
        return [self.tiles, *[b for b in ids if b != self.tiles]]

    # Trip planner. No routing service: a leg is the geodesic distance times a detour factor,
    # at a mode speed. These are rough estimates, labelled as such wherever they are shown.
    cluster_at: int = Field(
        1000,
        ge=1,
        description="From this many located sites on, the map groups markers into clusters and loads compact data",
    )
    planner_walk_kmh: float = Field(4.5, gt=0, le=20, description="Estimated walking speed, km/h")
    planner_walk_detour: float = Field(1.3, ge=1, le=5, description="Walking: road distance / straight line")
    planner_coach_kmh: float = Field(35.0, gt=0, le=150, description="Estimated coach/bus speed incl. stops, km/h")
    planner_coach_detour: float = Field(1.4, ge=1, le=5, description="Coach/bus: road distance / straight line")
    planner_car_kmh: float = Field(45.0, gt=0, le=150, description="Estimated car speed, km/h")
    planner_car_detour: float = Field(1.35, ge=1, le=5, description="Car: road distance / straight line")
    planner_day_end: time = Field(time(18, 0), description="A planned trip ending later than this gets a warning")


def load_settings(**overrides) -> Settings:
    """Read settings from the environment, turning pydantic's report into one clear line per bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "WEBMAP_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "settings"
            lines.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
