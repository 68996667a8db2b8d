//! Counterfeit and clone alerts, computed from the scans: bursts of forged
//! codes from one origin, stamps scanned too often or from too many places,
//! and scans of voided or recalled stamps. Each points at its evidence.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max, min};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::Scope;
use crate::db::schema::{batch, scan, stamp_roll};
use crate::db::DbConnection;
use crate::domain::verdict::CloneThresholds;
use crate::models::batch as batches;

/// Forged scans from one origin in the window that make a burst.
pub const FORGED_BURST: i64 = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `forged_burst`, `over_scanned`, `far_apart`, `voided_scanned`, `recalled_scanned`.
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

type StampGroup = (
    Option<String>,
    Option<i64>,
    i64,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn stamp_alert(
    kind: &'static str,
    (roll, index, scans, first_at, last_at): StampGroup,
    verdict: Option<&str>,
) -> Alert {
    let roll_id = roll.unwrap_or_default();
    let index = index.unwrap_or_default();
    let verdict = verdict.map(|v| format!("&verdict={v}")).unwrap_or_default();
    Alert {
        kind,
        evidence: format!("/api/v1/scans?roll_id={roll_id}&stamp_index={index}{verdict}"),
        roll_id: Some(roll_id),
        stamp_index: Some(index),
        batch_id: None,
        origin: None,
        scans,
        first_at,
        last_at,
    }
}

pub fn alerts(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limits: &CloneThresholds,
) -> QueryResult<Vec<Alert>> {
    let in_window = || {
        scan::table
            .filter(scan::scanned_at.ge(from))
            .filter(scan::scanned_at.lt(to))
            .filter(scan::roll_id.is_not_null())
    };
    let group = (
        scan::roll_id,
        scan::stamp_index,
        count_star(),
        min(scan::scanned_at),
        max(scan::scanned_at),
    );
    let mut found = Vec::new();
    for row in in_window()
        .group_by((scan::roll_id, scan::stamp_index))
        .having(count_star().ge(limits.max_scans))
        .select(group)
        .load::<StampGroup>(conn)?
    {
        found.push(stamp_alert("over_scanned", row, None));
    }
    for row in in_window()
        .group_by((scan::roll_id, scan::stamp_index))
        .having(
            diesel::dsl::count(scan::origin_region)
                .aggregate_distinct()
                .ge(limits.max_origins),
        )
        .select(group)
        .load::<StampGroup>(conn)?
    {
        found.push(stamp_alert("far_apart", row, None));
    }
    for (kind, verdict) in [
        ("voided_scanned", "voided"),
        ("recalled_scanned", "recalled"),
    ] {
        for row in in_window()
            .filter(scan::verdict.eq(verdict))
            .group_by((scan::roll_id, scan::stamp_index))
            .select(group)
            .load::<StampGroup>(conn)?
        {
            found.push(stamp_alert(kind, row, Some(verdict)));
        }
    }
    attach_batches(conn, scope, &mut found)?;
    // A forged code belongs to no batch and so to no province: every
    // regulator and admin sees forged bursts; producers do not.
    if !matches!(scope, Scope::Enterprise(_)) {
        let bursts = scan::table
            .filter(scan::scanned_at.ge(from))
            .filter(scan::scanned_at.lt(to))
            .filter(scan::verdict.eq("unknown"))
            .filter(scan::origin_hash.is_not_null())
            .group_by(scan::origin_hash)
            .having(count_star().ge(FORGED_BURST))
            .select((
                scan::origin_hash,
                count_star(),
                min(scan::scanned_at),
                max(scan::scanned_at),
            ))
            .load::<(
                Option<String>,
                i64,
                Option<NaiveDateTime>,
                Option<NaiveDateTime>,
            )>(conn)?;
        for (origin, scans, first_at, last_at) in bursts {
            let origin = origin.unwrap_or_default();
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

/// Names each stamp alert's batch and drops those outside the caller's reach.
fn attach_batches(
    conn: &mut DbConnection,
    scope: &Scope,
    found: &mut Vec<Alert>,
) -> QueryResult<()> {
    let rolls: Vec<&str> = found.iter().filter_map(|a| a.roll_id.as_deref()).collect();
    let roll_batches: Vec<(String, String)> = stamp_roll::table
        .filter(stamp_roll::id.eq_any(rolls))
        .select((stamp_roll::id, stamp_roll::batch_id))
        .load(conn)?;
    let batch_ids: Vec<&str> = roll_batches.iter().map(|(_, b)| b.as_str()).collect();
    let visible: Vec<String> = batches::scoped(scope)
        .filter(batch::id.eq_any(batch_ids))
        .select(batch::id)
        .load(conn)?;
    found.retain_mut(|alert| {
        let batch = roll_batches
            .iter()
            .find(|(roll, _)| Some(roll.as_str()) == alert.roll_id.as_deref())
            .map(|(_, b)| b.clone());
        alert.batch_id = batch.clone();
        batch.is_some_and(|b| visible.contains(&b))
    });
    Ok(())
}
