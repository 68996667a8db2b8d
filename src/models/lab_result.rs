//! Laboratories and their results per batch, with the analytes tested.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{lab_analyte, lab_result, laboratory};
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = laboratory)]
pub struct Laboratory {
    pub id: String,
    pub name: String,
    pub accreditation: String,
    /// Markets recognising it, comma-separated codes (`cn,eu`).
    #[serde(serialize_with = "comma_list")]
    pub markets: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

fn comma_list<S: serde::Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(value.split(',').filter(|m| !m.is_empty()))
}

impl Laboratory {
    pub fn recognised_by(&self, market: &str) -> bool {
        self.markets.split(',').any(|m| m == market)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = lab_result)]
pub struct LabResult {
    pub id: String,
    pub batch_id: String,
    pub laboratory_id: String,
    pub sampled_on: NaiveDate,
    pub sampled_by: String,
    pub reported_on: NaiveDate,
    pub passed: bool,
    #[serde(skip)]
    pub certificate: Option<Vec<u8>>,
    pub created_by: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    /// When the result was withdrawn as recorded by mistake: it then counts
    /// toward no market's requirement and leaves the public record.
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_by: Option<String>,
    pub withdrawn_reason: Option<String>,
}

impl LabResult {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn_at.is_some()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = lab_analyte)]
pub struct LabAnalyte {
    #[serde(skip)]
    pub lab_result_id: String,
    #[serde(skip)]
    pub position: i32,
    pub analyte: String,
    pub result: f64,
    #[serde(rename = "limit")]
    pub limit_value: f64,
    pub unit: String,
}

/// A result with its laboratory and analytes, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    #[serde(flatten)]
    pub result: LabResult,
    pub laboratory: Laboratory,
    pub analytes: Vec<LabAnalyte>,
    pub has_certificate: bool,
}

pub fn insert_laboratory(conn: &mut DbConnection, row: &Laboratory) -> QueryResult<usize> {
    diesel::insert_into(laboratory::table)
        .values(row)
        .execute(conn)
}

pub fn laboratories(conn: &mut DbConnection) -> QueryResult<Vec<Laboratory>> {
    laboratory::table
        .order(laboratory::name.asc())
        .limit(1000)
        .select(Laboratory::as_select())
        .load(conn)
}

pub fn find_laboratory(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Laboratory>> {
    laboratory::table
        .find(id)
        .select(Laboratory::as_select())
        .first(conn)
        .optional()
}

pub fn laboratory_by_accreditation(
    conn: &mut DbConnection,
    accreditation: &str,
) -> QueryResult<Option<Laboratory>> {
    laboratory::table
        .filter(laboratory::accreditation.eq(accreditation))
        .select(Laboratory::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConnection,
    row: &LabResult,
    analytes: &[LabAnalyte],
) -> QueryResult<()> {
    diesel::insert_into(lab_result::table)
        .values(row)
        .execute(conn)?;
    for a in analytes {
        diesel::insert_into(lab_analyte::table)
            .values(a)
            .execute(conn)?;
    }
    Ok(())
}

/// The results of a batch, newest sample first.
pub fn of_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<ResultView>> {
    let rows: Vec<(LabResult, Laboratory)> = lab_result::table
        .inner_join(laboratory::table)
        .filter(lab_result::batch_id.eq(batch_id))
        .order((lab_result::sampled_on.desc(), lab_result::created_at.desc()))
        .select((LabResult::as_select(), Laboratory::as_select()))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (result, lab) in rows {
        out.push(view(conn, result, lab)?);
    }
    Ok(out)
}

fn view(
    conn: &mut DbConnection,
    mut result: LabResult,
    laboratory: Laboratory,
) -> QueryResult<ResultView> {
    let analytes = lab_analyte::table
        .filter(lab_analyte::lab_result_id.eq(&result.id))
        .order(lab_analyte::position.asc())
        .select(LabAnalyte::as_select())
        .load(conn)?;
    let has_certificate = result.certificate.take().is_some();
    Ok(ResultView {
        result,
        laboratory,
        analytes,
        has_certificate,
    })
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<LabResult>> {
    lab_result::table
        .find(id)
        .select(LabResult::as_select())
        .first(conn)
        .optional()
}

pub fn set_certificate(conn: &mut DbConnection, id: &str, pdf: &[u8]) -> QueryResult<usize> {
    diesel::update(lab_result::table.find(id))
        .set(lab_result::certificate.eq(Some(pdf)))
        .execute(conn)
}

/// Marks a result withdrawn; only one not withdrawn yet changes (the count
/// says whether it did, so two withdrawals racing cannot both succeed).
pub fn withdraw(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
    by: &str,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        lab_result::table
            .find(id)
            .filter(lab_result::withdrawn_at.is_null()),
    )
    .set((
        lab_result::withdrawn_at.eq(Some(at)),
        lab_result::withdrawn_by.eq(Some(by)),
        lab_result::withdrawn_reason.eq(Some(reason)),
    ))
    .execute(conn)
}
