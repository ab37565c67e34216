"""Search in Chinese, pinyin (full or initials) and English.

The index is built once, when the catalogue loads. Every searchable text (a "row": one
field of one site) is folded, romanised and appended to three long strings (folded text,
full pinyin, pinyin initials) with a NUL between rows, so a query is a few regular
expression scans in C rather than a Python loop over every field; offsets map a match
back to its row. What follows (scores, the best row per site, the order) is done on numpy
arrays, and a ``Hit`` is made only for the hits read (a page), so an answer of 50,000 sites
costs milliseconds, not a Python loop per match. Each hit carries the field it matched and
the character span in that field's original text, so the page can highlight "云冈" when
someone typed "yungang".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pypinyin import lazy_pinyin

from .schema import SiteFeature

MAX_QUERY = 100
# Kept answers, counted in hits: about 18 MB at most (a kept hit is five numbers).
CACHED_HITS = 500_000

# Where a match counts most: names, then summaries, then facts and details.
FIELD_WEIGHT = {"name": 100, "summary": 40, "facts": 30, "details": 20}
# Pinyin and initials are indexed for names and summaries only. In long texts two or
# three initials match almost anywhere ("gf" in every paragraph about 光伏 or 规范), and
# the romanised details of 100,000 sites would take more memory than everything else.
PINYIN_MIN_WEIGHT = FIELD_WEIGHT["summary"]


@dataclass(frozen=True)
class Hit:
    site_id: str
    score: float
    field: str
    start: int
    end: int


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    f = unicodedata.normalize("NFKC", ch).lower()
    return f if len(f) == 1 else ch.lower()[:1] or ch


def fold(text: str) -> str:
    """Case- and width-insensitive form that keeps one character per input character."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


def normalise_query(q: str) -> str:
    return fold(q.strip()).replace(SEP, "")


SEP = "\x00"  # between rows in the corpora; never part of a query
_REST_OF_ROW = f"[^{SEP}]*"  # a match takes the rest of its row: one match per row
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


@lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> tuple[str | None, ...]:
    """Pinyin of one run of Han characters, one syllable (or None) per character.

    pypinyin segments words inside a run of Han characters (多音字 by context), so
    romanising run by run gives the same result as the whole text, and repeated runs
    (place-name parts, common words) are romanised once."""
    out: list[str | None] = []
    for item in lazy_pinyin(run, errors=lambda chars: [None] * len(chars)):
        out.append(item.lower() if item and item.isascii() else None)
    return tuple(out) if len(out) == len(run) else tuple([None] * len(run))


def _pinyin(text: str) -> tuple[str, list[int], str, list[int]]:
    """Full pinyin and initials of ``text``, each with a map back to source characters.
    Only Han characters are romanised."""
    full, fmap, init, imap = [], [], [], []
    for m in _HAN_RUN.finditer(text):
        for k, syllable in enumerate(_run_pinyin(m.group())):
            if syllable:
                pos = m.start() + k
                full.append(syllable)
                fmap.extend([pos] * len(syllable))
                init.append(syllable[0])
                imap.append(pos)
    return "".join(full), fmap, "".join(init), imap


class _Corpus:
    """Row texts joined by SEP, with each row's start offset and (for pinyin) a map from
    every character back to a character of the row's original text. ``close`` makes the
    offsets and the map numpy arrays."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts = array("q")
        self.map = array("i")
        self._length = 0
        self.text = ""

    def add(self, text: str, source_map: list[int] | None = None) -> None:
        self.starts.append(self._length)
        self.parts.append(text)
        self._length += len(text) + 1
        if source_map is not None:
            self.map.extend(source_map)
            self.map.append(-1)

    def close(self) -> None:
        self.text = SEP.join(self.parts) + SEP
        self.parts = []
        self.starts = np.array(self.starts, dtype=np.int64)
        self.map = np.array(self.map, dtype=np.int32)

    def first_per_row(self, q: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, offsets in the corpus) of the first occurrence of ``q`` in each row that
        has one, in row order. ``q`` never holds SEP, so no match spans two rows."""
        first = self.text.find(q)  # str.find is quicker than a pattern when nothing matches
        pattern = re.compile(re.escape(q) + _REST_OF_ROW)
        found = pattern.finditer(self.text, first) if first >= 0 else ()
        offsets = np.array([m.start() for m in found], dtype=np.int64)
        return np.searchsorted(self.starts, offsets, side="right") - 1, offsets


class Hits(Sequence):
    """A search's answer, best first, as arrays: a ``Hit`` is made for each one read, so a
    page of 100 out of 50,000 costs 100 of them. Equal to any sequence of the same hits.

    ``names`` are the index's site ids and row fields (not the index itself: an answer it
    keeps must not keep it alive in a cycle); ``columns`` hold, per hit, its site, row,
    score, start and end."""

    __slots__ = ("_names", "_columns")

    def __init__(self, names: tuple[list[str], list[str]], columns: tuple[np.ndarray, ...]) -> None:
        self._names, self._columns = names, columns

    def __len__(self) -> int:
        return len(self._columns[0])

    def __getitem__(self, k):
        if isinstance(k, slice):
            site_ids, fields = self._names
            columns = (column[k].tolist() for column in self._columns)
            return [Hit(site_ids[s], score, fields[r], a, b) for s, r, score, a, b in zip(*columns, strict=True)]
        k = range(len(self))[k]  # a negative index counts from the end; IndexError past it
        return self[k : k + 1][0]

    def __iter__(self):
        return iter(self[:])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Hits({len(self)})"

    def site_ids(self) -> list[str]:
        """The sites hit, best first (no Hit is made)."""
        ids = self._names[0]
        return [ids[site] for site in self._columns[0].tolist()]

    def without(self, site_ids: Container[str]) -> Hits:
        """These hits but those of ``site_ids``, in the same order (no Hit is made)."""
        if not site_ids:
            return self
        keep = np.array([fid not in site_ids for fid in self.site_ids()], dtype=bool)
        return Hits(self._names, tuple(column[keep] for column in self._columns))


class SearchIndex:
    """``SearchIndex(features)``, or ``add`` one site at a time and then ``close``."""

    def __init__(self, features: Mapping[str, SiteFeature] | None = None):
        self._site_ids: list[str] = []
        self._row_site = array("i")
        self._row_field: list[str] = []
        self._row_weight = array("i")
        self._row_len = array("i")
        self._folded, self._pinyin, self._initials = _Corpus(), _Corpus(), _Corpus()
        self._field_names: dict[str, str] = {}  # one string object per field name
        self._cache: OrderedDict[str, list[Hit]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        if features is not None:
            for fid, f in features.items():
                self.add(fid, f)
            self.close()

    def __getstate__(self) -> dict:  # a snapshot (webmap/db/snapshot.py) keeps the index, not answers
        return {**self.__dict__, "_cache": OrderedDict(), "_cached": 0, "_lock": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"_cache": OrderedDict(), "_cached": 0, **state, "_lock": threading.Lock()})

    def add(self, fid: str, f: SiteFeature) -> None:
        self.add_geojson(fid, f.model_dump(mode="json")["properties"])

    def add_geojson(self, fid: str, p: dict) -> None:
        """Add one site from its served GeoJSON ``properties`` (already validated)."""
        site = len(self._site_ids)
        self._site_ids.append(fid)
        texts: list[tuple[str, int, str]] = []
        for key in ("name", "summary", "details"):
            for lang in ("zh", "en"):
                texts.append((f"{key}.{lang}", FIELD_WEIGHT[key], p[key][lang]))
        for i, fact in enumerate(p.get("facts") or ()):
            for lang in ("zh", "en"):
                texts.append((f"facts.{i}.label.{lang}", FIELD_WEIGHT["facts"], fact["label"][lang]))
            texts.append((f"facts.{i}.value", FIELD_WEIGHT["facts"], fact["value"]))
        for field, weight, text in texts:
            self._row_site.append(site)
            self._row_field.append(self._field_names.setdefault(field, field))
            self._row_weight.append(weight)
            self._row_len.append(len(text))
            self._folded.add(fold(text).replace(SEP, " "))
            py, pmap, ini, imap = _pinyin(text) if weight >= PINYIN_MIN_WEIGHT else ("", [], "", [])
            self._pinyin.add(py, pmap)
            self._initials.add(ini, imap)

    def close(self) -> None:
        """Join the rows into the searchable strings; call once, after the last ``add``."""
        for corpus in (self._folded, self._pinyin, self._initials):
            corpus.close()
        self._row_site = np.array(self._row_site, dtype=np.int32)
        self._row_weight = np.array(self._row_weight, dtype=np.int32)
        self._row_len = np.array(self._row_len, dtype=np.int32)
        # Each site's id as its place in id order (equal ids, equal places): answers are
        # ordered by id after score, and hits are grouped by id, in arrays.
        order = {fid: k for k, fid in enumerate(sorted(set(self._site_ids)))}
        self._site_key = np.array([order[fid] for fid in self._site_ids], dtype=np.int32)

    def search(self, query: str) -> Hits:
        """Sites matching ``query``, best first; one hit (the best) per site.

        The index never changes once closed (an edit builds a new one), so answers are
        kept, most recent first, up to CACHED_HITS hits in all: a popular query, or the
        next page of one, costs a dictionary lookup instead of a scan."""
        q = normalise_query(query)
        if not q:
            return self._scan_nothing()
        with self._lock:
            hits = self._cache.get(q)
            if hits is not None:
                self._cache.move_to_end(q)
                return hits
        hits = self._scan(q)
        with self._lock:
            self._cache[q] = hits
            self._cached += len(hits)
            while self._cached > CACHED_HITS and len(self._cache) > 1:
                self._cached -= len(self._cache.popitem(last=False)[1])
        return hits

    def site_ids(self, query: str) -> list[str]:
        """The sites ``query`` finds, best first, with no ``Hit`` made (a filter's selection)."""
        return self.search(query).site_ids()

    def _scan_nothing(self) -> Hits:
        empty = np.empty(0, dtype=np.int64)
        return Hits((self._site_ids, self._row_field), (empty,) * 5)

    def _scan(self, q: str) -> Hits:
        q_compact = re.sub(r"[\s']+", "", q)  # "yun gang", "heng'an" -> pinyin form
        # Per row, the first kind of match that applies: the text itself, then full
        # pinyin (starting on a syllable), then initials. Each kind: (rows, factor, span).
        rows, offsets = self._folded.first_per_row(q)
        local = offsets - self._folded.starts[rows]
        # Whole-field and prefix matches rank above matches inside a text.
        factor = np.where(self._row_len[rows] == len(q), 2.0, np.where(local == 0, 1.5, 1.0))
        kinds = [(rows, factor, local, local + len(q))]
        if q_compact.isascii() and q_compact.isalpha():
            taken = np.zeros(len(self._row_len), dtype=bool)
            taken[rows] = True
            for corpus, min_len, first, later in ((self._pinyin, 1, 0.9, 0.7), (self._initials, 2, 0.8, 0.5)):
                if len(q_compact) < min_len:
                    continue
                rows, offsets = corpus.first_per_row(q_compact)
                local, smap = offsets - corpus.starts[rows], corpus.map
                keep = ~taken[rows]
                if corpus is self._pinyin:  # not when its first occurrence starts inside a syllable
                    keep &= (local == 0) | (smap[offsets - 1] != smap[offsets])
                rows, offsets, local = rows[keep], offsets[keep], local[keep]
                taken[rows] = True
                span = smap[offsets], smap[offsets + len(q_compact) - 1] + 1
                kinds.append((rows, np.where(local == 0, first, later), *span))
        rows, factor, start, end = (np.concatenate(column) for column in zip(*kinds, strict=True))
        # Among equal matches, the one covering more of its field ranks first
        # ("云冈" is most of 云冈石窟, a small part of 云冈区文化馆).
        coverage = (end - start) / np.maximum(self._row_len[rows], 1)
        raw = self._row_weight[rows] * factor * (0.75 + 0.25 * coverage)
        values, which = np.unique(raw, return_inverse=True)  # a few distinct scores
        score = np.array([round(v, 3) for v in values.tolist()], dtype=np.float64)[which.reshape(-1)]
        # One hit per site: its best score, ties to its first field (lowest row); then
        # best first, ties by site id.
        site = self._site_key[self._row_site[rows]]
        order = np.lexsort((rows, -score, site))
        first = np.ones(len(order), dtype=bool)
        first[1:] = site[order][1:] != site[order][:-1]
        best = order[first]
        best = best[np.lexsort((site[best], -score[best]))]
        columns = (self._row_site[rows[best]], rows[best], score[best], start[best], end[best])
        return Hits((self._site_ids, self._row_field), columns)
