"""Photo renditions made with Pillow and cached on disk.

Every image served is re-encoded from the original: that bounds its size, drops
EXIF (GPS included) and means a crafted file is never passed through as is.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from .errors import WebmapError

# Longest edge in pixels for each rendition.
SIZES = {"thumb": 480, "full": 2048}
# Refuse images that would decode to more than this many pixels (decompression bombs).
MAX_PIXELS = 40_000_000
MAX_FILE_BYTES = 25 * 1024 * 1024
# Pillow's own guard, for every Image.open in the process: it warns above this many pixels
# and refuses twice as many before decoding anything. Ours (below) refuses at MAX_PIXELS.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(?:jpe?g|png|webp)", re.I)


class PhotoError(WebmapError):
    """The photo cannot be served; ``status`` is the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message, status=status, code="not_found" if status == 404 else "bad_request")


def rendition(photos_dir: Path, cache_dir: Path, name: str, size: str) -> Path:
    """Return the path of a cached JPEG rendition of ``photos_dir/name``, making it if needed."""
    if size not in SIZES:
        raise PhotoError(f"unknown size {size!r}; use one of {', '.join(SIZES)}")
    if not _NAME.fullmatch(name):
        raise PhotoError("not a photo name")
    source = photos_dir / name
    # The name pattern allows no separators; resolving also refuses a symlink out of the folder.
    if not source.is_file() or not source.resolve().is_relative_to(photos_dir.resolve()):
        raise PhotoError(f"no photo {name!r}")
    stat = source.stat()
    if stat.st_size > MAX_FILE_BYTES:
        raise PhotoError(f"photo {name!r} is larger than {MAX_FILE_BYTES} bytes", status=422)

    # The cache key changes when the original changes, so a replaced photo is never stale.
    target = cache_dir / size / f"{source.stem}-{stat.st_mtime_ns}-{stat.st_size}.jpg"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Image.open(source) as img:
            if img.width * img.height > MAX_PIXELS:
                raise PhotoError(f"photo {name!r} has too many pixels", status=422)
            img = ImageOps.exif_transpose(img)
            img.thumbnail((SIZES[size], SIZES[size]))
            img = img.convert("RGB")
            # convert() copies .info, and Pillow writes a JPEG comment found there: drop it all.
            img.info.clear()
            # Write next to the target and rename: a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                img.save(out, "JPEG", quality=85, optimize=True)
            os.replace(tmp, target)
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        raise PhotoError(f"photo {name!r} has too many pixels", status=422) from None
    except (OSError, ValueError) as exc:
        raise PhotoError(f"photo {name!r} cannot be read as an image ({type(exc).__name__})", status=422) from None
    return target
