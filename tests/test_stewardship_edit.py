"""The JSON write API as its callers see it: who may write what, If-Match, history,
revert, the review queue, and hostile text saved through the API (webmap/web/edit.py)."""

from __future__ import annotations

import copy

import pytest
from support.stewardship import bearer, make_database, sign_in
from support.xss_corpus import PAYLOADS

from webmap.settings import load_settings
from webmap.web.app import create_app

SITE = "yungang-grottoes"


@pytest.fixture
def db(tmp_path):
    return make_database(tmp_path)


@pytest.fixture
def app(tmp_path, db):
    return create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url=db.url))


def current(client, site_id=SITE):
    resp = client.get(f"/api/sites/{site_id}")
    assert resp.status_code == 200
    return resp.get_json(), resp.headers["ETag"]


def with_summary(feature: dict, zh: str, en: str) -> dict:
    out = copy.deepcopy(feature)
    out["properties"]["summary"] = {"zh": zh, "en": en}
    return out


def new_site(feature: dict, site_id: str) -> dict:
    out = copy.deepcopy(feature)
    out["id"] = site_id
    return out


# ---------------------------------------------------------------------------
# Nobody without the right role reaches a write, and nothing changes


def write_requests(client, feature, etag):
    """Every write route, each with a valid body: only the caller's rights are missing."""
    fresh = new_site(feature, "new-place")
    return [
        ("POST", "/api/sites", {"feature": fresh, "comment": "add"}, {}),
        ("PUT", f"/api/sites/{SITE}", {"feature": feature, "comment": "edit"}, {"If-Match": etag}),
        ("DELETE", f"/api/sites/{SITE}", {"comment": "retire"}, {"If-Match": etag}),
        ("POST", f"/api/sites/{SITE}/revert", {"to": 1, "comment": "back"}, {}),
        ("POST", f"/api/proposals/{SITE}/1", {"decision": "publish", "reason": "ok"}, {}),
    ]


def _needs_steward(method: str, path: str) -> bool:
    return method == "DELETE" or path.endswith("/revert") or "/proposals/" in path


def test_every_write_refused_without_the_right_caller(app, db):
    client = app.test_client()
    feature, etag = current(client)
    edited = with_summary(feature, "改过的摘要。", "An edited summary.")
    before = client.get("/api/sites").get_data()
    version = db.repo.version()

    for method, path, body, headers in write_requests(client, edited, etag):
        # no session, no token
        resp = client.open(path, method=method, json=body, headers=headers)
        assert resp.status_code == 401, (method, path, resp.get_json())
        assert resp.get_json()["error"]["code"] == "unauthorized"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        # a made-up token
        resp = client.open(path, method=method, json=body, headers={**headers, **bearer("not-a-token")})
        assert resp.status_code == 401, (method, path)

    ed = app.test_client()
    token = sign_in(ed, "ed")
    for method, path, body, headers in write_requests(ed, edited, etag):
        # an editor's session without its CSRF token: refused before anything runs
        resp = ed.open(path, method=method, json=body, headers=headers)
        assert resp.status_code == 400, (method, path, resp.get_json())
        assert "CSRF" in resp.get_json()["error"]["message"]
        if _needs_steward(method, path):
            # with the token, but an editor where a steward is needed
            resp = ed.open(path, method=method, json=body, headers={**headers, "X-CSRFToken": token})
            assert resp.status_code == 403, (method, path, resp.get_json())
            assert resp.get_json()["error"]["needed"] == "steward"
            resp = client.open(path, method=method, json=body, headers={**headers, **bearer(db.tokens["ed"])})
            assert resp.status_code == 403, (method, path)

    assert db.repo.version() == version
    assert db.repo.pending() == []
    assert client.get("/api/sites").get_data() == before
    assert client.get("/api/proposals", headers=bearer(db.tokens["ed"])).status_code == 403
    assert client.get("/api/proposals").status_code == 401


def test_a_visitors_form_post_cannot_sign_out_or_in_without_the_token(app):
    client = app.test_client()
    resp = client.post("/login", data={"name": "stew", "password": "correct horse battery staple"})
    assert resp.status_code == 400  # the form has no CSRF token: not even a right password gets in
    assert "Signed in as" not in client.get("/sites/").get_data(as_text=True)


# ---------------------------------------------------------------------------
# Stewards publish, editors propose


def test_steward_edit_is_published_at_once_with_a_new_etag(app, db):
    client = app.test_client()
    feature, etag = current(client)
    token = sign_in(client, "stew")
    edited = with_summary(feature, "石窟的新摘要。", "A new summary of the grottoes.")
    resp = client.put(
        f"/api/sites/{SITE}",
        json={"feature": edited, "comment": "clearer summary"},
        headers={"If-Match": etag, "X-CSRFToken": token},
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["state"] == "published"
    assert resp.headers["ETag"] != etag
    anonymous = app.test_client()
    shown, new_etag = current(anonymous)
    assert shown["properties"]["summary"]["en"] == "A new summary of the grottoes."
    assert new_etag == resp.headers["ETag"]
    page = anonymous.get(f"/sites/{SITE}?lang=en").get_data(as_text=True)
    assert "A new summary of the grottoes." in page


def test_if_match_is_required_and_a_stale_one_names_what_changed(app, db):
    """Two editors on one site: the second save is refused, saying what changed."""
    first, second = app.test_client(), app.test_client()
    t1, t2 = sign_in(first, "stew"), sign_in(second, "ed2")
    feature, etag = current(first)

    resp = first.put(f"/api/sites/{SITE}", json={"feature": feature, "comment": "x"}, headers={"X-CSRFToken": t1})
    assert resp.status_code == 428 and resp.get_json()["error"]["field"] == "If-Match"

    mine = with_summary(feature, "第一位编辑的摘要。", "The first steward's summary.")
    resp = first.put(
        f"/api/sites/{SITE}", json={"feature": mine, "comment": "first"}, headers={"If-Match": etag, "X-CSRFToken": t1}
    )
    assert resp.status_code == 200

    theirs = copy.deepcopy(feature)
    theirs["properties"]["status"] = "completed"
    resp = second.put(
        f"/api/sites/{SITE}",
        json={"feature": theirs, "comment": "second"},
        headers={"If-Match": etag, "X-CSRFToken": t2},
    )
    assert resp.status_code == 412, resp.get_json()
    err = resp.get_json()["error"]
    assert "properties.summary" in err["changed"]
    assert err["current_revision"] == int(resp.get_json()["error"]["current_revision"])
    assert current(app.test_client())[0]["properties"]["summary"]["en"] == "The first steward's summary."
    assert current(app.test_client())[0]["properties"]["status"] == feature["properties"]["status"]


def test_editor_proposal_waits_until_a_steward_publishes_it(app, db):
    ed, stew, visitor = app.test_client(), app.test_client(), app.test_client()
    t_ed, t_stew = sign_in(ed, "ed"), sign_in(stew, "stew")
    feature, etag = current(visitor)
    proposal = with_summary(feature, "编辑提议的摘要。", "An editor's proposed summary.")
    resp = ed.put(
        f"/api/sites/{SITE}",
        json={"feature": proposal, "comment": "proposal"},
        headers={"If-Match": etag, "X-CSRFToken": t_ed},
    )
    assert resp.status_code == 202 and resp.get_json()["state"] == "pending"
    n = resp.get_json()["n"]
    assert current(visitor)[0]["properties"]["summary"] == feature["properties"]["summary"]

    queue = stew.get("/api/proposals").get_json()["proposals"]
    assert [(p["site"], p["n"], p["author"]) for p in queue] == [(SITE, n, "ed")]
    assert {
        "field": "properties.summary.en",
        "before": feature["properties"]["summary"]["en"],
        "after": "An editor's proposed summary.",
    } in queue[0]["changes"]

    resp = stew.post(
        f"/api/proposals/{SITE}/{n}", json={"decision": "publish", "reason": ""}, headers={"X-CSRFToken": t_stew}
    )
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "reason"
    resp = stew.post(
        f"/api/proposals/{SITE}/{n}", json={"decision": "publish", "reason": "checked"}, headers={"X-CSRFToken": t_stew}
    )
    assert resp.status_code == 200 and resp.get_json()["state"] == "published"
    assert current(visitor)[0]["properties"]["summary"]["en"] == "An editor's proposed summary."
    assert stew.get("/api/proposals").get_json()["proposals"] == []


def test_every_write_needs_a_comment_and_valid_data(app, db):
    client = app.test_client()
    token = sign_in(client, "stew")
    feature, etag = current(client)
    headers = {"If-Match": etag, "X-CSRFToken": token}
    resp = client.put(f"/api/sites/{SITE}", json={"feature": feature, "comment": "  "}, headers=headers)
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "comment"

    unsourced = copy.deepcopy(feature)
    del unsourced["properties"]["location"]["source"]
    resp = client.put(f"/api/sites/{SITE}", json={"feature": unsourced, "comment": "move"}, headers=headers)
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["error"]["field"] == "properties.location.source"

    resp = client.put(f"/api/sites/{SITE}", data="not json", headers={**headers, "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert current(client)[1] == etag  # nothing stored


def test_create_then_retire(app, db):
    client = app.test_client()
    token = sign_in(client, "stew")
    feature, _ = current(client)
    fresh = new_site(feature, "grottoes-copy")
    resp = client.post("/api/sites", json={"feature": fresh, "comment": "a new place"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 201, resp.get_json()
    assert resp.headers["Location"].endswith("/api/sites/grottoes-copy")
    resp = client.post("/api/sites", json={"feature": fresh, "comment": "again"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 409

    _, etag = current(client, "grottoes-copy")
    resp = client.delete(
        "/api/sites/grottoes-copy", json={"comment": "a duplicate"}, headers={"If-Match": etag, "X-CSRFToken": token}
    )
    assert resp.status_code == 200, resp.get_json()
    assert client.get("/api/sites/grottoes-copy").status_code == 404
    assert client.get("/sites/grottoes-copy").status_code == 404


# ---------------------------------------------------------------------------
# History and revert


def test_revert_restores_the_old_text_and_history_shows_each_change(app, db):
    client = app.test_client()
    token = sign_in(client, "stew")
    original, etag = current(client)
    old_en = original["properties"]["summary"]["en"]
    for n, text in enumerate(["Second wording.", "Third wording."]):
        edited = with_summary(original, f"第{n + 2}版。", text)
        resp = client.put(
            f"/api/sites/{SITE}",
            json={"feature": edited, "comment": f"wording {n + 2}"},
            headers={"If-Match": etag, "X-CSRFToken": token},
        )
        assert resp.status_code == 200, resp.get_json()
        etag = resp.headers["ETag"]

    history = app.test_client().get(f"/api/sites/{SITE}/history").get_json()["revisions"]
    assert [r["comment"] for r in history[:2]] == ["wording 3", "wording 2"]
    assert {"field": "properties.summary.en", "before": "Second wording.", "after": "Third wording."} in history[0][
        "changes"
    ]
    first = history[-1]["n"]

    resp = client.post(
        f"/api/sites/{SITE}/revert",
        json={"to": first, "comment": "back to the original"},
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 200, resp.get_json()
    assert current(app.test_client())[0]["properties"]["summary"]["en"] == old_en
    history = app.test_client().get(f"/api/sites/{SITE}/history").get_json()["revisions"]
    assert history[0]["comment"] == "back to the original"
    assert {"field": "properties.summary.en", "before": "Third wording.", "after": old_en} in history[0]["changes"]

    resp = client.post(f"/api/sites/{SITE}/revert", json={"to": 999, "comment": "x"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 404


def test_history_is_public_and_lists_published_revisions_only(app, db):
    ed = app.test_client()
    t = sign_in(ed, "ed")
    feature, etag = current(ed)
    ed.put(
        f"/api/sites/{SITE}",
        json={"feature": with_summary(feature, "提议。", "A proposal."), "comment": "p"},
        headers={"If-Match": etag, "X-CSRFToken": t},
    )
    revisions = app.test_client().get(f"/api/sites/{SITE}/history").get_json()["revisions"]
    assert revisions and all(r["state"] == "published" for r in revisions)
    assert "A proposal." not in str(revisions)
    assert app.test_client().get("/api/sites/atlantis/history").status_code == 404


# ---------------------------------------------------------------------------
# Hostile text saved through the API stays text


def test_xss_payloads_saved_through_the_api_show_literally(app, db):
    client = app.test_client()
    token = sign_in(client, "stew")
    feature, etag = current(client)
    zh, en = PAYLOADS[0] + PAYLOADS[1], PAYLOADS[27] + PAYLOADS[29]
    resp = client.put(
        f"/api/sites/{SITE}",
        json={"feature": with_summary(feature, zh, en), "comment": PAYLOADS[30]},
        headers={"If-Match": etag, "X-CSRFToken": token},
    )
    assert resp.status_code == 200, resp.get_json()
    visitor = app.test_client()
    page = visitor.get(f"/sites/{SITE}?lang=en").get_data(as_text=True)
    assert text_of(page, "p", "summary") == [en]
    assert "<script>alert(" not in page
    zh_page = visitor.get(f"/sites/{SITE}").get_data(as_text=True)
    assert text_of(zh_page, "p", "summary") == [zh]

    history = visitor.get(f"/api/sites/{SITE}/history")
    assert history.mimetype == "application/json"
    assert history.get_json()["revisions"][0]["comment"] == PAYLOADS[30]
    page = visitor.get(f"/sites/{SITE}/history?lang=en").get_data(as_text=True)
    assert text_of(page, "span", "comment-text")[0] == PAYLOADS[30]
    assert en in text_of(page, "ins")
    assert "<script>alert(" not in page and "<img src=x" not in page


def text_of(page: str, tag: str, css_class: str | None = None) -> list[str]:
    """The text content of each ``tag`` (with ``css_class``) as a browser would read it."""
    from html.parser import HTMLParser

    out: list[str] = []

    class Reader(HTMLParser):
        depth = 0

        def handle_starttag(self, name, attrs):
            if self.depth:
                self.depth += name == tag
            elif name == tag and (css_class is None or css_class in (dict(attrs).get("class") or "").split()):
                self.depth = 1
                out.append("")

        def handle_endtag(self, name):
            if self.depth and name == tag:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth:
                out[-1] += data

    Reader(convert_charrefs=True).feed(page)
    return [t.strip() for t in out]


# ---------------------------------------------------------------------------
# The edit form on the site page


def edit_form(client, site_id=SITE, lang="en"):
    import re

    page = client.get(f"/sites/{site_id}/edit?lang={lang}").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    fields.update(re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page))
    for name in ("status", "precision"):
        fields[name] = re.search(rf'name="{name}".*?<option value="([^"]+)" selected', page, re.S).group(1)
    return fields


def test_visitors_are_sent_to_sign_in_and_the_site_page_offers_edit_when_signed_in(app):
    client = app.test_client()
    resp = client.get(f"/sites/{SITE}/edit")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]
    assert 'id="edit-site"' not in client.get(f"/sites/{SITE}").get_data(as_text=True)
    sign_in(client, "ed")
    assert 'id="edit-site"' in client.get(f"/sites/{SITE}").get_data(as_text=True)


def test_form_shows_the_validators_errors_next_to_the_field_and_saves_nothing(app, db):
    client = app.test_client()
    sign_in(client, "stew")
    before = db.repo.site(SITE)
    form = edit_form(client)
    form.update(location_source="", comment="")
    resp = client.post(f"/sites/{SITE}/edit?lang=en", data=form)
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert text_of(page, "span", "field-error") == ["Say briefly why you make this change."]
    form["comment"] = "source removed by mistake"
    page = client.post(f"/sites/{SITE}/edit?lang=en", data=form).get_data(as_text=True)
    assert 'id="error-location_source"' in page  # the validator's message, next to the source field
    assert db.repo.site(SITE).revision == before.revision

    form.update(location_source="Field survey 2026", summary_en="Summary from the form.")
    resp = client.post(f"/sites/{SITE}/edit?lang=en", data=form)
    assert resp.status_code == 302
    page = app.test_client().get(f"/sites/{SITE}?lang=en").get_data(as_text=True)
    assert text_of(page, "p", "summary") == ["Summary from the form."]
    assert "Field survey 2026" in page


def test_form_refuses_a_stale_save_and_says_what_changed(app, db):
    a, b = app.test_client(), app.test_client()
    sign_in(a, "stew")
    sign_in(b, "ed")
    form_a, form_b = edit_form(a), edit_form(b)
    form_a.update(summary_en="Steward's version.", comment="a")
    assert a.post(f"/sites/{SITE}/edit?lang=en", data=form_a).status_code == 302
    form_b.update(summary_en="Editor's version.", comment="b")
    resp = b.post(f"/sites/{SITE}/edit?lang=en", data=form_b)
    assert resp.status_code == 400
    assert "properties.summary" in " ".join(text_of(resp.get_data(as_text=True), "p", "form-error"))
    assert db.repo.pending() == []
