//! The answers of an inspection's checklist (`domain::checklist`).

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::inspection_check;
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, PartialEq, Eq)]
#[diesel(table_name = inspection_check)]
pub struct InspectionCheck {
    pub inspection_id: String,
    pub code: String,
    pub answer: String,
    pub note: Option<String>,
}

pub fn insert(conn: &mut DbConnection, rows: &[InspectionCheck]) -> QueryResult<usize> {
    let mut n = 0;
    for row in rows {
        n += diesel::insert_into(inspection_check::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(n)
}

/// The answers of these inspections.
pub fn of(conn: &mut DbConnection, inspection_ids: &[String]) -> QueryResult<Vec<InspectionCheck>> {
    if inspection_ids.is_empty() {
        return Ok(Vec::new());
    }
    inspection_check::table
        .filter(inspection_check::inspection_id.eq_any(inspection_ids.to_vec()))
        .order((inspection_check::inspection_id, inspection_check::code))
        .select(InspectionCheck::as_select())
        .load(conn)
}
