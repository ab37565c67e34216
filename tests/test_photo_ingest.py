"""Uploaded photos as an attacker or a careless phone would send them: only a clean,
re-encoded JPEG ever comes out of webmap.photo_ingest.ingest."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from webmap.photo_ingest import _MESSAGES, LICENCES, PhotoRejected, check_credit, ingest


def _image(fmt: str, size=(1200, 900), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(out, fmt, **save)
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (40.0, 6.0, 36.0), 3: "E", 4: (113.0, 7.0, 21.0)}
    exif[0x8825] = gps
    return _image("JPEG", exif=exif.tobytes())


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header says width×height: decoding it would need gigabytes."""
    raw = bytearray(_image("PNG", size=(8, 8)))
    ihdr = bytes(raw[12:16]) + struct.pack(">II", width, height) + bytes(raw[24:29])
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    return bytes(raw)


def test_gps_and_exif_never_survive():
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo has GPS
    out = ingest(original, "IMG_0001.jpg")
    with Image.open(io.BytesIO(out.full)) as img:
        assert img.format == "JPEG" and not img.getexif() and "exif" not in img.info
    assert b"PhoneMaker" not in out.full and b"PhoneMaker" not in out.thumb


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_a_normal_photo_gives_both_sizes(fmt):
    out = ingest(_image(fmt, size=(3000, 2000)))
    with Image.open(io.BytesIO(out.full)) as full, Image.open(io.BytesIO(out.thumb)) as thumb:
        assert full.format == thumb.format == "JPEG" and out.media_type == "image/jpeg"
        assert max(full.size) == 2048 and max(thumb.size) == 480
        assert (out.width, out.height) == full.size


def test_a_decompression_bomb_is_refused_from_its_header():
    with pytest.raises(PhotoRejected) as exc:
        ingest(_png_claiming(30_000, 30_000))
    assert exc.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    "data, code",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not_an_image"),
        (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "not_an_image"),
        (b"GIF89a" + b"\x00" * 64, "unsupported_type"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "not_an_image"),
    ],
)
def test_other_types_are_refused_whatever_their_name(data, code):
    with pytest.raises(PhotoRejected) as exc:
        ingest(data, "holiday.jpg")
    assert exc.value.code == code


def test_a_polyglot_with_markup_is_refused():
    with pytest.raises(PhotoRejected) as exc:
        ingest(_image("JPEG") + b"<script>alert(document.cookie)</script>")
    assert exc.value.code == "suspicious_content"


def test_size_and_damage():
    with pytest.raises(PhotoRejected) as exc:
        ingest(_image("JPEG"), max_bytes=1000)
    assert exc.value.code == "too_large" and "MB" in exc.value.message("en")
    with pytest.raises(PhotoRejected) as exc:
        ingest(_image("PNG")[:60])
    assert exc.value.code == "damaged"


def test_every_refusal_is_explained_in_both_languages():
    for code in _MESSAGES:
        err = PhotoRejected(code, mb=25, mp=40)
        assert err.message("zh") and err.message("en") and err.message("zh") != err.message("en")


def test_publishing_needs_a_credit_and_a_listed_licence():
    check_credit("李华", "cc-by-4.0")
    with pytest.raises(ValueError, match="^credit"):
        check_credit(" ", "cc-by-4.0")
    with pytest.raises(ValueError, match="^licence"):
        check_credit("李华", "mine")
    assert all(v["zh"] and v["en"] for v in LICENCES.values())
