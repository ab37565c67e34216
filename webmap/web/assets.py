"""Versioned static URLs: ``url_for('static', filename=...)`` gains ``?v=<content hash>``.

A changed file gets a new URL, so the front server (deploy/nginx.conf) can let browsers
keep a versioned request for a year without ever showing a stale script or stylesheet.
The hash is of the file's bytes, recomputed only when its size or mtime changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask

_CHUNK = 1 << 16
# A year, the longest HTTP caches honour: what a versioned URL names never changes.
IMMUTABLE = "public, max-age=31536000, immutable"


def content_version(path: Path, _cache: dict = {}) -> str | None:  # noqa: B006 - a per-process cache
    """The first 12 hex digits of the file's SHA-256, or None when it is not a file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    version = _cache.get(key)
    if version is None:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        version = _cache[key] = digest.hexdigest()[:12]
    return version


def init_app(app: Flask) -> None:
    static_root = Path(app.static_folder or "").resolve()

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        path = (static_root / values["filename"]).resolve()
        if not path.is_relative_to(static_root):
            return
        version = content_version(path)
        if version:
            values["v"] = version
