"""Update the message catalogues: extract interface strings, merge them into the zh
catalogue, and compile it. Run after changing an interface string:

    python scripts/translations.py          # extract + update + compile
    python scripts/translations.py --check  # exit 1 if a string is missing a translation

msgids are English; webmap/translations/zh/LC_MESSAGES/messages.po holds the Chinese.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "webmap" / "translations" / "messages.pot"
PO = ROOT / "webmap" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )


def untranslated() -> list[str]:
    with PO.open("rb") as f:
        catalog = read_po(f)
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def main() -> int:
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_",
        "-k",
        "gettext",
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        str(POT),
        ".",
    )
    if "--check" in sys.argv:
        missing = untranslated_against(POT)
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        return 1 if missing else 0
    if PO.exists():
        pybabel("update", "-i", str(POT), "-o", str(PO), "-l", "zh", "--no-fuzzy-matching", "--ignore-obsolete")
    else:
        pybabel("init", "-i", str(POT), "-o", str(PO), "-l", "zh")
    pybabel("compile", "-d", str(ROOT / "webmap" / "translations"), "--use-fuzzy")
    missing = untranslated()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


def untranslated_against(pot: Path) -> list[str]:
    with pot.open("rb") as f:
        wanted = [m.id for m in read_po(f) if m.id]
    with PO.open("rb") as f:
        have = {m.id: m.string for m in read_po(f) if m.id and not m.fuzzy}
    return [m for m in wanted if not have.get(m)]


if __name__ == "__main__":
    sys.exit(main())
