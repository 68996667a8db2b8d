//! Capture jobs: one row per `POST /epcis/capture`, written when the
//! capture has finished (it runs inside the request).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::epcis_capture;
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = epcis_capture, treat_none_as_default_value = false)]
pub struct EpcisCapture {
    pub id: String,
    pub enterprise_id: String,
    pub account_id: String,
    /// `rollback` or `proceed` (GS1-Capture-Error-Behaviour).
    pub error_behaviour: String,
    pub event_count: i64,
    /// Events newly stored; re-captured ones are not counted again.
    pub stored_count: i64,
    pub success: bool,
    /// The problem body listing the events refused under `proceed`.
    pub errors: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &EpcisCapture) -> QueryResult<usize> {
    diesel::insert_into(epcis_capture::table)
        .values(row)
        .execute(conn)
}

/// A job of the enterprise (`None`: any enterprise, for admins).
pub fn find(
    conn: &mut DbConnection,
    enterprise_id: Option<&str>,
    id: &str,
) -> QueryResult<Option<EpcisCapture>> {
    let mut query = epcis_capture::table
        .filter(epcis_capture::id.eq(id.to_owned()))
        .into_boxed();
    if let Some(enterprise) = enterprise_id {
        query = query.filter(epcis_capture::enterprise_id.eq(enterprise.to_owned()));
    }
    query
        .select(EpcisCapture::as_select())
        .get_result(conn)
        .optional()
}
