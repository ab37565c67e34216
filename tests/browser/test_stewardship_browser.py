"""A steward edits in the real page (real server, real Chromium, a real SQLite file), and
a visitor in another browser sees it. Fails on console errors, dialogs (an injected
script that ran) and requests leaving the machine, like every browser test."""

from __future__ import annotations

import pytest
from support.stewardship import PASSWORD, make_database
from support.xss_corpus import PAYLOADS

pytestmark = pytest.mark.browser

SITE = "yungang-grottoes"


@pytest.fixture
def editable(tmp_path, serve):
    db = make_database(tmp_path)
    return serve(env={"WEBMAP_DATABASE_URL": db.url}), db


def sign_in(open_page, server, name="stew"):
    page, _ = open_page(server, "/login?lang=en", wait_ready=False)
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    return page


def edit_summary(page, server, zh: str, en: str, why: str):
    page.goto(f"{server.url}/sites/{SITE}?lang=en")
    assert "Signed in as stew" in page.locator("#signed-in").inner_text()
    page.locator("#edit-site").click()
    page.get_by_label("Summary (中文)").fill(zh)
    page.get_by_label("Summary (English)").fill(en)
    page.get_by_label("Why:").fill(why)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server.url}/sites/{SITE}?lang=en")


def test_steward_edits_a_summary_and_a_visitor_sees_it(editable, open_page):
    server, db = editable
    page = sign_in(open_page, server)
    edit_summary(page, server, "管理员在网页上改的摘要。", "A summary a steward changed in the page.", "clearer")
    assert page.locator("p.summary").inner_text() == "A summary a steward changed in the page."

    visitor, _ = open_page(server, f"/sites/{SITE}?lang=en", wait_ready=False)
    assert visitor.locator("p.summary").inner_text() == "A summary a steward changed in the page."
    assert visitor.locator("#signed-in").count() == 0 and visitor.locator("#edit-site").count() == 0
    visitor.get_by_role("link", name="History").click()
    first = visitor.locator("section.revision").first
    assert "clearer" in first.locator(".comment-text").inner_text()
    assert "A summary a steward changed in the page." in first.locator("ins").all_inner_texts()
    # and on the map: the same text in the site's popup
    map_page, _ = open_page(server, f"/?site={SITE}&lang=en")
    assert "A summary a steward changed in the page." in map_page.locator(".leaflet-popup-content").inner_text()

    # signing out ends the session
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server.url}/sites/{SITE}?lang=en")
    assert page.locator("#signed-in").count() == 0


def test_hostile_text_typed_into_the_editor_shows_literally(editable, open_page):
    server, _ = editable
    page = sign_in(open_page, server)
    zh, en, why = PAYLOADS[1], PAYLOADS[4] + PAYLOADS[29], PAYLOADS[3]
    edit_summary(page, server, zh, en, why)
    visitor, _ = open_page(server, f"/sites/{SITE}?lang=en", wait_ready=False)
    assert visitor.locator("p.summary").inner_text() == en
    visitor.goto(f"{server.url}/sites/{SITE}/history?lang=en")
    assert visitor.locator(".comment-text").first.inner_text() == why
    assert visitor.locator("main img, main svg, main script").count() == 0
    map_page, _ = open_page(server, f"/?site={SITE}&lang=en")
    assert en in map_page.locator(".leaflet-popup-content").inner_text()
