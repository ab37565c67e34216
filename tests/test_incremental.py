"""A running server applies the database's changes site by site
(webmap/catalogue/incremental.py) instead of rebuilding its catalogue: what it then
serves must be exactly what a full rebuild from the same rows serves."""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal
from support import DATA

from webmap.db.repository import Repository
from webmap.search_layers import LayeredIndex
from webmap.settings import load_settings
from webmap.web.app import create_app

QUERIES = ["云冈", "yungang", "yg", "grottoes", "石窟", "Zzz patched", "ceshi", "党", "memorial", "gaotun", "library"]
BOXES = [(112.5, 39.5, 114.0, 40.6), (113.10, 40.09, 113.15, 40.12), (112.95, 39.95, 113.0, 40.0)]
WHO = {"author": "tester", "comment": "test"}


@pytest.fixture
def repo(tmp_path):
    r = Repository.open(f"sqlite:///{tmp_path / 'webmap.sqlite3'}", DATA)
    r.init(DATA)
    yield r
    r.close()


def _edit(repo: Repository, site_id: str, change) -> None:
    site = repo.site(site_id)
    f = copy.deepcopy(site.feature)
    change(f)
    repo.save(site_id, f, expected_revision=site.revision, publish=True, **WHO)


def _rename(f):
    f["properties"]["name"] = {"zh": "云冈石窟测试", "en": "Zzz patched grottoes"}


def _locate(f):  # a place with no point gets one
    first = f["properties"]["location"]["candidates"][0]
    f["geometry"] = {"type": "Point", "coordinates": first["coordinates"]}
    location = {"precision": "township", "source": first["source"], "box": first["box"], "uncertainty_m": 11000}
    f["properties"]["location"] = location


def _new_site(repo: Repository, site_id: str) -> None:
    f = copy.deepcopy(repo.site("hengan-citizen-green-park").feature)  # at the same point
    f["id"] = site_id
    f["properties"]["name"] = {"zh": "新建测试馆", "en": "New test hall"}
    repo.save(site_id, f, expected_revision=None, publish=True, **WHO)


def _answers(cat) -> dict:
    """Everything a caller could see of a catalogue's sites."""
    ids = cat.site_ids()
    return {
        "version": cat.version,
        "ids": ids,
        "by_layer": {lid: cat.site_ids(lid) for lid in cat.layer_ids},
        "counts": cat.layer_counts(),
        "located": cat.located_count,
        "search": {q: cat.search_index.search(q) for q in QUERIES},
        "bbox": [list(cat.index.within_bbox(b)) for b in BOXES],
        "nearby": [list(cat.index.nearby(113.1225, 40.11, r)) for r in (500, 5000, 50000)]
        + [list(cat.index.nearby(112.99309, 39.96876, 20000, exclude="yungang-library"))],
        "bytes": [(cat.features.geojson_bytes(i), cat.features.geojson_bytes(i, compact=True)) for i in ids],
        "columns": cat.columns(ids),
        "trips": repr(cat.trips),
    }


def _http(cat, tmp_path) -> dict:
    """The same through the web API: bodies and ETags."""
    client = create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache"), catalogue=cat).test_client()
    urls = ["/api/sites", "/api/columns", "/api/layers", "/api/sites/yungang-grottoes", "/api/sites/coal-mine-memorial"]
    urls += [f"/api/search?q={q}" for q in QUERIES] + ["/api/nearby?lon=113.1225&lat=40.11&r=5000"]
    urls += ["/api/sites/new-hall", "/api/sites/taile-taiqing-parking"]
    out = {}
    for url in urls:
        resp = client.get(url)
        out[url] = (resp.status_code, resp.headers.get("ETag"), resp.get_data())
    return out


def _same(patched, rebuilt, tmp_path) -> None:
    assert isinstance(patched.search_index, LayeredIndex)
    assert_geodataframe_equal(patched.sites, rebuilt.sites)
    assert _answers(patched) == _answers(rebuilt)
    assert _http(patched, tmp_path) == _http(rebuilt, tmp_path)


KEY = b"k" * 32


def test_site_by_site_update_equals_a_full_rebuild(repo, tmp_path):
    cat = repo.load_catalogue()
    before = _answers(cat)
    before_http = _http(cat, tmp_path)  # what it keeps (search snippets) is its own

    _edit(repo, "yungang-grottoes", _rename)  # replace: name (and its pinyin) changes
    _edit(repo, "coal-mine-memorial", _locate)  # locate: it joins the sites table's points
    _new_site(repo, "new-hall")  # add
    repo.retire("taile-taiqing-parking", expected_revision=repo.site("taile-taiqing-parking").revision, **WHO)
    step1 = repo.update_catalogue(cat)
    _same(step1, repo.load_catalogue(), tmp_path)
    assert "taile-taiqing-parking" not in step1.features and "new-hall" in step1.features
    assert {h.site_id for h in step1.search_index.search("ceshi")} >= {"yungang-grottoes", "new-hall"}  # 测试
    assert not [h for h in cat.search_index.search("ceshi") if h.site_id == "yungang-grottoes"]

    # A second round on top of the patched catalogue: edit an overlaid site again,
    # bring the retired one back (it returns to its place in the order), retire a new one.
    _edit(repo, "yungang-grottoes", lambda f: f["properties"]["name"].update(en="Yungang again"))
    site = repo.site("taile-taiqing-parking")
    repo.save("taile-taiqing-parking", site.feature, expected_revision=site.revision, publish=True, **WHO)
    repo.retire("new-hall", expected_revision=repo.site("new-hall").revision, **WHO)
    step2 = repo.update_catalogue(step1)
    _same(step2, repo.load_catalogue(), tmp_path)
    assert step2.site_ids() == before["ids"]  # the order of the shipped sites again

    # The catalogue it started from is untouched (requests may still be using it).
    assert _answers(cat) == before
    assert _http(cat, tmp_path) == before_http


def test_nothing_changed_and_too_many_changes(repo):
    cat = repo.load_catalogue()
    same = repo.update_catalogue(cat)
    assert same.site_ids() == cat.site_ids() and same.version == cat.version
    _edit(repo, "yungang-grottoes", _rename)
    _edit(repo, "yungang-library", _rename)
    assert repo.update_catalogue(cat, limit=1) is None  # the caller rebuilds


def test_start_up_from_the_snapshot_and_the_changes_since(repo, tmp_path):
    """The first start builds the catalogue and keeps a snapshot; a later start loads
    it and applies what changed meanwhile: the same catalogue as a full rebuild."""
    from webmap.db.snapshot import full_catalogue, start_catalogue

    cache = tmp_path / "cache"
    full_catalogue(repo, cache, KEY)
    assert list((cache / "catalogue").glob("*.pickle"))
    _edit(repo, "yungang-grottoes", _rename)  # while no server runs
    _new_site(repo, "new-hall")
    started = start_catalogue(repo, cache, KEY)
    assert isinstance(started.search_index, LayeredIndex) and "new-hall" in started.search_index.masked
    _same(started, repo.load_catalogue(), tmp_path)


def test_a_snapshot_of_another_state_is_not_used(repo, tmp_path):
    """A snapshot whose unchanged sites differ from the database's (a restored or
    replaced database at the same version) is rebuilt, never served."""
    from webmap.db import snapshot

    cache = tmp_path / "cache"
    snapshot.full_catalogue(repo, cache, KEY)
    path = next((cache / "catalogue").glob("*.pickle"))
    state = snapshot.pickle.loads(path.read_bytes()[32:])
    state["revisions"]["yungang-grottoes"] += 1000
    state["json"]["yungang-grottoes"] = b'{"stale": true}'
    body = snapshot.pickle.dumps(state)
    path.write_bytes(hmac.new(KEY, body, hashlib.sha256).digest() + body)
    started = snapshot.start_catalogue(repo, cache, KEY)
    assert started.features.geojson_bytes("yungang-grottoes") != b'{"stale": true}'
    assert _answers(started) == _answers(repo.load_catalogue())
    path.write_bytes(b"not a pickle")
    assert _answers(snapshot.start_catalogue(repo, cache, KEY)) == _answers(repo.load_catalogue())


class _Boom:
    """Unpickling this runs code: what a planted snapshot would do."""

    def __reduce__(self):
        return (Path.touch, (Path(os.environ["WEBMAP_TEST_PLANTED"]),))


def test_a_snapshot_not_signed_with_this_servers_key_is_never_unpickled(repo, tmp_path, monkeypatch):
    """Someone who can write the cache folder but not read the key cannot make the
    server run code or serve what they wrote: the file is rebuilt, not unpickled."""
    from webmap.db import snapshot

    cache = tmp_path / "cache"
    snapshot.full_catalogue(repo, cache, KEY)
    path = next((cache / "catalogue").glob("*.pickle"))
    planted = tmp_path / "planted"
    monkeypatch.setenv("WEBMAP_TEST_PLANTED", str(planted))
    body = snapshot.pickle.dumps(_Boom())
    for forged in (body, b"\0" * 32 + body, hmac.new(b"another key", body, hashlib.sha256).digest() + body):
        path.write_bytes(forged)
        started = snapshot.start_catalogue(repo, cache, KEY)
        assert not planted.exists()
        assert _answers(started) == _answers(repo.load_catalogue())
    # the rebuild replaced the forged file with a signed one, used by the next start
    assert path.read_bytes()[:32] == hmac.new(KEY, path.read_bytes()[32:], hashlib.sha256).digest()


def test_every_worker_and_restart_signs_with_one_key(tmp_path):
    """Without WEBMAP_SECRET_KEY the key is kept in the cache folder: a session cookie
    made by one worker is good in another and after a restart (webmap/secret.py)."""
    from webmap.secret import server_secret

    cache = tmp_path / "cache"
    first = server_secret(None, cache)
    assert server_secret(None, cache) == first and len(first) >= 32
    assert (cache / "secret-key").stat().st_mode & 0o077 == 0  # only the server's user reads it
    assert server_secret("configured-secret-key-of-the-district", cache) == "configured-secret-key-of-the-district"
    assert server_secret(None, tmp_path / "other") != first
