"""The one settings object. Every value comes from an environment variable
(``WEBMAP_*``) or its default; the CLI only overrides host and port."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

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
    secret_key: str | None = Field(
        None,
        repr=False,
        description="Signs sessions, CSRF tokens and the catalogue snapshot; when unset, one is kept in "
        "WEBMAP_CACHE_DIR/secret-key (set it when servers share a database but not that folder)",
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

    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest request body in bytes; larger ones get 413 (the app's limit and nginx's "
        "client_max_body_size in scripts/serve-production)",
    )

    public_url: str | None = Field(
        None,
        description="The public origin (and path) every absolute URL uses, e.g. https://map.example.gov.cn; "
        "unset: the request's own host, if it is allowed",
    )
    allowed_hosts: str | None = Field(
        None,
        description="Host names the app answers, comma-separated (`.example.org` includes subdomains, `*` any); "
        "others get 400. Default: the public URL's host, or localhost, 127.0.0.1 and ::1",
    )
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=5,
        description="How many proxies in front of the app set X-Forwarded-For/-Proto (scripts/serve-production: 1, "
        "nginx); 0 believes none. X-Forwarded-Host is never believed",
    )

    @field_validator("public_url")
    @classmethod
    def origin_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL with a host and no query, e.g. https://map.example.org")
        if parts.username or parts.password or not re.fullmatch(r"[A-Za-z0-9._~/%-]*", parts.path):
            raise ValueError("must not carry a user name, password or unusual characters in its path")
        return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"

    @field_validator("allowed_hosts")
    @classmethod
    def host_names(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        hosts = [h.strip().lower() for h in value.split(",") if h.strip()]
        bad = [h for h in hosts if h != "*" and not re.fullmatch(r"\.?[a-z0-9_.-]+|\[?[0-9a-f:.]+\]?", h)]
        if bad:
            raise ValueError(f"not a host name: {bad[0]!r} (names only, no scheme or port)")
        return ",".join(hosts)

    @property
    def host_list(self) -> list[str] | None:
        """The hosts requests may name (Flask's TRUSTED_HOSTS); ``None`` means any."""
        if self.allowed_hosts:
            hosts = self.allowed_hosts.split(",")
            # werkzeug compares IPv6 addresses in their brackets, as the Host header has them.
            return None if "*" in hosts else [f"[{h.strip('[]')}]" if ":" in h else h for h in hosts]
        if self.public_url:
            return [urlsplit(self.public_url).hostname]
        return ["localhost", "127.0.0.1", "[::1]"]

    def allows_host(self, host: str) -> bool:
        """Whether a Host header (``name[:port]``, IPv6 in brackets) names an allowed host."""
        hosts = self.host_list
        if hosts is None:
            return True
        name = host.lower()
        name = name[: name.index("]") + 1] if name.startswith("[") else name.partition(":")[0]
        return any(name == h or (h.startswith(".") and (name.endswith(h) or name == h[1:])) for h in hosts)

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

    # Residents' suggestions (webmap/suggestions.py, webmap/web/suggest.py).
    suggestion_retention_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="Days after a suggestion closes before its contact details (and sender address hash) are "
        "deleted by `webmap suggestions purge`",
    )
    suggestions_per_address: str = Field(
        "5 per 10 minutes;20 per day",
        description="How many suggestions one address may send (Flask-Limiter syntax, ';' between limits); "
        "more get 429",
    )
    uploads_dir: Path = Field(
        PROJECT_ROOT / "instance" / "uploads",
        description="Where photos sent with suggestions are kept (re-encoded, never served to visitors)",
    )

    @field_validator("suggestions_per_address")
    @classmethod
    def rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("must be limits like '5 per 10 minutes;20 per day'") from None
        return value

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
