"""One public origin: WEBMAP_PUBLIC_URL is what every absolute URL uses (OGC links,
canonical links, export URL columns, ICS, the itinerary's QR code, /qr.svg); a request
naming a host that is not allowed is a 400; X-Forwarded-* count only from trusted proxies."""

from __future__ import annotations

import csv
import io

import pytest

from webmap.settings import SettingsError, load_settings
from webmap.web.app import create_app

PUBLIC = "https://map.example.org"
TRIP = "trip=gaotun-party-branch-site,yungang-grottoes&date=2026-06-01"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def make(tmp_path):
    def build(**kw):
        return create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", **kw)).test_client()

    return build


def _all_absolute_urls(client, host: str) -> dict[str, str]:
    """The text of every answer that carries absolute URLs, fetched with this Host."""
    h = {"Host": host}
    out = {
        "ogc": client.get("/ogc/collections", headers=h).get_data(as_text=True),
        "items": client.get("/ogc/collections/sites/items?limit=2", headers=h).get_data(as_text=True),
        "site": client.get("/sites/yungang-grottoes", headers=h).get_data(as_text=True),
        "csv": client.get("/api/export.csv", headers=h).get_data(as_text=True),
        "ics": client.get(f"/api/trips/export.ics?{TRIP}", headers=h).get_data(as_text=True).replace("\r\n ", ""),
        "trip": client.get(f"/trip?{TRIP}", headers=h).get_data(as_text=True),
        "map": client.get("/", headers=h).get_data(as_text=True),
    }
    return out


@pytest.mark.parametrize("path", ["/api/sites", "/", "/ogc/collections", "/sites/yungang-grottoes", "/qr.svg"])
def test_a_host_that_is_not_allowed_is_a_400(make, path):
    client = make()
    resp = client.get(path, headers=FORGED)
    assert resp.status_code == 400
    assert b"evil.example" not in resp.data
    if path.startswith("/api/"):
        assert resp.get_json()["error"]["status"] == 400
    # The allowed local names still answer.
    assert client.get("/healthz", headers={"Host": "bad host!"}).status_code == 400
    for host in ("localhost", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_a_refused_host_is_explained_in_the_visitor_language(make):
    client = make()
    zh = client.get("/?lang=zh", headers=FORGED).get_data(as_text=True)
    en = client.get("/?lang=en", headers=FORGED).get_data(as_text=True)
    assert "请从地图的常用链接打开" in zh and "Host" not in zh
    assert "Please open the map from its usual link" in en


def test_every_absolute_url_uses_the_public_url(make):
    client = make(public_url=PUBLIC + "/", allowed_hosts="map.example.org,internal.lan")
    for name, text in _all_absolute_urls(client, "internal.lan").items():
        assert "internal.lan" not in text and "localhost" not in text, name
        if name != "map":
            assert PUBLIC + "/" in text, name
    rows = list(csv.DictReader(io.StringIO(client.get("/api/export.csv", headers={"Host": "internal.lan"}).text)))
    url_column = next(k for k in rows[0] if rows[0][k].startswith("http"))
    assert all(r[url_column].startswith(PUBLIC + "/sites/") for r in rows)
    # The public URL's host alone is the default list.
    assert make(public_url=PUBLIC).get("/healthz", headers={"Host": "localhost"}).status_code == 400


def test_a_forwarded_host_never_changes_a_url(make):
    for client in (make(), make(trusted_proxies=1)):
        page = client.get("/sites/yungang-grottoes", headers={"X-Forwarded-Host": "evil.example"}).text
        assert "evil.example" not in page and 'href="http://localhost/sites/yungang-grottoes"' in page


def test_forwarded_proto_counts_only_from_a_trusted_proxy(make):
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert 'href="http://localhost/sites/' in make().get("/sites/yungang-grottoes", headers=h).text
    assert 'href="https://localhost/sites/' in make(trusted_proxies=1).get("/sites/yungang-grottoes", headers=h).text


def test_qr_svg_is_for_the_public_url_and_cacheable_only_then(make):
    public = make(public_url=PUBLIC, allowed_hosts="map.example.org,internal.lan")
    ok = public.get(
        "/qr.svg", query_string={"url": PUBLIC + "/?site=yungang-grottoes"}, headers={"Host": "internal.lan"}
    )
    assert ok.status_code == 200 and "public" in ok.headers["Cache-Control"]
    for other in ("http://internal.lan/?site=x", "https://map.example.org.evil.example/"):
        assert public.get("/qr.svg", query_string={"url": other}, headers={"Host": "internal.lan"}).status_code == 400
    # Without a public URL the QR follows the request's host: no cache may keep it.
    local = make().get("/qr.svg", query_string={"url": "http://localhost/?site=x"})
    assert local.status_code == 200
    assert "public" not in local.headers["Cache-Control"] and "no-store" in local.headers["Cache-Control"]


def test_the_map_page_shares_the_public_url(make):
    page = make(public_url=PUBLIC, allowed_hosts="*").get("/", headers={"Host": "anything.lan"}).text
    assert f'"shareUrl": "{PUBLIC}/"' in page


@pytest.mark.parametrize(
    "kw",
    [
        {"public_url": "map.example.org"},
        {"public_url": "ftp://map.example.org"},
        {"public_url": "https://map.example.org/?x=1"},
        {"public_url": "https://user:pw@map.example.org"},
        {"allowed_hosts": "https://map.example.org"},
        {"allowed_hosts": "map.example.org:443"},
        {"trusted_proxies": -1},
    ],
)
def test_bad_values_are_refused_naming_the_setting(kw):
    with pytest.raises(SettingsError, match="WEBMAP_" + next(iter(kw)).upper()):
        load_settings(**kw)
