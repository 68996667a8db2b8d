//! Reports of suspected fakes sent from the public page. A report belongs to
//! a province (its regulators read it) and, when its code names one of our
//! stamps, to that stamp's enterprise (its producers read it). The photo is
//! read only on its own, never with a list.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::fake_report;
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::models::page::{List, Page};

/// A report as it is stored, less its photo.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct FakeReport {
    pub id: String,
    /// The stamp code as typed, or the serial when it names one of ours.
    pub code: String,
    pub roll_id: Option<String>,
    pub stamp_index: Option<i64>,
    pub batch_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub province: String,
    pub shop_name: String,
    pub shop_address: String,
    /// The reporter's phone; shown to regulators only.
    pub phone: Option<String>,
    pub has_photo: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub reported_at: NaiveDateTime,
}

/// A new report with its (already cleaned) photo.
#[derive(Debug, Insertable)]
#[diesel(table_name = fake_report)]
pub struct NewFakeReport {
    pub id: String,
    pub code: String,
    pub roll_id: Option<String>,
    pub stamp_index: Option<i64>,
    pub batch_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub province: String,
    pub shop_name: String,
    pub shop_address: String,
    pub phone: Option<String>,
    pub photo: Option<Vec<u8>>,
    pub reported_at: NaiveDateTime,
}

/// `GET /api/v1/fake-reports`: every report within reach, newest first.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFilter {
    /// Only reports of this code (a serial, as stored).
    pub code: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

type Columns = (
    fake_report::id,
    fake_report::code,
    fake_report::roll_id,
    fake_report::stamp_index,
    fake_report::batch_id,
    fake_report::enterprise_id,
    fake_report::province,
    fake_report::shop_name,
    fake_report::shop_address,
    fake_report::phone,
    diesel::dsl::IsNotNull<fake_report::photo>,
    fake_report::reported_at,
);

fn columns() -> Columns {
    (
        fake_report::id,
        fake_report::code,
        fake_report::roll_id,
        fake_report::stamp_index,
        fake_report::batch_id,
        fake_report::enterprise_id,
        fake_report::province,
        fake_report::shop_name,
        fake_report::shop_address,
        fake_report::phone,
        fake_report::photo.is_not_null(),
        fake_report::reported_at,
    )
}

/// The reports a scope reaches: a province's, an enterprise's stamps', all.
fn scoped(scope: &Scope) -> fake_report::BoxedQuery<'static, Backend> {
    let query = fake_report::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(fake_report::enterprise_id.eq(id.clone())),
        // Reports name the province; the scope holds its code.
        Scope::Province(code) => query.filter(
            fake_report::province
                .eq(crate::domain::admin_units::province_name(code).unwrap_or_default()),
        ),
    }
}

pub fn insert(conn: &mut DbConnection, row: &NewFakeReport) -> QueryResult<usize> {
    diesel::insert_into(fake_report::table)
        .values(row)
        .execute(conn)
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    code: Option<&str>,
    page: Page,
) -> QueryResult<List<FakeReport>> {
    let query = || {
        let mut q = scoped(scope);
        if let Some(code) = code {
            q = q.filter(fake_report::code.eq(code.to_owned()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let items = query()
        .order((fake_report::reported_at.desc(), fake_report::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(columns())
        .load(conn)?;
    Ok(page.of(items, total))
}

/// Reports in `[from, to)` within reach, newest first.
pub fn between(
    conn: &mut DbConnection,
    scope: &Scope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<FakeReport>> {
    scoped(scope)
        .filter(fake_report::reported_at.ge(from))
        .filter(fake_report::reported_at.lt(to))
        .order((fake_report::reported_at.desc(), fake_report::id))
        .select(columns())
        .load(conn)
}

/// A report's photo, if the report is within reach and has one.
pub fn photo(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Vec<u8>>> {
    Ok(scoped(scope)
        .filter(fake_report::id.eq(id.to_owned()))
        .select(fake_report::photo)
        .first::<Option<Vec<u8>>>(conn)
        .optional()?
        .flatten())
}
