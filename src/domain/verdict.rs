//! The verdict on a scanned stamp: pure, from facts the resolver gathered.
//! Safety comes first: a recall outranks everything, then a void, then a
//! suspended facility, then a best-before date passed, then signs of a
//! copied label.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Genuine,
    /// Scanned unusually often, or from far-apart origins in a short time:
    /// possibly a copied label.
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

/// When a stamp's scans look like a copied label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloneThresholds {
    /// Scans of one stamp beyond which it is suspicious (a sticker on one
    /// pomelo is scanned a handful of times, a copied one by many buyers).
    pub max_scans: i64,
    /// Distinct coarse origins within the window that make it suspicious.
    pub max_origins: i64,
    pub window_hours: i64,
}

impl Default for CloneThresholds {
    fn default() -> Self {
        CloneThresholds {
            max_scans: 50,
            max_origins: 3,
            window_hours: 24,
        }
    }
}

/// What the resolver knows about a stamp that decoded and exists.
#[derive(Debug, Clone, Copy, Default)]
pub struct StampFacts {
    pub batch_recalled: bool,
    pub stamp_voided: bool,
    pub facility_suspended: bool,
    /// The lot's best-before date is past (decided at answer time, so a
    /// cached record turns at midnight).
    pub expired: bool,
    /// Scans recorded before this one.
    pub scans: i64,
    /// Distinct coarse origins among recent scans, this one included.
    pub recent_origins: i64,
}

pub fn verdict(facts: &StampFacts, limits: &CloneThresholds) -> Verdict {
    if facts.batch_recalled {
        Verdict::Recalled
    } else if facts.stamp_voided {
        Verdict::Voided
    } else if facts.facility_suspended {
        Verdict::FacilitySuspended
    } else if facts.expired {
        Verdict::Expired
    } else if facts.scans >= limits.max_scans || facts.recent_origins >= limits.max_origins {
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
        let limits = CloneThresholds::default();
        let all = StampFacts {
            batch_recalled: true,
            stamp_voided: true,
            facility_suspended: true,
            expired: true,
            scans: 1000,
            recent_origins: 10,
        };
        assert_eq!(verdict(&all, &limits), Verdict::Recalled);
        let voided = StampFacts {
            batch_recalled: false,
            ..all
        };
        assert_eq!(verdict(&voided, &limits), Verdict::Voided);
        let suspended = StampFacts {
            stamp_voided: false,
            ..voided
        };
        assert_eq!(verdict(&suspended, &limits), Verdict::FacilitySuspended);
        let expired = StampFacts {
            facility_suspended: false,
            ..suspended
        };
        assert_eq!(verdict(&expired, &limits), Verdict::Expired);
        let copied = StampFacts {
            expired: false,
            ..expired
        };
        assert_eq!(verdict(&copied, &limits), Verdict::Suspicious);
    }

    #[test]
    fn thresholds() {
        let limits = CloneThresholds::default();
        let fresh = StampFacts {
            scans: 0,
            recent_origins: 1,
            ..Default::default()
        };
        assert_eq!(verdict(&fresh, &limits), Verdict::Genuine);
        let busy = StampFacts { scans: 50, ..fresh };
        assert_eq!(verdict(&busy, &limits), Verdict::Suspicious);
        let spread = StampFacts {
            recent_origins: 3,
            ..fresh
        };
        assert_eq!(verdict(&spread, &limits), Verdict::Suspicious);
        assert_eq!(Verdict::FacilitySuspended.as_str(), "facility_suspended");
    }
}
