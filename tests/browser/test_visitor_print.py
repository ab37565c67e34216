"""The printable itinerary: a break can be added (URL ``pause=stop:minutes``), and a
5-stop trip prints on one or two A4 pages without half-empty pages. Every test here also
fails on console errors, dialogs and outside requests."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.browser

FIVE = [
    "yungang-grottoes",
    "red-memorial-hall",
    "gaoshan-town-countryside",
    "gaotun-community",
    "pingquanlu-subdistrict",
]


def test_a_lunch_break_is_on_the_itinerary_and_moves_the_times(server, open_page):
    q = "trip=yungang-grottoes,red-memorial-hall&start=09:00&visit=yungang-grottoes:120&pause=yungang-grottoes:60"
    page, _ = open_page(server, "/trip?" + q, wait_ready=False)
    page.wait_for_selector(".itinerary")
    row = page.locator("table.schedule tr[data-kind=pause]")
    assert row.count() == 1
    assert "休息" in row.inner_text() and "11:00" in row.inner_text() and "12:00" in row.inner_text()
    # The next stop is reached after the break, not before.
    arrive = page.locator("table.schedule tbody tr").nth(2).locator("td").nth(2).inner_text()
    assert arrive > "12:00"
    assert "pause=yungang-grottoes:60" in page.locator(".online-url").inner_text()


def test_five_stops_print_on_one_or_two_a4_pages(server, open_page, catalogue):
    q = "trip=" + ",".join(FIVE) + "&start=08:30&pause=red-memorial-hall:60"
    page, _ = open_page(server, "/trip?" + q, wait_ready=False)
    page.wait_for_selector(".itinerary")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert 1 <= len(pdf.pages) <= 2, f"{len(pdf.pages)} A4 pages"

    def flat(t: str) -> str:  # PDF text may use CJK radical code points (⽅ for 方)
        return "".join(unicodedata.normalize("NFKC", t).split())

    text = flat("".join(p.extract_text() for p in pdf.pages))
    for sid in FIVE:
        assert flat(catalogue.features[sid].properties.name.zh) in text
