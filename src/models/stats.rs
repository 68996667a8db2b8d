//! Dashboard figures over the caller's reach and a date range.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use serde::Serialize;
use std::collections::HashMap;

use crate::db::schema::{batch, facility, scan, scan_day, stamp_roll};
use crate::db::DbConnection;
use crate::domain::access::Scope;
use crate::domain::kinds::FacilityStatus;
use crate::models::{batch as batches, facility as facilities, product as products};

/// The caller's reach over `batch` as SQL: a prefix closed by ")" around
/// one bound value, the same shape for every scope so that one query serves
/// all (grouped queries cannot be boxed). For everything, `'' = ''` holds.
fn scope_condition(scope: &Scope) -> (&'static str, String) {
    match scope {
        Scope::All => ("('' = ", String::new()),
        Scope::Enterprise(id) => (
            "batch.product_id IN (SELECT id FROM product WHERE enterprise_id = ",
            id.clone(),
        ),
        Scope::Province(p) => (
            "batch.facility_id IN (SELECT id FROM facility WHERE province_code = ",
            p.clone(),
        ),
    }
}

#[derive(Debug, Serialize)]
pub struct DayCount {
    pub day: NaiveDate,
    pub scans: i64,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub facilities_by_status: Vec<(String, i64)>,
    pub products: i64,
    pub batches: i64,
    pub batches_recalled: i64,
    /// Stamps in rolls issued within the range.
    pub stamps_issued: i64,
    pub scans_per_day: Vec<DayCount>,
    pub alerts: usize,
}

pub fn stats(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
    alerts: usize,
) -> QueryResult<Stats> {
    let facilities_by_status = FacilityStatus::ALL
        .iter()
        .map(|status| {
            facilities::scoped(scope)
                .filter(facility::status.eq(status.as_str()))
                .count()
                .get_result(conn)
                .map(|n| (status.as_str().to_owned(), n))
        })
        .collect::<QueryResult<Vec<_>>>()?;
    let products = products::scoped(scope).count().get_result(conn)?;
    let batch_count = batches::scoped(scope).count().get_result(conn)?;
    let batches_recalled = batches::scoped(scope)
        .filter(batch::status.eq("recalled"))
        .count()
        .get_result(conn)?;
    let (condition, bound) = scope_condition(scope);
    let in_scope = || {
        sql::<Bool>(condition)
            .bind::<Text, _>(bound.clone())
            .sql(")")
    };
    let stamps_issued = stamps_issued(conn, scope, from, to)?;
    // From the daily rollup (`resolver::summary`), not the scans: a day's
    // figure is one row per roll and province. Ranges are whole days.
    let scans_per_day = scan_day::table
        .inner_join(stamp_roll::table.on(stamp_roll::number.eq(scan_day::roll_number)))
        .inner_join(batch::table.on(batch::id.eq(stamp_roll::batch_id)))
        .filter(in_scope())
        .filter(scan_day::day.ge(from.date()))
        .filter(scan_day::day.lt(to.date()))
        .group_by(scan_day::day)
        .select((
            scan_day::day,
            // SUM(BIGINT) is NUMERIC on PostgreSQL.
            sql::<BigInt>("CAST(SUM(scan_day.scans) AS BIGINT)"),
        ))
        .order(scan_day::day)
        .load::<(NaiveDate, i64)>(conn)?
        .into_iter()
        .map(|(day, scans)| DayCount { day, scans })
        .collect();
    Ok(Stats {
        facilities_by_status,
        products,
        batches: batch_count,
        batches_recalled,
        stamps_issued,
        scans_per_day,
        alerts,
    })
}

/// Scans of the stamps in reach, by coarse origin: the salted hash of the
/// client's network area, so a producer sees where its stamps are read
/// (one area or many, a sudden new one) without learning who read them.
/// The ten busiest areas, busiest first.
pub fn scans_by_origin(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    let (condition, bound) = scope_condition(scope);
    scan::table
        .inner_join(stamp_roll::table.on(stamp_roll::number.nullable().eq(scan::roll_number)))
        .inner_join(batch::table.on(batch::id.eq(stamp_roll::batch_id)))
        .filter(sql::<Bool>(condition).bind::<Text, _>(bound).sql(")"))
        .filter(scan::scanned_at.ge(from))
        .filter(scan::scanned_at.lt(to))
        .group_by(scan::origin_region)
        .select((scan::origin_region, count_star()))
        .order(count_star().desc())
        .limit(10)
        .load(conn)
}

/// Scans of the stamps in reach by province (`scan.place`, the coarse
/// place of the client's address, `domain::places`), with how many of them
/// the resolver judged suspicious (a clone's sign): the map's hot spots.
/// Scans placed nowhere (abroad, unknown networks) are left out.
pub fn scans_by_place(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let (condition, bound) = scope_condition(scope);
    let rows: Vec<(Option<String>, i64, i64)> = scan::table
        .inner_join(stamp_roll::table.on(stamp_roll::number.nullable().eq(scan::roll_number)))
        .inner_join(batch::table.on(batch::id.eq(stamp_roll::batch_id)))
        .filter(sql::<Bool>(condition).bind::<Text, _>(bound).sql(")"))
        .filter(scan::scanned_at.ge(from))
        .filter(scan::scanned_at.lt(to))
        .filter(scan::place.is_not_null())
        .group_by(scan::place)
        .select((
            scan::place,
            count_star(),
            sql::<BigInt>(
                "CAST(SUM(CASE WHEN scan.verdict = 'suspicious' THEN 1 ELSE 0 END) AS BIGINT)",
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(place, scans, suspicious)| Some((place?, scans, suspicious)))
        .collect())
}

/// Stamps in the rolls issued within the range, over the caller's reach.
pub fn stamps_issued(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    let (condition, bound) = scope_condition(scope);
    // Roll counts are summed here: SUM(BIGINT) is NUMERIC on PostgreSQL but
    // INTEGER on SQLite, and a range holds few rolls.
    let rolls: Vec<i64> = stamp_roll::table
        .inner_join(batch::table)
        .filter(sql::<Bool>(condition).bind::<Text, _>(bound).sql(")"))
        .filter(stamp_roll::created_at.ge(from))
        .filter(stamp_roll::created_at.lt(to))
        .select(stamp_roll::count)
        .load(conn)?;
    Ok(rolls.iter().sum())
}

/// Stamps issued to each of `batch_ids` in rolls not voided whole: what a
/// recall of those batches would turn red at the next scan.
pub fn live_stamps_of(
    conn: &mut DbConnection,
    batch_ids: &[&str],
) -> QueryResult<HashMap<String, i64>> {
    let rolls: Vec<(String, i64)> = stamp_roll::table
        .filter(stamp_roll::batch_id.eq_any(batch_ids))
        .filter(stamp_roll::voided_at.is_null())
        .select((stamp_roll::batch_id, stamp_roll::count))
        .load(conn)?;
    let mut counts = HashMap::new();
    for (batch, count) in rolls {
        *counts.entry(batch).or_insert(0) += count;
    }
    Ok(counts)
}

/// Scans of each of `batch_ids`'s stamps from the day `since` on, from the
/// daily rollup (`resolver::summary`): how many consumers read them lately.
pub fn scans_of_since(
    conn: &mut DbConnection,
    batch_ids: &[&str],
    since: NaiveDate,
) -> QueryResult<HashMap<String, i64>> {
    Ok(scan_day::table
        .inner_join(stamp_roll::table.on(stamp_roll::number.eq(scan_day::roll_number)))
        .filter(stamp_roll::batch_id.eq_any(batch_ids))
        .filter(scan_day::day.ge(since))
        .group_by(stamp_roll::batch_id)
        .select((
            stamp_roll::batch_id,
            // SUM(BIGINT) is NUMERIC on PostgreSQL.
            sql::<BigInt>("CAST(SUM(scan_day.scans) AS BIGINT)"),
        ))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}
