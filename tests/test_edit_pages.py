"""The edit form and the review pages without a browser: what a steward reads when the
one validator refuses a point (in the page's language), the named sources' round trip,
and who is sent where (webmap/web/edit_pages.py, review.py, problem_text.py, sources.py)."""

from __future__ import annotations

import re

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


def form(csrf, feature=None, **over):
    """The form as the page sends it: the site's other fields as they are, plus ``over``."""
    base = {
        **(_as_form(feature) if feature else {}),
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


def _as_form(feature):
    from webmap.web import edit_fields

    values = edit_fields.values(feature)
    out = {k: v for k, v in values.items() if k not in ("themes", "facts")} | {"all_fields": "1"}
    out["themes"] = values["themes"]
    for i, row in enumerate(values["facts"]):
        out.update({f"fact_{k}_{i}": v for k, v in row.items()})
    return out


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "覆盖不到来源给出的另一处位置"), ("en", "does not cover candidate")],
)
def test_a_refused_point_is_explained_at_its_field_in_the_pages_language(client, lang, words):
    csrf = sign_in(client, "stew")
    page = client.get(f"/sites/{UNLOCATED}/edit?lang={lang}").get_data(as_text=True)
    revision = page.split('name="revision" value="')[1].split('"')[0]
    feature = client.get(f"/api/sites/{UNLOCATED}").get_json()
    resp = client.post(f"/sites/{UNLOCATED}/edit?lang={lang}", data=form(csrf, feature, revision=revision))
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


def test_every_field_of_a_place_is_edited_through_the_form(client):
    csrf = sign_in(client, "stew")
    site = "yungang-library"
    feature = client.get(f"/api/sites/{site}").get_json()
    page = client.get(f"/sites/{site}/edit?lang=en").get_data(as_text=True)
    revision = page.split('name="revision" value="')[1].split('"')[0]
    data = form(
        csrf,
        feature,
        revision=revision,
        lon="",
        lat="",
        precision="district",
        source_kind="",
        uncertainty_m="",
        comment="fuller entry",
    )
    data.update(
        name_en="Yungang District Library (main branch)",
        details_en="Open to every resident, with a children's reading room.",
        article_section_en="Culture for the people",
        layer="communities" if feature["properties"]["layer"] != "communities" else "culture",
        themes=["culture"],
        school_trip="on",
        trip_notes_zh="可安排阅读课。",
        trip_notes_en="A reading lesson can be arranged.",
        fact_label_zh_0="藏书",
        fact_label_en_0="Books",
        fact_value_0="10万册",
    )
    data["location_source"] = feature["properties"]["location"]["source"]
    resp = client.post(f"/sites/{site}/edit?lang=en", data=data)
    assert resp.status_code == 302, re.findall(r"(?:field-error|form-error)[^>]*>([^<]*)", resp.get_data(as_text=True))
    p = client.get(f"/api/sites/{site}").get_json()["properties"]
    assert p["name"]["en"] == "Yungang District Library (main branch)"
    assert p["details"]["en"].startswith("Open to every resident")
    assert p["article_section"]["en"] == "Culture for the people"
    assert p["layer"] == data["layer"] and p["themes"] == ["culture"]
    assert p["school_trip"] == {
        "suitable": True,
        "notes": {"zh": "可安排阅读课。", "en": "A reading lesson can be arranged."},
    }
    assert p["facts"] == [{"label": {"zh": "藏书", "en": "Books"}, "value": "10万册"}]
    history = client.get(f"/sites/{site}/history?lang=en").get_data(as_text=True)
    assert "fuller entry" in history and "10万册" in history

    # a fact without its figure is refused next to the facts, and nothing is stored
    page = client.get(f"/sites/{site}/edit?lang=en").get_data(as_text=True)
    data["revision"] = page.split('name="revision" value="')[1].split('"')[0]
    data.update(fact_label_zh_1="座位", fact_label_en_1="Seats", fact_value_1="")
    resp = client.post(f"/sites/{site}/edit?lang=en", data=data)
    assert resp.status_code == 400
    assert 'id="error-facts"' in resp.get_data(as_text=True)
    assert client.get(f"/api/sites/{site}").get_json()["properties"]["facts"] == p["facts"]


def _errors(resp):
    return re.findall(r"(?:field-error|form-error)[^>]*>([^<]*)", resp.get_data(as_text=True))


def _new_place(csrf, **over):
    data = {
        "csrf_token": csrf,
        "all_fields": "1",
        "new_id": "datong-coal-museum",
        "layer": "culture",
        "status": "open",
        "name_zh": "煤炭博物馆",
        "name_en": "Coal Museum",
        "summary_zh": "讲述矿区的历史。",
        "summary_en": "Tells the mining area's history.",
        "details_zh": "开放时间请先确认。",
        "details_en": "Check the opening hours first.",
        "article_section_zh": "党建领航中心大局 固本强基建强阵地",
        "article_section_en": "Party building",
        "precision": "district",
        "location_source": "Named in the district's culture listing",
        "lon": "",
        "lat": "",
        "uncertainty_m": "",
        "source_kind": "",
        "source_url": "",
        "comment": "new museum",
    }
    return {**data, **over}


def test_a_steward_adds_a_place_and_takes_it_off_the_map_again(client):
    csrf = sign_in(client, "stew")
    assert client.get("/sites/new?lang=en").status_code == 200
    resp = client.post("/sites/new?lang=en", data=_new_place(csrf, new_id="Bad Id!"))
    assert resp.status_code == 400 and "Lower-case letters, digits and hyphens" in resp.get_data(as_text=True)
    resp = client.post("/sites/new?lang=en", data=_new_place(csrf, new_id="yungang-grottoes"))
    assert resp.status_code == 400 and "exists already" in resp.get_data(as_text=True)
    resp = client.post("/sites/new?lang=en", data=_new_place(csrf, name_en=""))
    assert resp.status_code == 400 and 'id="error-name_en"' in resp.get_data(as_text=True)
    assert client.get("/api/sites/datong-coal-museum").status_code == 404  # nothing half-made

    resp = client.post("/sites/new?lang=en", data=_new_place(csrf))
    assert resp.status_code == 302, _errors(resp)
    assert resp.headers["Location"].endswith("/sites/datong-coal-museum?lang=en")
    assert client.get("/api/sites/datong-coal-museum").get_json()["properties"]["name"]["en"] == "Coal Museum"
    assert "Coal Museum" in client.get("/sites/?lang=en").get_data(as_text=True)

    # retiring needs a why, then the place leaves the map (its history stays in the database)
    resp = client.post("/sites/datong-coal-museum/retire?lang=en", data={"csrf_token": csrf, "comment": ""})
    assert resp.status_code == 302 and "retire_error" in resp.headers["Location"]
    assert client.get("/api/sites/datong-coal-museum").status_code == 200
    resp = client.post("/sites/datong-coal-museum/retire?lang=en", data={"csrf_token": csrf, "comment": "duplicate"})
    assert resp.status_code == 302
    assert client.get("/api/sites/datong-coal-museum").status_code == 404
    assert "Coal Museum" not in client.get("/sites/?lang=en").get_data(as_text=True)


def test_an_editors_new_place_waits_for_a_steward_and_editors_cannot_retire(client):
    csrf = sign_in(client, "ed")
    resp = client.post("/sites/new?lang=en", data=_new_place(csrf))
    assert resp.status_code == 302 and "/my/proposals" in resp.headers["Location"]
    assert client.get("/api/sites/datong-coal-museum").status_code == 404  # not public yet
    assert "datong-coal-museum" in client.get("/my/proposals?lang=en").get_data(as_text=True)
    resp = client.post("/sites/yungang-grottoes/retire", data={"csrf_token": csrf, "comment": "no"})
    assert resp.status_code == 403
    assert client.get("/api/sites/yungang-grottoes").status_code == 200
