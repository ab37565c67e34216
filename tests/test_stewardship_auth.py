"""Signing in and out as a person does it, the cookie's flags, the sign-in throttle, and
bearer tokens (webmap/web/auth.py)."""

from __future__ import annotations

import pytest
from support.stewardship import PASSWORD, bearer, csrf_from, make_database, sign_in

from webmap.settings import load_settings
from webmap.web.app import create_app


@pytest.fixture
def db(tmp_path):
    return make_database(tmp_path)


@pytest.fixture
def app(tmp_path, db):
    return create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url=db.url))


def test_sign_in_page_in_both_languages(app):
    client = app.test_client()
    zh = client.get("/login").get_data(as_text=True)
    en = client.get("/login?lang=en").get_data(as_text=True)
    assert "<h1>登录</h1>" in zh and 'lang="zh-CN"' in zh
    assert "<h1>Sign in</h1>" in en and "Password" in en
    assert 'name="csrf_token"' in zh


def test_sign_in_shows_who_and_sign_out_ends_it(app):
    client = app.test_client()
    assert "signed-in" not in client.get("/sites/yungang-grottoes").get_data(as_text=True)
    token = sign_in(client, "stew")
    resp = client.get("/sites/yungang-grottoes?lang=en")
    page = resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "private, no-store"  # never in a shared cache
    assert "Signed in as stew" in page and "steward" in page and "Sign out" in page
    assert "已登录：stew" in client.get("/sites/yungang-grottoes").get_data(as_text=True)

    resp = client.post("/logout")  # without the CSRF token another site could sign us out
    assert resp.status_code == 400
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 302
    assert "Signed in as" not in client.get("/sites/yungang-grottoes?lang=en").get_data(as_text=True)


def test_session_cookie_is_httponly_lax_and_secure_over_https(app):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"name": "ed", "password": PASSWORD, "csrf_token": token})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    https = app.test_client()
    page = https.get("/login", base_url="https://localhost")  # an allowed host
    assert "Secure" in page.headers["Set-Cookie"]


def test_wrong_password_is_refused_and_the_account_is_throttled(app):
    client = app.test_client()
    token = csrf_from(client.get("/login?lang=en").get_data(as_text=True))
    for _ in range(5):
        resp = client.post("/login?lang=en", data={"name": "stew", "password": "wrong", "csrf_token": token})
        assert resp.status_code == 401
        assert "The account name or the password is wrong." in resp.get_data(as_text=True)
    # the sixth try, even with the right password, waits: per account
    resp = client.post("/login", data={"name": "stew", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429
    # another account from the same address still signs in
    other = app.test_client()
    sign_in(other, "ed")


def test_the_account_throttle_is_shared_by_every_worker_and_said_in_the_page_language(app, tmp_path, db):
    """Two server processes on one database (as gunicorn's workers): failed sign-ins made
    through either count together, so a guesser gains nothing by being spread across them."""
    other = create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache2", database_url=db.url))
    for n in range(5):
        client = (app if n % 2 else other).test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        resp = client.post("/login", data={"name": "Stew ", "password": "wrong", "csrf_token": token})
        assert resp.status_code == 401
    for worker, lang, said in ((app, "zh", "尝试次数太多"), (other, "en", "Too many attempts")):
        client = worker.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        resp = client.post(f"/login?lang={lang}", data={"name": "stew", "password": PASSWORD, "csrf_token": token})
        assert resp.status_code == 429
        page = resp.get_data(as_text=True)
        assert said in page and "per 10 minute" not in page


def test_the_address_is_throttled_too(app):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [
        client.post("/login", data={"name": f"nobody{i}", "password": "x", "csrf_token": token}).status_code
        for i in range(21)
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_next_never_leaves_the_site(app):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login?next=//evil.example/x", data={"name": "ed", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and "evil.example" not in resp.headers["Location"]


def test_bearer_token_needs_no_csrf_and_a_revoked_or_unknown_one_is_401(app, db):
    client = app.test_client()
    assert client.get("/api/proposals", headers=bearer(db.tokens["stew"])).status_code == 200
    assert client.get("/api/proposals", headers=bearer("x" * 40)).status_code == 401
    db.repo.disable("stew")
    assert client.get("/api/proposals", headers=bearer(db.tokens["stew"])).status_code == 401


def test_disabled_account_loses_its_session(app, db):
    client = app.test_client()
    sign_in(client, "stew")
    assert client.get("/api/proposals").status_code == 200
    db.repo.disable("stew")
    assert client.get("/api/proposals").status_code == 401


def test_read_only_map_has_no_sign_in(tmp_path):
    app = create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache"))
    assert app.test_client().get("/login").status_code == 404


def test_sign_ins_failures_and_token_writes_are_in_the_audit_log(app, db):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"name": "ed", "password": "wrong", "csrf_token": token})
    sign_in(client, "ed")
    app.test_client().put("/api/sites/yungang-grottoes", json={}, headers=bearer(db.tokens["stew"]))
    events = [(e["event"], e["user"]) for e in db.repo.audit_log(20)]
    assert ("sign_in_failed", None) in events and ("sign_in", "ed") in events
    assert ("token_write", "stew") in events
    failed = next(e for e in db.repo.audit_log(20) if e["event"] == "sign_in_failed")
    assert failed["detail"]["account"] == "ed" and "password" not in str(failed["detail"])
