"""Synthetic sites for scale tests: seeded random points inside the district outline,
added to a copy of the shipped data. Names, layers, statuses, themes and school flags
vary, so filters and search have something to tell apart."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from shapely import Point
from shapely.geometry import shape

SYLLABLES = ["云冈", "高山", "西韩岭", "口泉", "平旺", "新旺", "恒安", "鸦儿崖", "和顺", "泰乐", "花园", "马军营"]
KINDS = [
    ("村", "village"),
    ("社区", "community"),
    ("公园", "park"),
    ("小学", "primary school"),
    ("光伏电站", "solar farm"),
]
STATUSES = ["open", "operating", "completed", "planned"]


def add_synthetic_sites(source: Path, target: Path, n: int, seed: int = 7) -> Path:
    shutil.copytree(source, target)
    sites = json.loads((target / "sites.geojson").read_text(encoding="utf-8"))
    boundary = shape(json.loads((target / "boundary.geojson").read_text(encoding="utf-8"))["features"][0]["geometry"])
    layers = [x["id"] for x in json.loads((target / "layers.json").read_text(encoding="utf-8"))["layers"]]
    themes = [x["id"] for x in json.loads((target / "themes.json").read_text(encoding="utf-8"))["themes"]]
    rng = random.Random(seed)
    minx, miny, maxx, maxy = boundary.bounds
    made = 0
    while made < n:
        lon, lat = round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6)
        if not boundary.contains(Point(lon, lat)):
            continue
        made += 1
        place, (kind_zh, kind_en) = rng.choice(SYLLABLES), rng.choice(KINDS)
        name = {"zh": f"{place}{kind_zh}{made}号", "en": f"Synthetic {kind_en} {made}"}
        approximate = made % 10 == 0
        props = {
            "layer": layers[made % len(layers)],
            "name": name,
            "summary": {"zh": f"测试用的合成地点（{place}）。", "en": "A synthetic place for scale tests."},
            "details": {"zh": "不是真实地点。", "en": "Not a real place."},
            "status": STATUSES[made % len(STATUSES)],
            "themes": rng.sample(themes, k=rng.randint(0, min(2, len(themes)))),
            "location": {
                "precision": "street" if approximate else "site",
                "source": "synthetic (tests/support/synthetic.py)",
                "uncertainty_m": 500 if approximate else 50,
            },
            "article_section": {"zh": "测试", "en": "Test"},
        }
        if approximate:  # a street-level point keeps its (synthetic) street box; 500 m covers it
            props["location"]["box"] = {
                "source": "synthetic box",
                "bbox": [lon - 0.003, lat - 0.003, lon + 0.003, lat + 0.003],
                "vintage": "synthetic",
            }
        if made % 7 == 0:
            props["school_trip"] = {"suitable": True, "notes": {"zh": "测试", "en": "Test"}}
        sites["features"].append(
            {
                "type": "Feature",
                "id": f"synthetic-{made}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": props,
            }
        )
    (target / "sites.geojson").write_text(json.dumps(sites, ensure_ascii=False), encoding="utf-8")
    return target
