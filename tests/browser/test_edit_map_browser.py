"""Editing in the map, as stewards and editors do it: place an unlocated place by tapping
the edit form's map, the uncertainty circle following the metres typed; an editor's
proposal going through /review to the map and to "My proposals". Real server, real
Chromium, a real SQLite file; fails on console errors, dialogs and outside requests."""

from __future__ import annotations

import pytest
from support.stewardship import PASSWORD, make_database
from support.xss_corpus import PAYLOADS

pytestmark = pytest.mark.browser

UNLOCATED = "yungang-library"
LOCATED = "yungang-grottoes"


@pytest.fixture
def editable(tmp_path, serve):
    db = make_database(tmp_path)
    return serve(env={"WEBMAP_DATABASE_URL": db.url}), db


def sign_in(open_page, server, name, **size):
    page, watch = open_page(server, "/login?lang=en", wait_ready=False, **size)
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    page.wait_for_selector("body[data-state=ready]")
    return page, watch


def test_steward_places_an_unlocated_place_and_a_visitor_on_a_phone_sees_it(editable, open_page):
    server, _ = editable
    page, watch = sign_in(open_page, server, "stew")
    # the map's list of places still to be located offers "Place on the map" to an editor
    page.goto(f"{server.url}/?lang=en")
    page.wait_for_selector("body[data-state=ready]")
    link = page.locator(f"#unlocated-list > li[data-site-id={UNLOCATED}] a.place-on-map")
    assert link.get_attribute("href").endswith(f"/sites/{UNLOCATED}/edit?lang=en#location")
    page.goto(server.url + link.get_attribute("href"))
    page.wait_for_selector("#point-map-hint:not([hidden])")  # the form's map is up
    assert page.locator("#point-map").is_visible()
    assert page.locator("#lon").input_value() == "" and page.evaluate("WebMapEditMap.point()") is None

    # tap the middle of the small map: the point appears and the fields follow
    box = page.locator("#point-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lon, lat = float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())
    point = page.evaluate("WebMapEditMap.point()")
    assert abs(point["lng"] - lon) < 1e-6 and abs(point["lat"] - lat) < 1e-6
    assert 112.5 < lon < 113.5 and 39.5 < lat < 40.5  # inside the district's frame
    # the circle follows the metres field while typing
    page.locator("#uncertainty_m").fill("8")
    assert page.evaluate("WebMapEditMap.circleRadius()") == 8
    page.locator("#uncertainty_m").fill("3000")
    assert page.evaluate("WebMapEditMap.circleRadius()") == 3000
    # typing a longitude moves the marker
    page.locator("#lon").fill(f"{lon + 0.01:.6f}")
    assert abs(page.evaluate("WebMapEditMap.point()")["lng"] - (lon + 0.01)) < 1e-6
    lon += 0.01
    page.locator("#uncertainty_m").fill("30")

    page.locator("#precision").select_option("site")
    # a new point without a named source is refused, next to the source field
    page.get_by_label("Why:").fill("placed from the district's survey")
    page.get_by_role("button", name="Save").click()
    assert page.locator("#error-source_kind").inner_text() == "Choose where this location comes from."
    assert page.locator("#source_kind").get_attribute("aria-invalid") == "true"
    # the refused form came back with a 400, which Chromium logs: that one is expected
    assert watch.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    watch.console_errors.clear()
    # the point typed so far is still on the map
    page.wait_for_selector("#point-map .point-marker")
    assert abs(page.evaluate("WebMapEditMap.point()")["lng"] - lon) < 1e-6
    page.locator("#source_kind").select_option("survey")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server.url}/sites/{UNLOCATED}?lang=en")

    # a visitor on a phone, without an account: the place is on the map, its popup open
    phone, _ = open_page(server, f"/?site={UNLOCATED}&lang=en", width=390, height=844)
    popup = phone.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Yungang District Library" in popup.inner_text()
    assert phone.locator(".popup-edit").count() == 0  # no edit links for visitors
    assert phone.locator(f"#unlocated-list > li[data-site-id={UNLOCATED}]").count() == 0
    got = phone.evaluate(f"fetch('/api/sites/{UNLOCATED}').then(r => r.json())")
    assert got["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert got["properties"]["location"]["uncertainty_m"] == 30
    # its page says how exact the point is (a site-level point has no dashed circle on the map)
    phone.goto(f"{server.url}/sites/{UNLOCATED}?lang=en")
    assert "Located to within about 30 m." in phone.locator("main").inner_text()


def test_an_editor_proposes_a_steward_publishes_and_rejects_and_the_editor_reads_why(editable, open_page):
    server, _ = editable
    editor, ewatch = sign_in(open_page, server, "ed")
    # "Edit" in the popup of a located place
    editor.goto(f"{server.url}/?site={LOCATED}&lang=en")
    editor.wait_for_selector("body[data-state=ready]")
    editor.locator(".leaflet-popup-content .popup-edit").click()
    editor.wait_for_url(f"{server.url}/sites/{LOCATED}/edit?lang=en")
    assert "sent to a steward" in editor.locator("main").inner_text()
    editor.get_by_label("Summary (English)").fill("An editor's clearer summary.")
    editor.get_by_label("Why:").fill(PAYLOADS[1])  # hostile text, shown literally on /review
    editor.get_by_role("button", name="Save").click()
    editor.wait_for_url(f"{server.url}/sites/{LOCATED}?lang=en&proposed=*")
    # nothing is public yet
    visitor, _ = open_page(server, f"/sites/{LOCATED}?lang=en", wait_ready=False)
    assert visitor.locator("p.summary").inner_text() != "An editor's clearer summary."

    steward, swatch = sign_in(open_page, server, "stew")
    steward.goto(f"{server.url}/review?lang=en")
    proposal = steward.locator(f"section.proposal[data-site-id={LOCATED}]")
    assert proposal.locator(".comment-text").inner_text() == PAYLOADS[1]
    assert "An editor's clearer summary." in proposal.locator("ins").all_inner_texts()
    # a decision needs a reason: the browser holds the form back and says so at the field
    proposal.get_by_role("button", name="Publish").click()
    assert proposal.locator("input[name=reason]").evaluate("e => e.validity.valueMissing")
    assert steward.url.endswith("/review?lang=en")
    steward.locator(f"section.proposal[data-site-id={LOCATED}] input[name=reason]").fill("reads better")
    steward.locator(f"section.proposal[data-site-id={LOCATED}]").get_by_role("button", name="Publish").click()
    assert steward.locator("p.note").inner_text() == "Published."
    assert steward.locator("#queue-empty").is_visible()

    visitor.reload()
    assert visitor.locator("p.summary").inner_text() == "An editor's clearer summary."

    # a second proposal, rejected: the editor reads the steward's reason
    editor.goto(f"{server.url}/sites/{LOCATED}/edit?lang=en")
    editor.get_by_label("Summary (English)").fill("Too short.")
    editor.get_by_label("Why:").fill("shorter")
    editor.get_by_role("button", name="Save").click()
    editor.wait_for_url(f"{server.url}/sites/{LOCATED}?lang=en&proposed=*")
    steward.goto(f"{server.url}/review?lang=en")
    steward.locator(f"section.proposal[data-site-id={LOCATED}] input[name=reason]").fill("loses the facts")
    steward.locator(f"section.proposal[data-site-id={LOCATED}]").get_by_role("button", name="Reject").click()
    assert steward.locator("p.note").inner_text() == "Rejected; the proposer sees your reason."

    editor.goto(f"{server.url}/my/proposals?lang=en")
    states = editor.locator("section.proposal .proposal-state").all_inner_texts()
    assert states == ["Rejected", "Published"]
    assert editor.locator("section.proposal .reason-text").all_inner_texts() == ["loses the facts", "reads better"]
    visitor.reload()
    assert visitor.locator("p.summary").inner_text() == "An editor's clearer summary."


def test_visitors_and_editors_cannot_open_the_review_queue(editable, open_page):
    server, _ = editable
    # a visitor is asked to sign in, and comes back to the queue after
    visitor, _ = open_page(server, "/review?lang=en", wait_ready=False)
    assert visitor.get_by_label("Account name").is_visible()
    visitor.get_by_label("Account name").fill("stew")
    visitor.get_by_label("Password").fill(PASSWORD)
    visitor.get_by_role("button", name="Sign in").click()
    visitor.wait_for_url(f"{server.url}/review?lang=en")
    assert visitor.locator("h1").inner_text() == "Review queue"
    # an editor is told, in the page's language, that the queue is the stewards'
    editor, ewatch = sign_in(open_page, server, "ed")
    for lang, words in (("en", "for the map's stewards"), ("zh", "管理员")):
        response = editor.goto(f"{server.url}/review?lang={lang}")
        assert response.status == 403
        assert words in editor.locator("main").inner_text()
        assert "role" not in editor.locator("main").inner_text()
    # Chromium logs each refused page; those two are the ones expected
    assert [e.split("(")[-1] for e in ewatch.console_errors] == ["FORBIDDEN)", "FORBIDDEN)"]
    ewatch.console_errors.clear()


def test_two_stewards_edit_one_place_and_the_second_save_is_refused_with_what_changed(editable, open_page):
    server, _ = editable
    first, _ = sign_in(open_page, server, "stew")
    second, swatch = sign_in(open_page, server, "root")
    for page in (first, second):
        page.goto(f"{server.url}/sites/{LOCATED}/edit?lang=en")
    first.get_by_label("Summary (English)").fill("The first steward's summary.")
    first.get_by_label("Why:").fill("first")
    first.get_by_role("button", name="Save").click()
    first.wait_for_url(f"{server.url}/sites/{LOCATED}?lang=en")

    second.get_by_label("Summary (English)").fill("The second steward's summary.")
    second.get_by_label("Why:").fill("second")
    second.get_by_role("button", name="Save").click()
    note = second.locator(".form-error").inner_text()
    assert "Someone changed this place since you opened the form" in note and "summary" in note
    assert second.get_by_label("Summary (English)").input_value() == "The second steward's summary."  # not lost
    assert swatch.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    swatch.console_errors.clear()
    visitor, _ = open_page(server, f"/sites/{LOCATED}?lang=en", wait_ready=False)
    assert visitor.locator("p.summary").inner_text() == "The first steward's summary."
    # saving again, knowingly, keeps the second version
    second.get_by_role("button", name="Save").click()
    second.wait_for_url(f"{server.url}/sites/{LOCATED}?lang=en")
    visitor.reload()
    assert visitor.locator("p.summary").inner_text() == "The second steward's summary."


def test_a_steward_brings_an_old_version_back_from_the_history_page(editable, open_page):
    server, _ = editable
    page, _ = sign_in(open_page, server, "stew")
    visitor, _ = open_page(server, f"/sites/{LOCATED}?lang=en", wait_ready=False)
    original = visitor.locator("p.summary").inner_text()
    page.goto(f"{server.url}/sites/{LOCATED}/edit?lang=en")
    page.get_by_label("Summary (English)").fill("A hasty summary.")
    page.get_by_label("Why:").fill("hasty")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server.url}/sites/{LOCATED}?lang=en")
    visitor.reload()
    assert visitor.locator("p.summary").inner_text() == "A hasty summary."
    # visitors see the history, not the restore buttons
    visitor.goto(f"{server.url}/sites/{LOCATED}/history?lang=en")
    assert visitor.locator("form.restore").count() == 0

    page.goto(f"{server.url}/sites/{LOCATED}/history?lang=en")
    revisions = page.locator("section.revision")
    assert revisions.first.locator("form.restore").count() == 0  # the current version
    older = revisions.nth(1)
    older.get_by_label("Bring back the version after this revision. Why:").fill("the hasty edit lost the facts")
    older.get_by_role("button", name="Bring this version back").click()
    assert "is the current version again" in page.locator("p.note").inner_text()
    assert "the hasty edit lost the facts" in page.locator("section.revision").first.inner_text()
    visitor.goto(f"{server.url}/sites/{LOCATED}?lang=en")
    assert visitor.locator("p.summary").inner_text() == original
    map_page, _ = open_page(server, f"/?site={LOCATED}&lang=en")
    assert original in map_page.locator(".leaflet-popup-content").inner_text()
