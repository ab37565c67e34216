"""Every interface string has a Chinese translation, and the compiled catalogue is current."""

from __future__ import annotations

import subprocess
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from support import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "webmap" / "translations"


def test_every_interface_string_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    missing = sorted(m for m in wanted if not compiled.get(m))
    assert not missing, f"untranslated (run python scripts/translations.py): {missing}"
    assert len(wanted) > 50


def test_interface_language_follows_lang(client):
    zh = client.get("/").get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and "云冈区地图" in zh and "筛选" in zh
    assert '<html lang="en">' in en and "Yungang District Map" in en and "Filters" in en
    assert "筛选" not in en
    # An unknown language falls back to Chinese rather than failing.
    assert '<html lang="zh-CN">' in client.get("/?lang=fr").get_data(as_text=True)
