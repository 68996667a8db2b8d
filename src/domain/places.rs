//! Where a check came from, as coarsely as a consumer is told: the province
//! of the client's address, from DB-IP's "IP to City Lite" table (CC BY 4.0,
//! <https://db-ip.com>; `data/places/networks.csv`, written by
//! `scripts/places-table.py`). An address outside Vietnam, or one the table
//! does not place, has no place: a consumer abroad is told no province, and
//! such a check never counts as far from another.
//!
//! The table is coarse and sometimes wrong (mobile carriers' addresses are
//! often placed where the carrier's gateway is), so a place is one piece of
//! the clone evidence, never a verdict on its own (README, "Clone
//! detection").

use std::net::IpAddr;

use crate::domain::validate::PROVINCES;

/// A province, as its position in `PROVINCES` (ordered so: a tie between
/// two sightings at one time is broken the same way whatever their order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place(u8);

/// Each province's centre (latitude, longitude), in the order of
/// `PROVINCES`: the median of the coordinates DB-IP gives the places it
/// knows in the province, as printed by `scripts/places-table.py`.
const CENTRES: [(f64, f64); 34] = [
    (21.028, 105.834), // Hà Nội
    (16.462, 107.595), // Huế
    (20.865, 106.554), // Hải Phòng
    (16.054, 108.233), // Đà Nẵng
    (10.823, 106.644), // Thành phố Hồ Chí Minh
    (10.037, 105.751), // Cần Thơ
    (22.367, 103.470), // Lai Châu
    (21.386, 103.023), // Điện Biên
    (21.051, 104.622), // Sơn La
    (21.853, 106.761), // Lạng Sơn
    (21.017, 107.073), // Quảng Ninh
    (19.887, 105.767), // Thanh Hóa
    (18.920, 105.629), // Nghệ An
    (18.346, 105.815), // Hà Tĩnh
    (22.695, 106.258), // Cao Bằng
    (22.144, 105.214), // Tuyên Quang
    (22.111, 104.517), // Lào Cai
    (21.594, 105.848), // Thái Nguyên
    (21.255, 105.461), // Phú Thọ
    (21.201, 106.127), // Bắc Ninh
    (20.646, 106.118), // Hưng Yên
    (20.323, 106.083), // Ninh Bình
    (17.068, 106.790), // Quảng Trị
    (15.046, 108.761), // Quảng Ngãi
    (13.827, 109.016), // Gia Lai
    (12.245, 109.190), // Khánh Hòa
    (11.580, 108.102), // Lâm Đồng
    (12.820, 108.177), // Đắk Lắk
    (10.951, 106.843), // Đồng Nai
    (10.894, 106.358), // Tây Ninh
    (10.193, 106.335), // Vĩnh Long
    (10.443, 105.870), // Đồng Tháp
    (9.177, 105.196),  // Cà Mau
    (10.265, 105.117), // An Giang
];

const _: () = assert!(CENTRES.len() == PROVINCES.len());

impl Place {
    /// The province of this name as the registry writes it.
    pub fn named(name: &str) -> Option<Place> {
        PROVINCES
            .iter()
            .position(|p| *p == name)
            .and_then(|i| u8::try_from(i).ok())
            .map(Place)
    }

    pub fn name(self) -> &'static str {
        PROVINCES[usize::from(self.0)]
    }

    /// The province's centre (latitude, longitude): where the map draws
    /// the scans placed in it.
    pub fn centre(self) -> (f64, f64) {
        CENTRES[usize::from(self.0)]
    }

    /// Kilometres between the two provinces' centres, over the Earth's
    /// surface (haversine).
    pub fn km_to(self, other: Place) -> f64 {
        const EARTH_KM: f64 = 6371.0;
        let (lat1, lon1) = CENTRES[usize::from(self.0)];
        let (lat2, lon2) = CENTRES[usize::from(other.0)];
        let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
        let dp = p2 - p1;
        let dl = (lon2 - lon1).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_KM * a.sqrt().asin()
    }
}

/// Vietnam's networks by province, sorted, for a binary search per check.
#[derive(Debug, Default)]
pub struct Places {
    v4: Vec<(u32, u32, Place)>,
    v6: Vec<(u128, u128, Place)>,
}

impl Places {
    /// The table shipped with the service.
    pub fn shipped() -> Result<Self, String> {
        Self::parse(include_str!("../../data/places/networks.csv"))
    }

    /// Reads a table of lines `first address,last address,province` (`#`
    /// starts a comment). Ranges must be sorted and must not overlap.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut places = Places::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| format!("places table, line {}: {why}: {line:?}", n + 1);
            let mut fields = line.splitn(3, ',');
            let (Some(first), Some(last), Some(name)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("expected first address, last address, province"));
            };
            let place = Place::named(name).ok_or_else(|| bad("not a province"))?;
            let first: IpAddr = first.parse().map_err(|_| bad("bad first address"))?;
            let last: IpAddr = last.parse().map_err(|_| bad("bad last address"))?;
            match (first, last) {
                (IpAddr::V4(a), IpAddr::V4(b)) => push(&mut places.v4, a.into(), b.into(), place),
                (IpAddr::V6(a), IpAddr::V6(b)) => push(&mut places.v6, a.into(), b.into(), place),
                _ => Err("the two addresses are of different families"),
            }
            .map_err(bad)?;
        }
        Ok(places)
    }

    /// The province of an address, if the table places it in Vietnam.
    pub fn of(&self, ip: IpAddr) -> Option<Place> {
        match ip {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => find(&self.v4, u32::from(v4)),
                None => find(&self.v6, u128::from(v6)),
            },
        }
    }
}

fn push<T: Ord + Copy>(
    ranges: &mut Vec<(T, T, Place)>,
    first: T,
    last: T,
    place: Place,
) -> Result<(), &'static str> {
    if first > last {
        return Err("the range ends before it begins");
    }
    if ranges.last().is_some_and(|&(_, end, _)| end >= first) {
        return Err("ranges must be sorted and must not overlap");
    }
    ranges.push((first, last, place));
    Ok(())
}

fn find<T: Ord + Copy>(ranges: &[(T, T, Place)], address: T) -> Option<Place> {
    // The last range beginning at or before the address.
    let after = ranges.partition_point(|&(first, _, _)| first <= address);
    let &(_, last, place) = ranges.get(after.checked_sub(1)?)?;
    (address <= last).then_some(place)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "# a comment\n\
        1.52.0.0,1.52.1.127,Thành phố Hồ Chí Minh\n\
        1.52.1.128,1.52.1.255,Đà Nẵng\n\
        14.160.0.0,14.160.255.255,Vĩnh Long\n\
        2001:ee0::,2001:ee0:ffff:ffff:ffff:ffff:ffff:ffff,Hà Nội\n";

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn addresses_are_placed_by_their_range_and_only_there() {
        let places = Places::parse(TABLE).expect("parses");
        let name = |s: &str| places.of(ip(s)).map(Place::name);
        assert_eq!(name("1.52.0.0"), Some("Thành phố Hồ Chí Minh"));
        assert_eq!(name("1.52.1.127"), Some("Thành phố Hồ Chí Minh"));
        assert_eq!(name("1.52.1.128"), Some("Đà Nẵng"));
        assert_eq!(name("14.160.7.9"), Some("Vĩnh Long"));
        assert_eq!(name("1.52.2.0"), None, "between ranges");
        assert_eq!(name("1.51.255.255"), None, "before the first");
        assert_eq!(name("203.0.113.1"), None, "after the last");
        assert_eq!(name("2001:ee0:1::5"), Some("Hà Nội"));
        assert_eq!(name("::ffff:14.160.1.1"), Some("Vĩnh Long"), "IPv4-mapped");
        assert_eq!(name("2001:db8::1"), None);
    }

    #[test]
    fn a_bad_table_is_refused_with_its_line() {
        for (table, why) in [
            ("1.0.0.0,1.0.0.9,Atlantis\n", "not a province"),
            ("1.0.0.9,1.0.0.0,Huế\n", "ends before"),
            ("1.0.0.5,1.0.0.20,Huế\n1.0.0.0,1.0.0.9,Huế\n", "sorted"),
            ("1.0.0.0,::1,Huế\n", "families"),
            ("1.0.0.0,Huế\n", "expected"),
            ("1.0.0.x,1.0.0.9,Huế\n", "bad first"),
        ] {
            let err = Places::parse(table).expect_err(table);
            let line = format!("line {}", table.lines().count());
            assert!(err.contains(why) && err.contains(&line), "{err}");
        }
    }

    #[test]
    fn the_shipped_table_places_the_delta_and_the_capital() {
        let places = Places::shipped().expect("the shipped table parses");
        assert!(places.v4.len() > 1000 && !places.v6.is_empty());
        let provinces: std::collections::HashSet<_> =
            places.v4.iter().map(|&(_, _, p)| p.name()).collect();
        for p in ["Hà Nội", "Thành phố Hồ Chí Minh", "Vĩnh Long", "Cần Thơ"] {
            assert!(provinces.contains(p), "{p}");
        }
    }

    #[test]
    fn distances_between_centres() {
        let at = |n| Place::named(n).expect(n);
        let hanoi_to_hcmc = at("Hà Nội").km_to(at("Thành phố Hồ Chí Minh"));
        assert!((1100.0..1200.0).contains(&hanoi_to_hcmc), "{hanoi_to_hcmc}");
        let delta = at("Vĩnh Long").km_to(at("Cần Thơ"));
        assert!(delta < 80.0, "{delta}");
        assert_eq!(at("Huế").km_to(at("Huế")), 0.0);
        assert_eq!(Place::named("Atlantis"), None);
    }
}
