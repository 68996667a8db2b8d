//! Alerts, the scans behind them, and dashboard statistics.

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Scope};
use crate::db::schema::{scan, stamp_roll as roll_table};
use crate::domain::id::Id;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::alerts::{self, Alert};
use crate::models::page::{List, Page};
use crate::models::{batch, stamp_roll, stats};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/alerts", web::get().to(list_alerts))
        .route("/scans", web::get().to(list_scans))
        .route("/stats", web::get().to(show_stats));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Range {
    /// First day, `YYYY-MM-DD` (default: `default_days` before today).
    from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (default: today).
    to: Option<String>,
    format: Option<String>,
}

/// Longest range a request may ask for.
const MAX_DAYS: i64 = 366;

impl Range {
    fn bounds(&self, default_days: i64) -> AppResult<(NaiveDateTime, NaiveDateTime)> {
        let today = crate::time::now().date();
        let to = v::optional_date_text("to", self.to.as_deref())?.unwrap_or(today);
        let from = v::optional_date_text("from", self.from.as_deref())?
            .unwrap_or(to - Duration::days(default_days - 1));
        v::date_order("to", from, to)?;
        if (to - from).num_days() >= MAX_DAYS {
            return Err(AppError::invalid(
                "from",
                format!("a range spans at most {MAX_DAYS} days"),
            ));
        }
        let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        Ok((midnight(from), midnight(to + Duration::days(1))))
    }

    fn csv(&self) -> AppResult<bool> {
        super::export::wants_csv(self.format.as_deref())
    }
}

#[derive(Serialize)]
struct Alerts {
    items: Vec<Alert>,
    total: usize,
}

async fn list_alerts(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<Range>,
) -> AppResult<HttpResponse> {
    let (from, to) = query.bounds(7)?;
    let csv = query.csv()?;
    let scope = caller.scope();
    let items = state
        .db(move |conn| Ok(alerts::alerts(conn, &scope, from, to)?))
        .await?;
    if csv {
        let rows = items.iter().map(|a| {
            vec![
                a.kind.to_owned(),
                a.batch_id.clone().unwrap_or_default(),
                a.roll_id.clone().unwrap_or_default(),
                a.stamp_index.map(|i| i.to_string()).unwrap_or_default(),
                a.origin.clone().unwrap_or_default(),
                a.scans.to_string(),
                a.first_at
                    .map(|t| crate::time::rfc3339(&t))
                    .unwrap_or_default(),
                a.last_at
                    .map(|t| crate::time::rfc3339(&t))
                    .unwrap_or_default(),
                a.evidence.clone(),
            ]
        });
        let columns = [
            "kind",
            "batch_id",
            "roll_id",
            "stamp_index",
            "origin",
            "scans",
            "first_at",
            "last_at",
            "evidence",
        ];
        return Ok(super::export::csv_response("alerts.csv", &columns, rows));
    }
    Ok(HttpResponse::Ok().json(Alerts {
        total: items.len(),
        items,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanFilter {
    roll_id: Option<Id>,
    stamp_index: Option<i64>,
    origin: Option<String>,
    verdict: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, Queryable)]
struct ScanRow {
    id: i64,
    roll_id: Option<String>,
    stamp_index: Option<i64>,
    serial: String,
    #[serde(serialize_with = "crate::time::utc")]
    scanned_at: NaiveDateTime,
    origin_hash: Option<String>,
    origin_region: Option<String>,
    client_class: String,
    verdict: String,
    /// Scans this row stands for: 1, or more for the last kept code of a
    /// flood of unknown codes from one origin (the rest were only counted).
    tally: i32,
}

/// The scans of one stamp or roll (producers of the batch, regulators of its
/// province), or of forged codes from one origin (regulators and admins).
async fn list_scans(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ScanFilter>,
) -> AppResult<web::Json<List<ScanRow>>> {
    let f = query.into_inner();
    let page = Page::new(f.page, f.per_page)?;
    if f.stamp_index.is_some_and(|i| i < 0) {
        return Err(AppError::invalid("stamp_index", "must be 0 or more"));
    }
    if f.roll_id.is_none() == f.origin.is_none() {
        return Err(AppError::invalid(
            "roll_id",
            "give either roll_id or origin",
        ));
    }
    let scope = caller.scope();
    if f.origin.is_some() && matches!(scope, Scope::Enterprise(_)) {
        return Err(AppError::Forbidden(
            "forged-code origins are for regulators".into(),
        ));
    }
    let list = state
        .db(move |conn| {
            let roll_number = match &f.roll_id {
                Some(roll) => {
                    let found = stamp_roll::find(conn, roll)?
                        .ok_or_else(|| AppError::not_found("stamp roll"))?;
                    batch::find(conn, &scope, &found.batch_id)?
                        .ok_or_else(|| AppError::not_found("stamp roll"))?;
                    Some(found.number)
                }
                None => None,
            };
            // Scans name their roll by number; the answer names it by id.
            let query = || {
                let mut q = scan::table
                    .left_join(
                        roll_table::table.on(roll_table::number.nullable().eq(scan::roll_number)),
                    )
                    .into_boxed();
                if let Some(number) = roll_number {
                    q = q.filter(scan::roll_number.eq(number));
                } else if let Some(origin) = &f.origin {
                    q = q
                        .filter(scan::origin_hash.eq(origin.clone()))
                        .filter(scan::roll_number.is_null());
                }
                if let Some(i) = f.stamp_index {
                    q = q.filter(scan::stamp_index.eq(i));
                }
                if let Some(v) = &f.verdict {
                    q = q.filter(scan::verdict.eq(v.clone()));
                }
                q
            };
            let total = query().count().get_result(conn)?;
            let items = query()
                .order((scan::scanned_at.desc(), scan::id.desc()))
                .limit(page.per_page)
                .offset(page.offset())
                .select((
                    scan::id,
                    roll_table::id.nullable(),
                    scan::stamp_index,
                    scan::serial,
                    scan::scanned_at,
                    scan::origin_hash,
                    scan::origin_region,
                    scan::client_class,
                    scan::verdict,
                    scan::tally,
                ))
                .load::<ScanRow>(conn)?;
            Ok(page.of(items, total))
        })
        .await?;
    Ok(web::Json(list))
}

async fn show_stats(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<Range>,
) -> AppResult<web::Json<stats::Stats>> {
    let (from, to) = query.bounds(30)?;
    let scope = caller.scope();
    let figures = state
        .db(move |conn| {
            let alerts = alerts::alerts(conn, &scope, from, to)?.len();
            Ok(stats::stats(conn, &scope, from, to, alerts)?)
        })
        .await?;
    Ok(web::Json(figures))
}
