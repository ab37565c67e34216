"""Taking in a photo someone uploads (a steward, or later a resident's suggestion): the one
gate between their bytes and anything a visitor is served. No Flask here.

Order of checks, cheapest and safest first: the size in bytes; the type from the first
bytes (JPEG, PNG, WebP only: SVG, HTML, GIF, PDF and the rest are refused whatever the file
is called); markup anywhere in the file (a polyglot); the pixel count from the header,
before anything is decoded (a decompression bomb); then decoding, turning upright, and
re-encoding to JPEG at the shipped photos' two sizes, so nothing of the original bytes
(EXIF, GPS, ICC profiles, comments, trailing data) survives. ``LICENCES`` is the short list
a photo's credit must choose from before a steward may publish it (docs/stewardship.md).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps

from .photos import MAX_FILE_BYTES, MAX_PIXELS, SIZES

LICENCES: dict[str, dict[str, str]] = {
    "cc-by-4.0": {"zh": "知识共享 署名 4.0（CC BY 4.0）", "en": "CC BY 4.0"},
    "cc-by-sa-4.0": {"zh": "知识共享 署名-相同方式共享 4.0（CC BY-SA 4.0）", "en": "CC BY-SA 4.0"},
    "cc0-1.0": {"zh": "公有领域贡献（CC0 1.0）", "en": "CC0 1.0 (public domain)"},
    "permission": {"zh": "保留所有权利，经许可使用", "en": "All rights reserved, used with permission"},
}

_MAGIC = {"JPEG": (b"\xff\xd8\xff",), "PNG": (b"\x89PNG\r\n\x1a\n",)}
_MARKUP = re.compile(rb"<\s*(?:script|html|svg|iframe|body|\?xml)", re.I)

_MESSAGES = {
    "too_large": ("照片文件太大（最多 {mb} MB）。", "The photo file is too large (at most {mb} MB)."),
    "not_an_image": (
        "这不是照片文件：请上传 JPEG、PNG 或 WebP 照片。",
        "This is not a photo: please upload a JPEG, PNG or WebP photo.",
    ),
    "unsupported_type": ("只接受 JPEG、PNG 或 WebP 照片。", "Only JPEG, PNG or WebP photos are accepted."),
    "suspicious_content": (
        "照片文件里夹带了网页代码，不能接受。",
        "The photo file carries web page code and cannot be accepted.",
    ),
    "too_many_pixels": (
        "照片像素太多（最多 {mp} 百万像素）。",
        "The photo has too many pixels (at most {mp} megapixels).",
    ),
    "damaged": ("照片文件已损坏，无法打开。", "The photo file is damaged and cannot be opened."),
}


class PhotoRejected(Exception):
    """Why an upload was refused: ``code`` for callers, ``message(lang)`` for people."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code, self.values = code, values

    def message(self, lang: str = "en") -> str:
        zh, en = _MESSAGES[self.code]
        return (zh if lang == "zh" else en).format(**self.values)


@dataclass(frozen=True)
class Ingested:
    full: bytes  # JPEG, longest side at most SIZES["full"]
    thumb: bytes  # JPEG, longest side at most SIZES["thumb"]
    width: int  # of ``full``
    height: int
    media_type: str
    sha256: str  # of ``full``


def _kind(data: bytes) -> str | None:
    for kind, prefixes in _MAGIC.items():
        if data.startswith(prefixes):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def ingest(
    data: bytes, filename: str | None = None, *, max_bytes: int = MAX_FILE_BYTES, max_pixels: int = MAX_PIXELS
) -> Ingested:
    """The photo, re-encoded and stripped, or ``PhotoRejected``. ``filename`` is only a
    hint from the uploader and is never trusted for the type."""
    if len(data) > max_bytes:
        raise PhotoRejected("too_large", mb=max_bytes // (1024 * 1024))
    kind = _kind(data)
    if kind is None:
        text_like = data[:512].lstrip().startswith((b"<", b"{", b"%PDF")) or b"\x00" not in data[:512]
        raise PhotoRejected("not_an_image" if text_like else "unsupported_type")
    if _MARKUP.search(data):
        raise PhotoRejected("suspicious_content")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != kind:
                raise PhotoRejected("unsupported_type")
            if img.width * img.height > max_pixels:
                raise PhotoRejected("too_many_pixels", mp=max_pixels // 1_000_000)
            img.load()
            upright = ImageOps.exif_transpose(img).convert("RGB")
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected("too_many_pixels", mp=max_pixels // 1_000_000) from None
    except (OSError, ValueError, SyntaxError):
        raise PhotoRejected("damaged") from None
    full, (width, height) = _jpeg(upright, SIZES["full"])
    thumb, _ = _jpeg(upright, SIZES["thumb"])
    return Ingested(full, thumb, width, height, "image/jpeg", hashlib.sha256(full).hexdigest())


def _jpeg(img: Image.Image, longest: int) -> tuple[bytes, tuple[int, int]]:
    copy = img.copy()
    copy.thumbnail((longest, longest))
    copy.info.clear()  # no comment, EXIF or ICC profile is carried over
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), copy.size


def check_credit(credit: str | None, licence: str | None) -> None:
    """A photo may be published only with a credit and a licence from ``LICENCES``;
    ``ValueError`` names the field that is missing or wrong."""
    if not isinstance(credit, str) or not credit.strip() or len(credit) > 200:
        raise ValueError("credit: say who took the photo (1 to 200 characters)")
    if licence not in LICENCES:
        raise ValueError(f"licence: choose one of {', '.join(LICENCES)}")
