"""Display names for the fixed vocabularies of the data contract (status, precision).

Kept next to the code that defines them (``schema.py``) and sent to the browser in
the page config, so the server pages and the map use the same words."""

from .schema import Precision, Status

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
    }
