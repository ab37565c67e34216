"""Display names for the fixed vocabularies of the data contract (status, precision),
and the travel modes of the trip planner: the one home of each.

Kept next to the code that defines them (``schema.py``) and sent to the browser in
the page config, so the server pages and the map use the same words."""

from typing import Literal, get_args

from .photo_ingest import LICENCES
from .schema import Precision, Status

# Travel modes, in the order the planner offers them. Adding one: an entry here, the
# name in ``Mode``, and its speed/detour settings (settings.py, README); see
# docs/architecture.md. ``en_long`` is the printed itinerary's wording; ``amap`` the
# mode name in an AMap (高德) navigation link.
Mode = Literal["walk", "coach", "car"]
MODES: dict[str, dict[str, str]] = {
    "walk": {"zh": "步行", "en": "walk", "en_long": "walking", "amap": "walk"},
    "coach": {"zh": "大巴/公交", "en": "coach/bus", "en_long": "coach/bus", "amap": "bus"},
    "car": {"zh": "小汽车", "en": "car", "en_long": "car", "amap": "car"},
}
assert tuple(MODES) == get_args(Mode), "vocab.Mode and vocab.MODES must name the same modes"

STATUS = {
    Status.historic: {"zh": "历史遗址", "en": "Historic site"},
    Status.open: {"zh": "开放", "en": "Open"},
    Status.operating: {"zh": "运营中", "en": "Operating"},
    Status.under_construction: {"zh": "在建", "en": "Under construction"},
    Status.completed: {"zh": "已建成", "en": "Completed"},
    Status.planned: {"zh": "规划中", "en": "Planned"},
    Status.unknown: {"zh": "状态不详", "en": "Status not known"},
}

PRECISION = {
    Precision.site: {"zh": "具体地点", "en": "site"},
    Precision.street: {"zh": "街道级", "en": "street level"},
    Precision.village: {"zh": "村级", "en": "village level"},
    Precision.township: {"zh": "乡镇级", "en": "township level"},
    Precision.district: {"zh": "仅知在区内", "en": "district only"},
}


def as_json() -> dict:
    return {
        "status": {k.value: v for k, v in STATUS.items()},
        "precision": {k.value: v for k, v in PRECISION.items()},
        "licence": dict(LICENCES),  # photos' licences (docs/stewardship.md)
    }


def modes_json() -> list[dict]:
    """The travel modes for the page config, ``[{id, label: {zh, en}}]`` as the planner
    script reads them (docs/frontend.md): a list, so the first (order) survives JSON."""
    return [{"id": m, "label": {"zh": v["zh"], "en": v["en"]}} for m, v in MODES.items()]
