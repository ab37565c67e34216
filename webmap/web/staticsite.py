"""``webmap build OUTDIR``: the map as a self-contained static site.

The pages are the app's own pages: the builder asks the Flask app for them through its
test client (so a static copy can never drift from what the server renders) and rewrites
the site-absolute URLs our templates and Folium emit (``href="/..."``, ``src="/..."``) into
relative ones, so the copy works from any folder of any static host **and** from
``file://`` with no Python running. Because ``file://`` has no directory index, every link
names its file (``sites/<id>.html``, ``sites/index.html``, ``index.html``).

Layout of OUTDIR::

    index.html                 the map
    sites/index.html           all places
    sites/<id>.html            one page per site
    data/sites.js              window.WEBMAP_SITES = <the sites FeatureCollection>
    data/sites.geojson         the same, as a file
    data/yungang-sites-all.*   exports of every site (csv, geojson, kml, gpx)
    static/, vendor/leaflet/   our CSS/JS and Leaflet
    photos/thumb|full/<file>   the re-encoded photos, if any

Browsers refuse ``fetch()`` from ``file://``, so the map page's config points ``map.js``
at ``data/sites.js`` (``sitesScript``) instead of the API.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from .. import exporters
from ..catalogue import Catalogue
from ..selection import Selection
from ..settings import PROJECT_ROOT, Settings
from .pages import VENDOR_DIRS

_URL_ATTR = re.compile(r'(\s(?:href|src))="(/[^"]*)"')
_CONFIG = re.compile(r'(<script type="application/json" id="webmap-config">)(.*?)(</script>)', re.S)
_CANONICAL = re.compile(r'\s*<link rel="canonical" href="http://localhost(/[^"]*)">')


class BuildError(Exception):
    """The rendered pages contain something a static copy cannot serve."""


def static_path(url: str) -> str:
    """Where a site-absolute URL of the app lives in the static copy (relative to OUTDIR)."""
    parts = urlsplit(url)
    path, query = parts.path, ("?" + parts.query if parts.query else "")
    if path == "/":
        return "index.html" + query
    if path == "/sites/":
        return "sites/index.html"
    if m := re.fullmatch(r"/sites/([a-z0-9-]+)", path):
        return f"sites/{m[1]}.html"
    if m := re.fullmatch(r"/api/export\.([a-z]+)", path):
        return f"data/yungang-sites-all.{m[1]}"
    if path.startswith(("/static/", "/vendor/", "/photos/")):
        return path[1:] + query
    raise BuildError(f"no static equivalent for the link {url!r}")


def relativize(html: str, depth: int) -> str:
    prefix = "../" * depth
    return _URL_ATTR.sub(
        lambda m: f'{m[1]}="{prefix}{static_path(m[2].replace("&amp;", "&")).replace("&", "&amp;")}"', html
    )


def _rewrite_config(html: str) -> str:
    def change(m: re.Match) -> str:
        config = json.loads(m[2])
        config.update(
            sitesUrl=None,
            sitesScript="data/sites.js",
            sitePageUrl="sites/__ID__.html",
            photoUrl="photos/__SIZE__/__NAME__",
            staticSite=True,
            shareUrl=None,  # the copy's own address, wherever it is put
            changesUrl=None,  # no server to ask what changed lately
            changesPageUrl=None,
            # No server: nearby places and distances are computed from the loaded sites, and
            # there is no QR code (a file:// address is of no use to a phone; docs/frontend.md).
            nearbyUrl=None,
            qrUrl=None,
        )
        return m[1] + _htmlsafe_json(config) + m[3]

    html, n = _CONFIG.subn(change, html)
    if n != 1:
        raise BuildError("the map page has no webmap-config block")
    return html


def _htmlsafe_json(value) -> str:
    # The same escaping as Jinja's |tojson: nothing in the JSON can end the script element.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


def build_site(out: Path, settings: Settings, catalogue: Catalogue | None = None, base_url: str | None = None) -> dict:
    """Write the static site into ``out`` (created; must be empty or absent). Returns counts."""
    from .app import create_app

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BuildError(f"{out} is not empty; choose a new folder")
    app = create_app(settings, catalogue)
    app.config["WEBMAP_STATIC_BUILD"] = True
    cat: Catalogue = app.extensions["webmap.catalogue"]
    client = app.test_client()
    host = base_url.rstrip("/") + "/" if base_url else None

    def get(path: str) -> bytes:
        resp = client.get(path)
        if resp.status_code != 200:
            raise BuildError(f"GET {path} answered {resp.status_code}")
        return resp.get_data()

    def write(rel: str, content: bytes | str) -> None:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    def canonical(html: str) -> str:
        # A canonical link must be absolute: kept (pointing at the copy) only with --base-url.
        if not host:
            return _CANONICAL.sub("", html)
        return _CANONICAL.sub(lambda m: f'\n<link rel="canonical" href="{escape(host + static_path(m[1]))}">', html)

    def page(path: str, rel: str) -> None:
        write(rel, relativize(canonical(get(path).decode("utf-8")), rel.count("/")))

    out.mkdir(parents=True, exist_ok=True)
    write("index.html", relativize(_rewrite_config(canonical(get("/").decode("utf-8"))), 0))
    page("/sites/", "sites/index.html")
    for site_id in cat.features:
        page(f"/sites/{site_id}", f"sites/{site_id}.html")

    shutil.copytree(PROJECT_ROOT / "static", out / "static")
    for name, folder in VENDOR_DIRS.items():
        src = settings.assets_dir / folder
        shutil.copytree(src, out / "vendor" / name, ignore=shutil.ignore_patterns("*.map", "*-src*"))

    photos = sorted({ph.file for f in cat.features.values() for ph in f.properties.photos if ph.file})
    for name in photos:
        for size in ("thumb", "full"):
            write(f"photos/{size}/{name}", get(f"/photos/{size}/{name}"))

    fc = cat.feature_collection(list(cat.features))
    write("data/sites.js", "window.WEBMAP_SITES = " + json.dumps(fc, ensure_ascii=False) + ";\n")
    write("data/sites.geojson", json.dumps(fc, ensure_ascii=False))

    def site_url(site_id: str) -> str:
        return f"{host}sites/{site_id}.html" if host else f"sites/{site_id}.html"

    for fmt in exporters.FORMATS:
        result = exporters.export(cat, Selection(), fmt, site_url, today=date.today())
        write(f"data/yungang-sites-all.{fmt}", result.content)
    return {"pages": 2 + len(cat.features), "sites": len(cat.features), "photos": len(photos)}
