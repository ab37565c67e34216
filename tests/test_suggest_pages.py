"""The residents' suggestion form /suggest/<id> without a browser: where the "Suggest a
correction" links appear (a served map with a database, never the static copy), the
form's own POST for browsers without JavaScript, and every refusal of the API said in
the page's language next to its field. Browser tests: tests/browser/test_suggest_browser.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support.stewardship import make_database

from webmap.db import tables as t
from webmap.settings import load_settings
from webmap.web.app import create_app

SITE = "yungang-library"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def db(tmp_path):
    return make_database(tmp_path)


@pytest.fixture
def app(tmp_path, db):
    settings = load_settings(
        tiles="none", cache_dir=tmp_path / "cache", uploads_dir=tmp_path / "up", database_url=db.url
    )
    return create_app(settings)


def stored(db) -> int:
    with db.repo.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.suggestions)).scalar_one()


def test_a_read_only_map_and_the_static_copy_offer_no_suggestion_link(tmp_path, app):
    # no database: nowhere to send a suggestion to
    client = create_app(load_settings(tiles="none", cache_dir=tmp_path / "c2", database_url="none")).test_client()
    assert 'id="suggest-site"' not in client.get(f"/sites/{SITE}").get_data(as_text=True)
    assert "suggest-link-script" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/suggest/{SITE}").status_code == 404
    # with a database, the site page and the map offer it, in the page's language
    served = app.test_client()
    assert ">我来纠错</a>" in served.get(f"/sites/{SITE}").get_data(as_text=True)
    assert f'href="/suggest/{SITE}?lang=en" id="suggest-site">Suggest a correction<' in served.get(
        f"/sites/{SITE}?lang=en"
    ).get_data(as_text=True)
    assert 'data-url="/suggest/__ID__?lang=en"' in served.get("/?lang=en").get_data(as_text=True)
    # the static copy (webmap build-static) has no server to send to
    app.config["WEBMAP_STATIC_BUILD"] = True
    assert 'id="suggest-site"' not in served.get(f"/sites/{SITE}").get_data(as_text=True)
    assert "suggest-link-script" not in served.get("/").get_data(as_text=True)


def test_the_form_says_what_happens_to_the_contact_and_the_position(app):
    client = app.test_client()
    assert client.get("/suggest/no-such-place").status_code == 404
    resp = client.get(f"/suggest/{SITE}?lang=en")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and not resp.headers.getlist("Set-Cookie")
    assert "deleted 90 days after the suggestion is closed" in html
    assert "Your own position is never sent unless you press" in html
    assert 'accept="image/jpeg,image/png,image/webp" multiple' in html
    assert 'maxlength="2000" required' in html
    assert re.search(r'<p class="hp-field" aria-hidden="true">.*?tabindex="-1" autocomplete="off"', html, re.S)


def test_without_javascript_the_form_posts_and_goes_to_the_status_page(app, db):
    client = app.test_client()
    resp = client.post(f"/suggest/{SITE}?lang=en", data={"what_is_wrong": "It moved.", "lon": "113.1", "lat": "40.0"})
    assert resp.status_code == 303 and re.fullmatch(r"/suggestions/[\w-]{16}\?lang=en", resp.headers["Location"])
    assert not resp.headers.getlist("Set-Cookie")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "It moved." in page and "longitude 113.100000, latitude 40.000000" in page
    # a bot filling the trap is sent on as if it were a person; nothing is kept
    resp = client.post(f"/suggest/{SITE}", data={"what_is_wrong": "spam", "website": "http://x.example"})
    assert resp.status_code == 303 and stored(db) == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"what_is_wrong": " "}, "what_is_wrong"),
        ({"what_is_wrong": "x" * 2001}, "what_is_wrong"),
        ({"lon": "116.4", "lat": "39.9"}, "lon"),
        ({"lon": "113.1", "lat": "41.5"}, "lat"),
        ({"lon": "113.1", "lat": "north"}, "lat"),
        ({"lon": "east", "lat": "40"}, "lon"),
        ({"lon": "113.1"}, "lat"),
        ({"contact": "c" * 201}, "contact"),
        ({"photo_credit": "c" * 201}, "photo_credit"),
        ({"photo_licence": "mine-all-mine"}, "photo_licence"),
    ],
)
def test_every_refusal_is_said_in_chinese_next_to_its_field(app, db, form, field):
    body = {"what_is_wrong": "ok", **form}
    resp = app.test_client().post(f"/suggest/{SITE}", data=body, content_type="multipart/form-data")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    m = re.search(rf'<span class="field-error" id="error-{field}" role="alert">([^<]+)</span>', html)
    assert m, f"no message at {field}"
    assert CJK.search(m[1]) and not re.search(r"[a-z]{3}", m[1]), m[1]
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert stored(db) == 0
