"""District at a glance: the article's district-wide figures as a small bar chart."""

from __future__ import annotations

from .schema import District


def growth_chart(district: District, width: int = 300, bar_height: int = 14, label_height: int = 16) -> dict:
    """Bars for every figure with a growth rate, scaled to the largest, each under its label.
    Only numbers and the figures leave here; labels are rendered (escaped) by the template."""
    rows = [f for f in district.figures if f.growth_pct is not None]
    top = max((float(f.growth_pct) for f in rows), default=1.0) or 1.0
    value_w, row_h = 48, label_height + bar_height + 8
    bars = [
        {
            "figure": f,
            "y": i * row_h,
            "label_y": label_height - 4,
            "bar_y": label_height,
            "width": round(max(float(f.growth_pct), 0) / top * (width - value_w), 1),
            "pct": f.growth_pct,
        }
        for i, f in enumerate(rows)
    ]
    return {"width": width, "height": len(rows) * row_h, "bar_height": bar_height, "bars": bars}
