"""kill -9 in the middle of a save: a real process is stopped inside the write
transaction (webmap.db.repository.PAUSE_ENV makes it wait there) and killed. The
previous revision is what everyone sees afterwards, nothing half-written, and the
database takes the next write at once."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time

from support import DATA, PROJECT_ROOT

from webmap.db.repository import PAUSE_ENV, Repository

SITE = "yungang-grottoes"

SAVE = """
import copy, sys
from webmap.db.repository import Repository
repo = Repository.open(sys.argv[1], sys.argv[2])
f = copy.deepcopy(repo.site(sys.argv[3]).feature)
f["properties"]["name"]["en"] = "Half-saved name"
repo.save(sys.argv[3], f, author="crash", comment="killed mid-save", expected_revision=1, publish=True)
"""


def test_kill_9_inside_the_save_transaction_keeps_the_previous_revision(db_url, tmp_path):
    repo = Repository.open(db_url, DATA)
    repo.init(DATA)
    before = repo.site(SITE)
    flag = tmp_path / "pause"
    env = {**os.environ, PAUSE_ENV: str(flag), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SAVE, db_url, str(DATA), SITE], env=env, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "pause.ready").exists():
            assert proc.poll() is None, "the saving process ended before reaching the transaction"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # It has written the site row, the revision and the new version, uncommitted.
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()

    after = Repository.open(db_url, DATA)
    assert after.site(SITE) == before
    assert [r.n for r in after.history(SITE)] == [1]
    assert after.version() == 1 and after.changes_since(1) == (1, [])
    assert after.load_catalogue().features[SITE].properties.name.en == "Yungang Grottoes"
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    # No lock left behind: the next save goes through at once.
    f = copy.deepcopy(before.feature)
    f["properties"]["name"]["en"] = "Saved name"
    rev = after.save(SITE, f, author="ana", comment="after the crash", expected_revision=1, publish=True)
    assert rev.n == 2 and after.site(SITE).feature["properties"]["name"]["en"] == "Saved name"
