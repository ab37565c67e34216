"""A photo file dropped into data/photos/ shows as a cached thumbnail that opens full size."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from support import edit_json

from webmap.settings import load_settings
from webmap.web.app import create_app


def _add_photo(data_dir, site_id="yungang-grottoes", name="grottoes-test.jpg", size=(2400, 1600)):
    img = Image.new("RGB", size, (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "TestCamera"  # Make
    img.save(data_dir / "photos" / name, "JPEG", exif=exif)

    def change(doc):
        f = next(f for f in doc["features"] if f["id"] == site_id)
        f["properties"]["photos"] = [
            {"file": name, "caption": {"zh": "测试照片", "en": "Test photo"}, "credit": {"zh": "测试", "en": "test"}}
        ]

    edit_json(data_dir / "sites.geojson", change)
    return name


@pytest.fixture
def photo_client(data_copy, tmp_path):
    name = _add_photo(data_copy)
    app = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache"))
    return app.test_client(), name, tmp_path / "cache"


def test_thumbnail_and_full_size(photo_client):
    client, name, cache = photo_client
    thumb = client.get(f"/photos/thumb/{name}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as img:
        assert max(img.size) == 480 and img.size == (480, 320)
        assert not img.getexif()  # metadata is not passed on
    full = client.get(f"/photos/full/{name}")
    with Image.open(io.BytesIO(full.data)) as img:
        assert max(img.size) == 2048
    # Made once, then served from the cache.
    cached = list((cache / "thumb").glob("*.jpg"))
    assert len(cached) == 1
    before = cached[0].stat().st_mtime_ns
    client.get(f"/photos/thumb/{name}")
    assert cached[0].stat().st_mtime_ns == before


def test_site_page_shows_thumbnail_linking_to_full(photo_client):
    client, name, _ = photo_client
    html = client.get("/sites/yungang-grottoes").get_data(as_text=True)
    assert f'<a href="/photos/full/{name}"><img src="/photos/thumb/{name}" alt="测试照片"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/photos/thumb/..%2Fsites.geojson",
        "/photos/thumb/../sites.geojson",
        "/photos/huge/x.jpg",
        "/photos/thumb/missing.jpg",
        "/photos/thumb/.env",
    ],
)
def test_bad_photo_requests_are_404(photo_client, path):
    client, _, _ = photo_client
    assert client.get(path).status_code == 404


def test_a_broken_image_is_a_clear_error_not_a_crash(data_copy, tmp_path):
    (data_copy / "photos" / "broken.jpg").write_bytes(b"not an image")
    app = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache"))
    resp = app.test_client().get("/photos/thumb/broken.jpg")
    assert resp.status_code == 422 and b"cannot be read" in resp.data


@pytest.mark.browser
def test_popup_shows_thumbnail_that_opens_full_size(data_copy, serve, open_page):
    name = _add_photo(data_copy)
    server = serve(data_copy)
    page, _ = open_page(server)
    page.locator('.site-marker[data-site-id="yungang-grottoes"]').click()
    img = page.locator(".leaflet-popup-content .photo img")
    img.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('.leaflet-popup-content .photo img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert img.evaluate("i => i.naturalWidth") == 480
    assert img.locator("xpath=..").get_attribute("href") == f"/photos/full/{name}"
    assert page.locator(".leaflet-popup-content .photo figcaption").inner_text().startswith("测试照片")


@pytest.mark.browser
def test_photo_without_file_shows_caption_and_placeholder(server, open_page, catalogue):
    site = next(
        f for f in catalogue.features.values() if f.geometry and f.properties.photos and not f.properties.photos[0].file
    )
    page, _ = open_page(server)
    page.locator(f'.site-marker[data-site-id="{site.id}"]').click()
    fig = page.locator(".leaflet-popup-content .photo").first
    fig.wait_for()
    assert fig.locator(".photo-missing").is_visible()
    assert site.properties.photos[0].caption.zh in fig.inner_text()
    assert fig.locator("img").count() == 0


# ---------------------------------------------------------------------------
# Hostile photos and photo names


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 1024)  # a few rows; the rest would come from decompressing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_pillow_guard_matches_ours():
    from PIL import Image as PILImage

    from webmap import photos

    assert PILImage.MAX_IMAGE_PIXELS == photos.MAX_PIXELS


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(100_000, 100_000), (8_000, 6_000)], ids=["10-gigapixel", "48-megapixel"])
def test_decompression_bomb_is_refused_without_decoding(data_copy, tmp_path, size):
    bomb = _png_claiming(*size)
    assert len(bomb) < 2000
    (data_copy / "photos" / "bomb.png").write_bytes(bomb)
    app = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache"))
    import tracemalloc

    tracemalloc.start()
    try:
        resp = app.test_client().get("/photos/thumb/bomb.png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 422 and b"too many pixels" in resp.data
    assert peak < 50 * 1024 * 1024  # decoding would need gigabytes
    assert not list((tmp_path / "cache").rglob("*.jpg"))


def _jpeg_with_gps(path) -> None:
    from PIL import ExifTags

    img = Image.new("RGB", (1200, 800), (90, 140, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.ImageDescription] = "home of the photographer"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 6.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 7.0, 21.0)
    img.save(path, "JPEG", exif=exif, comment=b"secret comment", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")


def test_exif_and_gps_are_stripped_from_thumb_and_full(data_copy, tmp_path):
    from PIL import ExifTags

    original = data_copy / "photos" / "gps.jpg"
    _jpeg_with_gps(original)
    with Image.open(original) as img:  # the test file really carries GPS
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert all(m in original.read_bytes() for m in (b"SpyCam", b"secret comment", b"secret-xmp"))
    client = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache")).test_client()
    for size in ("thumb", "full"):
        resp = client.get(f"/photos/{size}/gps.jpg")
        assert resp.status_code == 200
        data = resp.data
        with Image.open(io.BytesIO(data)) as img:
            assert not img.getexif() and not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert "exif" not in img.info and "comment" not in img.info
        for marker in (b"Exif\x00\x00", b"SpyCam", b"photographer", b"secret comment", b"secret-xmp", b"GPS"):
            assert marker not in data, (size, marker)


TRAVERSALS = [
    "../secret.jpg",
    "..%2Fsecret.jpg",
    "%2e%2e%2fsecret.jpg",
    "%2E%2E%2F%2E%2E%2Foutside.jpg",
    "..%252fsecret.jpg",
    "..\\secret.jpg",
    "..%5Csecret.jpg",
    "..%5C..%5Coutside.jpg",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "C:%5Csecret.jpg",
    "~%2Fsecret.jpg",
    "secret.jpg%00.jpg",
    "%00secret.jpg",
    "..%00/secret.jpg",
    "%E2%80%A4%E2%80%A4%2Fsecret.jpg",  # U+2024 ONE DOT LEADER
    "%EF%BC%8E%EF%BC%8E%EF%BC%8Fsecret.jpg",  # fullwidth ．．／
    "%C0%AE%C0%AE%2Fsecret.jpg",  # overlong UTF-8 dots
    "....%2F%2Fsecret.jpg",
    "link.jpg",  # a symlink in photos/ pointing out of it
    ".hidden.jpg",
]


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize("size", ["thumb", "full"])
def test_photo_names_never_leave_the_photo_folder(data_copy, tmp_path, monkeypatch, name, size):
    from webmap import photos

    secret = Image.new("RGB", (64, 64), (255, 0, 0))
    secret.save(data_copy / "secret.jpg", "JPEG")
    secret.save(data_copy.parent / "outside.jpg", "JPEG")
    secret.save(data_copy / "photos" / ".hidden.jpg", "JPEG")
    (data_copy / "photos" / "link.jpg").symlink_to(data_copy / "secret.jpg")
    opened = []
    real_open = photos.Image.open
    monkeypatch.setattr(photos.Image, "open", lambda fp, *a, **k: (opened.append(fp), real_open(fp, *a, **k))[1])
    client = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=tmp_path / "cache")).test_client()

    resp = client.get(f"/photos/{size}/{name}")
    assert resp.status_code == 404, resp.data[:200]
    assert not resp.data.startswith(b"\xff\xd8")  # no JPEG came back
    assert opened == [] and not list((tmp_path / "cache").rglob("*.jpg"))
