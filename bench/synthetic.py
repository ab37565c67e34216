"""Synthetic sites for bench/scale.py, worded from the source article.

Names, summaries and details are composed from the Chinese source article's own words, so
search and the pinyin index work on text like the real data's (mixed lengths, real
polyphones, shared words such as 云冈 that match many sites) instead of one repeated
pattern. Everything is seeded: the same N gives the same file on every machine, as long
as the article is the same.

    python bench/synthetic.py 1000 /tmp/data   # write a data folder to look at
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Where the article lives in this project; WEBMAP_BENCH_ARTICLE overrides.
ARTICLE_CANDIDATES = (
    Path("/work/shared/article/yungang-district-feature.txt"),
    ROOT / "article" / "yungang-district-feature.txt",
)
# Name endings per layer, so a "park" reads like one (layers unknown here get a generic mix).
SUFFIXES = {
    "heritage": ("遗址", "旧址", "纪念馆", "石窟"),
    "energy": ("光伏电站", "风电场", "储能站", "变电站"),
    "parks": ("公园", "森林公园", "湿地", "广场"),
    "communities": ("村", "社区", "街道", "小区"),
    "culture": ("文化馆", "小学", "图书馆", "体育馆"),
    "industry": ("产业园", "种植基地", "工厂", "物流园"),
}
GENERIC_SUFFIXES = tuple(s for group in SUFFIXES.values() for s in group)
STATUSES = ("open", "open", "open", "operating", "historic", "completed", "under_construction", "planned")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_PHRASE_SPLIT = re.compile(r"[，。！？；、：“”‘’（）《》——\s]+")


def article_path() -> Path:
    env = os.environ.get("WEBMAP_BENCH_ARTICLE")
    if env:
        return Path(env)
    for path in ARTICLE_CANDIDATES:
        if path.is_file():
            return path
    raise SystemExit(
        "bench: the source article was not found (looked in "
        + ", ".join(str(p) for p in ARTICLE_CANDIDATES)
        + "); set WEBMAP_BENCH_ARTICLE=/path/to/yungang-district-feature.txt"
    )


class Vocabulary:
    """Pieces of the article, each list in article order (no sets: their order varies per run)."""

    def __init__(self, text: str):
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        # Headings: short lines without sentence punctuation (section titles, photo captions).
        self.headings = list(dict.fromkeys(x for x in lines if 6 <= len(x) <= 30 and not re.search("[。，；！？]", x)))
        sentences = [s.strip() for line in lines for s in _SENTENCE_END.split(line) if s.strip()]
        self.sentences = list(dict.fromkeys(s for s in sentences if 10 <= len(s) <= 40))
        self.phrases = list(dict.fromkeys(p for p in _PHRASE_SPLIT.split(text) if 4 <= len(p) <= 16))
        pairs = (run[i : i + 2] for run in _HAN_RUN.findall(text) for i in range(0, len(run) - 1, 2))
        self.pairs = list(dict.fromkeys(pairs))
        if not (self.headings and self.sentences and self.phrases and len(self.pairs) > 50):
            raise SystemExit("bench: the article gave too little text to build synthetic sites from")


def make_data(n: int, target: Path, source: Path | None = None, seed: int = 7) -> dict:
    """Copy ``source`` (default: this checkout's data/) to ``target`` and add ``n`` synthetic sites.

    Points are uniform inside the district outline; about 1 in 100 has no point (precision
    'district') and 1 in 5 is approximate ('village', 1.5 km), like the shipped data's mix.
    Returns a short description of what was written."""
    from shapely import Point
    from shapely.geometry import shape
    from shapely.prepared import prep

    shutil.copytree(source or ROOT / "data", target)
    sites = json.loads((target / "sites.geojson").read_text(encoding="utf-8"))
    boundary = shape(json.loads((target / "boundary.geojson").read_text())["features"][0]["geometry"])
    inside = prep(boundary)
    layers = [x["id"] for x in json.loads((target / "layers.json").read_text())["layers"]]
    themes = [x["id"] for x in json.loads((target / "themes.json").read_text())["themes"]]
    vocab = Vocabulary(article_path().read_text(encoding="utf-8"))
    rng = random.Random(seed)
    minx, miny, maxx, maxy = boundary.bounds
    located = 0
    for made in range(1, n + 1):
        layer = layers[made % len(layers)]
        suffix = rng.choice(SUFFIXES.get(layer, GENERIC_SUFFIXES))
        zh_name = rng.choice(vocab.pairs) + rng.choice(vocab.pairs) + suffix + f"{rng.randint(1, 99)}号"
        kind = rng.random()
        if kind < 0.01:
            geometry = None
            location = {"precision": "district", "source": "synthetic (bench)"}
        else:
            while True:
                lon, lat = round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6)
                if inside.contains(Point(lon, lat)):
                    break
            geometry = {"type": "Point", "coordinates": [lon, lat]}
            approx = kind < 0.21
            location = {
                "precision": "village" if approx else "site",
                "source": "synthetic (bench)",
                "uncertainty_m": 1500 if approx else 100,
            }
            if approx:  # a village-level point keeps its (synthetic) box; 1,500 m covers it
                location["box"] = {
                    "source": "synthetic box",
                    "bbox": [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01],
                    "vintage": "synthetic",
                }
            located += 1
        sites["features"].append(
            {
                "type": "Feature",
                "id": f"synthetic-{made}",
                "geometry": geometry,
                "properties": {
                    "layer": layer,
                    "name": {"zh": zh_name, "en": f"Synthetic place {made:,}"},
                    "summary": {"zh": rng.choice(vocab.phrases), "en": f"Summary {made:,}"},
                    "details": {"zh": rng.choice(vocab.sentences), "en": f"Details {made:,}"},
                    "status": rng.choice(STATUSES),
                    "themes": sorted(rng.sample(themes, rng.randint(0, 2))),
                    "location": location,
                    "article_section": {"zh": rng.choice(vocab.headings), "en": "Synthetic section"},
                },
            }
        )
    path = target / "sites.geojson"
    path.write_text(json.dumps(sites, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return {"sites": len(sites["features"]), "synthetic_located": located, "file_bytes": path.stat().st_size}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1].strip())
    print(make_data(int(sys.argv[1]), Path(sys.argv[2])))
