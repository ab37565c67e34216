"""The validator's messages in the page's language.

There is ONE validator (webmap/catalogue/validate.py, pydantic and webmap/provenance.py);
its messages are English. On a Chinese page the edit form shows them in Chinese: each
known message *pattern* has a Chinese text here, with the numbers and names the message
carries. A message no pattern knows is shown as it is (English), never dropped. This is a
translation table, not a second set of rules: nothing here decides what is valid."""

from __future__ import annotations

import re

from .i18n import current_lang

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^String should have at least 1 character"), "请填写此项。"),
    (re.compile(r"^Field required"), "此项必填。"),
    (re.compile(r"^Input should be greater than (?P<n>[\d.]+)"), "须大于 {n}。"),
    (re.compile(r"^Input should be less than or equal to (?P<n>[\d.]+)"), "不能超过 {n}。"),
    (re.compile(r"^Input should be a valid number"), "请输入数字。"),
    (re.compile(r"^Input should be (?:'[^']*'(?:, | or )?)+$"), "请从列表中选择。"),
    (re.compile(r"^unknown field"), "未知字段。"),
    (
        re.compile(r"location\.uncertainty_m is required for every located site"),
        "标在地图上的地点必须填写位置误差（米）。",
    ),
    (
        re.compile(r"precision 'district' means no point is known"),
        "精度为“仅知区县”时不能有坐标点：请选择更细的精度，或清空经纬度。",
    ),
    (
        re.compile(r"geometry is null but location\.precision is '(?P<p>\w+)'"),
        "没有坐标点的地点，精度须为“仅知区县”。",
    ),
    (re.compile(r"^coordinates must be finite numbers"), "经纬度须为有效数字。"),
    (re.compile(r"is out of range \(they look swapped"), "经纬度超出范围：看起来经度和纬度填反了。"),
    (re.compile(r"is out of range"), "经纬度超出范围。"),
    (
        re.compile(
            r"lies (?P<out>[\d,]+) m outside the district boundary, more than its stated uncertainty of (?P<u>[\d,]+) m"
        ),
        "该点在区界外 {out} 米，超出了所填的位置误差 {u} 米。",
    ),
    (
        re.compile(r"^(?P<u>[\d,]+) m is narrower than its source allows: .* is (?P<need>[\d,]+) m from the point"),
        "{u} 米比来源允许的范围小：来源范围在区内最远处距该点 {need} 米。",
    ),
    (
        re.compile(r"^(?P<u>[\d,]+) m does not cover candidate \d+ \((?P<c>.*)\), (?P<d>[\d,]+) m away"),
        "{u} 米的位置误差覆盖不到来源给出的另一处位置（{c}，相距 {d} 米）：请放大误差，或清空经纬度。",
    ),
    (
        re.compile(r"^a (?P<p>\w+)-level point must keep its source's bounding box"),
        "这一精度的点须保留来源给出的范围框。",
    ),
    (
        re.compile(r"^talks about the article \((?P<q>.*)\): write about the place"),
        "文字在谈文章（{q}）：请直接写这个地点。",
    ),
    (re.compile(r"^write (?P<n>\S+) with thousands separators"), "{n} 请用千位分隔符书写（1,197）。"),
]


def translated(message: str, lang: str | None = None) -> str:
    """``message`` (the validator's, English) in the page's language."""
    if (lang or current_lang()) != "zh":
        return message
    text = message.removeprefix("Value error, ")
    for pattern, zh in _PATTERNS:
        m = pattern.search(text)
        if m:
            return zh.format(**m.groupdict())
    return message
