"""Security headers on every response, and the per-request nonce for our inline scripts.

The Content-Security-Policy allows scripts only from this origin or carrying this
response's nonce, so injected markup (if any ever got past the escaping) cannot run.
See docs/security.md for each directive and why it is what it is.
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request
from markupsafe import Markup

from ..basemaps import tile_hosts as basemap_hosts

# An opening <script> or <style> tag without a src attribute (inline code).
_INLINE_TAG = re.compile(r"<(script|style)(?![^>]*\ssrc=)(?=[\s>])", re.I)


def csp_nonce() -> str:
    """This response's nonce, made on first use. Templates call it for each inline script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def nonce_inline(html: str) -> Markup:
    """Add this response's nonce to every inline <script>/<style> in ``html``.

    Only for markup our own code generated (Folium's page header); never for data."""
    return Markup(_INLINE_TAG.sub(lambda m: f'<{m.group(1)} nonce="{csp_nonce()}"', str(html)))


def content_security_policy(
    tile_hosts: list[str], frame_ancestors: str, nonce: str | None, hashes: dict[str, list[str]] | None = None
) -> str:
    """``hashes`` ({"script": [...], "style": [...]}, 'sha256-...' sources) stand for the
    inline code of a page kept for every visitor (the map page, webmap/web/pages.py)."""
    nonce_src = f" 'nonce-{nonce}'" if nonce else ""
    script_src = nonce_src + "".join(" " + h for h in (hashes or {}).get("script", []))
    style_src = nonce_src + "".join(" " + h for h in (hashes or {}).get("style", []))
    tiles = "".join(f" https://{host}" for host in tile_hosts)
    directives = [
        "default-src 'self'",
        f"script-src 'self'{script_src}",
        # <style> elements need the nonce (Folium's header has some). Style *attributes*
        # stay allowed: templates colour layer chips with style="--layer: #rrggbb" (the
        # colour is validated as #rrggbb) and Leaflet's layer control parses such labels.
        f"style-src 'self'{style_src}",
        "style-src-attr 'unsafe-inline'",
        f"img-src 'self' data:{tiles}",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ]
    return "; ".join(directives)


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # The origin only (never the path or query) goes to other sites, e.g. the tile server,
    # whose usage policy asks for a Referer.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # geolocation for a planned "near me"; everything else the map never uses.
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    settings = app.extensions["webmap.settings"]
    # Every basemap offered in the layer control, not only the first one shown.
    tile_hosts = basemap_hosts(settings.basemap_ids)

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonce_inline"] = nonce_inline

    @app.after_request
    def security_headers(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = content_security_policy(
            tile_hosts, settings.frame_ancestors, g.get("csp_nonce"), g.get("csp_hashes")
        )
        for name, value in HEADERS.items():
            resp.headers.setdefault(name, value)
        return resp


def open_to_any_origin(resp: Response) -> Response:
    """CORS for read-only open data (OGC API GETs, /api/export.*): any web page may read it
    with fetch(). No credentials are involved, so ``*`` exposes nothing a user is logged in to.
    Only for GET/HEAD answers: writes and the planner are never opened this way."""
    if request.method in ("GET", "HEAD"):
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers.setdefault("Access-Control-Expose-Headers", "ETag, Link, Content-Disposition")
    return resp
