"""Issue 15 "data truth": each problem the audit found, put back into a small broken copy
of the data, makes the real `webmap validate` fail and name the file, the record and the
field. The shipped data passes (it is what the other tests load)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import edit_json

from webmap.settings import PROJECT_ROOT

ARTICLE = PROJECT_ROOT.parent / "shared" / "article" / "yungang-district-feature.txt"
for _up in PROJECT_ROOT.parents:
    if (_up / "shared" / "article" / "yungang-district-feature.txt").is_file():
        ARTICLE = _up / "shared" / "article" / "yungang-district-feature.txt"
        break

# The 鸦儿崖乡 box of sizhi 3.0.6 and the GeoNames point of the township.
YAERYA_BOX = [112.8797753897, 39.894186139, 113.0592672206, 39.9972734811]
YAERYA_POINT = [112.99309, 39.96876]


def validate(data_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    if ARTICLE.is_file():
        env["WEBMAP_ARTICLE"] = str(ARTICLE)
    return subprocess.run(
        [sys.executable, "-m", "webmap.cli", "validate", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def site(doc: dict, site_id: str) -> dict:
    return next(f for f in doc["features"] if f["id"] == site_id)


def anchor(doc: dict, anchor_id: str) -> dict:
    return next(a for a in doc["anchors"] if a["id"] == anchor_id)


def test_the_shipped_data_passes(data_copy):
    run = validate(data_copy)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK ")


def _memorial_on_the_township_point(radius: float):
    def change(doc):
        f = site(doc, "coal-mine-memorial")
        f["geometry"] = {"type": "Point", "coordinates": YAERYA_POINT}
        loc = f["properties"]["location"]
        loc.update(precision="township", uncertainty_m=radius)
        loc["box"] = loc["candidates"][0]["box"]

    return change


SITE_CASES = [
    # 1. the memorial back on the Ya'erya point with its 10 km circle: Meiyukou is outside it
    pytest.param(
        _memorial_on_the_township_point(11000),
        "coal-mine-memorial",
        "properties.location.uncertainty_m",
        "does not cover candidate 1",
        id="disputed-point-too-narrow",
    ),
    pytest.param(
        lambda d: site(d, "coal-mine-memorial")["properties"]["location"].update(disputed=False),
        "coal-mine-memorial",
        "properties.location.disputed",
        "set disputed: true",
        id="candidates-without-disputed",
    ),
    pytest.param(
        lambda d: site(d, "coal-mine-memorial")["properties"]["location"]["candidates"].pop(),
        "coal-mine-memorial",
        "properties.location.candidates",
        "at least 2",
        id="disputed-with-one-candidate",
    ),
    # 2. radii narrower than the source's box allows
    pytest.param(
        lambda d: site(d, "red-memorial-hall")["properties"]["location"].update(uncertainty_m=10000),
        "red-memorial-hall",
        "properties.location.uncertainty_m",
        "11,558 m",
        id="gaoshan-radius",
    ),
    pytest.param(
        lambda d: site(d, "gaotun-help-workshop")["properties"]["location"].update(uncertainty_m=3000),
        "gaotun-help-workshop",
        "properties.location.uncertainty_m",
        "3,234 m",
        id="herui-radius",
    ),
    pytest.param(
        lambda d: site(d, "gaotun-party-branch-site")["properties"]["location"].pop("box"),
        "gaotun-party-branch-site",
        "properties.location.box",
        "must keep its source's bounding box",
        id="box-dropped",
    ),
    # 3. Heshun parking back on the Herui point
    pytest.param(
        lambda d: site(d, "taile-taiqing-parking").update(
            geometry={"type": "Point", "coordinates": [113.21116, 40.04328]},
            properties=dict(
                site(d, "taile-taiqing-parking")["properties"],
                location=dict(
                    site(d, "gaotun-help-workshop")["properties"]["location"],
                    township=site(d, "taile-taiqing-parking")["properties"]["location"]["township"],
                ),
            ),
        ),
        "taile-taiqing-parking",
        "properties.location.box",
        "does not locate it",
        id="neighbours-box",
    ),
    # 8. texts about the article instead of the place
    pytest.param(
        lambda d: site(d, "yungang-grottoes")["properties"]["summary"].update(
            zh="云冈石窟在云冈区，文章称景区的单日和全年游客接待量都创下了历史新高。"
        ),
        "yungang-grottoes",
        "properties.summary.zh",
        "talks about the article",
        id="meta-zh",
    ),
    pytest.param(
        lambda d: site(d, "archives-service-centre")["properties"]["details"].update(
            en="The article does not give its size."
        ),
        "archives-service-centre",
        "properties.details.en",
        "talks about the article",
        id="meta-en",
    ),
    # 6. a photo caption is not a heading; English numbers grouped
    pytest.param(
        lambda d: site(d, "shilihe-forest-park")["properties"]["article_section"].update(zh="图片说明"),
        "shilihe-forest-park",
        "properties.article_section.zh",
        "not an article heading",
        id="caption-as-section",
    ),
    pytest.param(
        lambda d: site(d, "hengan-compound-renovation")["properties"]["details"].update(
            en="The campaign removed 1197 cases of illegal building."
        ),
        "hengan-compound-renovation",
        "properties.details.en",
        "thousands separators",
        id="number-style",
    ),
]


@pytest.mark.parametrize(("change", "site_id", "field", "message"), SITE_CASES)
def test_validate_names_the_problem_in_sites(data_copy, change, site_id, field, message):
    edit_json(data_copy / "sites.geojson", change)
    run = validate(data_copy)
    assert run.returncode == 1
    lines = [ln for ln in run.stderr.splitlines() if f"feature '{site_id}'" in ln and f"field '{field}'" in ln]
    assert lines, run.stderr
    assert "sites.geojson" in lines[0] and message in lines[0], lines


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the article is not next to the project")
def test_validate_finds_the_near_copy_in_the_culture_centre(data_copy):
    copied = "开设戏曲秀等八大类公益艺术培训班；坚持每周开展公益艺术培训。"
    edit_json(
        data_copy / "sites.geojson",
        lambda d: site(d, "yungang-culture-centre")["properties"]["details"].update(zh=copied),
    )
    run = validate(data_copy)
    assert run.returncode == 1
    assert (
        "sites.geojson: feature 'yungang-culture-centre': field 'properties.details.zh': near-copy of the article"
        in run.stderr
    )


TRIP_CASES = [
    pytest.param(
        lambda d: anchor(d, "xihanling-geonames").update(uncertainty_m=12000),
        "xihanling-geonames",
        "anchors.12.uncertainty_m",
        "18,758 m",
        id="anchor-radius",
    ),
    pytest.param(
        lambda d: anchor(d, "kouquan-point").update(uncertainty_m=13000),
        "kouquan-point",
        "anchors.13.uncertainty_m",
        "15,529 m",
        id="kouquan-radius",
    ),
    pytest.param(
        lambda d: anchor(d, "meiyukou-subdistrict").pop("former"),
        "meiyukou-subdistrict",
        "anchors.9.former",
        "no longer exists",
        id="former-name-unlabelled",
    ),
    pytest.param(
        lambda d: d["trips"][0]["description"].update(en="The three red landmarks the article says matter."),
        "red-heritage",
        "trips.0.description.en",
        "talks about the article",
        id="trip-meta",
    ),
]


@pytest.mark.parametrize(("change", "record", "field", "message"), TRIP_CASES)
def test_validate_names_the_problem_in_trips(data_copy, change, record, field, message):
    edit_json(data_copy / "trips.json", change)
    run = validate(data_copy)
    assert run.returncode == 1
    lines = [ln for ln in run.stderr.splitlines() if f"feature '{record}'" in ln and f"field '{field}'" in ln]
    assert lines, run.stderr
    assert "trips.json" in lines[0] and message in lines[0], lines


def test_a_disputed_site_is_never_a_trip_stop(data_copy):
    # Even with a circle wide enough for both candidates, the planner must not route to it.
    edit_json(data_copy / "sites.geojson", _memorial_on_the_township_point(40000))
    edit_json(
        data_copy / "trips.json",
        lambda d: d["trips"][0]["stops"].append(
            {"site": "coal-mine-memorial", "reason": {"zh": "纪念馆", "en": "Memorial"}}
        ),
    )
    run = validate(data_copy)
    assert run.returncode == 1
    assert "trips.json: feature 'red-heritage': field 'trips.0.stops.3.site': sources disagree" in run.stderr
    assert "coal-mine-memorial" not in run.stderr.split("trips.json")[0]


def test_the_site_page_says_the_sources_disagree_in_both_languages(client):
    zh = client.get("/sites/coal-mine-memorial?lang=zh").get_data(as_text=True)
    en = client.get("/sites/coal-mine-memorial?lang=en").get_data(as_text=True)
    assert "各方说法不一" in zh and "鸦儿崖乡南沟" in zh and "煤峪口南沟" in zh
    assert "sources disagree" in en and "Ya'erya" in en.replace("&#39;", "'") and "Meiyukou" in en


def test_the_site_page_names_the_township_of_an_unlocated_place(client):
    zh = client.get("/sites/wangjiayuan-guesthouses?lang=zh").get_data(as_text=True)
    en = client.get("/sites/wangjiayuan-guesthouses?lang=en").get_data(as_text=True)
    assert "它在平旺乡" in zh
    assert "it is in Pingwang Township" in en


def test_shipped_boxes_are_kept_and_the_memorial_has_no_point():
    sites = json.loads((PROJECT_ROOT / "data" / "sites.geojson").read_text(encoding="utf-8"))
    memorial = site(sites, "coal-mine-memorial")
    assert memorial["geometry"] is None
    loc = memorial["properties"]["location"]
    assert loc["disputed"] is True and len(loc["candidates"]) == 2
    assert loc["candidates"][0]["box"]["bbox"] == YAERYA_BOX
