//! Producers' answers to inspection findings: what was done about them,
//! with photos (`models::photo`, owner kind `finding_answer`). A finding is
//! open while its inspection has a fix-by date (`follow_up_due`) and no
//! later inspection of the facility has followed it up.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{facility, finding_answer, inspection};
use crate::db::DbConnection;
use crate::domain::access::Scope;
use crate::models::inspection::Inspection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = finding_answer)]
pub struct FindingAnswer {
    pub id: String,
    pub inspection_id: String,
    pub note: String,
    pub answered_by: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub answered_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FindingAnswer) -> QueryResult<usize> {
    diesel::insert_into(finding_answer::table)
        .values(row)
        .execute(conn)
}

/// The answers to these inspections, oldest first.
pub fn for_inspections(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<FindingAnswer>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    finding_answer::table
        .filter(finding_answer::inspection_id.eq_any(ids.to_vec()))
        .order((finding_answer::answered_at, finding_answer::id))
        .select(FindingAnswer::as_select())
        .load(conn)
}

/// Whether the scope reaches the facility of an inspection.
fn in_scope(scope: &Scope, facility_enterprise: &str, facility_province: &str) -> bool {
    match scope {
        Scope::All => true,
        Scope::Enterprise(id) => id == facility_enterprise,
        Scope::Province(code) => code == facility_province,
    }
}

/// An inspection within the scope's reach, with its facility's name.
pub fn inspection_in_reach(
    conn: &mut DbConnection,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<(Inspection, String)>> {
    let found = inspection::table
        .inner_join(facility::table)
        .filter(inspection::id.eq(id.to_owned()))
        .select((
            Inspection::as_select(),
            facility::name,
            facility::enterprise_id,
            facility::province_code,
        ))
        .first::<(Inspection, String, String, String)>(conn)
        .optional()?;
    Ok(found
        .filter(|(_, _, enterprise, province)| in_scope(scope, enterprise, province))
        .map(|(i, name, _, _)| (i, name)))
}

/// The open findings of an enterprise's facilities, the earliest fix-by
/// date first: inspections with a follow-up date that no later inspection
/// of the facility has followed up. With the facility's name.
pub fn open_for_enterprise(
    conn: &mut DbConnection,
    enterprise_id: &str,
) -> QueryResult<Vec<(Inspection, String)>> {
    let later = diesel::alias!(inspection as later);
    inspection::table
        .inner_join(facility::table)
        .filter(facility::enterprise_id.eq(enterprise_id.to_owned()))
        .filter(inspection::follow_up_due.is_not_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            later
                .filter(
                    later
                        .field(inspection::facility_id)
                        .eq(inspection::facility_id),
                )
                .filter(
                    later
                        .field(inspection::inspected_on)
                        .gt(inspection::inspected_on),
                ),
        )))
        .order((inspection::follow_up_due, inspection::id))
        .select((Inspection::as_select(), facility::name))
        .load(conn)
}
