"""The server's secret key: ``WEBMAP_SECRET_KEY`` when set, else one kept in the cache
folder (``<cache_dir>/secret-key``, mode 0600), created by the first process that needs it.

Every gunicorn worker and every restart must sign sessions and CSRF tokens with the same
key (a key per process signs a visitor out whenever the next request reaches the other
worker), and the catalogue snapshot is signed with a key derived from it. Servers that
share one PostgreSQL but not one cache folder must set WEBMAP_SECRET_KEY. No Flask here."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)
FILE = "secret-key"


def server_secret(configured: str | None, cache_dir: Path) -> str:
    if configured:
        return configured
    path = Path(cache_dir) / FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("cannot read %s", path, exc_info=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{FILE}-{os.getpid()}-{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another worker made first
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return _read(path)
    except OSError:  # a read-only folder: still serve, but sessions last one process
        log.warning("cannot keep a secret key in %s; set WEBMAP_SECRET_KEY", path, exc_info=True)
        return secrets.token_hex(32)


def _read(path: Path) -> str:
    text = path.read_text().strip()
    if len(text) < 32:
        raise OSError(f"{path} holds no key")
    return text


def derived_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose (e.g. signing the catalogue snapshot), never the secret itself."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
