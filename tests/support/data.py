"""The shipped data folder and the one way tests change a copy of it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from webmap.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"


def edit_json(path: Path, change: Callable[[dict], object]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
