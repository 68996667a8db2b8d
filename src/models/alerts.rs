//! Counterfeit and clone alerts, computed from the scans: bursts of forged
//! codes from one origin, and stamps whose scans the resolver judged
//! suspicious (the clone rule, `domain::checkers`, applied once, at the
//! scan), voided or recalled. Each points at its evidence.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max, min, sum};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{batch, scan, stamp_roll};
use crate::db::DbConnection;
use crate::domain::access::Scope;
use crate::models::batch as batches;

/// Forged scans from one origin in the window that make a burst.
pub const FORGED_BURST: i64 = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `forged_burst`, `suspicious_scanned`, `voided_scanned`, `recalled_scanned`.
    pub kind: &'static str,
    pub roll_id: Option<String>,
    pub stamp_index: Option<i64>,
    pub batch_id: Option<String>,
    /// The hashed coarse origin of a forged burst.
    pub origin: Option<String>,
    pub scans: i64,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub first_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub last_at: Option<NaiveDateTime>,
    /// The scans behind the alert.
    pub evidence: String,
}

/// Roll number, stamp index, scans, first and last.
type StampGroup = (
    Option<i64>,
    Option<i64>,
    i64,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// A stamp alert, its roll still named by number (see `attach_rolls`).
struct StampAlert {
    roll_number: i64,
    verdict: Option<&'static str>,
    alert: Alert,
}

fn stamp_alert(
    kind: &'static str,
    (roll, index, scans, first_at, last_at): StampGroup,
    verdict: Option<&'static str>,
) -> StampAlert {
    StampAlert {
        roll_number: roll.unwrap_or_default(),
        verdict,
        alert: Alert {
            kind,
            evidence: String::new(),
            roll_id: None,
            stamp_index: Some(index.unwrap_or_default()),
            batch_id: None,
            origin: None,
            scans,
            first_at,
            last_at,
        },
    }
}

pub fn alerts(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<Alert>> {
    let in_window = || {
        scan::table
            .filter(scan::scanned_at.ge(from))
            .filter(scan::scanned_at.lt(to))
            .filter(scan::roll_number.is_not_null())
    };
    let group = (
        scan::roll_number,
        scan::stamp_index,
        count_star(),
        min(scan::scanned_at),
        max(scan::scanned_at),
    );
    let mut stamps = Vec::new();
    for (kind, verdict) in [
        ("suspicious_scanned", "suspicious"),
        ("voided_scanned", "voided"),
        ("recalled_scanned", "recalled"),
    ] {
        for row in in_window()
            .filter(scan::verdict.eq(verdict))
            .group_by((scan::roll_number, scan::stamp_index))
            .select(group)
            .load::<StampGroup>(conn)?
        {
            stamps.push(stamp_alert(kind, row, Some(verdict)));
        }
    }
    let mut found = attach_rolls(conn, scope, stamps)?;
    // A forged code belongs to no batch and so to no province: every
    // regulator and admin sees forged bursts; producers do not.
    if !matches!(scope, Scope::Enterprise(_)) {
        let bursts = scan::table
            .filter(scan::scanned_at.ge(from))
            .filter(scan::scanned_at.lt(to))
            .filter(scan::verdict.eq("unknown"))
            .filter(scan::origin_hash.is_not_null())
            .group_by(scan::origin_hash)
            .having(sum(scan::tally).ge(FORGED_BURST))
            .select((
                scan::origin_hash,
                sum(scan::tally),
                min(scan::scanned_at),
                max(scan::scanned_at),
            ))
            .load::<(
                Option<String>,
                Option<i64>,
                Option<NaiveDateTime>,
                Option<NaiveDateTime>,
            )>(conn)?;
        for (origin, scans, first_at, last_at) in bursts {
            let origin = origin.unwrap_or_default();
            let scans = scans.unwrap_or_default();
            found.push(Alert {
                kind: "forged_burst",
                evidence: format!("/api/v1/scans?origin={origin}&verdict=unknown"),
                roll_id: None,
                stamp_index: None,
                batch_id: None,
                origin: Some(origin),
                scans,
                first_at,
                last_at,
            });
        }
    }
    found.sort_by_key(|a| std::cmp::Reverse(a.last_at));
    Ok(found)
}

/// Names each stamp alert's roll and batch, points it at its scans, and
/// drops those outside the caller's reach.
fn attach_rolls(
    conn: &mut DbConnection,
    scope: &Scope,
    stamps: Vec<StampAlert>,
) -> QueryResult<Vec<Alert>> {
    let numbers: Vec<i64> = stamps.iter().map(|s| s.roll_number).collect();
    let rolls: Vec<(i64, String, String)> = stamp_roll::table
        .filter(stamp_roll::number.eq_any(numbers))
        .select((stamp_roll::number, stamp_roll::id, stamp_roll::batch_id))
        .load(conn)?;
    let batch_ids: Vec<&str> = rolls.iter().map(|(_, _, b)| b.as_str()).collect();
    let visible: Vec<String> = batches::scoped(scope)
        .filter(batch::id.eq_any(batch_ids))
        .select(batch::id)
        .load(conn)?;
    Ok(stamps
        .into_iter()
        .filter_map(|stamp| {
            let (_, roll_id, batch_id) = rolls.iter().find(|(n, _, _)| *n == stamp.roll_number)?;
            if !visible.contains(batch_id) {
                return None;
            }
            let mut alert = stamp.alert;
            let index = alert.stamp_index.unwrap_or_default();
            let verdict = stamp
                .verdict
                .map(|v| format!("&verdict={v}"))
                .unwrap_or_default();
            alert.evidence =
                format!("/api/v1/scans?roll_id={roll_id}&stamp_index={index}{verdict}");
            alert.roll_id = Some(roll_id.clone());
            alert.batch_id = Some(batch_id.clone());
            Some(alert)
        })
        .collect())
}
