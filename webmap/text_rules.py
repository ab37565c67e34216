"""What a data text may contain, beyond being non-empty: the characters every page and
export can carry. One home for the rule; the schema applies it to every text field.

Refused, because XML 1.0 cannot carry them (KML, GPX, the trip exports would not be
well-formed and GDAL and gpxpy refuse the file) or because they change what a reader
sees: NUL and the other C0/C1 control characters (newline and tab are allowed: summaries
and details are multi-line), lone surrogates, the noncharacters (U+FFFE, U+FFFF, U+FDD0..
U+FDEF and the last two of every plane), the bidirectional embeddings, overrides and
isolates (U+202E shows ``gnp.exe`` as ``exe.png``), and a text with no visible character
at all (only spaces and zero-width characters: an invisible heading and list entry).
"""

from __future__ import annotations

import re
import unicodedata

_ALLOWED_CONTROLS = "\n\t"
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FORBIDDEN = re.compile(
    "["
    + "".join(f"\\x{c:02x}" for c in range(0x20) if chr(c) not in _ALLOWED_CONTROLS)
    + "\\x7f-\\x9f"
    + "\\ud800-\\udfff"
    + "\\ufdd0-\\ufdef\\ufffe\\uffff"
    + _BIDI_CONTROLS
    + "]"
)


def _is_noncharacter(ch: str) -> bool:
    return (ord(ch) & 0xFFFE) == 0xFFFE


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def check_text(value: str) -> str:
    """``value`` unchanged, or ValueError naming the first character not allowed and where."""
    m = _FORBIDDEN.search(value)
    bad = m.start() if m else next((i for i, ch in enumerate(value) if _is_noncharacter(ch)), None)
    if bad is not None:
        raise ValueError(
            f"contains the character {_describe(value[bad])} at position {bad + 1}, which pages and "
            "exports cannot show safely (control characters other than newline and tab, "
            "bidirectional overrides and noncharacters are not allowed)"
        )
    if not any(unicodedata.category(ch)[0] not in "ZC" for ch in value):
        raise ValueError("has no visible character (only spaces or zero-width characters)")
    return value
