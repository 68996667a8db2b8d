//! Who has checked a stamp: the evidence for a copied label.
//!
//! A copied label is checked by many people in many places; a genuine one
//! by a handful (a packer, a shop, a buyer and the buyer's family). So the
//! evidence is the number of distinct *checkers*, not of loads: one checker
//! is one origin network (the /24 of an IPv4 address, the /48 of an IPv6
//! one) however often it reloads and whatever cookies it sends, and a device
//! that keeps our first-party cookie is one checker on every network it
//! moves through (home Wi-Fi, then 4G). Each checker's weight halves every
//! `half_life_hours` after it was last seen, so that old evidence fades and
//! one shop's checks last week do not add to today's. A checker whose last
//! check was in a province too far from another checker's for one label to
//! have travelled between them in the time counts double: one label is in
//! one place at a time, copies are everywhere at once. README, "Clone
//! detection", gives the reasoning and its failure modes.

use chrono::NaiveDateTime;
use smallvec::SmallVec;
use std::num::NonZeroU64;

use crate::domain::places::Place;

/// A salted hash as stored (origins, devices, checker groups): 16 lowercase
/// hex digits, made on the stack, with no string per scan.
#[derive(Debug)]
pub struct Hex([u8; 16]);

impl Hex {
    pub fn of(hash: u64) -> Self {
        let mut digits = [0u8; 16];
        for (i, d) in digits.iter_mut().enumerate() {
            *d = b"0123456789abcdef"[(hash >> (60 - 4 * i)) as usize & 0xF];
        }
        Hex(digits)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// A stored hash as a number.
    pub fn number(text: &str) -> Option<u64> {
        u64::from_str_radix(text, 16).ok()
    }
}

/// One checker: a salted hash of its origin network and, when the browser
/// kept our cookie, a salted hash of its device token; and the province its
/// address is in, when known (`domain::places`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checker {
    pub network: u64,
    pub device: Option<u64>,
    pub place: Option<Place>,
}

/// When a stamp's checkers make it suspicious.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloneRule {
    /// Evidence (distinct checkers, each weighted by how recently it was
    /// seen) from which a stamp is suspicious.
    pub checkers: f64,
    /// Hours in which a checker's weight halves.
    pub half_life_hours: f64,
    /// Provinces closer than this (kilometres between centres) are never
    /// far apart: neighbours, and the table's errors near borders.
    pub far_km: f64,
    /// The speed (km/h, door to door) above which one label cannot have
    /// moved between two checks: farther apart than this covers in the
    /// hours between them is "far apart".
    pub travel_kmh: f64,
}

impl Default for CloneRule {
    fn default() -> Self {
        CloneRule {
            checkers: 5.0,
            half_life_hours: 72.0,
            far_km: 300.0,
            travel_kmh: 60.0,
        }
    }
}

impl CloneRule {
    /// A checker last seen at `seen`, weighed at `now`: 1 within the hour
    /// (ages count in whole hours, so that checkers seen a moment ago add
    /// up to a whole number to compare with the threshold).
    fn weight(&self, seen: NaiveDateTime, now: NaiveDateTime) -> f64 {
        let hours = (now - seen).num_hours().max(0) as f64;
        0.5f64.powf(hours / self.half_life_hours)
    }

    /// Whether one label cannot have been checked in both places at these
    /// times.
    fn far_apart(&self, a: (Place, NaiveDateTime), b: (Place, NaiveDateTime)) -> bool {
        let km = a.0.km_to(b.0);
        let hours = (a.1 - b.1).num_minutes().abs() as f64 / 60.0;
        km > self.far_km && hours * self.travel_kmh < km
    }
}

/// Checkers remembered per stamp: past it, the one seen longest ago is
/// forgotten (its weight is the smallest). A clone verdict needs a handful.
const MAX_KEPT: usize = 32;

/// A checker as remembered: a `Checker` packed into 32 bytes, so that a
/// stamp's history (`resolver::scan_index`, one per recently scanned stamp,
/// a hundred thousand under load) holds its one usual checker inline in
/// little room.
#[derive(Debug, Clone, Copy)]
struct Seen {
    network: u64,
    /// A device hash of 0 (one in 2^64) is taken for none.
    device: Option<NonZeroU64>,
    last: NaiveDateTime,
    place: Option<Place>,
}

impl Seen {
    fn of(who: Checker, last: NaiveDateTime) -> Self {
        Seen {
            network: who.network,
            device: who.device.and_then(NonZeroU64::new),
            last,
            place: who.place,
        }
    }
}

/// A stamp's checkers as far as known.
#[derive(Debug, Clone, Default)]
pub struct Checkers {
    /// Most stamps are checked from one place: that one is kept inline.
    seen: SmallVec<[Seen; 1]>,
    /// Distinct checkers ever counted (those forgotten included).
    distinct: i64,
}

/// What a check now would add up to.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evidence {
    /// Weighted distinct checkers, the one checking now included.
    pub score: f64,
    /// Distinct checkers ever, the one checking now included.
    pub checkers: i64,
    /// The one checking now has checked this stamp before.
    pub returning: bool,
}

impl Checkers {
    fn find(&self, who: &Checker) -> Option<usize> {
        let device = who.device.and_then(NonZeroU64::new);
        self.seen
            .iter()
            .position(|s| s.network == who.network || (device.is_some() && s.device == device))
    }

    /// Notes a check by `who` at `at`. A checker keeps the device it was
    /// last seen with: a shop's Wi-Fi sees the shopkeeper's phone and then
    /// the buyer's, and it is the buyer's phone that checks again from home
    /// (the summaries' checker groups keep the same, `checker_groups`).
    pub fn add(&mut self, who: Checker, at: NaiveDateTime) {
        if let Some(i) = self.find(&who) {
            let seen = &mut self.seen[i];
            let device = who.device.and_then(NonZeroU64::new);
            if at >= seen.last {
                seen.last = at;
                seen.place = who.place.or(seen.place);
                seen.device = device.or(seen.device);
            } else {
                seen.device = seen.device.or(device);
            }
            return;
        }
        self.distinct += 1;
        let new = Seen::of(who, at);
        if self.seen.len() < MAX_KEPT {
            self.seen.push(new);
        } else if let Some(oldest) = self.seen.iter_mut().min_by_key(|s| s.last) {
            *oldest = new;
        }
    }

    /// The evidence if `who` (`None`: a client we cannot tell apart, which
    /// adds nothing) checks at `now`.
    pub fn evidence(&self, who: Option<Checker>, now: NaiveDateTime, rule: &CloneRule) -> Evidence {
        let current = who.and_then(|w| self.find(&w));
        // Each checker as last seen, with its weight; the one checking now
        // here and now, weighing 1.
        let mut sightings: SmallVec<[(Option<Place>, NaiveDateTime, f64); 8]> = self
            .seen
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != current)
            .map(|(_, s)| (s.place, s.last, rule.weight(s.last, now)))
            .collect();
        if let Some(who) = who {
            let place = who
                .place
                .or_else(|| current.and_then(|i| self.seen[i].place));
            sightings.push((place, now, 1.0));
        }
        let far = |i: usize| {
            let (Some(place), at, _) = sightings[i] else {
                return false;
            };
            sightings.iter().enumerate().any(|(j, &(other, then, _))| {
                j != i && other.is_some_and(|other| rule.far_apart((place, at), (other, then)))
            })
        };
        let score = (0..sightings.len())
            .map(|i| sightings[i].2 * if far(i) { 2.0 } else { 1.0 })
            .sum();
        let counted = who.is_some();
        Evidence {
            score,
            checkers: self.distinct + i64::from(counted && current.is_none()),
            returning: current.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("a date")
            + chrono::Duration::hours(hours)
    }

    fn from(network: u64, device: Option<u64>) -> Checker {
        Checker {
            network,
            device,
            place: None,
        }
    }

    fn placed(network: u64, province: &str) -> Checker {
        Checker {
            place: Place::named(province),
            ..from(network, None)
        }
    }

    #[test]
    fn one_network_is_one_checker_whatever_it_sends() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        for device in 0..1000 {
            c.add(from(7, Some(device)), at(0));
            c.add(from(7, None), at(0));
        }
        let e = c.evidence(Some(from(7, Some(5000))), at(0), &rule);
        assert_eq!((e.checkers, e.score, e.returning), (1, 1.0, true));
    }

    #[test]
    fn a_device_moving_between_networks_is_one_checker() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        c.add(from(1, Some(9)), at(0));
        c.add(from(2, Some(9)), at(1));
        c.add(from(3, Some(9)), at(2));
        let e = c.evidence(Some(from(4, Some(9))), at(3), &rule);
        assert_eq!(e.checkers, 1);
        assert!(e.returning);
        // A stranger on a fourth network is the second.
        let e = c.evidence(Some(from(4, None)), at(3), &rule);
        assert_eq!(e.checkers, 2);
        assert!(!e.returning);
    }

    #[test]
    fn distinct_checkers_add_up_and_fade() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        for n in 0..4 {
            c.add(from(n, None), at(0));
        }
        let now = c.evidence(Some(from(99, None)), at(0), &rule);
        assert_eq!((now.score, now.checkers), (5.0, 5));
        assert!(now.score >= rule.checkers);
        // A half-life later the four weigh two.
        let later = c.evidence(Some(from(99, None)), at(72), &rule);
        assert!((later.score - 3.0).abs() < 1e-9, "{}", later.score);
        assert_eq!(later.checkers, 5, "counted, though faded");
        // An unidentifiable client adds nothing.
        assert_eq!(c.evidence(None, at(0), &rule).score, 4.0);
    }

    #[test]
    fn past_the_bound_the_longest_unseen_is_forgotten_but_counted() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        for n in 0..(MAX_KEPT as u64 + 8) {
            c.add(from(n, None), at(n as i64));
        }
        assert_eq!(c.seen.len(), MAX_KEPT);
        let e = c.evidence(None, at(100), &rule);
        assert_eq!(e.checkers, MAX_KEPT as i64 + 8);
        assert!(c.find(&from(0, None)).is_none(), "the oldest went first");
    }

    #[test]
    fn checkers_far_apart_within_hours_count_double() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        c.add(placed(1, "Vĩnh Long"), at(0));
        c.add(placed(2, "Hà Nội"), at(0));
        // Vĩnh Long and Hà Nội are about 1,600 km apart: no label travels
        // that within the hour, so both count double; a third checker in
        // Cần Thơ is far from Hà Nội too.
        let e = c.evidence(Some(placed(3, "Cần Thơ")), at(0), &rule);
        assert_eq!(e.score, 6.0);
        assert!(e.score >= rule.checkers);
        // The same three in the Delta, neighbours all, stay at three.
        let mut near = Checkers::default();
        near.add(placed(1, "Vĩnh Long"), at(0));
        near.add(placed(2, "Đồng Tháp"), at(0));
        assert_eq!(
            near.evidence(Some(placed(3, "Cần Thơ")), at(0), &rule)
                .score,
            3.0
        );
        // Two days apart, the label could have been trucked north.
        let mut later = Checkers::default();
        later.add(placed(1, "Vĩnh Long"), at(0));
        assert_eq!(
            later
                .evidence(Some(placed(2, "Hà Nội")), at(48), &rule)
                .score,
            1.0 + 0.5f64.powf(48.0 / 72.0)
        );
        // Unplaced checks (abroad, or unknown to the table) are never far.
        assert_eq!(later.evidence(Some(from(2, None)), at(0), &rule).score, 2.0);
    }

    #[test]
    fn a_returning_checker_is_placed_where_it_checks_now() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        c.add(placed(1, "Hà Nội"), at(0));
        c.add(placed(2, "Hà Nội"), at(0));
        // The first checker, its network now placed in the south (a
        // carrier's gateway moved it): one checker, but far from the second.
        let e = c.evidence(Some(placed(1, "Thành phố Hồ Chí Minh")), at(0), &rule);
        assert!(e.returning);
        assert_eq!(e.score, 4.0);
    }

    #[test]
    fn a_checker_keeps_the_device_it_was_last_seen_with() {
        let rule = CloneRule::default();
        let mut c = Checkers::default();
        // The shop's Wi-Fi: the shopkeeper's phone, then the buyer's.
        c.add(from(1, Some(10)), at(0));
        c.add(from(1, Some(20)), at(1));
        c.add(from(1, None), at(2));
        // The buyer's phone at home is the same checker.
        let e = c.evidence(Some(from(2, Some(20))), at(3), &rule);
        assert_eq!((e.checkers, e.returning), (1, true));
        // An older check folded in late changes nothing.
        c.add(from(1, Some(30)), at(0));
        let e = c.evidence(Some(from(2, Some(20))), at(3), &rule);
        assert_eq!((e.checkers, e.returning), (1, true));
    }

    #[test]
    fn a_stamp_checked_from_one_place_keeps_its_checker_inline_in_48_bytes() {
        assert_eq!(std::mem::size_of::<Seen>(), 32);
        assert_eq!(std::mem::size_of::<Checkers>(), 48);
    }
}
