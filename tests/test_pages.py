"""Server-rendered pages: each site's page works without JavaScript."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = 0
        self.meta = {}
        self.chunks = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content")

    def handle_data(self, data):
        self.chunks.append(data)


def _parse(resp):
    parser = _Text()
    parser.feed(resp.get_data(as_text=True))
    return parser, " ".join(parser.chunks)


def test_every_site_has_a_page_without_scripts(client, catalogue):
    for fid, f in catalogue.features.items():
        p = f.properties
        for lang, other in (("zh", "en"), ("en", "zh")):
            resp = client.get(f"/sites/{fid}?lang={lang}")
            assert resp.status_code == 200, fid
            parser, text = _parse(resp)
            assert parser.scripts == 0, "site pages must work without JavaScript"
            assert getattr(p.name, lang) in text and getattr(p.name, other) in text  # title and subtitle
            assert getattr(p.details, lang) in text
            assert parser.meta["description"] == getattr(p.summary, lang)
            for fact in p.facts:
                # The figure digit for digit (English pages group thousands: 1,197).
                assert fact.value in text.replace(",", "") and getattr(fact.label, lang) in text
            for photo in p.photos:
                assert getattr(photo.caption, lang) in text
            assert getattr(p.article_section, lang) in text
        _, zh_text = _parse(client.get(f"/sites/{fid}"))
        if f.geometry is None:
            assert "位置待确认" in zh_text
        elif p.location.approximate:
            assert "近似位置" in zh_text


def test_site_page_language_follows_the_link(client):
    zh = client.get("/sites/yungang-grottoes").get_data(as_text=True)
    en = client.get("/sites/yungang-grottoes?lang=en").get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "全部地点" in zh and "All places" in en
    assert 'hreflang="en"' in zh


def test_site_page_has_a_small_map_with_the_place(client):
    html = client.get("/sites/red-memorial-hall").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'class="locator-district"' in svg
    assert 'class="locator-area"' in svg  # approximate: its uncertainty is drawn
    assert 'class="locator-point"' in svg
    exact = client.get("/sites/yungang-grottoes").get_data(as_text=True)
    assert 'class="locator-area"' not in exact and 'class="locator-point"' in exact
    unlocated = client.get("/sites/shilihe-forest-park").get_data(as_text=True)
    assert 'class="locator-point"' not in unlocated


def test_site_index_lists_every_site(client, catalogue):
    _, text = _parse(client.get("/sites/"))
    for f in catalogue.features.values():
        assert f.properties.name.zh in text


def test_unknown_site_is_a_404_page(client):
    resp = client.get("/sites/atlantis")
    assert resp.status_code == 404
    assert "atlantis" in resp.get_data(as_text=True) and resp.mimetype == "text/html"


def test_map_page_loads_only_local_assets(client):
    html = client.get("/").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "#", "?")) for s in sources), sources
    assert "cdn" not in html.lower()
