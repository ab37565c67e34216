"""The edit form and the review pages without a browser: what a steward reads when the
one validator refuses a point (in the page's language), the named sources' round trip,
and who is sent where (webmap/web/edit_pages.py, review.py, problem_text.py, sources.py)."""

from __future__ import annotations

import pytest
from support.stewardship import make_database, sign_in

from webmap.settings import load_settings
from webmap.sources import NAMED_SOURCES, compose, split
from webmap.web.app import create_app

UNLOCATED = "coal-mine-memorial"  # its source names two candidate places, 25 km apart


@pytest.fixture
def client(tmp_path):
    db = make_database(tmp_path)
    app = create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url=db.url))
    return app.test_client()


def form(csrf, **over):
    base = {
        "csrf_token": csrf,
        "summary_zh": "摘要",
        "summary_en": "Summary",
        "status": "open",
        "lon": "113.13",
        "lat": "40.05",
        "precision": "site",
        "source_kind": "survey",
        "location_source": "",
        "source_url": "",
        "uncertainty_m": "30",
        "comment": "placed",
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "覆盖不到来源给出的另一处位置"), ("en", "does not cover candidate")],
)
def test_a_refused_point_is_explained_at_its_field_in_the_pages_language(client, lang, words):
    csrf = sign_in(client, "stew")
    page = client.get(f"/sites/{UNLOCATED}/edit?lang={lang}").get_data(as_text=True)
    revision = page.split('name="revision" value="')[1].split('"')[0]
    resp = client.post(f"/sites/{UNLOCATED}/edit?lang={lang}", data=form(csrf, revision=revision))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert words in html and 'role="alert"' in html
    # nothing was stored: the place is still unlocated
    assert client.get(f"/api/sites/{UNLOCATED}").get_json()["geometry"] is None


def test_a_new_point_needs_a_named_source_and_a_well_formed_address(client):
    csrf = sign_in(client, "stew")
    resp = client.post(
        "/sites/yungang-library/edit?lang=en", data=form(csrf, source_kind="", source_url="javascript:alert(1)")
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Choose where this location comes from." in html
    assert "A web address starts with https:// and has no spaces." in html


def test_named_sources_round_trip_through_the_stored_text():
    for kind in NAMED_SOURCES:
        if kind == "other":
            continue
        text = compose(kind, "门牌核对", "https://example.org/a")
        assert split(text) == (kind, "门牌核对", "https://example.org/a")
    assert split("a source nobody named") == ("", "a source nobody named", "")


def test_pages_for_editors_send_visitors_to_sign_in_and_back(client):
    for path in ("/review?lang=en", "/my/proposals", f"/sites/{UNLOCATED}/edit"):
        resp = client.get(path)
        assert resp.status_code == 302
        assert "/login?next=" in resp.headers["Location"]
    sign_in(client, "ed")
    resp = client.get("/review")
    assert resp.status_code == 403
    assert "此页面供地图管理员使用" in resp.get_data(as_text=True)
    assert client.get("/my/proposals").status_code == 200


def test_only_stewards_restore_a_version_and_only_with_the_pages_token(client):
    path = "/sites/yungang-grottoes/history/1/restore"
    assert client.post(path, data={"comment": "x"}).status_code in (302, 401)  # nobody signed in
    csrf = sign_in(client, "ed")
    resp = client.post(path, data={"comment": "x", "csrf_token": csrf})
    assert resp.status_code == 403
    csrf = sign_in(client, "stew")
    assert client.post(path, data={"comment": "x"}).status_code == 400  # no CSRF token
    resp = client.post(path + "?lang=en", data={"comment": "", "csrf_token": csrf})
    assert resp.status_code == 400 and "Say briefly why" in resp.get_data(as_text=True)
    history = client.get("/api/sites/yungang-grottoes/history").get_json()
    assert len(history["revisions"]) == 1  # nothing was written by the refused tries
