"""What changed (#13) in a real browser: a steward locates a place and marks another
completed in the edit form; a visitor on a phone reads /changes in both languages, with
no WCAG 2.2 AA violation (axe-core), and follows an entry to the place."""

from __future__ import annotations

import pytest
from support.stewardship import PASSWORD, make_database

pytestmark = pytest.mark.browser

LOCATE = "yungang-library"
BUILD = "tongxing-phase3-coal-power"
PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}


@pytest.fixture
def editable(tmp_path, serve):
    db = make_database(tmp_path)
    return serve(env={"WEBMAP_DATABASE_URL": db.url})


def steward_edits(open_page, server):
    page, _ = open_page(server, "/login?lang=en", wait_ready=False)
    page.get_by_label("Account name").fill("stew")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")

    page.goto(f"{server.url}/sites/{BUILD}/edit?lang=en")
    page.get_by_label("Status").select_option("completed")
    page.get_by_label("Why:").fill("the plant is finished")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server.url}/sites/{BUILD}?lang=en")

    page.goto(f"{server.url}/sites/{LOCATE}/edit?lang=en")
    page.get_by_label("Longitude").fill("113.15")
    page.get_by_label("Latitude").fill("40.08")
    page.get_by_label("Location precision").select_option("site")
    page.get_by_label("Where the location comes from").select_option("survey")
    page.get_by_label("Location source:").fill("A steward's visit")
    page.get_by_label("Uncertainty (metres)").fill("50")
    page.get_by_label("Why:").fill("located on a visit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server.url}/sites/{LOCATE}?lang=en")


def test_a_visitor_on_a_phone_reads_what_changed_and_opens_the_place(editable, open_page):
    from test_visitor_axe import _violations

    server = editable
    steward_edits(open_page, server)

    page, _ = open_page(server, "/changes", wait_ready=False, **PHONE)
    items = page.locator("li.change")
    assert items.count() == 2
    newest = items.nth(0).inner_text()
    assert "已标注位置" in newest and "云冈区图书馆" in newest
    assert "状态变更" in items.nth(1).inner_text() and "在建 → 已建成" in items.nth(1).inner_text()
    assert _violations(page) == []

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/changes?lang=en")
    assert "Place located" in page.locator("li.change").nth(0).inner_text()
    assert _violations(page) == []

    page.get_by_label("Layer").select_option("energy")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/changes?lang=en&layer=energy")
    assert page.locator("li.change").count() == 1
    page.locator("li.change a.site-link").click()
    page.wait_for_url(f"{server.url}/sites/{BUILD}?lang=en")
    assert page.locator("h1").count() == 1


def test_the_map_marks_places_changed_in_the_last_30_days(editable, open_page):
    server = editable
    steward_edits(open_page, server)
    page, _ = open_page(server, f"/?site={LOCATE}&lang=zh", width=390, height=844)
    page.wait_for_selector("body[data-recent]")
    assert page.get_attribute("body", "data-recent") == "2"
    # the two changed places carry the dot; an unchanged one does not
    assert page.locator(f".site-marker.recent[data-site-id={LOCATE}]").count() == 1
    assert page.locator(".site-marker.recent").count() <= 2
    assert page.locator(".site-marker:not(.recent)").count() > 0
    # the shared link's popup (open before the changes came in) says when, and links to them
    note = page.locator(".leaflet-popup-content .recent-note a")
    assert "更新 · 查看最近更新" in note.inner_text()
    note.click()
    page.wait_for_url(f"{server.url}/changes")
    assert page.locator("h1").inner_text()


def test_a_map_served_read_only_from_files_marks_nothing(serve, open_page):
    server = serve()
    page, _ = open_page(server, "/?lang=en")
    page.wait_for_selector("body[data-recent]")
    assert page.get_attribute("body", "data-recent") == "0"
    assert page.locator(".site-marker.recent").count() == 0
