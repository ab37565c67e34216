"""The production entry point (gunicorn 'webmap.wsgi:app')."""

from __future__ import annotations

import os
import subprocess
import sys

from support import DATA

from webmap.settings import PROJECT_ROOT


def _import_wsgi(data_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "WEBMAP_DATA_DIR": str(data_dir), "WEBMAP_TILES": "none"}
    code = (
        "import flask, webmap.wsgi as w;"
        "print(isinstance(w.app, flask.Flask), w.app.test_client().get('/healthz').status_code)"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT)


def test_wsgi_module_builds_the_app_from_the_environment():
    proc = _import_wsgi(DATA)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "200"]


def test_wsgi_module_refuses_invalid_data(data_copy):
    (data_copy / "sites.geojson").write_text("[" * 100_000)
    proc = _import_wsgi(data_copy)
    assert proc.returncode != 0
    assert "DataError" in proc.stderr and "sites.geojson" in proc.stderr


def test_nothing_imports_the_wsgi_module():
    """Importing it builds an app, so only gunicorn may import it."""
    import re

    for path in [*(PROJECT_ROOT / "webmap").rglob("*.py"), *(PROJECT_ROOT / "tests").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from\s+\S*\bwsgi\b|import\s+\S*\bwsgi\b)", text, re.M), path
