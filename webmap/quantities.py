"""A number and its unit as a reader writes them, in Chinese and in English. No Flask.

Chinese puts a Chinese unit straight after the number (118.57亿元, 123个); English groups
digits (1,197 cases) and turns the Chinese counting units into its own: 118.57 亿元 is
"CNY 11.857 billion", not "118.57 100 million yuan". Values that are not plain numbers
("2000多", "2×100万千瓦", "1938年5月") are shown as written.
"""

from __future__ import annotations

import re
from decimal import Decimal

_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_ABOUT = re.compile(r"^(\d+)[多余]$")
_CJK = re.compile(r"^[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# English units that are Chinese counting units: factor, and the English unit to use.
_SCALED = {"100 million yuan": (Decimal(100_000_000), "yuan"), "10,000 yuan": (Decimal(10_000), "yuan")}


def _grouped(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    whole, dot, frac = text.partition(".")
    return f"{int(whole):,}" + (dot + frac if frac else "")


def _money(amount: Decimal) -> str:
    for size, word in ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
        if amount >= size:
            return f"CNY {_grouped(amount / size)} {word}"
    return f"CNY {_grouped(amount)}"


def quantity(value: str, unit: dict[str, str] | None, lang: str) -> str:
    """``value`` with its ``unit`` ({zh, en} or None) for a page in ``lang``."""
    word = unit[lang] if unit else ""
    plain = _NUMBER.match(value or "") is not None
    if lang == "zh":
        sep = "" if not word or _CJK.match(word) else " "
        return f"{value}{sep}{word}"
    # The figure as the source gives it stays on the page (figures are quoted exactly);
    # a reader's form comes first when English writes it differently.
    exact = f"{value}{unit['zh'] if unit else ''}"
    if plain and word in _SCALED:
        factor, _ = _SCALED[word]
        return f"{_money(Decimal(value) * factor)} ({exact})"
    about = _ABOUT.match(value or "")
    if about:  # 2000多, 320余: "over 2,000"
        return f"over {_grouped(Decimal(about.group(1)))} {word}".strip() + f" ({exact})"
    shown = _grouped(Decimal(value)) if plain else value
    return f"{shown} {word}".strip()
