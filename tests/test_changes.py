"""What changed (#13): real edits made through the write API as a steward show on
/changes (in the page's language), in /changes.atom (read back by feedparser) and in
/api/changes; proposals waiting for a steward never do (webmap/changes.py,
webmap/web/changes.py)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from PIL import Image
from sqlalchemy import update
from support.stewardship import make_database, sign_in

from webmap.changes import classify
from webmap.db import tables as t
from webmap.settings import load_settings
from webmap.web.app import create_app

LOCATE = "yungang-library"  # culture; no point yet
BUILD = "tongxing-phase3-coal-power"  # energy; under construction
HOSTILE = "<script>alert(1)</script> & Co"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def db(tmp_path):
    return make_database(tmp_path)


@pytest.fixture
def app(tmp_path, db, data_copy):
    # data_copy: a photos folder a test may add a file to (the validator checks it exists)
    return create_app(
        load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url=db.url, data_dir=data_copy)
    )


class Steward:
    def __init__(self, app, name="stew"):
        self.client = app.test_client()
        self.token = sign_in(self.client, name)

    def get(self, site_id):
        resp = self.client.get(f"/api/sites/{site_id}")
        assert resp.status_code == 200
        return resp.get_json(), resp.headers["ETag"]

    def put(self, site_id, change, comment, expect=200):
        feature, etag = self.get(site_id)
        edited = copy.deepcopy(feature)
        change(edited)
        resp = self.client.put(
            f"/api/sites/{site_id}",
            json={"feature": edited, "comment": comment},
            headers={"If-Match": etag, "X-CSRFToken": self.token},
        )
        assert resp.status_code == expect, resp.get_json()
        return resp.get_json()


def locate(f):
    f["geometry"] = {"type": "Point", "coordinates": [113.15, 40.08]}
    f["properties"]["location"].update(precision="site", source="A steward's visit, 2026", uncertainty_m=50)


def completed(f):
    f["properties"]["status"] = "completed"


def entries_of(html: str) -> list[str]:
    """The site ids of the listed changes, in page order."""
    import re

    return re.findall(r'<li class="change" data-site="([^"]+)"', html)


def feed(client, query=""):
    resp = client.get("/changes.atom" + query)
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    parsed = feedparser.parse(resp.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed, resp.get_data()


# ---------------------------------------------------------------------------


def test_a_fresh_map_has_no_changes_the_seed_is_not_one(app):
    client = app.test_client()
    html = client.get("/changes").get_data(as_text=True)
    assert "还没有发布过更新。" in html and entries_of(html) == []
    parsed, _ = feed(client)
    assert parsed.entries == []
    assert client.get("/api/changes").get_json()["sites"] == []
    # the list of all places links here (the static copy, which has no such page, does not)
    assert '<a href="/changes?lang=en">What changed</a>' in client.get("/sites/?lang=en").get_data(as_text=True)


def test_located_and_status_changes_listed_newest_first_in_the_pages_language(app):
    stew = Steward(app)
    stew.put(LOCATE, locate, "located on a visit")
    stew.put(BUILD, completed, "the plant is finished")
    visitor = app.test_client()

    zh = visitor.get("/changes").get_data(as_text=True)
    assert entries_of(zh) == [BUILD, LOCATE]
    assert '<html lang="zh-CN">' in zh
    assert "已标注位置" in zh and "状态变更" in zh and "在建 → 已建成" in zh
    assert "同兴" in zh or "云冈区图书馆" in zh  # names in Chinese
    assert f'href="/sites/{LOCATE}"' in zh and f'href="/sites/{LOCATE}/history#revision-2"' in zh

    en = visitor.get("/changes?lang=en").get_data(as_text=True)
    assert entries_of(en) == [BUILD, LOCATE]
    assert "Place located" in en and "Status changed" in en and "Under construction → Completed" in en
    assert "已标注位置" not in en
    assert f'href="/sites/{LOCATE}?lang=en"' in en and f'href="/sites/{LOCATE}/history?lang=en#revision-2"' in en
    # the links lead somewhere
    assert visitor.get(f"/sites/{LOCATE}/history?lang=en").status_code == 200


def test_the_atom_feed_is_valid_and_names_site_link_and_kind(app):
    stew = Steward(app)
    stew.put(LOCATE, locate, "located on a visit")
    stew.put(BUILD, completed, "the plant is finished")
    client = app.test_client()
    parsed, raw = feed(client, "?lang=en")
    assert parsed.feed.title.startswith("What changed")
    assert [e.link for e in parsed.entries] == [
        f"http://localhost/sites/{BUILD}?lang=en",
        f"http://localhost/sites/{LOCATE}?lang=en",
    ]
    built, located = parsed.entries
    assert built.title.endswith("· Status changed") and "Under construction → Completed" in built.summary
    assert located.title == "Yungang District Library · Place located"
    assert [tag.term for tag in located.tags] == ["located"]
    assert {x.rel: x.href for x in located.links}["related"] == f"http://localhost/sites/{LOCATE}/history?lang=en"
    assert located.id == f"tag:localhost,{datetime.now(UTC):%Y-%m-%d}:sites/{LOCATE}/revisions/2"
    assert "the plant is finished" in built.summary
    # updated is the revision's time
    history = client.get(f"/api/sites/{LOCATE}/history").get_json()["revisions"]
    assert located.updated.startswith(history[0]["at"][:19])
    assert parsed.feed.updated == built.updated

    zh, _ = feed(client)
    assert zh.entries[1].title == "云冈区图书馆 · 已标注位置"
    assert [e.id for e in zh.entries] == [e.id for e in parsed.entries]  # stable ids
    assert b'xml:lang="zh-CN"' in feed(client)[1] and b'xml:lang="en"' in raw


def test_the_layer_filter(app):
    stew = Steward(app)
    stew.put(LOCATE, locate, "located on a visit")
    stew.put(BUILD, completed, "the plant is finished")
    client = app.test_client()
    assert entries_of(client.get("/changes?layer=energy").get_data(as_text=True)) == [BUILD]
    assert entries_of(client.get("/changes?layer=culture").get_data(as_text=True)) == [LOCATE]
    assert entries_of(client.get("/changes?layers=energy,culture").get_data(as_text=True)) == [BUILD, LOCATE]
    assert entries_of(client.get("/changes?layer=parks").get_data(as_text=True)) == []
    parsed, _ = feed(client, "?layer=culture")
    assert [e.link for e in parsed.entries] == [f"http://localhost/sites/{LOCATE}"]
    assert [s["id"] for s in client.get("/api/changes?layer=energy").get_json()["sites"]] == [BUILD]
    # the page's filter form keeps the choice, and its feed link follows it
    html = client.get("/changes?layer=energy").get_data(as_text=True)
    assert '<option value="energy" selected>' in html
    assert 'href="/changes.atom?layers=energy"' in html


@pytest.mark.parametrize("path", ["/changes.atom?layer=nope", "/api/changes?layer=nope", "/api/changes?layers=energy,"])
def test_a_bad_layer_is_a_400_naming_the_parameter(app, path):
    resp = app.test_client().get(path)
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["parameter"] in ("layer", "layers")
    if "nope" in path:
        assert "energy" in err["allowed"]


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("/changes?layer=nope", "layer"),
        ("/changes?page=0", "page"),
        ("/changes?page=x", "page"),
        ("/changes?colour=red", "colour"),
        ("/api/changes?days=0", "days"),
        ("/api/changes?days=abc", "days"),
        ("/api/changes?since=30", "since"),
        ("/api/changes?since=30d&days=3", "since"),
        ("/changes.atom?page=2", "page"),
    ],
)
def test_other_bad_parameters_are_4xx_not_500(app, path, parameter):
    resp = app.test_client().get(path)
    assert resp.status_code == 400
    if resp.is_json:
        assert resp.get_json()["error"]["parameter"] == parameter
    else:  # the page: a page saying what is wrong
        assert parameter in resp.get_data(as_text=True)


def test_hostile_name_is_shown_literally_in_the_page_and_the_feed(app):
    stew = Steward(app)
    feature, _ = stew.get(LOCATE)
    fresh = copy.deepcopy(feature)
    fresh["id"] = "hostile-place"
    fresh["properties"]["name"] = {"zh": HOSTILE, "en": HOSTILE}
    resp = stew.client.post(
        "/api/sites",
        json={"feature": fresh, "comment": "a <b>new</b> place & more"},
        headers={"X-CSRFToken": stew.token},
    )
    assert resp.status_code == 201, resp.get_json()
    client = app.test_client()
    html = client.get("/changes?lang=en").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>new</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "New place" in html

    parsed, raw = feed(client, "?lang=en")
    assert b"<script>" not in raw
    assert parsed.entries[0].title == f"{HOSTILE} · New place"
    # read by a plain XML parser too: the text comes back exactly as typed
    root = ET.fromstring(raw)
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == f"{HOSTILE} · New place"
    assert "a <b>new</b> place & more" in entry.find(f"{ATOM}summary").text


def test_a_proposal_waiting_for_a_steward_is_not_a_change_until_published(app):
    editor = Steward(app, "ed")
    proposal = editor.put(BUILD, completed, "I think it is finished", expect=202)
    assert proposal["state"] == "pending"
    client = app.test_client()
    assert entries_of(client.get("/changes").get_data(as_text=True)) == []
    assert feed(client)[0].entries == []
    assert client.get("/api/changes").get_json()["sites"] == []

    stew = Steward(app)
    resp = stew.client.post(
        f"/api/proposals/{BUILD}/{proposal['n']}",
        json={"decision": "publish", "reason": "checked with the plant"},
        headers={"X-CSRFToken": stew.token},
    )
    assert resp.status_code == 200, resp.get_json()
    assert entries_of(client.get("/changes").get_data(as_text=True)) == [BUILD]
    assert [s["id"] for s in client.get("/api/changes").get_json()["sites"]] == [BUILD]


def test_a_rejected_proposal_never_appears(app):
    editor = Steward(app, "ed")
    proposal = editor.put(BUILD, completed, "I think it is finished", expect=202)
    stew = Steward(app)
    resp = stew.client.post(
        f"/api/proposals/{BUILD}/{proposal['n']}",
        json={"decision": "reject", "reason": "still being built"},
        headers={"X-CSRFToken": stew.token},
    )
    assert resp.status_code == 200, resp.get_json()
    assert entries_of(app.test_client().get("/changes").get_data(as_text=True)) == []


def test_a_new_photo_and_a_retired_place(app, data_copy):
    Image.new("RGB", (400, 300), (10, 120, 60)).save(data_copy / "photos" / "library-front.jpg", "JPEG")
    stew = Steward(app)

    def photo(f):
        f["properties"]["photos"] = [
            {
                "file": "library-front.jpg",
                "caption": {"zh": "图书馆正门", "en": "The front"},
                "credit": {"zh": "测试", "en": "test"},
            }
        ]

    stew.put(LOCATE, photo, "a photo of the front")
    feature, _ = stew.get(LOCATE)
    fresh = copy.deepcopy(feature)
    fresh["id"] = "short-lived"
    fresh["properties"]["photos"] = []
    assert (
        stew.client.post(
            "/api/sites", json={"feature": fresh, "comment": "new"}, headers={"X-CSRFToken": stew.token}
        ).status_code
        == 201
    )
    _, etag = stew.get("short-lived")
    resp = stew.client.delete(
        "/api/sites/short-lived", json={"comment": "a duplicate"}, headers={"If-Match": etag, "X-CSRFToken": stew.token}
    )
    assert resp.status_code == 200, resp.get_json()

    client = app.test_client()
    html = client.get("/changes?lang=en").get_data(as_text=True)
    assert entries_of(html) == ["short-lived", "short-lived", LOCATE]
    assert "Removed from the map" in html and "New place" in html and "New photo" in html
    assert '<li class="change" data-site="yungang-library" data-kind="photo">' in html
    assert '<li class="change" data-site="short-lived" data-kind="retired">' in html
    # a place no longer on the map has no link to its (gone) page
    assert 'href="/sites/short-lived' not in html
    kinds = [[t.term for t in e.tags] for e in feed(client)[0].entries]
    assert kinds == [["retired"], ["added"], ["photo"]]
    # the map highlights only places it still shows
    assert [s["id"] for s in client.get("/api/changes").get_json()["sites"]] == [LOCATE]


def test_paging_fifty_at_a_time(app):
    stew = Steward(app)
    for i in range(51):
        stew.put(BUILD, lambda f, i=i: f["properties"]["summary"].update(en=f"Wording {i}."), f"wording {i}")
    client = app.test_client()
    first = client.get("/changes?lang=en").get_data(as_text=True)
    assert len(entries_of(first)) == 50
    assert "Text edited" in first
    assert 'href="/changes?page=2&amp;lang=en" rel="next"' in first
    assert "wording 50" in first and "wording 0<" not in first
    second = client.get("/changes?page=2&lang=en").get_data(as_text=True)
    assert len(entries_of(second)) == 1 and "wording 0<" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert len(feed(client)[0].entries) == 50


def test_api_changes_lists_sites_changed_in_the_window(app, db):
    stew = Steward(app)
    stew.put(LOCATE, locate, "located on a visit")
    stew.put(BUILD, completed, "the plant is finished")
    # the location was fixed 40 days ago
    with db.repo.engine.begin() as conn:
        conn.execute(
            update(t.revisions)
            .where(t.revisions.c.site_id == LOCATE, t.revisions.c.n == 2)
            .values(at=datetime.now(UTC) - timedelta(days=40))
        )
    client = app.test_client()
    body = client.get("/api/changes").get_json()
    assert body["days"] == 30 and [s["id"] for s in body["sites"]] == [BUILD]
    assert body["sites"][0]["kinds"] == ["status"]
    assert [s["id"] for s in client.get("/api/changes?since=30d").get_json()["sites"]] == [BUILD]
    wide = client.get("/api/changes?days=60").get_json()
    assert [s["id"] for s in wide["sites"]] == [BUILD, LOCATE] and wide["count"] == 2
    assert wide["sites"][1]["kinds"] == ["located"]


def test_classify_each_kind():
    base = {
        "type": "Feature",
        "id": "x",
        "geometry": {"type": "Point", "coordinates": [113.1, 40.1]},
        "properties": {
            "layer": "parks",
            "name": {"zh": "甲", "en": "A"},
            "status": "planned",
            "location": {"precision": "site", "source": "s"},
            "photos": [{"file": None}],
            "themes": [],
        },
    }

    def changed(edit):
        after = copy.deepcopy(base)
        edit(after)
        return classify(base, after)

    assert changed(lambda f: f.update(geometry={"type": "Point", "coordinates": [113.2, 40.1]})) == ("moved",)
    assert changed(lambda f: f.update(geometry=None)) == ("unlocated",)
    assert changed(lambda f: f["properties"].update(status="completed")) == ("status",)
    assert changed(lambda f: f["properties"]["name"].update(en="B")) == ("text",)
    assert changed(lambda f: f["properties"]["location"].update(note={"zh": "注", "en": "n"})) == ("text",)
    assert changed(lambda f: f["properties"].update(themes=["ecology"])) == ("edited",)
    assert changed(lambda f: f["properties"]["location"].update(source="t")) == ("edited",)
    assert changed(lambda f: f["properties"].update(photos=[{"file": "a.jpg"}])) == ("photo",)
    assert changed(lambda f: f["properties"].update(status="open", photos=[{"file": "a.jpg"}])) == ("status", "photo")
    unlocated = copy.deepcopy(base)
    unlocated["geometry"] = None
    assert classify(unlocated, base) == ("located",)
    assert classify(None, base) == ("added",)
    assert classify(None, base, restored=True) == ("restored",)
    assert classify(base, None) == ("retired",)


def test_a_retired_place_brought_back_is_back_on_the_map(app):
    stew = Steward(app)
    _, etag = stew.get(BUILD)
    resp = stew.client.delete(
        f"/api/sites/{BUILD}", json={"comment": "by mistake"}, headers={"If-Match": etag, "X-CSRFToken": stew.token}
    )
    assert resp.status_code == 200, resp.get_json()
    resp = stew.client.post(
        f"/api/sites/{BUILD}/revert", json={"to": 1, "comment": "undo"}, headers={"X-CSRFToken": stew.token}
    )
    assert resp.status_code == 200, resp.get_json()
    parsed, _ = feed(app.test_client(), "?lang=en")
    assert [(e.title, [t.term for t in e.tags]) for e in parsed.entries][0][1] == ["restored"]
    assert [[t.term for t in e.tags] for e in parsed.entries] == [["restored"], ["retired"]]
    assert parsed.entries[0].title.endswith("· Back on the map")


def test_the_feed_answers_304_to_a_reader_that_has_it(app):
    Steward(app).put(BUILD, completed, "the plant is finished")
    client = app.test_client()
    first = client.get("/changes.atom")
    assert first.headers["ETag"]
    again = client.get("/changes.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_entry_ids_use_the_public_host(tmp_path, db):
    app = create_app(
        load_settings(
            tiles="none",
            cache_dir=tmp_path / "c",
            database_url=db.url,
            public_url="https://map.example.org",
            allowed_hosts="map.example.org,localhost",
        )
    )
    Steward(app).put(BUILD, completed, "the plant is finished")
    parsed, _ = feed(app.test_client())
    assert parsed.entries[0].id.startswith("tag:map.example.org,")
    assert parsed.entries[0].link == f"https://map.example.org/sites/{BUILD}"


def test_the_same_changes_on_sqlite_and_postgresql(db_url):
    """The queries behind the page and /api/changes, on both backends (PostgreSQL is
    skipped where it is not installed)."""
    from support.data import DATA

    from webmap.changes import changed_sites, published_changes, since
    from webmap.db.repository import Repository

    repo = Repository.open(db_url, DATA)
    repo.init(DATA)
    assert published_changes(repo) == ([], False)  # the seed is not a change
    stored = repo.site(LOCATE)
    feature = copy.deepcopy(stored.feature)
    locate(feature)
    repo.save(LOCATE, feature, author="stew", comment="located", expected_revision=stored.revision, publish=True)
    stored = repo.site(BUILD)
    feature = copy.deepcopy(stored.feature)
    completed(feature)
    repo.save(BUILD, feature, author="ed", comment="maybe", expected_revision=stored.revision, publish=False)

    found, more = published_changes(repo)
    assert [(c.site_id, c.kinds, c.author) for c in found] == [(LOCATE, ("located",), "stew")] and not more
    assert published_changes(repo, layers=["energy"]) == ([], False)
    assert [s["id"] for s in changed_sites(repo, since=since(30))] == [LOCATE]
    assert changed_sites(repo, since=since(30) + timedelta(days=31)) == []
    repo.close()


def test_read_only_map_has_an_empty_changes_page_and_feed(client):
    """Served from the files (WEBMAP_DATABASE_URL=none): nothing is recorded, nothing fails."""
    assert client.get("/changes").status_code == 200
    assert client.get("/api/changes").get_json()["count"] == 0
    assert feed(client)[0].entries == []
