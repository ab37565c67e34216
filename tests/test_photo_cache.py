"""The photo cache under storage trouble (issue 16 item 5): a full disk must not publish a
truncated thumbnail, blame the photo, or leave .part files; a cache folder that cannot be
written stops the server at start-up; a cut-short file from before is made again.

A full disk is a real write limit: RLIMIT_FSIZE (with SIGXFSZ ignored, write() then fails
with EFBIG as it fails with ENOSPC on a full disk) for the duration of one request."""

from __future__ import annotations

import contextlib
import io
import resource
import signal

import pytest
from PIL import Image
from test_photos import _add_photo

from webmap.photos import StorageError
from webmap.settings import load_settings
from webmap.web.app import create_app


@contextlib.contextmanager
def _disk_full_after(limit: int):
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.fixture
def photo_app(data_copy, tmp_path):
    name = _add_photo(data_copy)
    cache = tmp_path / "cache"
    app = create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=cache))
    return app.test_client(), name, cache


def _cached_files(cache):
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.name not in (".write-check", "secret-key"))


@pytest.mark.parametrize("size", ["thumb", "full"])
def test_a_full_disk_is_a_503_publishes_nothing_and_leaves_no_part_files(photo_app, size):
    client, name, cache = photo_app
    with _disk_full_after(1000):
        resp = client.get(f"/photos/{size}/{name}")
    assert resp.status_code == 503  # a storage problem, not the photo's fault (was 422)
    assert _cached_files(cache) == []
    # Once there is room again the same request works and the file is whole.
    resp = client.get(f"/photos/{size}/{name}")
    assert resp.status_code == 200
    with Image.open(io.BytesIO(resp.data)) as img:
        img.load()
    assert [p.suffix for p in _cached_files(cache)] == [".jpg"]


def test_a_cut_short_cached_file_is_made_again(photo_app):
    client, name, cache = photo_app
    whole = client.get(f"/photos/thumb/{name}").data
    (cached,) = _cached_files(cache)
    cached.write_bytes(whole[: len(whole) // 2])  # as an older version left it on a full disk
    resp = client.get(f"/photos/thumb/{name}")
    assert resp.status_code == 200 and resp.data == whole


def test_a_cache_folder_that_cannot_be_written_stops_the_start(data_copy, tmp_path):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    with pytest.raises(StorageError, match="photo cache"):
        create_app(load_settings(data_dir=data_copy, tiles="none", cache_dir=not_a_folder))
