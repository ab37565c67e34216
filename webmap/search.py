"""Search in Chinese, pinyin (full or initials) and English.

The index is built once, when the catalogue loads; a query only scans small
pre-lowered strings (fine for thousands of sites; see bench/ for figures).
Each hit carries the field it matched and the character span in that field's
original text, so the page can highlight "云冈" when someone typed "yungang".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from .schema import SiteFeature

MAX_QUERY = 100
_HAN = re.compile(r"[\u3400-\u9fff]")

# Where a match counts most: names, then summaries, then facts and details.
FIELD_WEIGHT = {"name": 100, "summary": 40, "facts": 30, "details": 20}


@dataclass(frozen=True)
class _Field:
    site_id: str
    field: str  # e.g. "name.zh", "facts.2.value"
    weight: int
    text: str  # original
    folded: str  # normalised, same length as text
    pinyin: str  # full pinyin, syllables joined
    pinyin_map: tuple[int, ...]  # for each pinyin char, the index of its source char
    initials: str
    initials_map: tuple[int, ...]


@dataclass(frozen=True)
class Hit:
    site_id: str
    score: float
    field: str
    start: int
    end: int


def fold(text: str) -> str:
    """Case- and width-insensitive form that keeps one character per input character."""
    out = []
    for ch in text:
        f = unicodedata.normalize("NFKC", ch).lower()
        out.append(f if len(f) == 1 else ch.lower()[:1] or ch)
    return "".join(out)


def normalise_query(q: str) -> str:
    return fold(q.strip())


def _pinyin(text: str) -> tuple[str, tuple[int, ...], str, tuple[int, ...]]:
    """Full pinyin and initials of ``text``, each with a map back to source characters.

    pypinyin converts Han characters with word context (多音字) and returns runs of
    other characters unchanged; only Han characters are romanised here."""
    full, fmap, init, imap = [], [], [], []
    pos = 0
    for item in lazy_pinyin(text, errors=lambda chars: list(chars)):
        if pos < len(text) and _HAN.match(text[pos]) and item and item.isascii():
            syllable = item.lower()
            full.append(syllable)
            fmap.extend([pos] * len(syllable))
            init.append(syllable[0])
            imap.append(pos)
            pos += 1
        else:
            pos += len(item)
    return "".join(full), tuple(fmap), "".join(init), tuple(imap)


class SearchIndex:
    def __init__(self, features: dict[str, SiteFeature]):
        self._fields: list[_Field] = []
        for fid, f in features.items():
            p = f.properties
            texts: list[tuple[str, int, str]] = []
            for key in ("name", "summary", "details"):
                for lang in ("zh", "en"):
                    texts.append((f"{key}.{lang}", FIELD_WEIGHT[key], getattr(getattr(p, key), lang)))
            for i, fact in enumerate(p.facts):
                for lang in ("zh", "en"):
                    texts.append((f"facts.{i}.label.{lang}", FIELD_WEIGHT["facts"], getattr(fact.label, lang)))
                texts.append((f"facts.{i}.value", FIELD_WEIGHT["facts"], fact.value))
            for field, weight, text in texts:
                py, pmap, ini, imap = _pinyin(text) if _HAN.search(text) else ("", (), "", ())
                self._fields.append(_Field(fid, field, weight, text, fold(text), py, pmap, ini, imap))

    def search(self, query: str) -> list[Hit]:
        """Sites matching ``query``, best first; one hit (the best) per site."""
        q = normalise_query(query)
        if not q:
            return []
        q_compact = re.sub(r"[\s']+", "", q)  # "yun gang", "heng'an" -> pinyin form
        best: dict[str, Hit] = {}
        for f in self._fields:
            hit = self._match(f, q, q_compact)
            if hit and (f.site_id not in best or hit.score > best[f.site_id].score):
                best[f.site_id] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.site_id))

    @staticmethod
    def _match(f: _Field, q: str, q_compact: str) -> Hit | None:
        hit = SearchIndex._locate(f, q, q_compact)
        if hit is None:
            return None
        # Among equal matches, the one covering more of its field ranks first
        # ("云冈" is most of 云冈石窟, a small part of 云冈区文化馆).
        coverage = (hit.end - hit.start) / max(len(f.text), 1)
        return Hit(hit.site_id, round(hit.score * (0.75 + 0.25 * coverage), 3), hit.field, hit.start, hit.end)

    @staticmethod
    def _locate(f: _Field, q: str, q_compact: str) -> Hit | None:
        i = f.folded.find(q)
        if i >= 0:
            # Whole-field and prefix matches rank above matches inside a text.
            bonus = 2.0 if len(q) == len(f.folded) else 1.5 if i == 0 else 1.0
            return Hit(f.site_id, f.weight * bonus, f.field, i, i + len(q))
        if not q_compact.isascii() or not q_compact.isalpha():
            return None
        i = f.pinyin.find(q_compact)
        if i >= 0 and (i == 0 or f.pinyin_map[i - 1] != f.pinyin_map[i]):  # start on a syllable
            start, end = f.pinyin_map[i], f.pinyin_map[i + len(q_compact) - 1] + 1
            return Hit(f.site_id, f.weight * (0.9 if i == 0 else 0.7), f.field, start, end)
        if len(q_compact) >= 2:
            i = f.initials.find(q_compact)
            if i >= 0:
                start, end = f.initials_map[i], f.initials_map[i + len(q_compact) - 1] + 1
                return Hit(f.site_id, f.weight * (0.8 if i == 0 else 0.5), f.field, start, end)
        return None
