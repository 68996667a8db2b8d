#!/usr/bin/env python3
"""Writes data/admin-units/{provinces,communes,conversion}.csv, Vietnam's
two-level administrative units since 1 July 2025 and the conversion from the
units before it, from the PyPI package `vietnamadminunits` (MIT licence,
Copyright (c) 2025 Tran Ngoc Minh Hieu), whose dataset was collected from the
General Statistics Office's list (danhmuchanhchinh.gso.gov.vn, codes of
Decision 19/2025/QĐ-TTg) and the merger maps of sapnhap.bando.com.vn.

    pip download vietnamadminunits==1.0.4 --no-deps -d /tmp/vau
    cd /tmp/vau && unzip -q vietnamadminunits-1.0.4-py3-none-any.whl
    scripts/admin-units.py /tmp/vau/vietnamadminunits/data

`vietnam-provinces` (GPL-3.0-or-later) has the same 34 provinces and 3,321
communes but no conversion table, and its licence would bind the binary that
embeds the tables; it is not used.

The conversion maps each pre-2025 commune (province, district, commune) to
the new commune it became. A commune split between several new ones is
written with `split=1` and the new commune the dataset marks as its main
successor: the registry does not guess such rows and lists them for an admin.
"""
import csv
import json
import sqlite3
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "admin-units"

# The registry's short province names (src/domain/validate.rs, PROVINCES)
# where they differ from the dataset's.
SHORT = {"Hồ Chí Minh": "Thành phố Hồ Chí Minh"}

KIND = {"Phường": "ward", "Xã": "commune", "Đặc khu": "special_zone"}


def main(data: Path) -> None:
    db = sqlite3.connect(data / "dataset.db")
    db.row_factory = sqlite3.Row
    converter = json.loads((data / "converter_2025.json").read_text("utf-8"))

    provinces = {}
    communes = []
    key_to_code = {}
    for r in db.execute("SELECT * FROM admin_units ORDER BY CAST(wardCode AS INTEGER)"):
        code = int(r["provinceCode"])
        short = SHORT.get(r["provinceShort"], r["provinceShort"])
        provinces[code] = (short, r["province"])
        kind = KIND[r["wardType"]]
        communes.append((int(r["wardCode"]), r["ward"], code, kind))
        key_to_code[(r["provinceKey"], r["wardKey"])] = int(r["wardCode"])
    assert len(provinces) == 34 and len(communes) == 3321, (len(provinces), len(communes))

    with open(OUT / "provinces.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "full_name"])
        for code in sorted(provinces):
            w.writerow([f"{code:02}", *provinces[code]])
    with open(OUT / "communes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "province_code", "kind"])
        for code, name, province, kind in communes:
            w.writerow([f"{code:05}", name, f"{province:02}", kind])

    # Old key "province_district_commune" → (new province key, new commune key, split).
    successor = {}
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in wards.items():
            for old in olds:
                successor[old] = (new_province, new_ward, 0)
    for new_province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            main_ward = next(n["newWardKey"] for n in news if n["isDefaultNewWard"])
            successor[old] = (new_province, main_ward, 1)

    rows = []
    missing = 0
    for r in db.execute("SELECT * FROM admin_units_legacy"):
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        found = successor.get(key)
        if found is None:
            missing += 1
            continue
        new_province, new_ward, split = found
        new_code = key_to_code[(new_province, new_ward)]
        old_code = r["wardCode"] or ""
        rows.append((r["province"], r["district"], r["ward"] or "", old_code, f"{new_code:05}", split))
    rows.sort(key=lambda x: (x[0], x[1], x[2]))
    with open(OUT / "conversion.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["old_province", "old_district", "old_commune", "old_commune_code", "commune_code", "split"])
        w.writerows(rows)
    print(f"{len(provinces)} provinces, {len(communes)} communes, {len(rows)} old communes "
          f"({sum(r[5] for r in rows)} split, {missing} without a successor)", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
