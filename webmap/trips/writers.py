"""A planned trip (the dict from ``itinerary.plan_json``) as GPX, KML, ICS and CSV.

Written with the standard library so that the tests can read each file back with an
independent reader (gpxpy, icalendar, GDAL through pyogrio, csv). No Flask here."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ..formats import csv_row, namespace

CREATOR = "Yungang District Map (云冈区地图)"
TITLE = {"zh": "云冈区研学行程", "en": "Yungang District field trip"}
ESTIMATE = "（时间和距离为估算 / times and distances are estimates）"


def _points(plan: dict) -> list[dict]:
    """Start, stops and end in visiting order, each tagged with its role."""
    out = []
    if plan["start"]:
        out.append({**plan["start"], "role": "start"})
    out += [{**s, "role": "stop"} for s in plan["stops"]]
    if plan["end"]:
        out.append({**plan["end"], "role": "end"})
    return out


def _stop_note(s: dict) -> str:
    note = f"{s['arrive']}–{s['depart']}，停留 {s['visit_minutes']} 分钟 / visit {s['visit_minutes']} min"
    if s.get("approximate"):
        note += f"；近似位置，误差约 {(s.get('uncertainty_m') or 0) / 1000:.1f} 公里 / approximate location"
    return note


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------------------


def to_gpx(plan: dict, url: str = "") -> bytes:
    """GPX 1.1: one waypoint per place and one route through them in order."""
    ns = "http://www.topografix.com/GPX/1/1"
    q = namespace(ns)
    gpx = ET.Element(q("gpx"), {"version": "1.1", "creator": CREATOR})
    meta = ET.SubElement(gpx, q("metadata"))
    ET.SubElement(meta, q("name")).text = f"{TITLE['zh']} {plan['date']}"
    ET.SubElement(meta, q("desc")).text = plan["estimate"]["note"]["zh"] + " " + plan["estimate"]["note"]["en"]
    if url:
        ET.SubElement(meta, q("link"), {"href": url})
    points = _points(plan)
    for p in points:
        wpt = ET.SubElement(gpx, q("wpt"), {"lat": f"{p['lat']:.6f}", "lon": f"{p['lon']:.6f}"})
        ET.SubElement(wpt, q("name")).text = p["name"]["zh"]
        ET.SubElement(wpt, q("desc")).text = _stop_note(p) if p["role"] == "stop" else p["name"]["en"]
        ET.SubElement(wpt, q("type")).text = p["role"]
    rte = ET.SubElement(gpx, q("rte"))
    ET.SubElement(rte, q("name")).text = TITLE["zh"] + ESTIMATE
    for p in points:
        rtept = ET.SubElement(rte, q("rtept"), {"lat": f"{p['lat']:.6f}", "lon": f"{p['lon']:.6f}"})
        ET.SubElement(rtept, q("name")).text = p["name"]["zh"]
    return _xml(gpx)


def to_kml(plan: dict, url: str = "") -> bytes:
    """KML 2.2: a placemark per place and a LineString for the (straight-line) route."""
    ns = "http://www.opengis.net/kml/2.2"
    q = namespace(ns)
    kml = ET.Element(q("kml"))
    doc = ET.SubElement(kml, q("Document"))
    ET.SubElement(doc, q("name")).text = f"{TITLE['zh']} {plan['date']}"
    ET.SubElement(doc, q("description")).text = plan["estimate"]["note"]["zh"] + (f" {url}" if url else "")
    for p in _points(plan):
        pm = ET.SubElement(doc, q("Placemark"))
        ET.SubElement(pm, q("name")).text = p["name"]["zh"]
        ET.SubElement(pm, q("description")).text = _stop_note(p) if p["role"] == "stop" else p["name"]["en"]
        pt = ET.SubElement(pm, q("Point"))
        ET.SubElement(pt, q("coordinates")).text = f"{p['lon']:.6f},{p['lat']:.6f}"
    line = ET.SubElement(doc, q("Placemark"))
    ET.SubElement(line, q("name")).text = "路线（直线示意）Route (straight lines)"
    ls = ET.SubElement(line, q("LineString"))
    ET.SubElement(ls, q("coordinates")).text = " ".join(f"{p['lon']:.6f},{p['lat']:.6f}" for p in _points(plan))
    return _xml(kml)


# ---------------------------------------------------------------------------
# iCalendar (RFC 5545)

_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Shanghai",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += b
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _ics_time(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y%m%dT%H%M%S")


def to_ics(plan: dict, url: str = "", now: datetime | None = None) -> bytes:
    """One VEVENT per stop with its arrival and departure, in Asia/Shanghai time
    (China has no daylight-saving time, so the zone is a fixed +08:00)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//yungang-webmap//trip planner//ZH", "CALSCALE:GREGORIAN"]
    lines += [f"X-WR-CALNAME:{_ics_text(TITLE['zh'])}", *_VTIMEZONE]
    for i, s in enumerate(plan["stops"], 1):
        desc = f"{s['name']['en']}\n{_stop_note(s)}\n{plan['estimate']['note']['zh']}"
        if url:
            desc += f"\n{url}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{plan['date']}-{i}-{s['id']}@yungang-webmap",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID=Asia/Shanghai:{_ics_time(s['arrive_at'])}",
            f"DTEND;TZID=Asia/Shanghai:{_ics_time(s['depart_at'])}",
            f"SUMMARY:{_ics_text(f'{i}. ' + s['name']['zh'])}",
            f"DESCRIPTION:{_ics_text(desc)}",
            f"GEO:{s['lat']:.6f};{s['lon']:.6f}",
            f"LOCATION:{_ics_text(s['name']['zh'])}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(x) for x in lines) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------

CSV_HEADER = [
    "order",
    "role",
    "id",
    "name_zh",
    "name_en",
    "lon",
    "lat",
    "approximate",
    "uncertainty_m",
    "arrive",
    "depart",
    "visit_minutes",
    "leg_road_km_estimate",
    "leg_minutes_estimate",
]


def to_csv(plan: dict) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly. The leg
    columns give the estimated travel *to* that row from the previous one."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    legs_by_to = {}
    for leg in plan["legs"]:
        legs_by_to.setdefault(leg["to"], leg)
    for n, p in enumerate(_points(plan)):
        leg = legs_by_to.get(p["id"]) if n else None
        w.writerow(
            csv_row(
                [
                    n,
                    p["role"],
                    p["id"],
                    p["name"]["zh"],
                    p["name"]["en"],
                    f"{p['lon']:.6f}",
                    f"{p['lat']:.6f}",
                    "yes" if p.get("approximate") else "no",
                    p.get("uncertainty_m") or "",
                    p.get("arrive", ""),
                    p.get("depart", ""),
                    p.get("visit_minutes", ""),
                    f"{leg['road_m_estimate'] / 1000:.1f}" if leg and leg["distance_known"] else "",
                    leg["minutes_estimate"] if leg and leg["distance_known"] else "",
                ]
            )
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
