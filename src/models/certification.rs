//! Certifications (VietGAP, GlobalGAP, organic, HACCP…) held by a facility.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::certification;
use crate::db::DbConnection;
use crate::domain::kinds::CertificationScheme;
use crate::domain::validate::{self as v, Checked};
use crate::models::page::{List, Page};
use crate::models::patch::set;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = certification, treat_none_as_null = true)]
pub struct Certification {
    pub id: String,
    pub facility_id: String,
    pub scheme: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationFields {
    pub scheme: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

impl CertificationFields {
    /// Every problem of these fields at once, for a form to show each
    /// beside its field (`create` stops at the first). The scheme is not
    /// checked for a renewal, which keeps the renewed one's.
    pub fn problems(&self, renewal: bool) -> Vec<v::FieldError> {
        let mut out = Vec::new();
        if !renewal {
            match &self.scheme {
                None => out.push(v::field_error("scheme", "is required")),
                Some(s) => out.extend(v::choice("scheme", s, CertificationScheme::parse).err()),
            }
        }
        for (name, value, max) in [("number", &self.number, 64), ("issuer", &self.issuer, 200)] {
            match value {
                None => out.push(v::field_error(name, "is required")),
                Some(t) => out.extend(v::text(name, t, max).err()),
            }
        }
        let mut date = |name: &str, value: &Option<String>| match value {
            None => {
                out.push(v::field_error(name, "is required"));
                None
            }
            Some(d) => v::date_text(name, d).map_err(|e| out.push(e)).ok(),
        };
        let from = date("valid_from", &self.valid_from);
        let to = date("valid_to", &self.valid_to);
        if let (Some(from), Some(to)) = (from, to) {
            out.extend(v::date_order("valid_to", from, to).err());
        }
        out
    }

    pub fn create(
        self,
        id: String,
        facility_id: String,
        now: NaiveDateTime,
    ) -> Checked<Certification> {
        let valid_from = v::date_text("valid_from", &v::need("valid_from", self.valid_from)?)?;
        let valid_to = v::date_text("valid_to", &v::need("valid_to", self.valid_to)?)?;
        check(Certification {
            id,
            facility_id,
            scheme: v::need("scheme", self.scheme)?,
            number: v::need("number", self.number)?,
            issuer: v::need("issuer", self.issuer)?,
            valid_from,
            valid_to,
            created_at: now,
            updated_at: now,
        })
    }

    pub fn update(self, mut row: Certification, now: NaiveDateTime) -> Checked<Certification> {
        set(&mut row.scheme, self.scheme);
        set(&mut row.number, self.number);
        set(&mut row.issuer, self.issuer);
        if let Some(d) = self.valid_from {
            row.valid_from = v::date_text("valid_from", &d)?;
        }
        if let Some(d) = self.valid_to {
            row.valid_to = v::date_text("valid_to", &d)?;
        }
        row.updated_at = now;
        check(row)
    }
}

fn check(row: Certification) -> Checked<Certification> {
    v::date_order("valid_to", row.valid_from, row.valid_to)?;
    Ok(Certification {
        scheme: v::choice("scheme", &row.scheme, CertificationScheme::parse)?
            .as_str()
            .to_owned(),
        number: v::text("number", &row.number, 64)?,
        issuer: v::text("issuer", &row.issuer, 200)?,
        ..row
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationFilter {
    /// Only certifications valid on this date (`YYYY-MM-DD`).
    pub valid_on: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list_for_facility(
    conn: &mut DbConnection,
    facility_id: &str,
    valid_on: Option<NaiveDate>,
    page: Page,
) -> QueryResult<List<Certification>> {
    let query = || {
        let mut q = certification::table
            .filter(certification::facility_id.eq(facility_id.to_owned()))
            .into_boxed();
        if let Some(day) = valid_on {
            q = q
                .filter(certification::valid_from.le(day))
                .filter(certification::valid_to.ge(day));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let items = query()
        .order((certification::valid_to.desc(), certification::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Certification::as_select())
        .load(conn)?;
    Ok(page.of(items, total))
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Certification>> {
    certification::table
        .find(id)
        .select(Certification::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &Certification) -> QueryResult<usize> {
    diesel::insert_into(certification::table)
        .values(row)
        .execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Certification) -> QueryResult<usize> {
    diesel::update(certification::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(certification::table.find(id)).execute(conn)
}
