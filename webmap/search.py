"""Search in Chinese, pinyin (full or initials) and English.

The index is built once, when the catalogue loads. Every searchable text (a "row": one
field of one site) is folded, romanised and appended to three long strings (folded text,
full pinyin, pinyin initials) with a NUL between rows, so a query is a few ``str.find``
scans in C rather than a Python loop over every field; offsets map a match back to its
row. Each hit carries the field it matched and the character span in that field's
original text, so the page can highlight "云冈" when someone typed "yungang".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin

from .schema import SiteFeature

MAX_QUERY = 100
# Kept answers, counted in hits: about 60 MB at most (a Hit is ~120 bytes).
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
    every character back to a character of the row's original text."""

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

    def first_per_row(self, q: str):
        """(row, offset in the corpus) of the first occurrence of ``q`` in each row."""
        text, starts, pos = self.text, self.starts, 0
        while (i := text.find(q, pos)) >= 0:
            row = bisect_right(starts, i) - 1
            yield row, i
            pos = starts[row + 1] if row + 1 < len(starts) else len(text)


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

    def search(self, query: str) -> list[Hit]:
        """Sites matching ``query``, best first; one hit (the best) per site.

        The index never changes once closed (an edit builds a new one), so answers are
        kept, most recent first, up to CACHED_HITS hits in all: a popular query, or the
        next page of one, costs a dictionary lookup instead of a scan."""
        q = normalise_query(query)
        if not q:
            return []
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

    def _scan(self, q: str) -> list[Hit]:
        q_compact = re.sub(r"[\s']+", "", q)  # "yun gang", "heng'an" -> pinyin form
        # Per row, the first kind of match that applies: the text itself, then full
        # pinyin (starting on a syllable), then initials.
        found: dict[int, tuple[float, int, int]] = {}
        for row, i in self._folded.first_per_row(q):
            local = i - self._folded.starts[row]
            length = self._row_len[row]
            # Whole-field and prefix matches rank above matches inside a text.
            bonus = 2.0 if len(q) == length else 1.5 if local == 0 else 1.0
            found[row] = (bonus, local, local + len(q))
        if q_compact.isascii() and q_compact.isalpha():
            for corpus, min_len, first, later in ((self._pinyin, 1, 0.9, 0.7), (self._initials, 2, 0.8, 0.5)):
                if len(q_compact) < min_len:
                    continue
                for row, i in corpus.first_per_row(q_compact):
                    if row in found:
                        continue
                    local, smap = i - corpus.starts[row], corpus.map
                    if corpus is self._pinyin and local > 0 and smap[i - 1] == smap[i]:
                        continue  # its first occurrence starts inside a syllable
                    found[row] = (first if local == 0 else later, smap[i], smap[i + len(q_compact) - 1] + 1)
        best: dict[str, Hit] = {}
        for row, (factor, start, end) in sorted(found.items()):  # ties: first field wins
            weight, length = self._row_weight[row], self._row_len[row]
            # Among equal matches, the one covering more of its field ranks first
            # ("云冈" is most of 云冈石窟, a small part of 云冈区文化馆).
            coverage = (end - start) / max(length, 1)
            site_id = self._site_ids[self._row_site[row]]
            hit = Hit(site_id, round(weight * factor * (0.75 + 0.25 * coverage), 3), self._row_field[row], start, end)
            if site_id not in best or hit.score > best[site_id].score:
                best[site_id] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.site_id))
