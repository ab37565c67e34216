"""The one settings object. Every value comes from an environment variable
(``WEBMAP_*``) or its default; the CLI only overrides host and port."""

from __future__ import annotations

import secrets
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBMAP_", frozen=True, extra="ignore")

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Folder with sites.geojson, layers.json, ...")
    tiles: Literal["osm", "none"] = Field("osm", description="Basemap: 'osm' (OpenStreetMap) or 'none'")
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

    # Trip planner. No routing service: a leg is the geodesic distance times a detour factor,
    # at a mode speed. These are rough estimates, labelled as such wherever they are shown.
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
            name = "WEBMAP_" + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
