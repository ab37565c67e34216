"""`webmap validate` and `webmap serve` as an operator uses them."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

from click.testing import CliRunner
from support import DATA, PROJECT_ROOT, edit_json

from webmap.cli import main


def test_validate_shipped_data_prints_summary():
    result = CliRunner().invoke(main, ["validate", str(DATA)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {DATA}:")
    assert "heritage" in result.output and "located" in result.output


def test_validate_prints_every_problem_and_exits_1(data_copy):
    def change(doc):
        doc["features"][0]["properties"]["layer"] = "nope"
        doc["features"][2]["properties"]["name"].pop("zh")

    edit_json(data_copy / "sites.geojson", change)
    result = CliRunner().invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR ")]
    assert len(errors) == 2
    assert "unknown layer 'nope'" in errors[0] and "properties.name.zh" in errors[1]
    assert "2 problem(s) found" in result.output


def test_bad_setting_is_named():
    result = CliRunner().invoke(main, ["validate"], env={"WEBMAP_TILES": "googlemaps"})
    assert result.exit_code == 2
    assert "WEBMAP_TILES" in result.output


def _serve(data_dir, *args):
    env = {**os.environ, "WEBMAP_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "webmap.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )


def test_serve_refuses_invalid_data_and_says_why(data_copy):
    edit_json(data_copy / "layers.json", lambda doc: doc["layers"].pop())
    proc = _serve(data_copy)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Not starting" in err and "unknown layer" in err and "sites.geojson" in err


def test_serve_port_0_prints_a_working_url():
    proc = _serve(DATA)
    try:
        line = proc.stdout.readline()
        url = line.strip().split()[-1]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
        with urllib.request.urlopen(url + "healthz", timeout=10) as resp:
            assert resp.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
