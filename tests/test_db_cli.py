"""`webmap db | users | tokens` through the real `webmap` CLI (a subprocess, as an
operator runs it): set-up of a district office from nothing to a first admin and a
token, export back to data files, backup and restore, and clear errors."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest
from support import DATA, PROJECT_ROOT

from webmap.db.repository import Repository

SITE = "yungang-grottoes"


@pytest.fixture
def webmap(sqlite_url):
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "WEBMAP_DATABASE_URL": sqlite_url,
        "WEBMAP_DATA_DIR": str(DATA),
    }

    def run(*args: str, stdin: str | None = None, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "webmap.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        assert done.returncode == code, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return done

    return run


def test_a_district_office_sets_up_people_and_tokens(webmap, sqlite_url):
    assert "created and seeded" in webmap("db", "init").stdout
    webmap("users", "add", "admin", "--role", "admin", "--password-stdin", stdin="first admin password\n")
    webmap("users", "add", "li", "--role", "editor", "--password-stdin", stdin="editor password 1\n")
    webmap("users", "set-role", "li", "steward")
    listing = webmap("users", "list").stdout.splitlines()
    assert [line.split() for line in listing] == [["admin", "admin", "active"], ["li", "steward", "active"]]

    repo = Repository.open(sqlite_url, DATA)
    assert repo.authenticate("admin", "first admin password").role == "admin"
    made = webmap("tokens", "create", "li", "--label", "QGIS")
    token = made.stdout.strip()
    assert repo.user_for_token(token).role == "steward"
    assert "shown" not in made.stdout and "token 1" in made.stderr  # stdout is only the token
    webmap("tokens", "revoke", "1")
    assert repo.user_for_token(token) is None
    webmap("users", "disable", "li")
    assert repo.authenticate("li", "editor password 1") is None
    assert "disabled" in webmap("users", "list").stdout

    status = webmap("db", "status").stdout
    assert "users      2" in status and "sites      35" in status


def test_bad_input_is_a_message_not_a_traceback(webmap):
    short = webmap("users", "add", "bo", "--role", "editor", "--password-stdin", stdin="short\n", code=1)
    assert "at least 10 characters" in short.stderr
    assert "not one of" in webmap("users", "add", "bo", "--role", "king", "--password-stdin", code=2).stderr
    assert "no user 'ghost'" in webmap("tokens", "create", "ghost", code=1).stderr


def test_export_import_backup_and_restore(webmap, sqlite_url, tmp_path, data_copy):
    webmap("db", "init")
    webmap("db", "export", str(tmp_path / "out"))
    for name in ("sites.geojson", "layers.json", "themes.json", "boundary.geojson", "district.json", "trips.json"):
        assert (tmp_path / "out" / name).read_bytes() == (DATA / name).read_bytes(), name

    webmap("db", "backup", str(tmp_path / "backup.sqlite3"))
    repo = Repository.open(sqlite_url, DATA)
    f = copy.deepcopy(repo.site(SITE).feature)
    f["properties"]["name"]["en"] = "Changed after the backup"
    repo.save(SITE, f, author="ana", comment="c", expected_revision=1, publish=True)
    assert "exists" in webmap("db", "backup", str(tmp_path / "backup.sqlite3"), code=1).stderr
    webmap("db", "restore", "--yes", str(tmp_path / "backup.sqlite3"))
    assert Repository.open(sqlite_url, DATA).site(SITE).revision == 1
    assert "not a webmap database" in webmap("db", "restore", "--yes", str(DATA / "sites.geojson"), code=1).stderr

    # An edited data folder imports as revisions; an invalid one is refused whole.
    (data_copy / "sites.geojson").write_text(
        (DATA / "sites.geojson").read_text(encoding="utf-8").replace("Yungang Grottoes", "Yungang Caves"),
        encoding="utf-8",
    )
    assert "1 changed" in webmap("db", "import", str(data_copy)).stdout
    (data_copy / "layers.json").write_text("{", encoding="utf-8")
    refused = webmap("db", "import", str(data_copy), code=1)
    assert "layers.json" in refused.stderr and "nothing was changed" in refused.stderr
    assert Repository.open(sqlite_url, DATA).site(SITE).feature["properties"]["name"]["en"] == "Yungang Caves"


def test_validate_checks_the_database_when_it_holds_data(webmap):
    assert f"OK {DATA}:" in webmap("validate").stdout  # no database yet: the data folder
    webmap("db", "init")
    assert "webmap.sqlite3: 35 sites" in webmap("validate").stdout
