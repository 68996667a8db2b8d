//! Facilities moved between provinces: the move is the one record both
//! provinces' regulators see, since the facility itself leaves one's reach.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::facility_move;
use crate::db::DbConnection;
use crate::domain::access::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = facility_move)]
pub struct FacilityMove {
    pub id: String,
    pub facility_id: String,
    pub from_province: String,
    pub from_district: String,
    pub to_province: String,
    pub to_district: String,
    pub reason: String,
    /// The username of the regulator or admin who moved it.
    pub moved_by: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub moved_at: NaiveDateTime,
    /// The communes (official codes) it left and moved to; `None` for
    /// moves recorded by province and district before the 2025 units.
    pub from_commune_code: Option<String>,
    pub to_commune_code: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &FacilityMove) -> QueryResult<usize> {
    diesel::insert_into(facility_move::table)
        .values(row)
        .execute(conn)
}

/// Moves into or out of the reader's province (every move for admins; a
/// producer sees those of its own facilities).
pub fn list(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<FacilityMove>> {
    let mut query = facility_move::table.into_boxed();
    match scope {
        Scope::All => {}
        Scope::Province(code) => {
            // Moves name provinces; the scope holds the code.
            let p = crate::domain::admin_units::province_name(code)
                .unwrap_or_default()
                .to_owned();
            query = query.filter(
                facility_move::from_province
                    .eq(p.clone())
                    .or(facility_move::to_province.eq(p.clone())),
            );
        }
        Scope::Enterprise(e) => {
            use crate::db::schema::facility;
            let own = facility::table
                .filter(facility::enterprise_id.eq(e.clone()))
                .select(facility::id);
            query = query.filter(facility_move::facility_id.eq_any(own));
        }
    }
    query
        .order(facility_move::moved_at.desc())
        .limit(1000)
        .select(FacilityMove::as_select())
        .load(conn)
}
