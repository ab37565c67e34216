"""A photo file dropped into data/photos/ shows as a cached thumbnail that opens full size."""

from __future__ import annotations

import io

import pytest
from conftest import edit_json
from PIL import Image

from webmap import create_app
from webmap.settings import load_settings


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
