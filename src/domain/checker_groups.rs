//! The checker groups a stamp's scan summary keeps, and their stored text:
//! one group per origin network, with when it was last seen, the province
//! it was seen from then, and the device (our cookie) last seen on it; at
//! most `KEPT_CHECKERS` of them, the most recently seen. Kept here, below
//! the database layer, because SQLite's summary upsert merges stored groups
//! with a function of this module (`db` registers it), and the PostgreSQL
//! flush merges with the same one in Rust: one rule for both.
//!
//! One group per network, not per (network, device, province): the clone
//! rule counts a network once however many devices it sends
//! (`domain::checkers`), and a device matters only to link the network to
//! others it moved through. Kept per device, every page load without our
//! cookie (each a new device) was a group of its own: a stamp's row grew to
//! its 64 groups (3.3 KB), every flush of the stamp read and wrote it whole,
//! and the load script's HTML throughput fell by a third over four runs
//! (README, "Figures").

use chrono::NaiveDateTime;
use std::fmt::Write;

use crate::domain::checkers::{Checker, Hex};
use crate::domain::places::Place;

/// Checker groups kept per stamp: the most recently seen. The weight of
/// older ones is negligible (see `domain::checkers`), and a copied label's
/// thousands of checkers would otherwise make its row grow without end.
pub const KEPT_CHECKERS: usize = 64;

/// One origin network's sightings of a stamp, folded.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Group {
    network: u64,
    /// The latest sighting, and its province.
    last: NaiveDateTime,
    place: Option<Place>,
    /// The latest sighting that carried a device, and its device.
    device: Option<(NaiveDateTime, u64)>,
}

impl Group {
    fn of(who: Checker, at: NaiveDateTime) -> Self {
        Group {
            network: who.network,
            last: at,
            place: who.place,
            device: who.device.map(|device| (at, device)),
        }
    }

    /// Folds in another group of the same network. Each field is the one of
    /// the later sighting (ties broken by value), so two groups fold to the
    /// same whichever comes first.
    fn absorb(&mut self, other: Group) {
        if (other.last, other.place) > (self.last, self.place) {
            self.last = other.last;
            self.place = other.place;
        }
        self.device = self.device.max(other.device);
    }

    fn checker(&self) -> Checker {
        Checker {
            network: self.network,
            device: self.device.map(|(_, device)| device),
            place: self.place,
        }
    }
}

/// A stamp's checker groups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeenGroups(Vec<Group>);

impl SeenGroups {
    /// Notes `who` seen at `at`.
    pub fn see(&mut self, who: Checker, at: NaiveDateTime) {
        self.note(Group::of(who, at));
    }

    /// Folds a group in, and keeps only the `KEPT_CHECKERS` most recently
    /// seen. Whatever the order groups come in, the groups kept are the
    /// most recent by their last sighting: merging stored groups gives what
    /// the scans gave one by one. (Except in one case: a network dropped for
    /// older than the kept ones and seen again later loses the device of
    /// its earlier sightings, which a merge may have kept.)
    fn note(&mut self, group: Group) {
        let seen = &mut self.0;
        match seen.iter_mut().find(|g| g.network == group.network) {
            Some(kept) => kept.absorb(group),
            None => {
                seen.push(group);
                if seen.len() > KEPT_CHECKERS {
                    if let Some(oldest) = (0..seen.len()).min_by_key(|&i| seen[i].last) {
                        seen.swap_remove(oldest);
                    }
                }
            }
        }
    }

    /// The groups as checkers, each with when it was last seen, oldest
    /// first.
    pub fn oldest_first(&self) -> Vec<(Checker, NaiveDateTime)> {
        let mut seen: Vec<_> = self.0.iter().map(|g| (g.checker(), g.last)).collect();
        seen.sort_by_key(|(_, at)| *at);
        seen
    }

    /// Groups as stored (`stored`); groups that do not read are skipped.
    /// Rows written when groups were per (network, device, province) fold
    /// into one group a network as they are read.
    pub fn parse(text: &str) -> Self {
        let mut groups = SeenGroups::default();
        for group in text.split(';').filter_map(parse_group) {
            groups.note(group);
        }
        groups
    }

    /// The groups as stored: "network,device,place,last seen" separated by
    /// ";", the hashes in hex and times in microseconds since 1970 (UTC);
    /// when the device was last seen before the network was, that time
    /// follows as a fifth field.
    pub fn stored(&self) -> String {
        let mut text = String::with_capacity(self.0.len() * 64);
        for (i, group) in self.0.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(Hex::of(group.network).as_str());
            text.push(',');
            if let Some((_, device)) = group.device {
                text.push_str(Hex::of(device).as_str());
            }
            text.push(',');
            text.push_str(group.place.map(Place::name).unwrap_or_default());
            // Writing into a String cannot fail.
            let _ = write!(text, ",{}", micros(group.last));
            if let Some((at, _)) = group.device.filter(|&(at, _)| at != group.last) {
                let _ = write!(text, ",{}", micros(at));
            }
        }
        text
    }

    /// Stored groups `stored` with stored groups `added` merged in, as
    /// stored: SQLite's summary upsert calls this on the row it updates.
    pub fn merge_stored(stored: &str, added: &str) -> String {
        let mut groups = SeenGroups::parse(stored);
        for group in added.split(';').filter_map(parse_group) {
            groups.note(group);
        }
        groups.stored()
    }
}

fn micros(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros()
}

/// A stored time: microseconds since 1970, or a date
/// ("2026-11-01 08:07:00.123456") as rows written before hold. A copied
/// label's row holds 64 groups, all read and written again at each of its
/// scans, and as dates they made such a scan cost the flusher twice what a
/// first one did.
fn parse_time(text: &str) -> Option<NaiveDateTime> {
    match text.parse::<i64>() {
        Ok(micros) => Some(chrono::DateTime::from_timestamp_micros(micros)?.naive_utc()),
        Err(_) => NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok(),
    }
}

/// One stored group.
fn parse_group(text: &str) -> Option<Group> {
    let mut parts = text.splitn(5, ',');
    let network = Hex::number(parts.next()?)?;
    let device = parts.next()?;
    let place = parts.next()?;
    let last = parse_time(parts.next()?)?;
    let device_at = match parts.next() {
        Some(at) => parse_time(at)?,
        None => last,
    };
    Some(Group {
        network,
        last,
        place: Place::named(place),
        device: Hex::number(device).map(|device| (device_at, device)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_micro_opt(8, minute, 0, 123_456))
            .expect("a time")
    }

    #[test]
    fn stored_groups_read_back_and_keep_the_most_recent() {
        let mut groups = SeenGroups::default();
        let place = Place::named("Vĩnh Long");
        for n in 0..(KEPT_CHECKERS as u64 + 3) {
            let who = Checker {
                network: n,
                device: (n % 2 == 0).then_some(n << 40),
                place,
            };
            groups.see(who, at((n % 60) as u32));
        }
        assert_eq!(groups.0.len(), KEPT_CHECKERS);
        assert_eq!(SeenGroups::parse(&groups.stored()), groups);
    }

    #[test]
    fn stored_times_read_back() {
        let whole = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .and_then(|d| d.and_hms_opt(3, 4, 5))
            .expect("a time");
        for time in [at(7), whole] {
            let text = time.format("%Y-%m-%d %H:%M:%S%.f").to_string();
            let back = parse_group(&format!("{:016x},,,{text}", 9)).expect("parsed");
            assert_eq!(back.last, time);
        }
        assert!(parse_group("0000000000000009,,,2026-11-01 8h").is_none());
        // As written now: microseconds since 1970.
        let now = parse_group("0000000000000009,,,1793520420123456").expect("parsed");
        assert_eq!(now.last, at(7));
        let mut groups = SeenGroups::default();
        let who = Checker {
            network: 9,
            device: None,
            place: None,
        };
        groups.see(who, at(7));
        assert_eq!(groups.stored(), "0000000000000009,,,1793520420123456");
    }

    #[test]
    fn merging_stored_groups_keeps_what_sighting_by_sighting_keeps() {
        // 300 sightings of 120 groups, out of time order, each at its own
        // second.
        let sightings: Vec<(Checker, NaiveDateTime)> = (0..300u64)
            .map(|n| {
                let group = n * 37 % 120;
                let who = Checker {
                    network: group,
                    device: (group % 3 == 0).then_some(group << 20),
                    place: Place::named(if group % 2 == 0 {
                        "Cần Thơ"
                    } else {
                        "Hà Nội"
                    }),
                };
                let at = at(0) + chrono::Duration::seconds(((n * 53) % 300) as i64);
                (who, at)
            })
            .collect();
        let groups_of = |sightings: &[(Checker, NaiveDateTime)]| {
            let mut groups = SeenGroups::default();
            for &(who, at) in sightings {
                groups.see(who, at);
            }
            groups
        };
        let sorted = |text: &str| {
            let mut groups = SeenGroups::parse(text).0;
            groups.sort_by_key(|g| (g.last, g.network));
            groups
        };
        let whole = groups_of(&sightings).stored();
        assert_eq!(sorted(&whole).len(), KEPT_CHECKERS);
        for split in [0, 1, 64, 150, 299, 300] {
            let (stored, added) = sightings.split_at(split);
            let merged =
                SeenGroups::merge_stored(&groups_of(stored).stored(), &groups_of(added).stored());
            assert_eq!(sorted(&merged), sorted(&whole), "split at {split}");
        }
    }

    #[test]
    fn a_network_is_one_group_whatever_devices_it_sends() {
        let place = Place::named("Vĩnh Long");
        let mut groups = SeenGroups::default();
        // A shop's Wi-Fi: page loads without our cookie, each a new device,
        // and some without any.
        for n in 0..500u64 {
            let who = Checker {
                network: 7,
                device: (n % 5 != 0).then_some(1000 + n),
                place,
            };
            groups.see(
                who,
                at((n % 50) as u32) + chrono::Duration::microseconds(n as i64),
            );
        }
        let stored = groups.stored();
        assert_eq!(groups.0.len(), 1, "{stored}");
        // The last sighting (n = 499, a device) is the group's time and
        // device.
        let last = at(49) + chrono::Duration::microseconds(499);
        assert_eq!(groups.0[0].last, last);
        assert_eq!(groups.0[0].device, Some((last, 1499)));
        assert_eq!(SeenGroups::parse(&stored), groups);
        assert!(stored.len() < 80, "{stored}");
    }

    #[test]
    fn a_device_seen_before_its_network_last_was_keeps_its_own_time() {
        let mut groups = SeenGroups::default();
        let who = |device| Checker {
            network: 9,
            device,
            place: None,
        };
        groups.see(who(Some(5)), at(1));
        groups.see(who(None), at(2));
        let stored = groups.stored();
        assert_eq!(
            stored,
            format!("{:016x},{:016x},,{},{}", 9, 5, micros(at(2)), micros(at(1)))
        );
        assert_eq!(SeenGroups::parse(&stored), groups);
        let (checker, last) = groups.oldest_first()[0];
        assert_eq!((checker.device, last), (Some(5), at(2)));
    }

    #[test]
    fn rows_stored_a_group_per_device_read_as_a_group_per_network() {
        let old = format!(
            "{n:016x},{:016x},Cần Thơ,{};{n:016x},{:016x},Cần Thơ,{};{:016x},,Hà Nội,{}",
            1,
            micros(at(3)),
            2,
            micros(at(5)),
            8,
            micros(at(4)),
            n = 7
        );
        let groups = SeenGroups::parse(&old);
        let seen = groups.oldest_first();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].0.network, seen[0].1), (8, at(4)));
        assert_eq!(
            (seen[1].0.network, seen[1].0.device, seen[1].1),
            (7, Some(2), at(5))
        );
    }

    #[test]
    fn groups_fold_alike_in_any_order_when_none_is_dropped() {
        // 200 sightings of 40 networks, each with its own device or none,
        // some at the same time from different provinces.
        let sightings: Vec<(Checker, NaiveDateTime)> = (0..200u64)
            .map(|n| {
                let who = Checker {
                    network: n * 7 % 40,
                    device: (n % 3 != 0).then_some(n * 13),
                    place: Place::named(["Cần Thơ", "Hà Nội", "Cà Mau"][(n % 3) as usize]),
                };
                (
                    who,
                    at(0) + chrono::Duration::seconds(((n * 31) % 90) as i64),
                )
            })
            .collect();
        let stored = |sightings: &mut dyn Iterator<Item = &(Checker, NaiveDateTime)>| {
            let mut groups = SeenGroups::default();
            for &(who, at) in sightings {
                groups.see(who, at);
            }
            groups.stored()
        };
        let sorted = |text: &str| {
            let mut groups = SeenGroups::parse(text).0;
            groups.sort_by_key(|g| g.network);
            groups
        };
        let whole = sorted(&stored(&mut sightings.iter()));
        assert_eq!(whole, sorted(&stored(&mut sightings.iter().rev())));
        for split in [1, 50, 117, 199] {
            let (a, b) = sightings.split_at(split);
            let merged = SeenGroups::merge_stored(&stored(&mut b.iter()), &stored(&mut a.iter()));
            assert_eq!(sorted(&merged), whole, "split at {split}");
        }
    }
}
