"""The PostGIS backend (webmap/pg.py) against a real PostgreSQL + PostGIS cluster
(tests/support/pgcluster.py): what an operator and a caller notice. The same API and pages as
the data folder, the spatial index really used, imports that are all-or-nothing, clear
errors, and no 500 while the database is re-imported or gone."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely import Point
from support import DATA, PROJECT_ROOT, edit_json

from webmap.catalogue import load_catalogue
from webmap.cli import main
from webmap.geo import PointIndex
from webmap.pg import (
    META_TABLE,
    SITES_TABLE,
    DatabaseError,
    PgSpatialIndex,
    connect,
    import_data,
    load_catalogue_from_db,
    mask_url,
    status,
)
from webmap.settings import load_settings
from webmap.web.app import create_app

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
    the OGC response time stamp, per-response CSP nonces and Folium's random element ids."""
    body = body.replace(server.url, "ORIGIN").replace(server.url.replace("/", "\\/"), "ORIGIN")
    body = re.sub(r'"timeStamp": ?"[^"]*"', '"timeStamp": "T"', body)
    body = re.sub(r'nonce="[^"]*"', 'nonce="N"', body)
    return re.sub(r"[0-9a-f]{32}", "ID", body)


def db_server(serve, monkeypatch, url: str):
    monkeypatch.setenv("WEBMAP_DATABASE_URL", url)
    try:
        return serve()
    finally:
        monkeypatch.delenv("WEBMAP_DATABASE_URL")


# ---------------------------------------------------------------------------
# Same answers as the data folder


def test_db_backed_server_answers_exactly_as_the_file_backed_one(pg_url, serve, monkeypatch, catalogue):
    import_data(pg_url, DATA)
    files = serve()
    db = db_server(serve, monkeypatch, pg_url)

    located = [fid for fid, f in catalogue.features.items() if f.geometry is not None]
    unlocated = [fid for fid, f in catalogue.features.items() if f.geometry is None]
    paths = [
        "/healthz",
        "/api/layers",
        "/api/sites",
        "/api/sites?layer=heritage",
        *[f"/api/sites/{fid}" for fid in catalogue.features],
        "/api/sites/no-such-site",
        "/api/nearby?lon=113.12&lat=40.02&radius=20000",
        "/api/nearby?lon=113.12&lat=40.02&radius=100000",
        "/api/nearby?lon=0&lat=0&radius=1000",
        *[f"/api/nearby?site={fid}&radius=30000" for fid in located],
        f"/api/nearby?site={unlocated[0]}",
        "/api/search?q=yungang",
        "/api/search?q=%E4%BA%91%E5%86%88",  # 云冈
        "/api/search?q=ygsk",
        "/api/district",
        "/api/trips",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&f=json",
        "/ogc/collections/sites/items?bbox=113.10,40.00,113.15,40.05&limit=100&f=json",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&limit=2&offset=1&f=json",
        "/ogc/collections/sites/items?bbox=170,-10,-170,10&f=json",
        "/ogc/collections/heritage/items?bbox=112.5,39.5,113.5,40.5&f=json",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&f=html",
        "/",
        "/?lang=en",
        f"/sites/{located[0]}",
        f"/sites/{unlocated[0]}",
    ]
    for path in paths:
        want, got = get(files.url + path), get(db.url + path)
        # Status, content type, ETag; an OGC answer's ETag hashes its body, which names the
        # server's own URL (another port here) and a timeStamp, so only the body is compared.
        assert got[: 2 if path.startswith("/ogc") else 3] == want[: 2 if path.startswith("/ogc") else 3], path
        assert normalised(db, got[3]) == normalised(files, want[3]), path
    assert json.loads(get(db.url + "/healthz")[3])["data_version"] == catalogue.version
    assert not [line for line in db.log if "from memory" in line or "Traceback" in line]


def _synthetic(n: int, seed: int) -> gpd.GeoDataFrame:
    """Points in the district, on and next to box edges (closer than float4 precision),
    on both sides of the antimeridian, at the poles' edge, duplicates (ties) and
    unlocated rows; approximate or not at random. In 'catalogue' order."""
    rng = random.Random(seed)
    rows = []

    def add(lon, lat):
        rows.append((lon, lat))

    for _ in range(n):
        add(rng.uniform(112.9, 113.4), rng.uniform(39.8, 40.3))
    for x in (113.0, 113.3):  # edges of the box tested below, and a hair either side
        for eps in (0.0, 1e-9, -1e-9, 3e-6, -3e-6):
            add(x + eps, rng.uniform(39.9, 40.2))
            add(rng.uniform(113.0, 113.3), 39.9 + eps)
            add(rng.uniform(113.0, 113.3), 40.2 - eps)
    for _ in range(n // 4):
        add(rng.choice((-1, 1)) * rng.uniform(179.0, 180.0), rng.uniform(-2, 2))
    add(180.0, 0.0)
    add(-180.0, 0.0)
    add(113.12, 40.02)
    add(113.12, 40.02)  # same point twice: equal distances, catalogue order decides
    add(113.2, 40.1)
    add(113.2, 40.1)
    add(0.0, 89.9)
    rows += [(None, None)] * 5
    order = list(range(len(rows)))
    rng.shuffle(order)
    rows = [rows[i] for i in order]
    return gpd.GeoDataFrame(
        {
            "id": [f"p{i}" for i in range(len(rows))],
            "layer": "heritage",
            "approximate": [rng.random() < 0.3 for _ in rows],
            "geometry": [Point(x, y) if x is not None else None for x, y in rows],
        },
        geometry="geometry",
        crs="EPSG:4326",
    ).set_index("id")


def _load_rows(url: str, gdf: gpd.GeoDataFrame, version: str = "synthetic") -> None:
    """Put synthetic rows straight into the tables (after an import made them)."""
    with connect(url) as conn, conn.transaction():
        conn.execute(f"DELETE FROM {SITES_TABLE}")
        conn.execute(f"UPDATE {META_TABLE} SET value = %s WHERE key = 'version'", (version,))
        with conn.cursor().copy(f"COPY {SITES_TABLE} (id, ord, layer, doc, geom) FROM STDIN") as copy:
            for i, (fid, row) in enumerate(gdf.iterrows()):
                g = row.geometry
                ewkt = f"SRID=4326;POINT({g.x!r} {g.y!r})" if g is not None else None
                copy.write_row((fid, i, row["layer"], "{}", ewkt))
    with connect(url, autocommit=True) as conn:
        conn.execute(f"ANALYZE {SITES_TABLE}")


def _pg_index(url: str, gdf: gpd.GeoDataFrame, version: str = "synthetic") -> PgSpatialIndex:
    located = gdf[~gdf.geometry.isna()]
    # No fallback: a database problem must fail the test, not be answered from memory.
    return PgSpatialIndex(url, dict(zip(located.index, located["approximate"], strict=True)), version)


def _same_nearby(got, want, where):
    assert [n.site_id for n in got] == [n.site_id for n in want], where
    assert [n.approximate for n in got] == [n.approximate for n in want], where
    assert all(abs(a.distance_m - b.distance_m) < 0.01 for a, b in zip(got, want, strict=True)), where


def test_spatial_queries_equal_the_in_memory_index(pg_url, catalogue):
    import_data(pg_url, DATA)
    # The shipped data, through the real loader.
    db_cat = load_catalogue_from_db(pg_url, DATA)
    mem, pg = PointIndex(catalogue.sites), db_cat.index
    try:
        assert isinstance(pg, PgSpatialIndex)
        for bbox in [
            (113.0, 39.9, 113.3, 40.2),
            (112.0, 39.0, 114.0, 41.0),
            (113.1, 40.0, 113.15, 40.05),
            (0, 0, 1, 1),
        ]:
            assert sorted(pg.within_bbox(bbox)) == sorted(mem.within_bbox(bbox)), bbox
        for fid, f in catalogue.features.items():
            if f.geometry is not None:
                lon, lat = f.geometry.coordinates
                for r in (1, 5000, 100_000):
                    _same_nearby(pg.nearby(lon, lat, r, exclude=fid), mem.nearby(lon, lat, r, exclude=fid), (fid, r))
        assert pg.fallbacks == 0
    finally:
        pg.close()

    # A few hundred synthetic points, edges and the antimeridian included.
    gdf = _synthetic(300, seed=11)
    _load_rows(pg_url, gdf)
    mem, pg = PointIndex(gdf), _pg_index(pg_url, gdf)
    rng = random.Random(5)
    try:
        boxes = [
            (113.0, 39.9, 113.3, 40.2),  # points exactly on, and within 1e-9° / 3e-6° of, each edge
            (113.0, 39.9, 113.0, 40.2),  # a zero-width box: only points exactly on x = 113.0
            (170.0, -5.0, -170.0, 5.0),  # crosses the antimeridian
            (179.5, -1.0, -179.5, 1.0),
            (180.0, -1.0, 180.0, 1.0),
            (-180.0, -90.0, 180.0, 90.0),
        ]
        for _ in range(60):
            x0, y0 = rng.uniform(112.9, 113.4), rng.uniform(39.8, 40.3)
            boxes.append((x0, y0, x0 + rng.uniform(0, 0.2), y0 + rng.uniform(0, 0.2)))
        for bbox in boxes:
            got, want = pg.within_bbox(bbox), mem.within_bbox(bbox)
            assert sorted(got) == sorted(want), bbox
        located = gdf[~gdf.geometry.isna()]
        queries = [(113.12, 40.02, 5000, None), (113.2, 40.1, 3000, None), (179.99, 0.0, 50_000, None)]
        queries += [(-179.99, 0.5, 100_000, None), (180.0, 0.0, 1, None), (0.0, 89.95, 20_000, None)]
        for _ in range(60):
            fid = rng.choice(list(located.index))
            g = located.geometry[fid]
            queries.append((g.x, g.y, rng.choice((10, 500, 5000, 30_000, 100_000)), rng.choice((None, fid))))
        for lon, lat, r, exclude in queries:
            _same_nearby(pg.nearby(lon, lat, r, exclude), mem.nearby(lon, lat, r, exclude), (lon, lat, r, exclude))
        assert len(pg.nearby(113.12, 40.02, 100_000)) > 200  # the comparison is not vacuous
    finally:
        pg.close()


def test_spatial_queries_use_the_gist_indexes(pg_url):
    import_data(pg_url, DATA)
    gdf = _synthetic(20_000, seed=3)
    _load_rows(pg_url, gdf)
    with connect(pg_url, autocommit=True) as conn:
        for sql, params, index in [
            (*PgSpatialIndex.bbox_sql((113.10, 40.00, 113.15, 40.05)), "webmap_sites_geom_idx"),
            (*PgSpatialIndex.bbox_sql((179.5, -1.0, -179.5, 1.0)), "webmap_sites_geom_idx"),
            (*PgSpatialIndex.nearby_sql(113.12, 40.02, 2000, None), "webmap_sites_geog_idx"),
            (*PgSpatialIndex.nearby_sql(113.12, 40.02, 2000, "p1"), "webmap_sites_geog_idx"),
        ]:
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, params))
            assert re.search(rf"(Index Scan using|Bitmap Index Scan on) {index}", plan), plan
            assert f"Seq Scan on {SITES_TABLE}" not in plan, plan


# ---------------------------------------------------------------------------
# Import


def test_import_replaces_all_or_nothing(pg_url, data_copy, monkeypatch):
    first = import_data(pg_url, DATA)
    before = status(pg_url)
    assert before["version"] == first.version == load_catalogue(DATA).version
    assert before["sites"] == 35

    # Invalid data: refused with every problem printed, the database untouched.
    edit_json(data_copy / "sites.geojson", lambda doc: doc["features"][0]["properties"].update(layer="nope"))
    result = CliRunner().invoke(main, ["db", "import", str(data_copy), "--database-url", pg_url])
    assert result.exit_code == 1
    assert "ERROR" in result.output and "unknown layer 'nope'" in result.output
    assert "nothing imported, the database is unchanged" in result.output
    assert status(pg_url) == before

    # Valid data that fails half-way through writing: rolled back as a whole.
    edit_json(data_copy / "sites.geojson", lambda doc: doc["features"][0]["properties"].update(layer="heritage"))
    import webmap.pg

    rows, real = [], webmap.pg.Jsonb

    def failing(value):
        rows.append(value)
        if len(rows) == 20:
            raise RuntimeError("disk full")
        return real(value)

    monkeypatch.setattr(webmap.pg, "Jsonb", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_data(pg_url, data_copy)
    monkeypatch.setattr(webmap.pg, "Jsonb", real)
    assert status(pg_url) == before
    assert load_catalogue_from_db(pg_url, DATA).version == first.version

    # And a good import of the changed folder replaces everything.
    result = CliRunner().invoke(main, ["db", "import", str(data_copy)], env={"WEBMAP_DATABASE_URL": pg_url})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported 35 sites (9 located)")
    after = status(pg_url)
    assert after["version"] == load_catalogue(data_copy).version != before["version"]
    assert load_catalogue_from_db(pg_url, DATA).features["yungang-grottoes"].properties.layer == "heritage"

    result = CliRunner().invoke(main, ["db", "status", "--database-url", pg_url])
    assert result.exit_code == 0 and after["version"] in result.output


# ---------------------------------------------------------------------------
# Clear errors


def _cli(args, url, timeout=60):
    env = {**os.environ, "WEBMAP_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "webmap.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=timeout,
    )


def test_unreachable_database_is_a_clear_error_without_the_password():
    url = f"postgresql://webmap:{SECRET}@127.0.0.1:1/webmap"
    assert mask_url(url) == "postgresql://webmap:***@127.0.0.1:1/webmap"
    assert mask_url(f"postgresql:///x?host=/tmp&password={SECRET}") == "postgresql:///x?host=/tmp&password=***"
    assert mask_url(f"host=h password='{SECRET} x' dbname=d") == "host=h password=*** dbname=d"
    # The real server process: exit code, and what an operator reads.
    for bad in (url, "postgresql://[bad", f"host=127.0.0.1 port=1 password={SECRET} dbname=x"):
        proc = _cli(["serve", "--port", "0"], bad)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("Not starting: cannot connect to the database "), proc.stderr
        assert "Traceback" not in proc.stderr and SECRET not in proc.stdout + proc.stderr, proc.stderr
    assert "cannot connect to the database postgresql://webmap:***@127.0.0.1:1/webmap: " in _cli(["serve"], url).stderr
    for args in (["validate"], ["db", "import"], ["db", "status"]):
        result = CliRunner().invoke(main, args, env={"WEBMAP_DATABASE_URL": url})
        assert result.exit_code == 1, (args, result.output)
        assert "cannot connect to the database postgresql://webmap:***@127.0.0.1:1/webmap" in result.output
        assert SECRET not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    result = CliRunner().invoke(main, ["db", "import"], env={"WEBMAP_DATABASE_URL": ""})
    assert result.exit_code == 2 and "set WEBMAP_DATABASE_URL" in result.output


def test_empty_or_half_empty_database_says_to_import(pg_url):
    proc = _cli(["serve", "--port", "0"], pg_url)
    assert proc.returncode == 1
    assert "no webmap tables — run `webmap db import`" in proc.stderr and "Traceback" not in proc.stderr

    def validate():
        result = CliRunner().invoke(main, ["validate"], env={"WEBMAP_DATABASE_URL": pg_url})
        return result.exit_code, result.output

    import_data(pg_url, DATA)
    assert validate()[0] == 0
    assert validate()[1].startswith(f"OK {mask_url(pg_url)}: 35 sites")
    with connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {SITES_TABLE}")
    code, out = validate()
    assert code == 1 and f"{mask_url(pg_url)}: table webmap_sites: no sites — run `webmap db import`" in out
    # The loader's own checks run on the database's documents too, naming where each is.
    import_data(pg_url, DATA)
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM webmap_documents WHERE name = 'themes.json'")
    code, out = validate()
    assert code == 1 and "#webmap_documents/themes.json: document is missing — run `webmap db import`" in out


# ---------------------------------------------------------------------------
# Re-imports and outages while serving


def test_reimport_while_serving_never_gives_a_500(pg_url, serve, monkeypatch, data_copy):
    import_data(pg_url, DATA)
    db = db_server(serve, monkeypatch, pg_url)
    paths = [
        "/api/nearby?lon=113.12&lat=40.02&radius=30000",
        "/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&f=json",
        "/api/sites",
        "/healthz",
    ]
    first = {p: normalised(db, get(db.url + p)[3]) for p in paths}
    # The changed data moves a site and adds an id the loaded catalogue does not know.
    loaded_version = json.loads(first["/healthz"])["data_version"]

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
                code, _, _, body = get(db.url + p)
                seen.append((p, code, normalised(db, body)))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for folder in (data_copy, DATA, data_copy):
            import_data(pg_url, folder)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert seen and all(code == 200 for _, code, _ in seen), {(p, c) for p, c, _ in seen if c != 200}
    # Every answer is the loaded data's, before and after: no unknown id, no moved site.
    assert all(body == first[p] for p, _, body in seen)
    assert "brand-new-site" not in get(db.url + paths[0])[3]
    assert json.loads(get(db.url + "/healthz")[3])["data_version"] == loaded_version
    assert any("answering spatial queries from memory until it is restarted" in line for line in db.log), db.log


def test_database_gone_after_start_is_answered_from_memory(pg_cluster, pg_url, tmp_path):
    import_data(pg_url, DATA)
    app = create_app(load_settings(tiles="none", cache_dir=tmp_path / "cache", database_url=pg_url))
    client = app.test_client()
    path = "/api/nearby?lon=113.12&lat=40.02&radius=30000"
    before = client.get(path)
    assert before.status_code == 200
    index = app.extensions["webmap.catalogue"].index
    assert index.fallbacks == 0
    pg_cluster.psql("postgres", f"DROP DATABASE {pg_url.split('?')[0].rsplit('/', 1)[1]} WITH (FORCE)")
    after = client.get(path)
    assert after.status_code == 200 and after.data == before.data
    assert index.fallbacks == 1
    bbox = client.get("/ogc/collections/sites/items?bbox=113.0,39.9,113.3,40.2&f=json")
    assert bbox.status_code == 200 and bbox.json["numberMatched"] > 0
    # Without a fallback the error is ours, masked, not the driver's.
    index.close()
    bare = PgSpatialIndex(pg_url, {}, "x", timeout=0.5)
    with pytest.raises(DatabaseError, match="spatial query on postgresql://"):
        bare.within_bbox((0, 0, 1, 1))
    bare.close()
