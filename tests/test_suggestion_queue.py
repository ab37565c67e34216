"""The stewards' queue of residents' suggestions (#13), as stewards, editors, visitors and
residents notice it, on the real app and a real SQLite file: who may open it, the
distance between the proposed and the current point, accepting a suggestion into a
published revision with a named source, a photo refused without a licence, and a
visitor's hostile text shown literally."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from PIL import Image
from support import DATA
from support.stewardship import make_database, sign_in

from webmap.settings import load_settings
from webmap.web.app import create_app

UNLOCATED = "yungang-library"
LOCATED = "yungang-grottoes"
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def db(tmp_path):
    return make_database(tmp_path)


@pytest.fixture
def app(tmp_path, db):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return create_app(
        load_settings(
            tiles="none",
            cache_dir=tmp_path / "cache",
            uploads_dir=tmp_path / "uploads",
            data_dir=data,
            database_url=db.url,
        )
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def suggest(client, site=UNLOCATED, photo=False, **fields) -> str:
    form = {"what_is_wrong": "The library is by the east gate.", "site_id": site, "lon": "113.13", "lat": "40.05"}
    form.update(fields)
    if photo:
        form["photo"] = (io.BytesIO(jpeg()), "phone.jpg")
        form["photo_credit"] = "Wang Li"
    resp = client.post("/api/suggestions", data=form, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def accept_form(csrf, **over):
    base = {
        "csrf_token": csrf,
        "summary_zh": "",
        "summary_en": "",
        "status": "open",
        "lon": "113.13",
        "lat": "40.05",
        "precision": "site",
        "source_kind": "survey",
        "location_source": "",
        "source_url": "",
        "uncertainty_m": "30",
        "comment": "The library is by the east gate.",
        "reply": "Thank you, the map now shows it there.",
    }
    return {**base, **over}


def steward(app):
    client = app.test_client()
    return client, sign_in(client, "stew")


def test_only_stewards_open_the_queue(app):
    visitor = app.test_client()
    resp = visitor.get("/review/suggestions")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    editor = app.test_client()
    sign_in(editor, "ed")
    assert editor.get("/review/suggestions").status_code == 403
    client, _ = steward(app)
    page = client.get("/review/suggestions?lang=en")
    assert page.status_code == 200 and "No suggestions are waiting." in page.get_data(as_text=True)
    # the header of a steward's pages links to it
    assert 'id="suggestions-link"' in client.get("/review?lang=en").get_data(as_text=True)


def test_the_queue_shows_the_distance_counts_photos_and_hostile_text_literally(app):
    visitor = app.test_client()
    moved = suggest(visitor, site=LOCATED, lon="113.14", lat="40.11")
    hostile = suggest(visitor, what_is_wrong=XSS, contact=XSS, photo=True)
    client, _ = steward(app)
    html = client.get("/review/suggestions?lang=en").get_data(as_text=True)
    # newest first
    assert html.index(f'id="suggestion-{hostile}"') < html.index(f'id="suggestion-{moved}"')
    assert XSS not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    # the grottoes' current point and the proposed one, distance in metres (geodesic)
    m = re.search(rf'id="suggestion-{moved}".*?The proposed point is ([\d,]+) m from the current one', html, re.S)
    assert m, html[:2000]
    from pyproj import Geod

    current = app.extensions["webmap.catalogue"].features[LOCATED].geometry.coordinates
    expected = Geod(ellps="WGS84").inv(current[0], current[1], 113.14, 40.11)[2]
    assert int(m.group(1).replace(",", "")) == round(expected)
    assert "The place has no point on the map yet" in html
    # counts per layer at the top
    counts = html[html.index('id="suggestion-counts"') : html.index("</ul>", html.index('id="suggestion-counts"'))]
    assert counts.count("<strong>") == sum(int(n) for n in re.findall(r"<strong>(\d+)</strong>", counts))
    assert sum(int(n) for n in re.findall(r"<strong>(\d+)</strong>", counts)) == 2
    # the photo's thumbnail: for stewards, not for visitors
    src = re.search(r'<img src="(/review/suggestions/photo/[0-9a-f]{64}/thumb)"', html).group(1)
    assert client.get(src).status_code == 200 and client.get(src).mimetype == "image/jpeg"
    assert visitor.get(src).status_code == 302
    editor = app.test_client()
    editor_csrf = sign_in(editor, "ed")
    assert editor.get(src).status_code == 403
    resp = editor.post(f"/review/suggestions/{hostile}/accept", data=accept_form(editor_csrf))
    assert resp.status_code == 403
    assert visitor.get(f"/api/suggestions/{hostile}").get_json()["status"] == "open"
    # the accept form shows the visitor's text literally too (and as the "why" seed)
    form_page = client.get(f"/review/suggestions/{hostile}/accept?lang=en").get_data(as_text=True)
    assert XSS not in form_page and "&lt;script&gt;alert(2)&lt;/script&gt;" in form_page


def test_accept_publishes_a_revision_with_the_source_and_the_suggestion_is_accepted(app, db):
    sid = suggest(app.test_client())
    client, csrf = steward(app)
    form_page = client.get(f"/review/suggestions/{sid}/accept?lang=en").get_data(as_text=True)
    assert 'value="113.13"' in form_page and f"suggestion {sid}" in form_page
    # the steward must name a source: none is chosen for them
    resp = client.post(f"/review/suggestions/{sid}/accept?lang=en", data=accept_form(csrf, source_kind=""))
    assert resp.status_code == 400 and "Choose where this location comes from." in resp.get_data(as_text=True)
    assert client.get(f"/api/suggestions/{sid}").get_json()["status"] == "open"
    # and say how far off the point may be
    resp = client.post(f"/review/suggestions/{sid}/accept?lang=en", data=accept_form(csrf, uncertainty_m=""))
    assert resp.status_code == 400 and 'id="error-uncertainty_m"' in resp.get_data(as_text=True)

    resp = client.post(f"/review/suggestions/{sid}/accept?lang=en", data=accept_form(csrf, comment="moved"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    rev = [r for r in db.repo.history(UNLOCATED) if r.state == "published"][-1]
    assert rev.author == "stew" and f"suggested by a resident, suggestion {sid}" in rev.comment
    loc = rev.after["properties"]["location"]
    assert loc["source"] == "Field survey (GPS)" and rev.after["geometry"]["coordinates"] == [113.13, 40.05]
    public = app.test_client().get(f"/api/suggestions/{sid}").get_json()
    assert public["status"] == "accepted" and f"Revision {rev.n}" in public["steward_reply"]
    assert app.test_client().get(f"/api/sites/{UNLOCATED}").get_json()["geometry"]["coordinates"] == [113.13, 40.05]


def test_a_photo_without_a_licence_is_refused_at_publish(app, db):
    sid = suggest(app.test_client(), photo=True)
    client, csrf = steward(app)
    before = len(db.repo.history(UNLOCATED))
    photo = {
        "photo0_publish": "1",
        "photo0_credit": "Wang Li",
        "photo0_alt_zh": "图书馆正门",
        "photo0_alt_en": "The door",
    }
    resp = client.post(f"/review/suggestions/{sid}/accept?lang=en", data=accept_form(csrf, **photo))
    assert resp.status_code == 400 and "Choose a licence for the photo." in resp.get_data(as_text=True)
    assert len(db.repo.history(UNLOCATED)) == before
    assert client.get(f"/api/suggestions/{sid}").get_json()["status"] == "open"

    resp = client.post(
        f"/review/suggestions/{sid}/accept?lang=en", data=accept_form(csrf, **photo, photo0_licence="cc-by-4.0")
    )
    assert resp.status_code == 302
    site = app.test_client().get(f"/api/sites/{UNLOCATED}").get_json()
    first = site["properties"]["photos"][0]
    assert first["licence"] == "cc-by-4.0" and first["credit"]["en"] == "Wang Li"
    assert first["alt"] == {"zh": "图书馆正门", "en": "The door"}
    # served to anyone through the one photo route, re-encoded
    served = app.test_client().get(f"/photos/thumb/{first['file']}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    page = app.test_client().get(f"/sites/{UNLOCATED}?lang=en").get_data(as_text=True)
    assert first["file"] in page and "Wang Li" in page and "CC BY 4.0" in page


def test_a_duplicate_is_closed_and_rejections_need_a_reason(app):
    visitor = app.test_client()
    first, second = suggest(visitor), suggest(visitor)
    client, csrf = steward(app)
    resp = client.post(f"/review/suggestions/{second}/decide", data={"csrf_token": csrf, "decision": "rejected"})
    assert resp.status_code == 400
    resp = client.post(
        f"/review/suggestions/{second}/decide",
        data={"csrf_token": csrf, "decision": "duplicate", "duplicate_of": first, "reason": "Same as another."},
    )
    assert resp.status_code == 302
    public = visitor.get(f"/api/suggestions/{second}").get_json()
    assert public["status"] == "answered" and public["steward_reply"] == "Same as another." and first not in str(public)
    html = client.get("/review/suggestions").get_data(as_text=True)
    assert f'id="suggestion-{first}"' in html and f'id="suggestion-{second}"' not in html
    # a duplicate of itself or of nothing is refused
    for other in (first, "A" * 16):
        form = {"csrf_token": csrf, "decision": "duplicate", "duplicate_of": other, "reason": "Same."}
        assert client.post(f"/review/suggestions/{first}/decide", data=form).status_code == 400
    # accepting the first tells the duplicate's sender the same outcome
    resp = client.post(f"/review/suggestions/{first}/accept?lang=en", data=accept_form(csrf))
    assert resp.status_code == 302
    dup = visitor.get(f"/api/suggestions/{second}").get_json()
    assert dup["status"] == "accepted" and "Revision" in dup["steward_reply"]


def test_a_flood_shows_the_newest_and_says_how_many_are_open(app, monkeypatch):
    import webmap.suggestion_queue

    monkeypatch.setattr(webmap.suggestion_queue, "QUEUE_LIMIT", 2)
    visitor = app.test_client()
    ids = [suggest(visitor, what_is_wrong=f"note {i}") for i in range(3)]
    client, _ = steward(app)
    html = client.get("/review/suggestions?lang=en").get_data(as_text=True)
    assert "Showing the newest 2 of 3 open suggestions" in html
    assert f'id="suggestion-{ids[0]}"' not in html and f'id="suggestion-{ids[2]}"' in html


def test_every_hostile_payload_in_every_field_is_text_in_the_queue(app):
    from html import unescape

    from support.xss_corpus import PAYLOADS

    visitor, sent = app.test_client(), []
    for k, payload in enumerate(PAYLOADS):  # one address each: the per-address limit is not tested here
        body = {"what_is_wrong": payload, "contact": payload[:200], "site_id": "yungang-library"}
        resp = visitor.post("/api/suggestions", json=body, environ_base={"REMOTE_ADDR": f"10.0.{k // 250}.{k % 250}"})
        if resp.status_code == 201:
            sent.append((resp.get_json()["id"], payload))
    assert len(sent) >= len(PAYLOADS) // 2
    client, _ = steward(app)
    html = client.get("/review/suggestions?lang=en").get_data(as_text=True)
    for sid, payload in sent:
        section = html[html.index(f'id="suggestion-{sid}"') :]
        text = re.search(r'<span class="suggestion-text">(.*?)</span>', section, re.S).group(1)
        contact = re.search(r'<span class="suggestion-contact">(.*?)</span>', section, re.S).group(1)
        assert unescape(text) == payload and unescape(contact) == payload[:200]
        assert "<" not in text and "<" not in contact
