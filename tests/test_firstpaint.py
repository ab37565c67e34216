"""The map page's first paint (issue 17): the sites in the page while the catalogue is
small, the page kept per data version (ETag, 304, the same bytes in every process), and
static URLs browsers keep for good."""

from __future__ import annotations

import gzip
import json
import re
import shutil

import pytest
from support import DATA
from support.synthetic import add_synthetic_sites
from support.xss_corpus import make_hostile_dataset

from webmap.settings import PROJECT_ROOT, load_settings
from webmap.web import pages
from webmap.web.app import create_app

_SITES = re.compile(r'<script type="application/json" id="webmap-sites">(.*?)</script>', re.S)
_PRELOAD = re.compile(r'<link rel="preload" href="(/api/[a-z]+)"')


def _app(tmp_path, data=DATA, **kw):
    return create_app(load_settings(data_dir=data, tiles="none", cache_dir=tmp_path / "cache", **kw))


def _inline(html: str):
    m = _SITES.findall(html)
    assert len(m) <= 1
    return m[0] if m else None


def test_the_shipped_map_page_carries_what_it_would_fetch(client):
    html = client.get("/").get_data(as_text=True)
    block = _inline(html)
    assert block is not None, "33 sites are few enough to come with the page"
    assert json.loads(block) == client.get("/api/sites").get_json()  # config.sitesUrl, to the byte's meaning
    assert not _PRELOAD.search(html), "nothing to preload: the sites are in the page"


def test_in_cluster_mode_the_page_carries_the_compact_columns(tmp_path):
    client = _app(tmp_path, cluster_at=1).test_client()
    block = _inline(client.get("/").get_data(as_text=True))
    assert json.loads(block) == client.get("/api/columns").get_json()


@pytest.mark.parametrize("limit", ["INLINE_MAX_SITES", "INLINE_MAX_BYTES"])
def test_over_a_limit_the_page_fetches_the_sites(client, monkeypatch, limit):
    monkeypatch.setattr(pages, limit, 10)
    html = client.get("/?lang=en").get_data(as_text=True)
    assert _inline(html) is None
    assert _PRELOAD.search(html)[1] == "/api/sites"


def test_a_large_synthetic_catalogue_is_fetched_not_inlined(tmp_path):
    data = add_synthetic_sites(DATA, tmp_path / "big", pages.INLINE_MAX_SITES + 1)
    html = _app(tmp_path, data).test_client().get("/").get_data(as_text=True)
    assert _inline(html) is None
    assert _PRELOAD.search(html)[1] == "/api/columns"


def test_hostile_text_cannot_end_the_sites_script(tmp_path):
    data = tmp_path / "hostile"
    make_hostile_dataset(DATA, data)
    client = _app(tmp_path, data).test_client()
    html = client.get("/").get_data(as_text=True)
    block = _inline(html)
    assert block is not None
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in block, bad
    assert json.loads(block) == client.get("/api/sites").get_json()  # escaped, not changed
    # The page has exactly the scripts we wrote: no payload opened or closed one.
    assert len(re.findall(r"<script\b", html)) == len(re.findall(r"</script>", html))


def test_script_json_escapes_what_ends_or_confuses_a_script_element():
    text = json.dumps({"name": "</script><!-- x ]]> & \u2028\u2029 'q'"}, ensure_ascii=False)
    safe = pages.script_json(text)
    assert not re.search(r"[<>&\u2028\u2029]", safe)
    assert json.loads(safe) == json.loads(text)


def test_the_page_is_kept_and_revalidated_with_its_etag(client):
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"], "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and not again.get_data()
    # The 304 names the same inline code as the page the browser keeps.
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    plain = client.get("/")
    assert plain.get_data() == gzip.decompress(first.get_data())
    assert plain.headers["ETag"] != first.headers["ETag"], "one validator per encoding"
    # Each language and the embedded map are pages of their own.
    etags = {client.get(p).headers["ETag"] for p in ("/", "/?lang=en", "/?embed=1")}
    assert len(etags) == 3


def test_two_app_instances_render_the_same_bytes(tmp_path):
    a = _app(tmp_path / "a").test_client().get("/?lang=en")
    b = _app(tmp_path / "b").test_client().get("/?lang=en")
    assert a.get_data() == b.get_data(), "Folium's element ids must not be random"
    assert a.headers["ETag"] == b.headers["ETag"]


def test_versioned_static_and_vendor_urls_are_kept_for_good(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/(?:static|vendor|bundle)/[^"?]+\?v=[0-9a-f]+)"', html)
    assert any(u.startswith("/vendor/leaflet/leaflet.js") for u in urls)
    assert any(u.startswith("/bundle/first.js") for u in urls) and any(u.startswith("/static/app.css") for u in urls)
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "immutable" in resp.headers["Cache-Control"] and "max-age=31536000" in resp.headers["Cache-Control"]
    # Without a version, or with an old one, the browser asks again: never kept for good.
    old = ("/static/map.js", "/static/map.js?v=000000000000", "/vendor/leaflet/leaflet.js?v=0", "/bundle/first.js?v=0")
    for url in old:
        resp = client.get(url)
        assert resp.status_code == 200 and "immutable" not in resp.headers.get("Cache-Control", ""), url


def test_a_bounded_number_of_pages_is_kept(client, app, monkeypatch):
    # Each allowed Host (and port; any Host without WEBMAP_ALLOWED_HOSTS) has its page.
    monkeypatch.setattr(pages, "MAX_KEPT_PAGES", 2)
    for host in ("localhost", "localhost:8001", "localhost:8002", "127.0.0.1:8003"):
        resp = client.get("/", headers={"Host": host})
        assert resp.status_code == 200 and f"http://{host}/" in resp.get_data(as_text=True)
    assert sum(1 for k in app.extensions["webmap.map_parts"] if k[0] == "page") == 2


def test_the_first_bundle_is_the_first_scripts_in_order_and_follows_an_edit(client, tmp_path, monkeypatch):
    from webmap.web import bundle

    body = client.get("/bundle/first.js").get_data(as_text=True)
    starts = [body.index(f"/* ---- {name} ---- */") for name in bundle.FIRST]
    assert starts == sorted(starts)  # every file, in load order
    for name in bundle.FIRST:
        assert (PROJECT_ROOT / "static" / name).read_text(encoding="utf-8") in body
    assert client.get("/bundle/nope.js").status_code == 404
    # A changed script is a new bundle at a new URL (a page rendered later names it).
    static = tmp_path / "static"
    shutil.copytree(PROJECT_ROOT / "static", static)
    monkeypatch.setattr(client.application, "static_folder", str(static))
    with client.application.test_request_context():
        before = bundle.bundle_url("first")
        (static / "map.js").write_text((static / "map.js").read_text(encoding="utf-8") + "\n// edited\n")
        after = bundle.bundle_url("first")
    assert before != after and "// edited" in client.get(after).get_data(as_text=True)
