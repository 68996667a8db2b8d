//! Regulators' inspections of facilities.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{facility, inspection};
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::domain::kinds::InspectionResult;
use crate::domain::validate::{self as v, Checked};
use crate::models::page::{List, Page};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = inspection)]
pub struct Inspection {
    pub id: String,
    pub facility_id: String,
    pub inspector_id: Option<String>,
    pub inspected_on: NaiveDate,
    pub result: String,
    pub findings: String,
    pub follow_up_due: Option<NaiveDate>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionFields {
    pub inspected_on: String,
    pub result: String,
    pub findings: String,
    pub follow_up_due: Option<String>,
    /// The facility kind's checklist (`domain::checklist`): when given,
    /// every item answered once (issue 19). The portal's form always
    /// gives it; on the API it may be left out.
    #[serde(default)]
    pub checklist: Option<Vec<crate::domain::checklist::Given>>,
}

impl InspectionFields {
    pub fn create(
        self,
        id: String,
        facility_id: String,
        inspector_id: String,
        today: NaiveDate,
        now: NaiveDateTime,
    ) -> Checked<Inspection> {
        let inspected_on = v::date_text("inspected_on", &self.inspected_on)?;
        if inspected_on > today {
            return Err(v::field_error("inspected_on", "is in the future"));
        }
        let follow_up_due = v::optional_date_text("follow_up_due", self.follow_up_due.as_deref())?;
        if let Some(due) = follow_up_due {
            v::date_order("follow_up_due", inspected_on, due)?;
        }
        if self.result.trim().is_empty() {
            return Err(v::field_error("result", "choose a result"));
        }
        let result = v::choice("result", &self.result, InspectionResult::parse)?;
        Ok(Inspection {
            id,
            facility_id,
            inspector_id: Some(inspector_id),
            inspected_on,
            result: result.as_str().to_owned(),
            findings: v::text("findings", &self.findings, 4000)?,
            follow_up_due,
            created_at: now,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionFilter {
    pub result: Option<String>,
    /// Only inspections whose follow-up is due before today and that no
    /// later inspection of the facility has answered.
    pub overdue: Option<bool>,
    pub format: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn scoped(scope: &Scope) -> inspection::BoxedQuery<'static, Backend> {
    let query = inspection::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(
            inspection::facility_id.eq_any(
                facility::table
                    .filter(facility::enterprise_id.eq(id.clone()))
                    .select(facility::id),
            ),
        ),
        Scope::Province(p) => query.filter(
            inspection::facility_id.eq_any(
                facility::table
                    .filter(facility::province_code.eq(p.clone()))
                    .select(facility::id),
            ),
        ),
    }
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    facility_id: Option<&str>,
    filter: &InspectionFilter,
    today: NaiveDate,
    page: Page,
) -> QueryResult<List<Inspection>> {
    let query = || {
        let mut q = scoped(scope);
        if let Some(f) = facility_id {
            q = q.filter(inspection::facility_id.eq(f.to_owned()));
        }
        if let Some(r) = &filter.result {
            q = q.filter(inspection::result.eq(r.clone()));
        }
        if filter.overdue == Some(true) {
            let later = diesel::alias!(inspection as later);
            q = q
                .filter(inspection::follow_up_due.lt(today))
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
                )));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let items = query()
        .order((inspection::inspected_on.desc(), inspection::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Inspection::as_select())
        .load(conn)?;
    Ok(page.of(items, total))
}

pub fn insert(conn: &mut DbConnection, row: &Inspection) -> QueryResult<usize> {
    diesel::insert_into(inspection::table)
        .values(row)
        .execute(conn)
}
