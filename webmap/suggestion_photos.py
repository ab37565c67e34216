"""Where photos sent with residents' suggestions are kept: the two JPEGs
``photo_ingest.ingest`` made (re-encoded, EXIF and GPS gone), named by the full size's
SHA-256, in ``WEBMAP_UPLOADS_DIR/suggestions/``. The SHA-256 is the reference the
``suggestion_photos`` table holds. Nothing here is served to visitors: a steward
publishes a photo (the photos pipeline) before anyone else sees it. No Flask here."""

from __future__ import annotations

import re
from pathlib import Path

from .photo_ingest import Ingested
from .photos import _publish

FOLDER = "suggestions"
_REF = re.compile(r"[0-9a-f]{64}")


def path(uploads_dir: Path, ref: str, size: str = "full") -> Path:
    """The stored file of ``ref`` (``size``: full or thumb); ValueError for anything that
    is not a reference this module made."""
    if not _REF.fullmatch(ref) or size not in ("full", "thumb"):
        raise ValueError("not a stored photo reference")
    suffix = ".jpg" if size == "full" else ".thumb.jpg"
    return Path(uploads_dir) / FOLDER / f"{ref}{suffix}"


def store(uploads_dir: Path, photo: Ingested) -> str:
    """Write both sizes (atomically; the same photo twice is stored once) and return the
    reference. A full or read-only disk is ``photos.StorageError`` (503)."""
    ref = photo.sha256
    for size, data in (("full", photo.full), ("thumb", photo.thumb)):
        target = path(uploads_dir, ref, size)
        if not target.is_file():
            _publish(target, data)
    return ref
