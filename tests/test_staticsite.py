"""`webmap build`: the static copy works from file:// and from a plain static server,
with no Python app behind it (headless Chromium; no console errors, no outside requests)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import screenshot

from webmap.cli import main


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("static") / "site"
    result = CliRunner().invoke(main, ["build", str(out)], env={"WEBMAP_TILES": "none"})
    assert result.exit_code == 0, result.output
    assert "Built" in result.output
    return out


@dataclass
class StaticSite:
    """What open_page needs from a server: the URL of the copy and the origin it may load from."""

    url: str
    origin: str


@pytest.fixture
def http_site(site_dir):
    """The copy behind Python's plain static file server: no app, just files."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(site_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its request log: never read, so never let it fill a pipe
        text=True,
    )
    line = proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..."
    if "port" not in line:
        proc.kill()
        raise RuntimeError(f"static server did not start: {line}")
    port = int(line.split(" port ")[1].split()[0])
    yield StaticSite(url=f"http://127.0.0.1:{port}", origin=f"http://127.0.0.1:{port}")
    proc.terminate()
    proc.wait(timeout=10)


def test_build_writes_pages_data_and_assets(site_dir, catalogue):
    assert 'rel="canonical"' not in (site_dir / "sites" / "yungang-grottoes.html").read_text("utf-8")  # no base URL
    for rel in ("index.html", "sites/index.html", "data/sites.js", "static/map.js", "vendor/leaflet/leaflet.js"):
        assert (site_dir / rel).is_file(), rel
    assert len(list((site_dir / "sites").glob("*.html"))) == len(catalogue.features) + 1
    # No link in any page still points at the app's absolute paths.
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert 'href="/' not in html and 'src="/' not in html, page
    config = json.loads(
        (site_dir / "index.html").read_text("utf-8").split('id="webmap-config">')[1].split("</script>")[0]
    )
    assert config["sitesScript"] == "data/sites.js" and config["sitesUrl"] is None and config["staticSite"]
    # No server behind the copy: nearby is computed in the page, and there is no QR code.
    assert config["nearbyUrl"] is None and config["qrUrl"] is None
    js = (site_dir / "data/sites.js").read_text(encoding="utf-8")
    assert js.startswith("window.WEBMAP_SITES = {") and "云冈石窟" in js
    rows = list(csv.DictReader(io.StringIO((site_dir / "data/yungang-sites-all.csv").read_text("utf-8-sig"))))
    assert len(rows) == len(catalogue.features)
    assert rows[0]["url"] == f"sites/{rows[0]['id']}.html"


def test_build_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["build", str(tmp_path)], env={"WEBMAP_TILES": "none"})
    assert result.exit_code == 1 and "not empty" in result.output
    assert (tmp_path / "keep.txt").read_text() == "mine"


def _check_copy(page, site, catalogue, shot: str):
    located = {i for i, f in catalogue.features.items() if f.geometry}
    ids = set(page.locator(".site-marker").evaluate_all("els => els.map(e => e.dataset.siteId)"))
    assert ids == located
    assert page.locator("#unlocated-list li").count() == len(catalogue.features) - len(located)
    screenshot(page, shot)
    page.locator('.site-marker[data-site-id="yungang-grottoes"]').click()
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert popup.locator(".popup-title").inner_text() == "云冈石窟"
    assert page.locator('#export-links a[data-format="kml"]').get_attribute("href") == "data/yungang-sites-all.kml"
    popup.locator(".more a").click()
    page.wait_for_url("**/sites/yungang-grottoes.html")
    assert page.locator("h1").inner_text() == "云冈石窟"
    page.locator(".crumbs a", has_text="全部地点").click()
    page.wait_for_url("**/sites/index.html")
    assert page.locator(".site-list li").count() == len(catalogue.features)
    page.locator('.site-list a[href="../sites/gaotun-community.html"]').click()
    page.wait_for_url("**/sites/gaotun-community.html")
    page.locator("a", has_text="在交互地图上查看").click()  # back to the map, with the popup open
    page.wait_for_selector("body[data-state=ready]")
    assert "site=gaotun-community" in page.url
    name = catalogue.features["gaotun-community"].properties.name.zh
    assert page.locator(".leaflet-popup-content .popup-title").inner_text() == name


@pytest.mark.browser
def test_static_copy_works_from_file_urls(site_dir, open_page, catalogue):
    site = StaticSite(url=site_dir.as_uri(), origin="file://")
    page, _ = open_page(site, "/index.html")
    assert page.url.startswith("file://")
    _check_copy(page, site, catalogue, "static-file-1440x900")


@pytest.mark.browser
def test_static_copy_works_from_a_plain_static_server(http_site, open_page, catalogue):
    page, _ = open_page(http_site, "/index.html", width=390, height=844)
    _check_copy(page, http_site, catalogue, "static-http-390x844")
    # Embed mode needs no server either.
    page.goto(http_site.url + "/index.html?embed=1&layers=communities")
    page.wait_for_selector("body[data-state=ready]")
    assert page.locator(".topbar").is_hidden()
    assert set(page.locator(".site-marker").evaluate_all("els => els.map(e => e.dataset.layer)")) == {"communities"}


def test_build_with_photos_and_hostile_text(data_copy, tmp_path):
    """Photo renditions are copied and linked relatively; data text cannot break out of the
    rewritten config block or the pages."""
    from PIL import Image
    from support import edit_json

    payload = "<img src=x onerror=alert(1)>\"'`${alert(2)}`</script><script>alert(3)</script>{{7*7}}"

    Image.new("RGB", (1200, 800), (180, 120, 60)).save(data_copy / "photos" / "grottoes-test.jpg")

    def change(doc):
        f = next(x for x in doc["features"] if x["id"] == "yungang-grottoes")
        f["properties"]["photos"] = [
            {
                "file": "grottoes-test.jpg",
                "caption": {"zh": "石窟", "en": "Caves"},
                "credit": {"zh": "测试", "en": "Test"},
            }
        ]
        f["properties"]["name"]["zh"] += payload

    edit_json(data_copy / "sites.geojson", change)
    edit_json(data_copy / "layers.json", lambda d: d["layers"][0]["name"].update(zh=payload))
    out = tmp_path / "site"
    env = {"WEBMAP_TILES": "none", "WEBMAP_DATA_DIR": str(data_copy), "WEBMAP_CACHE_DIR": str(tmp_path / "cache")}
    result = CliRunner().invoke(main, ["build", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 photo(s)" in result.output
    for size, longest in (("thumb", 480), ("full", 1200)):
        with Image.open(out / "photos" / size / "grottoes-test.jpg") as img:
            assert max(img.size) == longest
    page = (out / "sites" / "yungang-grottoes.html").read_text("utf-8")
    assert 'src="../photos/thumb/grottoes-test.jpg"' in page
    assert "<script>alert(3)</script>" not in page
    index = (out / "index.html").read_text("utf-8")
    block = index.split('id="webmap-config">')[1].split("</script>")[0]
    assert json.loads(block)["layers"][0]["name"]["zh"] == payload  # intact as data...
    assert "<" not in block  # ...and unable to close the script element


def test_base_url_gives_canonical_links_and_absolute_export_urls(tmp_path):
    out = tmp_path / "site"
    args = ["build", str(out), "--base-url", "https://example.org/map"]
    result = CliRunner().invoke(main, args, env={"WEBMAP_TILES": "none"})
    assert result.exit_code == 0, result.output
    page = (out / "sites" / "yungang-grottoes.html").read_text("utf-8")
    assert '<link rel="canonical" href="https://example.org/map/sites/yungang-grottoes.html">' in page
    assert re.search(r'href="\.\./static/app\.css\?v=[0-9a-f]+"', page)  # other links stay relative
    rows = list(csv.DictReader(io.StringIO((out / "data/yungang-sites-all.csv").read_text("utf-8-sig"))))
    assert rows[0]["url"] == f"https://example.org/map/sites/{rows[0]['id']}.html"
