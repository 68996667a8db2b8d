//! The checker groups a stamp's scan summary keeps, and their stored text:
//! each distinct (network, device, province) group with when it was last
//! seen, at most `KEPT_CHECKERS` of them, the most recently seen. Kept here,
//! below the database layer, because SQLite's summary upsert merges stored
//! groups with a function of this module (`db` registers it), and the
//! PostgreSQL flush merges with the same one in Rust: one rule for both.

use chrono::NaiveDateTime;
use std::fmt::Write;

use crate::domain::checkers::{Checker, Hex};
use crate::domain::places::Place;

/// Checker groups kept per stamp: the most recently seen. The weight of
/// older ones is negligible (see `domain::checkers`), and a copied label's
/// thousands of checkers would otherwise make its row grow without end.
pub const KEPT_CHECKERS: usize = 64;

/// A stamp's checker groups, each with when it was last seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeenGroups(Vec<(Checker, NaiveDateTime)>);

impl SeenGroups {
    /// Notes group `who` seen at `at`: kept with the later of its times, and
    /// only the `KEPT_CHECKERS` most recently seen groups kept. Whatever the
    /// order the sightings come in, the groups kept are the most recent by
    /// their last sighting: merging stored groups gives what the scans gave
    /// one by one.
    pub fn see(&mut self, who: Checker, at: NaiveDateTime) {
        let seen = &mut self.0;
        match seen.iter_mut().find(|(w, _)| *w == who) {
            Some((_, last)) => *last = (*last).max(at),
            None => {
                seen.push((who, at));
                if seen.len() > KEPT_CHECKERS {
                    if let Some(oldest) = (0..seen.len()).min_by_key(|&i| seen[i].1) {
                        seen.swap_remove(oldest);
                    }
                }
            }
        }
    }

    /// The groups, oldest first.
    pub fn oldest_first(&self) -> Vec<(Checker, NaiveDateTime)> {
        let mut seen = self.0.clone();
        seen.sort_by_key(|(_, at)| *at);
        seen
    }

    /// Groups as stored (`stored`); groups that do not read are skipped.
    pub fn parse(text: &str) -> Self {
        SeenGroups(text.split(';').filter_map(parse_group).collect())
    }

    /// The groups as stored: "network,device,place,last seen" separated by
    /// ";", the hashes in hex and the time in microseconds since 1970 (UTC).
    pub fn stored(&self) -> String {
        let mut text = String::with_capacity(self.0.len() * 64);
        for (i, (who, at)) in self.0.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(Hex::of(who.network).as_str());
            text.push(',');
            if let Some(device) = who.device {
                text.push_str(Hex::of(device).as_str());
            }
            text.push(',');
            text.push_str(who.place.map(Place::name).unwrap_or_default());
            // Writing into a String cannot fail.
            let _ = write!(text, ",{}", at.and_utc().timestamp_micros());
        }
        text
    }

    /// Stored groups `stored` with stored groups `added` merged in, as
    /// stored: SQLite's summary upsert calls this on the row it updates.
    pub fn merge_stored(stored: &str, added: &str) -> String {
        let mut groups = SeenGroups::parse(stored);
        for (who, at) in added.split(';').filter_map(parse_group) {
            groups.see(who, at);
        }
        groups.stored()
    }
}

/// One stored group. Its time is in microseconds since 1970: a copied
/// label's row holds 64 groups, all read and written again at each of its
/// scans, and as dates ("2026-11-01 08:07:00.123456", what rows written
/// before hold, and still read) they made such a scan cost the flusher twice
/// what a first one did.
fn parse_group(text: &str) -> Option<(Checker, NaiveDateTime)> {
    let mut parts = text.splitn(4, ',');
    let network = Hex::number(parts.next()?)?;
    let device = parts.next()?;
    let place = parts.next()?;
    let seen = parts.next()?;
    let at = match seen.parse::<i64>() {
        Ok(micros) => chrono::DateTime::from_timestamp_micros(micros)?.naive_utc(),
        Err(_) => NaiveDateTime::parse_from_str(seen, "%Y-%m-%d %H:%M:%S%.f").ok()?,
    };
    let who = Checker {
        network,
        device: Hex::number(device),
        place: Place::named(place),
    };
    Some((who, at))
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
            let (_, back) = parse_group(&format!("{:016x},,,{text}", 9)).expect("parsed");
            assert_eq!(back, time);
        }
        assert!(parse_group("0000000000000009,,,2026-11-01 8h").is_none());
        // As written now: microseconds since 1970.
        let (_, now) = parse_group("0000000000000009,,,1793520420123456").expect("parsed");
        assert_eq!(now, at(7));
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
            groups.sort_by_key(|(who, at)| (*at, who.network));
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
}
