//! The verdict on a scanned stamp: pure, from facts the resolver gathered.
//! Safety comes first: a recall outranks everything, then a void, then a
//! suspended facility, then a best-before date passed, then signs of a
//! copied label.

use serde::Serialize;

use crate::domain::checkers::CloneRule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Genuine,
    /// Checked by more distinct people and places than one label is:
    /// possibly a copied label (`checkers`).
    Suspicious,
    Recalled,
    Voided,
    FacilitySuspended,
    /// A genuine stamp on a lot past its best-before date: never plain green.
    Expired,
    /// Not a code of ours: forged, mistyped or voided beyond recognition.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Suspicious => "suspicious",
            Verdict::Recalled => "recalled",
            Verdict::Voided => "voided",
            Verdict::FacilitySuspended => "facility_suspended",
            Verdict::Expired => "expired",
            Verdict::Unknown => "unknown",
        }
    }
}

/// What one correct PIN entered after the stamp was claimed weighs, in
/// checkers: the PIN is under the scratch-off of one label, so a second
/// holder of it is strong evidence of a copy (a photographed label sold
/// again) — but the buyer may also type it twice, so one alone does not
/// decide (README, "Clone detection").
pub const LATER_CLAIM_WEIGHT: f64 = 2.0;

/// What one replayed NFC tap URL opened by someone other than the tapper
/// weighs, in checkers: the chip gives a new URL each tap, so another
/// person opening an old one holds a copy of it — or was sent it by the
/// buyer, which is why one alone does not decide (README, "Clone
/// detection").
pub const COPIED_TAP_WEIGHT: f64 = 2.0;

/// What the resolver knows about a stamp that decoded and exists.
#[derive(Debug, Clone, Copy, Default)]
pub struct StampFacts {
    pub batch_recalled: bool,
    pub stamp_voided: bool,
    pub facility_suspended: bool,
    /// The lot's best-before date is past (decided at answer time, so a
    /// cached record turns at midnight).
    pub expired: bool,
    /// Distinct checkers, weighted by how recently each was seen, this one
    /// included (`checkers::Checkers::evidence`).
    pub checkers: f64,
    /// Correct scratch-off PINs entered after the stamp's first claim.
    pub later_claims: i32,
    /// Replayed NFC tap URLs opened by others than the tapper.
    pub copied_taps: i64,
}

pub fn verdict(facts: &StampFacts, rule: &CloneRule) -> Verdict {
    if facts.batch_recalled {
        Verdict::Recalled
    } else if facts.stamp_voided {
        Verdict::Voided
    } else if facts.facility_suspended {
        Verdict::FacilitySuspended
    } else if facts.expired {
        Verdict::Expired
    } else if facts.checkers
        + LATER_CLAIM_WEIGHT * f64::from(facts.later_claims)
        + COPIED_TAP_WEIGHT * facts.copied_taps as f64
        >= rule.checkers
    {
        Verdict::Suspicious
    } else {
        Verdict::Genuine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_outranks_everything() {
        let rule = CloneRule::default();
        let all = StampFacts {
            batch_recalled: true,
            stamp_voided: true,
            facility_suspended: true,
            expired: true,
            checkers: 100.0,
            later_claims: 0,
            copied_taps: 0,
        };
        assert_eq!(verdict(&all, &rule), Verdict::Recalled);
        let voided = StampFacts {
            batch_recalled: false,
            ..all
        };
        assert_eq!(verdict(&voided, &rule), Verdict::Voided);
        let suspended = StampFacts {
            stamp_voided: false,
            ..voided
        };
        assert_eq!(verdict(&suspended, &rule), Verdict::FacilitySuspended);
        let expired = StampFacts {
            facility_suspended: false,
            ..suspended
        };
        assert_eq!(verdict(&expired, &rule), Verdict::Expired);
        let copied = StampFacts {
            expired: false,
            ..expired
        };
        assert_eq!(verdict(&copied, &rule), Verdict::Suspicious);
    }

    #[test]
    fn the_threshold_is_on_weighted_checkers() {
        let rule = CloneRule::default();
        let few = StampFacts {
            checkers: 4.9,
            ..Default::default()
        };
        assert_eq!(verdict(&few, &rule), Verdict::Genuine);
        let many = StampFacts {
            checkers: 5.0,
            ..few
        };
        assert_eq!(verdict(&many, &rule), Verdict::Suspicious);
        assert_eq!(Verdict::FacilitySuspended.as_str(), "facility_suspended");
        // A PIN typed again after the claim weighs two checkers.
        let retyped = StampFacts {
            checkers: 1.0,
            later_claims: 1,
            ..few
        };
        assert_eq!(verdict(&retyped, &rule), Verdict::Genuine);
        let copied = StampFacts {
            later_claims: 2,
            ..retyped
        };
        assert_eq!(verdict(&copied, &rule), Verdict::Suspicious);
        // So does a tap URL opened by someone else: one is a buyer sharing
        // it, two are copies.
        let shared = StampFacts {
            copied_taps: 1,
            ..retyped
        };
        assert_eq!(
            verdict(
                &StampFacts {
                    later_claims: 0,
                    ..shared
                },
                &rule
            ),
            Verdict::Genuine
        );
        let copies = StampFacts {
            later_claims: 0,
            copied_taps: 2,
            ..retyped
        };
        assert_eq!(verdict(&copies, &rule), Verdict::Suspicious);
    }
}
