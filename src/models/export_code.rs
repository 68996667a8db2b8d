//! Export codes (planting areas, packing houses), their market approvals,
//! the enterprises allowed to use them, the batches that came through them,
//! and the alerts raised on them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    batch, batch_export_code, export_code, export_code_alert, export_code_market, export_code_user,
    facility,
};
use crate::db::DbConnection;
use crate::domain::access::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = export_code)]
pub struct ExportCode {
    pub id: String,
    pub code: String,
    pub kind: String,
    pub facility_id: String,
    pub enterprise_id: String,
    pub crop: String,
    pub area_ha: Option<f64>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = export_code_market)]
pub struct CodeMarket {
    #[serde(skip)]
    pub export_code_id: String,
    pub market: String,
    pub status: String,
    pub approved_on: Option<NaiveDate>,
    pub status_since: NaiveDate,
    pub reason: Option<String>,
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = export_code_alert)]
pub struct CodeAlert {
    pub id: String,
    /// `code_misuse` (refused) or `yield_exceeded` (accepted, flagged).
    pub kind: String,
    pub code: String,
    pub export_code_id: Option<String>,
    pub batch_id: Option<String>,
    /// The enterprise that tried to use the code, or whose batch exceeded.
    pub enterprise_id: String,
    pub province_code: String,
    pub detail: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub raised_at: NaiveDateTime,
}

/// A code with its approvals and the enterprises allowed to use it.
#[derive(Debug, Clone, Serialize)]
pub struct CodeView {
    #[serde(flatten)]
    pub code: ExportCode,
    pub markets: Vec<CodeMarket>,
    pub authorised_enterprises: Vec<String>,
}

/// Codes within reach: an enterprise's own and those it may use; a
/// province's by their facility.
fn reachable_ids(scope: &Scope) -> export_code::BoxedQuery<'static, crate::db::Backend> {
    let query = export_code::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(e) => query.filter(
            export_code::enterprise_id
                .eq(e.clone())
                .or(export_code::id.eq_any(
                    export_code_user::table
                        .filter(export_code_user::enterprise_id.eq(e.clone()))
                        .select(export_code_user::export_code_id),
                )),
        ),
        Scope::Province(p) => query.filter(
            export_code::facility_id.eq_any(
                facility::table
                    .filter(facility::province_code.eq(p.clone()))
                    .select(facility::id),
            ),
        ),
    }
}

pub fn list(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<CodeView>> {
    let rows = reachable_ids(scope)
        .order(export_code::code.asc())
        .limit(5000)
        .select(ExportCode::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| view(conn, r)).collect()
}

/// Every code, for the open-data list (codes are public by design: buyers
/// and customs check them).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<CodeView>> {
    list(conn, &Scope::All)
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<ExportCode>> {
    reachable_ids(scope)
        .filter(export_code::id.eq(id.to_owned()))
        .select(ExportCode::as_select())
        .first(conn)
        .optional()
}

/// A code by its text, whoever owns it.
pub fn by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<ExportCode>> {
    export_code::table
        .filter(export_code::code.eq(code))
        .select(ExportCode::as_select())
        .first(conn)
        .optional()
}

pub fn view(conn: &mut DbConnection, code: ExportCode) -> QueryResult<CodeView> {
    let markets = markets_of(conn, &code.id)?;
    let authorised_enterprises = export_code_user::table
        .filter(export_code_user::export_code_id.eq(&code.id))
        .order(export_code_user::enterprise_id.asc())
        .select(export_code_user::enterprise_id)
        .load(conn)?;
    Ok(CodeView {
        code,
        markets,
        authorised_enterprises,
    })
}

pub fn markets_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<CodeMarket>> {
    export_code_market::table
        .filter(export_code_market::export_code_id.eq(id))
        .order(export_code_market::market.asc())
        .select(CodeMarket::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &ExportCode) -> QueryResult<usize> {
    diesel::insert_into(export_code::table)
        .values(row)
        .execute(conn)
}

/// Sets a market's decision on a code (one row per code and market).
pub fn put_market(conn: &mut DbConnection, row: &CodeMarket) -> QueryResult<usize> {
    diesel::delete(
        export_code_market::table
            .filter(export_code_market::export_code_id.eq(&row.export_code_id))
            .filter(export_code_market::market.eq(&row.market)),
    )
    .execute(conn)?;
    diesel::insert_into(export_code_market::table)
        .values(row)
        .execute(conn)
}

pub fn may_use(
    conn: &mut DbConnection,
    code: &ExportCode,
    enterprise_id: &str,
) -> QueryResult<bool> {
    if code.enterprise_id == enterprise_id {
        return Ok(true);
    }
    let n: i64 = export_code_user::table
        .filter(export_code_user::export_code_id.eq(&code.id))
        .filter(export_code_user::enterprise_id.eq(enterprise_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn add_user(
    conn: &mut DbConnection,
    code_id: &str,
    enterprise_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        export_code_user::table
            .filter(export_code_user::export_code_id.eq(code_id))
            .filter(export_code_user::enterprise_id.eq(enterprise_id)),
    )
    .execute(conn)?;
    diesel::insert_into(export_code_user::table)
        .values((
            export_code_user::export_code_id.eq(code_id),
            export_code_user::enterprise_id.eq(enterprise_id),
            export_code_user::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn remove_user(
    conn: &mut DbConnection,
    code_id: &str,
    enterprise_id: &str,
) -> QueryResult<usize> {
    diesel::delete(
        export_code_user::table
            .filter(export_code_user::export_code_id.eq(code_id))
            .filter(export_code_user::enterprise_id.eq(enterprise_id)),
    )
    .execute(conn)
}

/// The codes a batch came through.
pub fn of_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<ExportCode>> {
    batch_export_code::table
        .inner_join(export_code::table)
        .filter(batch_export_code::batch_id.eq(batch_id))
        .order(export_code::code.asc())
        .select(ExportCode::as_select())
        .load(conn)
}

/// Replaces the codes a batch came through.
pub fn set_batch_codes(
    conn: &mut DbConnection,
    batch_id: &str,
    code_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(batch_export_code::table.filter(batch_export_code::batch_id.eq(batch_id)))
        .execute(conn)?;
    for id in code_ids {
        diesel::insert_into(batch_export_code::table)
            .values((
                batch_export_code::batch_id.eq(batch_id),
                batch_export_code::export_code_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Quantities and units of the batches that came through a code, produced
/// between `from` and `to` (inclusive).
pub fn harvested_through(
    conn: &mut DbConnection,
    code_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(f64, String)>> {
    batch_export_code::table
        .inner_join(batch::table)
        .filter(batch_export_code::export_code_id.eq(code_id))
        .filter(batch::produced_on.ge(from))
        .filter(batch::produced_on.le(to))
        .select((batch::quantity, batch::unit))
        .load(conn)
}

pub fn insert_alert(conn: &mut DbConnection, row: &CodeAlert) -> QueryResult<usize> {
    diesel::insert_into(export_code_alert::table)
        .values(row)
        .execute(conn)
}

/// Alerts raised between `from` and `to` within reach: a province's
/// regulators see those on codes of their province and those by their
/// enterprises; an enterprise sees those about its own codes or batches.
pub fn alerts(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<CodeAlert>> {
    let mut query = export_code_alert::table
        .filter(export_code_alert::raised_at.ge(from))
        .filter(export_code_alert::raised_at.lt(to))
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Province(p) => {
            query = query.filter(export_code_alert::province_code.eq(p.clone()));
        }
        Scope::Enterprise(e) => {
            query = query.filter(
                export_code_alert::enterprise_id.eq(e.clone()).or(
                    export_code_alert::export_code_id.eq_any(
                        export_code::table
                            .filter(export_code::enterprise_id.eq(e.clone()))
                            .select(export_code::id.nullable()),
                    ),
                ),
            );
        }
    }
    query
        .order(export_code_alert::raised_at.desc())
        .limit(1000)
        .select(CodeAlert::as_select())
        .load(conn)
}
