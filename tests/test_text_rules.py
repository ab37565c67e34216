"""Text no page or export can carry safely is refused by `webmap validate`, with the file,
the site and the field named (issue 16 item 6): NUL and C0/C1 controls made the KML/GPX
exports ill-formed XML, zero-width-only names were invisible, U+202E disguised names."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from webmap.catalogue import DataError, load_catalogue
from webmap.cli import main

BAD = {
    "NUL": "\x00",
    "C0 control": "\x1b",
    "DEL": "\x7f",
    "C1 control": "\x85",
    "right-to-left override": "\u202e",
    "bidi isolate": "\u2066",
    "noncharacter FFFE": "\ufffe",
    "noncharacter FFFF": "\uffff",
    "plane-1 noncharacter": "\U0001fffe",
}


def _set_first_site(data_dir, change) -> str:
    path = data_dir / "sites.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    feature = doc["features"][0]
    change(feature["properties"])
    path.write_text(json.dumps(doc, ensure_ascii=True), encoding="utf-8")
    return feature["id"]


@pytest.mark.parametrize("char", BAD.values(), ids=BAD.keys())
def test_control_bidi_and_noncharacters_are_refused_naming_site_and_field(data_copy, char):
    site = _set_first_site(data_copy, lambda p: p["name"].update(en=f"Caves{char}.png"))
    with pytest.raises(DataError) as info:
        load_catalogue(data_copy)
    problem = info.value.problems[0]
    assert problem.file.endswith("sites.geojson") and problem.feature == site
    assert "name.en" in str(problem.field) and f"U+{ord(char):04X}" in str(problem)


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u200d \ufeff", "\u2060"], ids=["ZWSP", "ZWJ+BOM", "WJ"])
def test_a_name_of_only_invisible_characters_is_refused(data_copy, text):
    site = _set_first_site(data_copy, lambda p: p["name"].update(zh=text))
    with pytest.raises(DataError) as info:
        load_catalogue(data_copy)
    problem = info.value.problems[0]
    assert problem.feature == site and "name.zh" in str(problem.field) and "visible" in str(problem)


def test_newlines_and_tabs_stay_allowed_in_multi_line_text(data_copy):
    _set_first_site(data_copy, lambda p: p["details"].update(en="First line.\n\tSecond, indented."))
    load_catalogue(data_copy)  # valid


def test_webmap_validate_names_the_file_site_and_field(data_copy):
    site = _set_first_site(data_copy, lambda p: p["summary"].update(en="bad\x00text"))
    result = CliRunner().invoke(main, ["validate", str(data_copy)])
    assert result.exit_code != 0
    out = result.output
    assert "sites.geojson" in out and site in out and "summary.en" in out and "U+0000" in out
