"""District at a glance: the article's district-wide figures as a small bar chart."""

from __future__ import annotations

from .schema import District


def growth_chart(district: District, width: int = 300, bar_height: int = 22, gap: int = 10) -> dict:
    """Bars for every figure with a growth rate, scaled to the largest. Only numbers and
    the figures' ids leave here; labels are rendered (escaped) by the template."""
    rows = [f for f in district.figures if f.growth_pct is not None]
    top = max((float(f.growth_pct) for f in rows), default=1.0) or 1.0
    label_w, value_w = 0, 48
    bars = []
    for i, f in enumerate(rows):
        pct = float(f.growth_pct)
        bars.append(
            {
                "figure": f,
                "y": i * (bar_height + gap),
                "width": round(max(pct, 0) / top * (width - label_w - value_w), 1),
                "pct": f.growth_pct,
            }
        )
    return {"width": width, "height": len(rows) * (bar_height + gap), "bar_height": bar_height, "bars": bars}
