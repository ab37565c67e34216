"""A server on the database (SQLite file or PostgreSQL) against one on the data folder:
the same answers for every API, OGC and page URL; a busy server never gives a 500 while
the data is re-imported under it; an unusable database is one clear line, without the
password. (These replace the tests of the old PostGIS-only backend, webmap/pg.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

from support import DATA, PROJECT_ROOT, edit_json

from webmap.db.repository import Repository

SECRET = "s3cret-Pa55"


def get(url: str) -> tuple[int, str, str, str]:
    """(status, content type, ETag, body) without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers["Content-Type"], resp.headers.get("ETag", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.headers.get("ETag", ""), exc.read().decode()


def normalised(server, body: str) -> str:
    """The body without what legitimately differs between two servers: their address,
    the OGC time stamp, CSP nonces, Folium's random ids and the data version's name."""
    body = body.replace(server.url, "ORIGIN").replace(server.url.replace("/", "\\/"), "ORIGIN")
    body = re.sub(r'"timeStamp": ?"[^"]*"', '"timeStamp": "T"', body)
    body = re.sub(r'nonce="[^"]*"', 'nonce="N"', body)
    body = re.sub(r'"data_version": ?"[^"]*"', '"data_version": "V"', body)
    return re.sub(r"[0-9a-f]{32}", "ID", body)


def test_a_database_server_answers_exactly_as_the_file_server(db_url, serve, catalogue):
    files = serve()
    db = serve(env={"WEBMAP_DATABASE_URL": db_url})

    located = [fid for fid, f in catalogue.features.items() if f.geometry is not None]
    unlocated = [fid for fid, f in catalogue.features.items() if f.geometry is None]
    paths = [
        "/healthz",
        "/api/layers",
        "/api/sites",
        "/api/columns",
        "/api/sites?layer=heritage",
        *[f"/api/sites/{fid}" for fid in catalogue.features],
        "/api/sites/no-such-site",
        "/api/nearby?lon=113.12&lat=40.02&radius=20000",
        *[f"/api/nearby?site={fid}&radius=30000" for fid in located],
        f"/api/nearby?site={unlocated[0]}",
        "/api/search?q=yungang",
        "/api/search?q=%E4%BA%91%E5%86%88",  # 云冈
        "/api/search?q=ygsk",
        "/api/district",
        "/api/trips",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&f=json",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&limit=2&offset=1&f=json",
        "/ogc/collections/heritage/items?bbox=112.5,39.5,113.5,40.5&f=json",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&f=html",
        "/",
        "/?lang=en",
        f"/sites/{located[0]}",
        f"/sites/{unlocated[0]}",
    ]
    for path in paths:
        want, got = get(files.url + path), get(db.url + path)
        assert got[:2] == want[:2], path  # status, content type
        if path.startswith("/api/sites/") and got[0] == 200:
            # One site from the database: its ETag is its revision (what If-Match sends back).
            assert got[2] == '"1"', path
        elif path != "/healthz" and not path.startswith("/ogc") and path not in ("/", "/?lang=en"):
            # OGC ETags hash links naming the port, the map page's its whole page (the port
            # in its config, the database's suggestion link)
            assert got[2] == want[2], path  # the same ETag: the same bytes
        mine, theirs = normalised(db, got[3]), normalised(files, want[3])
        if path.startswith("/sites/"):  # the database's page adds "last updated · history" to its footer
            mine, theirs = mine.split('<footer class="source">')[0], theirs.split('<footer class="source">')[0]
        # ... and offers residents' suggestions (a read-only map has nowhere to keep them)
        suggest = r'<p class="suggest-link">.*?</p>|<script defer id="suggest-link-script"[^>]*></script>'
        mine = re.sub(suggest, "", mine)
        assert mine == theirs, path
    assert json.loads(get(db.url + "/healthz")[3])["data_version"] == "db-1"
    assert not [line for line in db.log if "Traceback" in line]


def test_reimport_while_serving_never_gives_a_500(db_url, serve, data_copy):
    db = serve(env={"WEBMAP_DATABASE_URL": db_url})
    paths = ["/api/nearby?lon=113.12&lat=40.02&radius=30000", "/api/sites", "/api/search?q=yungang", "/healthz"]

    def change(doc):
        extra = json.loads(json.dumps(doc["features"][0]))
        extra["id"] = "brand-new-site"
        doc["features"].append(extra)
        doc["features"][0]["geometry"]["coordinates"][0] += 0.001

    edit_json(data_copy / "sites.geojson", change)
    stop, seen = threading.Event(), []

    def hammer():
        while not stop.is_set():
            for p in paths:
                seen.append((p, get(db.url + p)[0]))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        repo = Repository.open(db_url, DATA)
        for folder in (data_copy, DATA, data_copy):
            repo.import_data(folder)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert seen and all(code == 200 for _, code in seen), {(p, c) for p, c in seen if c != 200}
    assert not [line for line in db.log if "Traceback" in line]


def _cli(args, url, timeout=120):
    env = {**os.environ, "WEBMAP_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "webmap.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=timeout,
    )


def test_an_unusable_database_is_a_clear_error_without_the_password(tmp_path):
    url = f"postgresql://webmap:{SECRET}@127.0.0.1:1/webmap"
    for args in (["serve", "--port", "0"], ["db", "status"]):
        proc = _cli(args, url)
        assert proc.returncode == 1, proc.stderr
        assert "postgresql://webmap:***@127.0.0.1:1/webmap" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and SECRET not in proc.stdout + proc.stderr, proc.stderr
    folder = tmp_path / "not-writable"
    folder.write_text("a file where the database's folder should be")
    proc = _cli(["serve", "--port", "0"], f"sqlite:///{folder}/webmap.sqlite3")
    assert proc.returncode == 1 and "cannot create the folder" in proc.stderr and "Traceback" not in proc.stderr
