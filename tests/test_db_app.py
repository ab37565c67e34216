"""The app on the database: the first start creates and seeds it, a write is served
after ``refresh_catalogue``, and a change made by another process is served by a
running server within 2 s (its 0.5 s poll). ``WEBMAP_DATABASE_URL=none`` serves the
data folder read-only, as the rest of the suite does."""

from __future__ import annotations

import copy
import json
import time
import urllib.request
from pathlib import Path

from support import DATA

from webmap.db.repository import Repository
from webmap.settings import load_settings
from webmap.web.app import create_app, refresh_catalogue

SITE = "yungang-grottoes"


def db_app(url: str, tmp_path: Path):
    return create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url=url, data_dir=DATA))


def rename(repo: Repository, site_id: str, en: str) -> None:
    stored = repo.site(site_id)
    f = copy.deepcopy(stored.feature)
    f["properties"]["name"]["en"] = en
    repo.save(site_id, f, author="ana", comment="rename", expected_revision=stored.revision, publish=True)


def test_the_first_start_creates_and_seeds_the_database(sqlite_url, tmp_path):
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    assert not path.exists()
    client = db_app(sqlite_url, tmp_path).test_client()
    assert path.is_file()
    health = client.get("/healthz").get_json()
    assert health == {"status": "ok", "sites": 35, "data_version": "db-1"}
    # A second start uses what is there.
    assert db_app(sqlite_url, tmp_path).test_client().get("/healthz").get_json()["data_version"] == "db-1"


def test_serving_the_files_has_no_database(app):
    assert app.extensions["webmap.repository"] is None
    assert load_settings(database_url="none").database_url is None
    assert load_settings(database_url="").database_url.endswith("instance/webmap.sqlite3")


def test_a_write_is_served_after_refresh_catalogue(sqlite_url, tmp_path):
    app = db_app(sqlite_url, tmp_path)
    client = app.test_client()
    repo = app.extensions["webmap.repository"]
    before = client.get("/api/sites").get_data()
    rename(repo, SITE, "Cloud Ridge Caves")
    assert refresh_catalogue(app) is True
    assert refresh_catalogue(app) is False  # nothing new
    assert client.get(f"/api/sites/{SITE}").get_json()["properties"]["name"]["en"] == "Cloud Ridge Caves"
    assert client.get("/api/sites").get_data() != before
    hits = client.get("/api/search?q=cloud ridge").get_json()
    assert SITE in json.dumps(hits)
    stored = repo.site(SITE)
    repo.retire(SITE, author="ana", comment="closed", expected_revision=stored.revision)
    refresh_catalogue(app)
    assert client.get(f"/api/sites/{SITE}").status_code == 404
    assert client.get("/healthz").get_json()["sites"] == 34


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def test_a_change_made_by_another_process_is_served_within_2_s(db_url, serve):
    server = serve(env={"WEBMAP_DATABASE_URL": db_url})
    assert get_json(f"{server.url}/healthz")["data_version"] == "db-1"
    repo = Repository.open(db_url, DATA)
    rename(repo, SITE, "Renamed by another process")
    saved = time.monotonic()
    while True:
        name = get_json(f"{server.url}/api/sites/{SITE}")["properties"]["name"]["en"]
        if name == "Renamed by another process":
            break
        assert time.monotonic() - saved < 2.0, "the server still serves the old name 2 s after the save"
        time.sleep(0.05)
    assert get_json(f"{server.url}/healthz")["data_version"] == "db-2"
