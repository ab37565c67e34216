"""Photo renditions made with Pillow and cached on disk.

Every image served is re-encoded from the original: that bounds its size, drops
EXIF (GPS included) and means a crafted file is never passed through as is.
"""

from __future__ import annotations

import contextlib
import io
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


class StorageError(PhotoError):
    """The photo is fine but its rendition cannot be stored: a server problem (503)."""

    def __init__(self, message: str):
        super().__init__(message, status=503)


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
    if _complete_jpeg(target):
        return target
    data = _encode(source, name, size)
    _publish(target, data)
    return target


def _encode(source: Path, name: str, size: str) -> bytes:
    """The rendition's JPEG bytes, made in memory (at most 2048 px: a few hundred KB), so a
    storage problem can never be blamed on the photo, nor a bad photo on the storage."""
    try:
        with Image.open(source) as img:
            if img.width * img.height > MAX_PIXELS:
                raise PhotoError(f"photo {name!r} has too many pixels", status=422)
            img = ImageOps.exif_transpose(img)
            img.thumbnail((SIZES[size], SIZES[size]))
            img = img.convert("RGB")
            # convert() copies .info, and Pillow writes a JPEG comment found there: drop it all.
            img.info.clear()
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue()
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        raise PhotoError(f"photo {name!r} has too many pixels", status=422) from None
    except (OSError, ValueError) as exc:
        raise PhotoError(f"photo {name!r} cannot be read as an image ({type(exc).__name__})", status=422) from None


def _publish(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: into a temporary file next to it, checked
    whole and flushed to disk, then renamed. On any failure (a full disk, a read-only or
    missing cache folder) the temporary file is removed and nothing is published: a
    StorageError (503), and the next request tries again."""
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
            if os.fstat(out.fileno()).st_size != len(data):
                raise OSError(f"wrote {os.fstat(out.fileno()).st_size} of {len(data)} bytes")
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise StorageError(f"the photo cache cannot be written ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _complete_jpeg(path: Path) -> bool:
    """True for a cached rendition that ends with the JPEG end-of-image marker. Anything
    else (a file cut short by an older version or by hand) is removed and made again."""
    try:
        with path.open("rb") as fh:
            if fh.seek(0, os.SEEK_END) >= 4:
                fh.seek(-2, os.SEEK_END)
                if fh.read(2) == b"\xff\xd9":
                    return True
    except OSError:
        return False
    with contextlib.suppress(OSError):
        path.unlink()
    return False


def check_cache_dir(cache_dir: Path) -> None:
    """Raise StorageError unless ``cache_dir`` can be created and written (run at start-up,
    so a misconfigured cache shows when the server starts, not as broken photos later)."""
    _publish(cache_dir / ".write-check", b"ok")
