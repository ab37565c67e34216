"""Residents' suggestions (#13) as a visitor, a steward, a bot and an operator notice them:
on the real app with a real SQLite file (tests/support/stewardship.py). A visitor needs no
account and gets no cookie; photos come out re-encoded without GPS or are refused; the
status page and the public JSON show what was said and the steward's reply, literally,
and never the contact; a bot's filled-in trap stores nothing; an address sending too many
gets 429; contact details are deleted after the retention period."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from support import DATA, PROJECT_ROOT
from support.stewardship import bearer, make_database, sign_in

from webmap.db import tables as t
from webmap.db.engine import now
from webmap.settings import load_settings
from webmap.suggestion_photos import path as stored_photo
from webmap.suggestions import Suggestions
from webmap.web.app import create_app

SITE = "yungang-grottoes"
XSS = "<script>alert(1)</script>"
CONTACT = "wang.li@example.cn 138-0000-0000"
# Inside the district (the grottoes' neighbourhood).
LON, LAT = 113.13, 40.11


@pytest.fixture
def db(tmp_path):
    return make_database(tmp_path)


def make_app(tmp_path, db, **settings):
    return create_app(
        load_settings(
            tiles="none",
            cache_dir=tmp_path / "cache",
            uploads_dir=tmp_path / "uploads",
            database_url=db.url,
            **settings,
        )
    )


@pytest.fixture
def app(tmp_path, db):
    return make_app(tmp_path, db)


def count(db, table) -> int:
    with db.repo.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (40.0, 6.0, 36.0), 3: "E", 4: (113.0, 7.0, 21.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 120, 60)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def suggest(client, **fields):
    body = {"what_is_wrong": "The entrance moved to the east gate.", **fields}
    return client.post("/api/suggestions", json=body)


# ---------------------------------------------------------------------------
# A visitor suggests


def test_a_visitor_suggests_a_location_as_json_without_an_account_or_a_cookie(app, db):
    client = app.test_client()
    resp = suggest(client, site_id=SITE, lon=LON, lat=LAT, contact=CONTACT)
    assert resp.status_code == 201, resp.get_json()
    assert "Set-Cookie" not in resp.headers
    created = resp.get_json()
    sid = created["id"]
    assert created["status"] == "open" and created["status_page"].endswith(f"/suggestions/{sid}")
    assert resp.headers["Location"] == f"/api/suggestions/{sid}"

    public = client.get(f"/api/suggestions/{sid}")
    assert public.status_code == 200 and "Set-Cookie" not in public.headers
    view = public.get_json()
    assert view["status"] == "open" and view["site_id"] == SITE
    assert view["proposed_location"] == {"type": "Point", "coordinates": [LON, LAT]}
    assert view["steward_reply"] is None
    raw = public.get_data(as_text=True)
    assert "wang.li" not in raw and "138-0000" not in raw and "contact" not in raw and "address" not in raw

    page = client.get(f"/suggestions/{sid}")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    html = page.get_data(as_text=True)
    assert "等待管理员处理" in html  # the interface in Chinese, the visitor's text as sent
    assert "The entrance moved to the east gate." in html and "wang.li" not in html
    assert 'name="robots" content="noindex"' in html
    en = client.get(f"/suggestions/{sid}?lang=en").get_data(as_text=True)
    assert "Open: waiting for a steward" in en and "deleted 90 days after" in en

    # The stewards' side holds the contact (and the address hash), nobody else.
    store = Suggestions(db.repo, app.extensions["webmap.settings"].uploads_dir)
    steward = store.for_stewards(sid)
    assert steward["contact"] == CONTACT and steward["address_hash"]


def test_a_visitor_sends_a_phone_photo_and_its_gps_never_reaches_the_store(app, db, tmp_path):
    client = app.test_client()
    form = {
        "what_is_wrong": "这是现在的入口。",
        "lon": str(LON),
        "lat": str(LAT),
        "photo_credit": "王丽",
        "photo_licence": "cc-by-4.0",
        "website": "",  # the trap, left empty as a person leaves it
        "photo": (io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg", "image/jpeg"),
    }
    resp = client.post("/api/suggestions", data=form, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    assert "Set-Cookie" not in resp.headers
    sid = resp.get_json()["id"]
    assert client.get(f"/api/suggestions/{sid}").get_json()["photos"] == 1

    store = Suggestions(db.repo, tmp_path / "uploads")
    (photo,) = store.for_stewards(sid)["photos"]
    assert photo["credit"] == "王丽" and photo["licence"] == "cc-by-4.0"
    for size in ("full", "thumb"):
        with Image.open(stored_photo(tmp_path / "uploads", photo["photo"], size)) as img:
            assert img.format == "JPEG"
            exif = img.getexif()
            assert 0x8825 not in exif and not exif.get_ifd(0x8825) and 0x010F not in exif
            assert "exif" not in img.info


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not_an_image"),
        (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "not_an_image"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not_an_image"),
    ],
    ids=["svg", "html", "gif"],
)
def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(app, db, data, code):
    client = app.test_client()
    form = {"what_is_wrong": "photo attached", "photo": (io.BytesIO(data), "photo.jpg", "image/jpeg")}
    resp = client.post("/api/suggestions", data=form, content_type="multipart/form-data")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["field"] == "photo" and error["code"] in (code, "unsupported_type")
    assert count(db, t.suggestions) == 0 and count(db, t.suggestion_photos) == 0


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, db):
    from test_photos import _png_claiming

    bomb = _png_claiming(60_000, 60_000)  # 3.6 gigapixels claimed in a file of a few hundred bytes
    form = {"what_is_wrong": "photo attached", "photo": (io.BytesIO(bomb), "photo.png", "image/png")}
    resp = app.test_client().post("/api/suggestions", data=form, content_type="multipart/form-data")
    assert 400 <= resp.status_code < 500
    assert resp.get_json()["error"]["field"] == "photo"
    assert count(db, t.suggestions) == 0 and count(db, t.suggestion_photos) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "what_is_wrong"),
        ({"what_is_wrong": "   "}, "what_is_wrong"),
        ({"what_is_wrong": "x" * 2001}, "what_is_wrong"),
        ({"what_is_wrong": "hidden \u202e text"}, "what_is_wrong"),
        ({"what_is_wrong": "ok", "lon": LON}, "lat"),
        ({"what_is_wrong": "ok", "lon": 116.4, "lat": 39.9}, "lon"),  # Beijing
        ({"what_is_wrong": "ok", "lon": LON, "lat": "north"}, "lat"),
        ({"what_is_wrong": "ok", "lon": "NaN", "lat": LAT}, "lon"),
        ({"what_is_wrong": "ok", "site_id": "no-such-place"}, "site_id"),
        ({"what_is_wrong": "ok", "contact": "c" * 201}, "contact"),
        ({"what_is_wrong": ["a list"]}, "what_is_wrong"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field_and_stores_nothing(app, db, body, field):
    resp = app.test_client().post("/api/suggestions", json=body)
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["error"]["field"] == field
    assert count(db, t.suggestions) == 0


def test_a_body_that_is_neither_json_nor_a_form_is_refused(app):
    resp = app.test_client().post("/api/suggestions", data=b"what", content_type="text/plain")
    assert resp.status_code == 415 and resp.get_json()["error"]["field"] == "Content-Type"


def test_a_bot_that_fills_the_trap_is_told_yes_and_nothing_is_stored(app, db):
    client = app.test_client()
    resp = suggest(client, website="http://cheap-pills.example", contact="bot@example.com")
    assert resp.status_code == 201 and resp.get_json()["id"]
    assert count(db, t.suggestions) == 0
    assert client.get(f"/api/suggestions/{resp.get_json()['id']}").status_code == 404
    form = {"what_is_wrong": "spam", "website": "x", "photo": (io.BytesIO(jpeg_with_gps()), "a.jpg")}
    assert client.post("/api/suggestions", data=form, content_type="multipart/form-data").status_code == 201
    assert count(db, t.suggestions) == 0 and count(db, t.suggestion_photos) == 0


def test_an_address_sending_too_many_gets_429_json(tmp_path, db):
    app = make_app(tmp_path, db, suggestions_per_address="3 per hour")
    client = app.test_client()
    for _ in range(3):
        assert suggest(client).status_code == 201
    resp = suggest(client)
    assert resp.status_code == 429
    assert resp.is_json and resp.get_json()["error"]["status"] == 429
    assert count(db, t.suggestions) == 3
    # Another address is not held back by the first one's count.
    other = client.post("/api/suggestions", json={"what_is_wrong": "x"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


def test_an_unknown_or_malformed_id_is_404(app):
    client = app.test_client()
    assert client.get("/api/suggestions/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/api/suggestions/1").get_json()["error"]["code"] == "not_found"
    assert client.get("/suggestions/..%2f..%2fetc").status_code == 404


# ---------------------------------------------------------------------------
# Everything a visitor typed is shown literally


def test_the_status_page_and_json_show_hostile_text_literally(app, db):
    client = app.test_client()
    sid = suggest(client, what_is_wrong=XSS, contact=XSS + "@x").get_json()["id"]
    html = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and XSS not in html
    steward = bearer(db.tokens["stew"])
    resp = client.post(f"/api/suggestions/{sid}/decision", json={"decision": "answered", "reply": XSS}, headers=steward)
    assert resp.status_code == 200, resp.get_json()
    html = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert XSS not in html and html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert client.get(f"/api/suggestions/{sid}").get_json()["what_is_wrong"] == XSS


# ---------------------------------------------------------------------------
# Stewards decide


def test_a_steward_rejects_with_a_reason_and_the_status_page_says_so(app, db):
    client = app.test_client()
    sid = suggest(client, site_id=SITE, contact=CONTACT).get_json()["id"]

    # A visitor and an editor may not decide.
    body = {"decision": "rejected", "reply": "The east gate is for staff only."}
    assert client.post(f"/api/suggestions/{sid}/decision", json=body).status_code == 401
    editor = bearer(db.tokens["ed"])
    assert client.post(f"/api/suggestions/{sid}/decision", json=body, headers=editor).status_code == 403

    steward = app.test_client()
    token = sign_in(steward, "stew")
    # A session write without its CSRF token is refused (the visitors' POST needs none).
    assert steward.post(f"/api/suggestions/{sid}/decision", json=body).status_code == 400
    no_reply = steward.post(
        f"/api/suggestions/{sid}/decision", json={"decision": "rejected"}, headers={"X-CSRFToken": token}
    )
    assert no_reply.status_code == 400 and no_reply.get_json()["error"]["field"] == "reply"
    bad = steward.post(
        f"/api/suggestions/{sid}/decision", json={**body, "decision": "maybe"}, headers={"X-CSRFToken": token}
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "decision"
    resp = steward.post(f"/api/suggestions/{sid}/decision", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "rejected" and "contact" not in resp.get_json()

    view = client.get(f"/api/suggestions/{sid}").get_json()
    assert view["status"] == "rejected" and view["steward_reply"] == body["reply"] and view["closed_at"]
    en = client.get(f"/suggestions/{sid}?lang=en").get_data(as_text=True)
    assert "Not accepted" in en and "The east gate is for staff only." in en
    assert "未采纳" in client.get(f"/suggestions/{sid}").get_data(as_text=True)
    # Decided once and for all; the decision is in the audit log.
    again = steward.post(
        f"/api/suggestions/{sid}/decision", json={**body, "decision": "accepted"}, headers={"X-CSRFToken": token}
    )
    assert again.status_code == 409
    assert any(e["event"] == "suggestion_decided" and e["user"] == "stew" for e in db.repo.audit_log())


def test_a_signed_in_visitor_suggests_with_the_pages_csrf_token(app, db):
    client = app.test_client()
    token = sign_in(client, "ed")
    body = {"what_is_wrong": "typo in the name"}
    assert client.post("/api/suggestions", json=body).status_code == 400  # a forged cross-site POST
    assert client.post("/api/suggestions", json=body, headers={"X-CSRFToken": token}).status_code == 201


# ---------------------------------------------------------------------------
# Retention


def test_purge_deletes_contacts_only_after_the_retention_period(app, db, tmp_path):
    client = app.test_client()
    steward = bearer(db.tokens["stew"])
    old, recent, still_open = (suggest(client, contact=CONTACT).get_json()["id"] for _ in range(3))
    for sid in (old, recent):
        reply = {"decision": "accepted", "reply": "Thank you, corrected."}
        assert client.post(f"/api/suggestions/{sid}/decision", json=reply, headers=steward).status_code == 200
    with db.repo.engine.begin() as conn:
        conn.execute(
            t.suggestions.update().where(t.suggestions.c.id == old).values(closed_at=now() - timedelta(days=91))
        )

    store = Suggestions(db.repo, tmp_path / "uploads")
    assert store.purge(90) == 1
    assert store.for_stewards(old)["contact"] is None and store.for_stewards(old)["address_hash"] is None
    assert store.for_stewards(recent)["contact"] == CONTACT
    assert store.for_stewards(still_open)["contact"] == CONTACT
    # What the suggester reads is kept.
    assert client.get(f"/api/suggestions/{old}").get_json()["steward_reply"] == "Thank you, corrected."

    # The operator's command, as cron runs it: the setting's 90 days, or --days.
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "WEBMAP_DATABASE_URL": db.url,
        "WEBMAP_DATA_DIR": str(DATA),
    }
    run = [sys.executable, "-m", "webmap.cli", "suggestions", "purge"]
    done = subprocess.run(run, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "0 suggestion(s)" in done.stdout and store.for_stewards(recent)["contact"] == CONTACT
    env["WEBMAP_SUGGESTION_RETENTION_DAYS"] = "1"
    with db.repo.engine.begin() as conn:
        conn.execute(
            t.suggestions.update().where(t.suggestions.c.id == recent).values(closed_at=now() - timedelta(days=2))
        )
    done = subprocess.run(run, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0 and "1 suggestion(s) closed more than 1 days ago" in done.stdout
    assert store.for_stewards(recent)["contact"] is None
    assert store.for_stewards(still_open)["contact"] == CONTACT


def test_a_read_only_map_has_no_suggestions(tmp_path):
    app = create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url="none"))
    client = app.test_client()
    assert suggest(client).status_code == 404
    assert client.get("/suggestions/AAAAAAAAAAAAAAAA").status_code == 404


def test_photo_limits_four_photos_or_a_body_too_large(app, db):
    client = app.test_client()
    four = [(io.BytesIO(jpeg_with_gps()), f"{i}.jpg") for i in range(4)]
    resp = client.post(
        "/api/suggestions", data={"what_is_wrong": "x", "photo": four}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "photo"
    big = {"what_is_wrong": "x", "photo": (io.BytesIO(b"\xff\xd8\xff" + b"\0" * 1_100_000), "big.jpg")}
    resp = client.post("/api/suggestions", data=big, content_type="multipart/form-data")
    assert resp.status_code == 413 and resp.is_json
    bad_licence = {"what_is_wrong": "x", "photo_licence": "mine", "photo": (io.BytesIO(jpeg_with_gps()), "a.jpg")}
    resp = client.post("/api/suggestions", data=bad_licence, content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "photo_licence"
    assert count(db, t.suggestions) == 0 and count(db, t.suggestion_photos) == 0


def test_an_answered_suggestion_may_still_be_accepted(app, db):
    client = app.test_client()
    steward = bearer(db.tokens["stew"])
    sid = suggest(client).get_json()["id"]
    url = f"/api/suggestions/{sid}/decision"
    assert client.post(url, json={"decision": "answered", "reply": "Which gate?"}, headers=steward).status_code == 200
    resp = client.post(url, json={"decision": "accepted", "reply": "Moved to the east gate."}, headers=steward)
    assert resp.status_code == 200 and resp.get_json()["status"] == "accepted"
    html = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "已采纳" in html and "Moved to the east gate." in html and "Which gate?" not in html
    # The earlier reply is kept in the audit log.
    decided = [e["detail"] for e in db.repo.audit_log() if e["event"] == "suggestion_decided"]
    assert {(d["was"], d["decision"], d["reply"]) for d in decided} == {
        ("open", "answered", "Which gate?"),
        ("answered", "accepted", "Moved to the east gate."),
    }
