"""The stewardship database (webmap/db) on a real SQLite file and a real PostgreSQL
database: what a steward, an operator and the web layer notice. Seeding and export
keep the open data byte for byte; stale saves are refused naming what changed; nothing
is deleted; invalid sites are refused with the loader's own words; people and tokens."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest
from sqlalchemy import event, select
from support import DATA

from webmap.catalogue import DataError, load_catalogue
from webmap.db import tables as t
from webmap.db.repository import Conflict, DatabaseError, Invalid, NotFound, Repository

SITE = "yungang-grottoes"


@pytest.fixture
def repo(db_url):
    r = Repository.open(db_url, DATA)
    assert r.init(DATA) is True
    yield r
    r.close()


def renamed(repo: Repository, site_id: str, en: str) -> dict:
    f = copy.deepcopy(repo.site(site_id).feature)
    f["properties"]["name"]["en"] = en
    return f


def shipped_features() -> list[dict]:
    return json.loads((DATA / "sites.geojson").read_text(encoding="utf-8"))["features"]


def trip_stop() -> str:
    trips = json.loads((DATA / "trips.json").read_text(encoding="utf-8"))
    return trips["trips"][0]["stops"][0]["site"]


# ---------------------------------------------------------------------------
# Seeding, export, loading


def test_init_is_idempotent_and_seeds_the_shipped_data_once(db_url):
    repo = Repository.open(db_url, DATA)
    assert repo.init(DATA) is True
    assert repo.init(DATA) is False
    assert Repository.open(db_url, DATA).init(DATA) is False  # another process, later
    info = repo.status()
    assert info["sites"] == len(shipped_features()) and info["revisions"] == info["sites"]
    assert info["version"] == 1 and info["schema"] == "0002_suggestions"
    assert repo.published_features() == shipped_features()


def test_three_starts_at_once_seed_the_database_once(db_url):
    """Three repositories (own engines and connections, as three workers have) init together."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        seeded = list(pool.map(lambda _: Repository.open(db_url, DATA).init(DATA), range(3)))
    assert sorted(seeded) == [False, False, True]
    assert Repository.open(db_url, DATA).status()["revisions"] == len(shipped_features())


def test_import_then_export_of_the_shipped_data_is_byte_identical(repo, tmp_path):
    written = repo.export(tmp_path / "out")
    shipped = sorted(p.name for p in DATA.iterdir() if p.is_file())
    assert sorted(p.name for p in written) == shipped
    for name in shipped:
        assert (tmp_path / "out" / name).read_bytes() == (DATA / name).read_bytes(), name
    # Importing the same folder again changes nothing and does not bump the version.
    assert repo.import_data(DATA)["unchanged"] == len(shipped_features())
    assert repo.version() == 1


def test_an_edit_exports_as_a_small_stable_diff(repo, tmp_path):
    rev = repo.site(SITE).revision
    repo.save(
        SITE, renamed(repo, SITE, "Yungang Caves"), author="ana", comment="name", expected_revision=rev, publish=True
    )
    repo.export(tmp_path / "a")
    repo.export(tmp_path / "b")
    a = (tmp_path / "a" / "sites.geojson").read_bytes()
    assert a == (tmp_path / "b" / "sites.geojson").read_bytes()
    old = (DATA / "sites.geojson").read_text(encoding="utf-8").splitlines()
    new = a.decode().splitlines()
    assert len(old) == len(new)
    assert [n for o, n in zip(old, new, strict=True) if o != n] == ['          "en": "Yungang Caves"']
    assert load_catalogue(tmp_path / "a").features[SITE].properties.name.en == "Yungang Caves"


def test_the_catalogue_from_the_database_equals_the_one_from_the_files(repo, catalogue):
    """Built without validating the rows again, but the same in every way a request sees."""
    db = repo.load_catalogue()
    assert list(db.features) == list(catalogue.features)
    for fid in catalogue.features:
        assert db.features.geojson_bytes(fid) == catalogue.features.geojson_bytes(fid)
        assert db.features.geojson_bytes(fid, compact=True) == catalogue.features.geojson_bytes(fid, compact=True)
    assert db.sites.drop(columns="geometry").equals(catalogue.sites.drop(columns="geometry"))
    assert db.layer_counts() == catalogue.layer_counts()
    for q in ("云冈", "yungang", "ygsk", "solar"):
        assert db.search_index.search(q) == catalogue.search_index.search(q), q
    assert db.trips.trips.keys() == catalogue.trips.trips.keys()


# ---------------------------------------------------------------------------
# Revisions


def test_a_save_on_a_stale_revision_is_refused_naming_what_changed(repo):
    seen = repo.site(SITE)
    first = renamed(repo, SITE, "Yungang Caves")
    repo.save(SITE, first, author="ana", comment="name", expected_revision=seen.revision, publish=True)

    second = copy.deepcopy(seen.feature)
    second["properties"]["summary"]["en"] = "Another summary."
    with pytest.raises(Conflict) as exc:
        repo.save(SITE, second, author="bo", comment="summary", expected_revision=seen.revision, publish=True)
    assert exc.value.changed == ["properties.name"]
    assert exc.value.current.revision == seen.revision + 1
    assert "ana" in exc.value.message and "properties.name" in exc.value.message
    assert exc.value.status == 409 and exc.value.body()["error"]["changed"] == ["properties.name"]
    assert repo.site(SITE).feature == first  # nothing overwritten
    assert len(repo.history(SITE)) == 2


def test_creating_a_site_that_exists_is_a_conflict_and_a_new_site_goes_last(repo):
    with pytest.raises(Conflict):
        repo.save(SITE, repo.site(SITE).feature, author="a", comment="c", expected_revision=None, publish=True)
    new = copy.deepcopy(repo.site(SITE).feature)
    new["id"] = "new-place"
    rev = repo.save("new-place", new, author="ana", comment="a new place", expected_revision=None, publish=True)
    assert (rev.n, rev.before, rev.state) == (1, None, "published")
    assert repo.published_features()[-1]["id"] == "new-place"
    assert list(repo.load_catalogue().features)[-1] == "new-place"
    with pytest.raises(NotFound):
        repo.save("nowhere", {**new, "id": "nowhere"}, author="a", comment="c", expected_revision=3, publish=True)


def test_revert_is_a_new_revision_with_the_old_content(repo):
    original = repo.site(SITE).feature
    repo.save(SITE, renamed(repo, SITE, "Wrong name"), author="bo", comment="oops", expected_revision=1, publish=True)
    rev = repo.revert(SITE, 1, author="ana", comment="undo bo's rename")
    assert rev.n == 3 and rev.after == original and rev.before["properties"]["name"]["en"] == "Wrong name"
    assert repo.site(SITE).feature == original and repo.site(SITE).revision == 3
    assert [r.n for r in repo.history(SITE)] == [1, 2, 3]
    assert [r.author for r in repo.history(SITE)] == ["webmap db init", "bo", "ana"]


def test_retire_keeps_the_site_and_its_history_and_revert_brings_it_back(repo):
    rev = repo.retire(SITE, author="ana", comment="closed", expected_revision=1)
    assert rev.after is None
    assert SITE not in [f["id"] for f in repo.published_features()]
    assert SITE not in repo.load_catalogue().features
    stored = repo.site(SITE)
    assert stored.retired and stored.feature["id"] == SITE  # not deleted
    with pytest.raises(Conflict):
        repo.retire(SITE, author="ana", comment="again", expected_revision=2)
    repo.revert(SITE, 1, author="ana", comment="reopened")
    assert SITE in repo.load_catalogue().features and not repo.site(SITE).retired


def test_a_trip_stop_cannot_be_retired_or_lose_its_point(repo):
    stop = trip_stop()
    with pytest.raises(DataError) as exc:
        repo.retire(stop, author="ana", comment="closed", expected_revision=1)
    assert any(p.file.endswith("trips.json") and repr(stop) in p.message for p in exc.value.problems)
    assert not repo.site(stop).retired


def test_an_invalid_site_is_refused_with_the_loaders_own_message(repo, data_copy):
    bad = copy.deepcopy(repo.site(SITE).feature)
    bad["properties"]["layer"] = "nonsense"
    with pytest.raises(DataError) as exc:
        repo.save(SITE, bad, author="ana", comment="c", expected_revision=1, publish=True)
    (problem,) = exc.value.problems
    # The same feature in a data folder: the loader says the same thing about the same field.
    doc = json.loads((data_copy / "sites.geojson").read_text(encoding="utf-8"))
    doc["features"] = [bad if f["id"] == SITE else f for f in doc["features"]]
    (data_copy / "sites.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as loader:
        load_catalogue(data_copy)
    (expected,) = loader.value.problems
    assert (problem.feature, problem.field, problem.message) == (expected.feature, expected.field, expected.message)
    assert problem.field == "properties.layer" and "nonsense" in problem.message

    no_source = copy.deepcopy(repo.site(SITE).feature)
    del no_source["properties"]["location"]["source"]
    with pytest.raises(DataError) as exc:
        repo.save(SITE, no_source, author="ana", comment="c", expected_revision=1, publish=True)
    assert [p.field for p in exc.value.problems] == ["properties.location.source"]
    assert repo.site(SITE).revision == 1 and len(repo.history(SITE)) == 1  # nothing stored


def test_a_comment_is_required(repo):
    with pytest.raises(Invalid) as exc:
        repo.save(SITE, renamed(repo, SITE, "X"), author="ana", comment="  ", expected_revision=1, publish=True)
    assert exc.value.detail["field"] == "comment"


def test_a_proposal_waits_until_a_steward_publishes_or_rejects_it(repo):
    proposal = repo.save(
        SITE, renamed(repo, SITE, "Proposed"), author="ed", comment="p", expected_revision=1, publish=False
    )
    assert proposal.state == "pending" and repo.version() == 1
    assert repo.site(SITE).revision == 1 and repo.pending() == [proposal]
    assert repo.load_catalogue().features[SITE].properties.name.en == "Yungang Grottoes"

    done = repo.decide(SITE, proposal.n, author="ste", publish=True, reason="checked the source")
    assert (done.state, done.decided_by) == ("published", "ste")
    assert repo.site(SITE).revision == proposal.n and repo.pending() == []
    assert repo.changes_since(1) == (2, [SITE])
    with pytest.raises(Conflict):
        repo.decide(SITE, proposal.n, author="ste", publish=False, reason="again")

    other = "yungang-district"
    if repo.site(other) is None:
        other = repo.published_features()[1]["id"]
    late = repo.save(other, renamed(repo, other, "Later"), author="ed", comment="p", expected_revision=1, publish=False)
    rejected = repo.decide(other, late.n, author="ste", publish=False, reason="no source for this")
    assert (rejected.state, rejected.reason) == ("rejected", "no source for this")
    assert repo.history(other)[-1].state == "rejected" and repo.site(other).revision == 1


def test_publishing_a_proposal_made_before_another_edit_is_a_conflict(repo):
    proposal = repo.save(
        SITE, renamed(repo, SITE, "Proposed"), author="ed", comment="p", expected_revision=1, publish=False
    )
    repo.save(SITE, renamed(repo, SITE, "Published"), author="ste", comment="e", expected_revision=1, publish=True)
    with pytest.raises(Conflict) as exc:
        repo.decide(SITE, proposal.n, author="ste", publish=True, reason="ok")
    assert exc.value.changed == ["properties.name"]
    assert repo.site(SITE).feature["properties"]["name"]["en"] == "Published"


# ---------------------------------------------------------------------------
# People and tokens


def test_users_passwords_and_roles(repo):
    repo.add_user("ana", "steward", "correct horse battery")
    assert repo.authenticate("ana", "correct horse battery").role == "steward"
    assert repo.authenticate("ana", "wrong password!") is None
    assert repo.authenticate("nobody", "correct horse battery") is None
    with pytest.raises(Conflict):
        repo.add_user("ana", "editor", "another password")
    with pytest.raises(Invalid):
        repo.add_user("bo", "king", "long enough password")
    with pytest.raises(Invalid):
        repo.add_user("bo", "editor", "short")
    repo.set_role("ana", "admin")
    assert repo.user("ana").role == "admin"
    repo.disable("ana")
    assert repo.authenticate("ana", "correct horse battery") is None
    events = [e["event"] for e in repo.audit_log()]
    assert {"user_added", "role_changed", "user_disabled"} <= set(events)
    with repo.engine.connect() as conn:
        stored = conn.execute(select(t.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_tokens_are_shown_once_stored_hashed_and_can_be_revoked(repo):
    repo.add_user("qgis-user", "editor", "correct horse battery")
    token = repo.create_token("qgis-user", "QGIS on the office PC")
    assert repo.user_for_token(token).name == "qgis-user"
    assert repo.user_for_token(token + "x") is None and repo.user_for_token("") is None
    with repo.engine.connect() as conn:
        hashes = list(conn.execute(select(t.tokens.c.hash)).scalars())
    assert token not in hashes and len(hashes) == 1
    (info,) = repo.tokens("qgis-user")
    assert info.last_used is not None and info.label == "QGIS on the office PC"
    repo.set_role("qgis-user", "steward")
    assert repo.user_for_token(token).role == "steward"  # a token carries its user's current role
    repo.disable("qgis-user")
    assert repo.user_for_token(token) is None
    repo.disable("qgis-user", disabled=False)
    repo.revoke_token(info.id)
    assert repo.user_for_token(token) is None
    with pytest.raises(NotFound):
        repo.create_token("nobody", "x")


# ---------------------------------------------------------------------------
# When the database cannot be written


def test_a_read_only_database_says_so_and_changes_nothing(sqlite_url, tmp_path):
    Repository.open(sqlite_url, DATA).init(DATA)
    path = tmp_path / "webmap.sqlite3"
    ro = Repository.open(f"sqlite:///file:{path}?mode=ro&uri=true", DATA)
    assert ro.site(SITE).revision == 1  # reading works
    with pytest.raises(DatabaseError) as exc:
        ro.save(SITE, renamed(ro, SITE, "X"), author="ana", comment="c", expected_revision=1, publish=True)
    assert "read-only" in str(exc.value) and "nothing was changed" in str(exc.value)
    with pytest.raises(DatabaseError):
        ro.add_user("ana", "admin", "correct horse battery")
    rw = Repository.open(sqlite_url, DATA)
    assert rw.site(SITE).revision == 1 and rw.users() == [] and len(rw.history(SITE)) == 1


def test_a_full_database_says_so_and_keeps_the_previous_revision(sqlite_url):
    repo = Repository.open(sqlite_url, DATA)
    repo.init(DATA)

    @event.listens_for(repo.engine, "connect")
    def no_more_pages(dbapi_conn, _record):  # SQLite's own limit: as a full disk looks to it
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    repo.engine.dispose()
    big = renamed(repo, SITE, "Yungang Grottoes")
    big["properties"]["details"]["en"] = "long " * 3_800  # within the 20,000 limit; a few pages more than the file has
    with pytest.raises(DatabaseError) as exc:
        repo.save(SITE, big, author="ana", comment="c", expected_revision=1, publish=True)
    assert "full" in str(exc.value) and "nothing was changed" in str(exc.value)
    fresh = Repository.open(sqlite_url, DATA)
    assert fresh.site(SITE).revision == 1 and len(fresh.history(SITE)) == 1 and fresh.version() == 1
    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_url_that_is_not_a_database_is_a_clear_error():
    with pytest.raises(DatabaseError, match="unsupported database"):
        Repository.open("mysql://u:secret@h/db")
    with pytest.raises(DatabaseError) as exc:
        Repository.open("postgresql://u:secret@127.0.0.1:1/db").version()
    assert "secret" not in str(exc.value)


def test_the_migrations_create_exactly_the_tables_the_code_queries(db_url):
    """webmap/db/tables.py and migrations/versions/ describe the same schema (Alembic's
    own comparison, as `alembic revision --autogenerate` would run it)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    repo = Repository.open(db_url, DATA)
    repo.upgrade()
    with repo.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    ignored = {"spatial_ref_sys"}  # PostGIS's own table in the test cluster's databases
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name in ignored)] == []


def test_backup_and_restore(db_url, tmp_path):
    """SQLite: the backup API; PostgreSQL: pg_dump / pg_restore. A restore brings back the
    backed-up data and history, and a file that is no backup is refused."""
    repo = Repository.open(db_url, DATA)
    repo.init(DATA)
    repo.backup(tmp_path / "backup.bin")
    repo.save(SITE, renamed(repo, SITE, "After the backup"), author="a", comment="c", expected_revision=1, publish=True)
    with pytest.raises(DatabaseError, match="exists"):
        repo.backup(tmp_path / "backup.bin")
    info = repo.restore(tmp_path / "backup.bin")
    assert info["version"] == 1 and info["sites"] == len(shipped_features())
    assert repo.site(SITE).revision == 1 and len(repo.history(SITE)) == 1
    repo.save(
        SITE, renamed(repo, SITE, "After the restore"), author="a", comment="c", expected_revision=1, publish=True
    )
    with pytest.raises(DatabaseError):
        repo.restore(DATA / "sites.geojson")
    assert repo.site(SITE).feature["properties"]["name"]["en"] == "After the restore"
