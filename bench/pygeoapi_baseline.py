"""pygeoapi as a baseline: the same sites.geojson behind its OGC API - Features items endpoint.

pygeoapi pins its own versions of Flask, pydantic, shapely..., so it lives in a venv of its
own (bench/.venv-pygeoapi, git-ignored), made on first use with pip. The measurement runs
in a subprocess with that venv's python (bench/pygeoapi_child.py); this module only writes
the config and the OpenAPI document pygeoapi needs, and reads the child's JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("WEBMAP_BENCH_PYGEOAPI_VENV", HERE / ".venv-pygeoapi"))
# The config below is written for this version (its `limits` block and metadata keys);
# override with WEBMAP_BENCH_PYGEOAPI="pygeoapi==x.y.z" to try another.
REQUIREMENT = os.environ.get("WEBMAP_BENCH_PYGEOAPI", "pygeoapi==0.21.0")
MAX_ITEMS = 1_000_000
QUERIES = {
    # Same bbox and page size as our OGC items query in bench/scale.py.
    "bbox": "/collections/sites/items?bbox=113.10,40.00,113.15,40.05&limit=100&f=json",
    # The nearest equivalent of /api/sites?layer=heritage: a property filter, every match.
    "layer": f"/collections/sites/items?layer=heritage&limit={MAX_ITEMS}&f=json",
}


class PygeoapiError(RuntimeError):
    pass


def _base_python() -> str:
    """A Python whose sqlite3 can load extensions (pygeoapi's SQLite/GeoPackage provider loads
    SpatiaLite): this one if it can, else Debian's. pyenv builds often cannot."""
    import sqlite3

    if hasattr(sqlite3.Connection, "enable_load_extension") or not Path("/usr/bin/python3").exists():
        return sys.executable
    return "/usr/bin/python3"


def ensure_venv(log=print) -> Path:
    """The venv's python, creating the venv and installing pygeoapi if needed."""
    python = VENV / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import pygeoapi"], capture_output=True).returncode == 0:
        return python
    log(f"bench: installing {REQUIREMENT} into {VENV} (once; about a minute)")
    steps = [
        [_base_python(), "-m", "venv", str(VENV)],
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(python), "-m", "pip", "install", "--quiet", REQUIREMENT],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise PygeoapiError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return python


def write_config(data_dir: Path, workdir: Path) -> tuple[Path, Path]:
    """pygeoapi config + OpenAPI document for one collection, `sites`, on data_dir/sites.geojson."""
    boundary = json.loads((data_dir / "boundary.geojson").read_text())["features"][0]["geometry"]
    xs = [c[0] for ring in _rings(boundary) for c in ring]
    ys = [c[1] for ring in _rings(boundary) for c in ring]
    local = "http://127.0.0.1:5000"
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5000},
            "url": local,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": MAX_ITEMS},
            "map": {"url": local + "/{z}/{x}/{y}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench/scale.py baseline",
                "keywords": ["bench"],
                "url": local,
                "terms_of_service": local,
            },
            "license": {"name": "none", "url": local},
            "provider": {"name": "bench"},
            "contact": {"name": "bench", "url": local},
        },
        "resources": {
            "sites": {
                "type": "collection",
                "title": "sites",
                "description": "the bench's synthetic sites",
                "keywords": ["sites"],
                "extents": {
                    "spatial": {
                        "bbox": [min(xs), min(ys), max(xs), max(ys)],
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {"type": "feature", "name": "GeoJSON", "data": str(data_dir / "sites.geojson"), "id_field": "id"}
                ],
            }
        },
    }
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "pygeoapi-config.yml"
    cfg.write_text(json.dumps(config, indent=1))  # JSON is YAML, and needs no YAML writer here
    openapi = workdir / "pygeoapi-openapi.yml"
    return cfg, openapi


def measure(data_dir: Path, workdir: Path, log=print) -> dict:
    python = ensure_venv(log)
    cfg, openapi = write_config(data_dir, workdir)
    # PYTHONUTF8: the GeoJSON provider opens the file without an encoding (locale default).
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi), "PYTHONUTF8": "1"}
    env.pop("PYTHONPATH", None)
    gen = subprocess.run(
        [str(python.parent / "pygeoapi"), "openapi", "generate", str(cfg), "-f", "yaml", "-of", str(openapi)],
        capture_output=True,
        text=True,
        env=env,
    )
    if gen.returncode != 0 or not openapi.exists():
        raise PygeoapiError(f"pygeoapi openapi generate failed:\n{gen.stdout[-2000:]}{gen.stderr[-2000:]}")
    run = subprocess.run(
        [str(python), str(HERE / "pygeoapi_child.py"), json.dumps(QUERIES)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
    )
    if run.returncode != 0:
        raise PygeoapiError(f"pygeoapi measurement failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
