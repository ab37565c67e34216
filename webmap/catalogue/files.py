"""Reading the data documents: file names, the strict JSON reader, and ``Source`` (the
data folder, or a database that serves the same documents). No Flask here."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..problems import DataError, Problem
from ..trips.data import TRIPS_FILE

SITES_FILE = "sites.geojson"
LAYERS_FILE = "layers.json"
THEMES_FILE = "themes.json"
BOUNDARY_FILE = "boundary.geojson"
DISTRICT_FILE = "district.json"
PHOTOS_DIR = "photos"
DOCUMENTS = (LAYERS_FILE, THEMES_FILE, BOUNDARY_FILE, SITES_FILE, DISTRICT_FILE, TRIPS_FILE)

# Files larger than this are refused before parsing. The shipped sites file is ~100 KB; a
# district-scale catalogue is far larger: 300,000 synthetic sites are 181 MB, and 100,000
# sites written as fully as the shipped ones (2.6 KB each) about 260 MB. The limit is a
# guard against a runaway or hostile file, not a size budget: memory (about 13x the file
# while loading, docs/scale.md) is what bounds a replica.
MAX_FILE_BYTES = 512 * 1024 * 1024


class Source(Protocol):
    """Where the data documents come from: the data folder, or the database's documents (webmap.db).

    ``read`` returns one document parsed (as ``read_json`` would) or raises ``DataError``;
    ``where`` names it in problems; ``digest`` identifies this version of all of them."""

    def where(self, name: str) -> str: ...

    def read(self, name: str) -> Any: ...

    def digest(self) -> str: ...


@dataclass(frozen=True)
class FileSource:
    """The data folder: one JSON file per document."""

    data_dir: Path
    max_bytes: int = MAX_FILE_BYTES

    def where(self, name: str) -> str:
        return str(self.data_dir / name)

    def read(self, name: str) -> Any:
        return read_json(self.data_dir / name, self.max_bytes)

    def digest(self) -> str:
        digest = hashlib.sha256()
        for name in DOCUMENTS:
            digest.update((self.data_dir / name).read_bytes())
        return digest.hexdigest()[:16]


def read_or_note(source: Source, name: str, problems: list[Problem]) -> Any:
    """``source.read(name)``, or ``None`` with its problems added to ``problems``."""
    try:
        return source.read(name)
    except DataError as exc:
        problems.extend(exc.problems)
        return None


def read_json(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Parse JSON strictly: no NaN/Infinity, no duplicate keys, bounded size.

    Raises ``DataError`` naming the file (and line/column for syntax errors)."""
    name = str(path)
    if not path.is_file():
        raise DataError([Problem(name, None, None, "file is missing")])
    size = path.stat().st_size
    too_big = f"file is {{}} bytes; the limit is {max_bytes}"
    if size > max_bytes:
        raise DataError([Problem(name, None, None, too_big.format(size))])

    try:
        # Read in chunks (read(n) would allocate n bytes up front) and stop past the limit:
        # the file may have grown since stat().
        chunks, total = [], 0
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                chunks.append(chunk)
                total += len(chunk)
                if total > max_bytes:
                    raise DataError([Problem(name, None, None, too_big.format(f"more than {max_bytes}"))])
        raw = b"".join(chunks)
        del chunks  # at 100,000 sites each copy of the file is tens of megabytes
        return parse_json(raw)
    except JsonError as exc:
        raise DataError([Problem(name, None, None, str(exc))]) from None


class JsonError(ValueError):
    """Text that is not strict JSON; the message says what and where."""


def _no_constants(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        dup = [k for k, n in Counter(k for k, _ in pairs).items() if n > 1]
        raise ValueError(f"duplicate key {dup[0]!r} in one object")
    return obj


def parse_json(data: str | bytes, *, constants: bool = False) -> Any:
    """The one strict JSON parser, for data files and request bodies alike: UTF-8, no
    NaN/Infinity, no duplicate keys, no integer over Python's 4,300 digits, no nesting deep
    enough for a ``RecursionError``. Raises ``JsonError``. ``constants=True`` lets NaN and
    ±Infinity through for a caller whose model refuses them with the field named."""
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        return json.loads(data, parse_constant=float if constants else _no_constants, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except (ValueError, RecursionError) as exc:
        msg = f"invalid JSON: {exc if isinstance(exc, ValueError) else 'nested too deeply'}"
    raise JsonError(msg)
