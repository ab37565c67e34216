"""A resident's suggestion with a photo, through the stewards' queue to the public map
(#13): the steward sees the distance between the proposed and the current point,
accepts it with a named source and publishes the photo with its credit and licence; an
anonymous visitor's popup then shows the place moved, with the photo, its credit and
licence; the suggester's status page says accepted and /changes.atom has the entry.
Real server, real Chromium, a real SQLite file; fails on console errors and outside
requests."""

from __future__ import annotations

import io
import re
import shutil

import feedparser
import pytest
from PIL import Image
from support import DATA
from support.stewardship import PASSWORD, make_database

pytestmark = pytest.mark.browser

SITE = "yungang-grottoes"
LON, LAT = 113.125, 40.112


@pytest.fixture
def editable(tmp_path, serve):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    db = make_database(tmp_path)
    env = {"WEBMAP_DATABASE_URL": db.url, "WEBMAP_UPLOADS_DIR": str(tmp_path / "uploads")}
    return serve(data_dir=data, env=env), db


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 140, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_suggestion_with_a_photo_is_accepted_and_the_visitor_sees_it(editable, open_page):
    server, _ = editable
    # a resident suggests where the place really is, with a photo (no account)
    visitor, _ = open_page(server, f"/sites/{SITE}?lang=en", wait_ready=False)
    photo = {"name": "phone.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    resp = visitor.request.post(
        f"{server.url}/api/suggestions",
        multipart={
            "what_is_wrong": "The entrance is further west.",
            "site_id": SITE,
            "lon": str(LON),
            "lat": str(LAT),
            "photo": photo,
            "photo_credit": "Wang Li",
        },
    )
    assert resp.status == 201, resp.text()
    sid = resp.json()["id"]

    # the steward opens the queue: the distance, the photo, the counts
    steward, watch = open_page(server, "/login?lang=en", wait_ready=False)
    steward.get_by_label("Account name").fill("stew")
    steward.get_by_label("Password").fill(PASSWORD)
    steward.get_by_role("button", name="Sign in").click()
    steward.wait_for_url(server.url + "/")
    steward.goto(f"{server.url}/review?lang=en")
    steward.locator("#suggestions-link").click()
    steward.wait_for_url(f"{server.url}/review/suggestions?lang=en")
    item = steward.locator(f"#suggestion-{sid}")
    assert item.locator(".suggestion-text").inner_text() == "The entrance is further west."
    distance = re.search(r"is ([\d,]+) m from the current one", item.locator(".distance").inner_text())
    assert distance and int(distance.group(1).replace(",", "")) > 0
    steward.wait_for_selector(f"#suggestion-{sid} .proposal-map .point-new", state="attached")
    assert item.locator(".suggestion-photos img").evaluate("i => i.complete && i.naturalWidth > 0")
    assert "1" in steward.locator("#suggestion-counts").inner_text()
    # the overview map has its proposed point; a tap on it goes to the suggestion
    steward.wait_for_selector("#suggestions-map .suggestion-point")
    assert steward.evaluate("WebMapSuggestionsMap.count") == 1
    steward.locator("#suggestions-map .suggestion-point").click()
    assert steward.evaluate("document.activeElement.closest('section').id") == f"suggestion-{sid}"

    # accept → edit: pre-filled with the proposed point; the steward names the source
    item.locator(".accept-link").click()
    steward.wait_for_url(f"{server.url}/review/suggestions/{sid}/accept?lang=en")
    assert float(steward.locator("#lon").input_value()) == LON
    assert f"suggestion {sid}" in steward.locator("#comment").input_value()
    steward.locator("#source_kind").select_option("survey")
    steward.locator("#precision").select_option("site")
    steward.locator("#uncertainty_m").fill("20")
    assert steward.locator("#photo0_credit").input_value() == "Wang Li"
    steward.locator("#photo0_alt_zh").fill("云冈石窟西侧入口")
    steward.locator("#photo0_alt_en").fill("The west entrance of the grottoes")
    steward.locator("#reply").fill("Thank you: the map now shows the west entrance.")
    # without a licence the photo is not published, and the form says why at the field
    steward.get_by_role("button", name="Publish").click()
    assert steward.locator("#error-photo0_licence").inner_text() == "Choose a licence for the photo."
    assert watch.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    watch.console_errors.clear()
    steward.locator("#photo0_licence").select_option("cc-by-4.0")
    steward.get_by_role("button", name="Publish").click()
    steward.wait_for_url(f"{server.url}/review/suggestions?lang=en&done=accepted")
    assert steward.locator(f"#suggestion-{sid}").count() == 0

    # an anonymous visitor: the place at its new point, with the photo, credit and licence
    page, _ = open_page(server, f"/?site={SITE}&lang=en")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    img = popup.locator("figure.photo img")
    img.wait_for()
    assert img.evaluate("i => i.decode().then(() => i.naturalWidth)") > 0  # the photo loaded
    assert img.get_attribute("alt") == "The west entrance of the grottoes"
    assert popup.locator(".photo-credit").first.inner_text() == "Wang Li"
    assert popup.locator(".photo-licence").first.inner_text() == "CC BY 4.0"
    assert popup.locator(".photo-missing").count() == 0
    got = page.evaluate(f"fetch('/api/sites/{SITE}').then(r => r.json())")
    assert got["geometry"]["coordinates"] == pytest.approx([LON, LAT], abs=1e-9)

    # the suggester's status page says accepted, with the revision
    page.goto(f"{server.url}/suggestions/{sid}?lang=en")
    assert page.locator("#suggestion-status").get_attribute("data-status") == "accepted"
    assert "Revision" in page.locator("main").inner_text()

    # the change is in the feed
    feed = page.request.get(f"{server.url}/changes.atom")
    parsed = feedparser.parse(feed.body())
    assert not parsed.bozo
    assert any(e.link.endswith(f"/sites/{SITE}") for e in parsed.entries), [e.link for e in parsed.entries]
