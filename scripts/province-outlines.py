#!/usr/bin/env python3
"""Simplify Vietnam's 34 province outlines (since 1 July 2025) into
data/map/provinces.tsv, the small table the map pages draw as SVG.

Input: diaphantinhvn_merged.geojson from github.com/TaliaCao/Vietnam-Shape-Map
(MIT licence; the 63 pre-2025 outlines of Open Development Vietnam's
"Địa phận tỉnh" dataset dissolved into the 34 new provinces). Usage:

    scripts/province-outlines.py diaphantinhvn_merged.geojson > data/map/provinces.tsv

Output, one line a province: registry code (data/admin-units/provinces.csv),
TAB, rings separated by ';', each ring 'lon,lat lon,lat ...' with three
decimals (about 100 m). Rings are simplified with Douglas-Peucker
(tolerance TOLERANCE degrees) and rings smaller than MIN_AREA square degrees
(small islands) are dropped, except a province's largest ring and the
islands of the Hoàng Sa and Trường Sa archipelagos (east of OFFSHORE).
Python standard library only.
"""

import csv
import json
import os
import sys
import unicodedata

TOLERANCE = 0.005
MIN_AREA = 0.002
# East of this longitude: the Hoàng Sa and Trường Sa archipelagos, whose
# islands are kept however small.
OFFSHORE = 110.5

# The source's names that differ from the registry's.
RENAMED = {
    "TP Cần Thơ": "Cần Thơ",
    "TP HCM": "Thành phố Hồ Chí Minh",
    "TP Huế": "Huế",
    "TP Hà Nội": "Hà Nội",
    "TP Hải Phòng": "Hải Phòng",
    "TP Đà Nẵng": "Đà Nẵng",
    "Khánh Hoà": "Khánh Hòa",
    "Thanh Hoá": "Thanh Hóa",
}


def nfc(s):
    return unicodedata.normalize("NFC", s)


def registry_codes():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "data", "admin-units", "provinces.csv")
    with open(path, encoding="utf-8") as f:
        return {nfc(row["name"]): row["code"] for row in csv.DictReader(f)}


def perpendicular(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def douglas_peucker(points, tolerance):
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, None
        for i in range(first + 1, last):
            d = perpendicular(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def area(ring):
    return abs(
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]))
    ) / 2


def main():
    codes = registry_codes()
    source = json.load(open(sys.argv[1], encoding="utf-8"))
    lines = []
    for feature in source["features"]:
        name = nfc(feature["properties"]["ten_tinh"])
        name = RENAMED.get(name, name)
        code = codes[name]
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        # Outer rings only: the provinces have no holes worth drawing.
        rings = [[tuple(p[:2]) for p in polygon[0]] for polygon in polygons]
        rings.sort(key=area, reverse=True)
        kept = []
        for i, ring in enumerate(rings):
            offshore = min(x for x, _ in ring) > OFFSHORE
            if i > 0 and area(ring) < MIN_AREA and not offshore:
                continue
            # The archipelagos' islands are kept, each at least a triangle.
            tolerance = TOLERANCE if not offshore else TOLERANCE / 20
            simple = douglas_peucker(ring, tolerance)
            if len(simple) < 4:
                continue
            kept.append(" ".join(f"{x:.3f},{y:.3f}" for x, y in simple[:-1]))
        lines.append(f"{code}\t{';'.join(kept)}")
    if len(lines) != len(codes):
        sys.exit(f"{len(lines)} provinces in the source, {len(codes)} in the registry")
    lines.sort()
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
