//! Facilities: orchards, ponds, packing houses, plants and warehouses of an
//! enterprise. A regulator sees those of its province.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::facility;
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::domain::admin_units;
use crate::domain::id::Id;
use crate::domain::kinds::{FacilityKind, FacilityStatus};
use crate::domain::validate::{self as v, Checked};
use crate::models::page::{List, Page};
use crate::models::patch::set;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = facility, treat_none_as_null = true)]
pub struct Facility {
    pub id: String,
    pub enterprise_id: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub district: String,
    pub province: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Planting-area code (mã số vùng trồng) or packing-house code.
    pub area_code: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    /// GS1 Global Location Number: the resolver answers `/414/{gln}` with
    /// the facility's public record.
    pub gln: Option<String>,
    /// The commune (official code, `domain::admin_units`) the facility is
    /// in; `None` until a pre-2025 address is converted or an admin settles
    /// it (`service::admin_units`).
    pub commune_code: Option<String>,
    /// The province's official code, kept with `province` (its name): what
    /// a regulator's scope compares.
    pub province_code: String,
    /// The address as written before 1 July 2025, kept for search and
    /// history ("trước 01/07/2025: …").
    pub former_address: Option<String>,
}

/// Create/PATCH body. `status` is not here: suspension is a regulator's act.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityFields {
    /// Admins name the enterprise; a producer's own is used otherwise.
    pub enterprise_id: Option<Id>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub address: Option<String>,
    pub district: Option<String>,
    pub province: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub latitude: Option<Option<f64>>,
    #[serde(default, with = "crate::models::patch")]
    pub longitude: Option<Option<f64>>,
    #[serde(default, with = "crate::models::patch")]
    pub area_code: Option<Option<String>>,
    /// 13 digits with a valid check digit, under the enterprise's GS1
    /// company prefix (`service::facilities`); `null` clears it.
    #[serde(default, with = "crate::models::patch")]
    pub gln: Option<Option<String>>,
    /// The commune's official code: the province follows from it and the
    /// district is no longer asked (`service::admin_units::place`).
    pub commune_code: Option<String>,
    /// The address before 1 July 2025, if the producer records it.
    #[serde(default, with = "crate::models::patch")]
    pub former_address: Option<Option<String>>,
}

impl Facility {
    /// Where a list places the facility: its commune ("phường Bình Minh"),
    /// or the district of a pre-2025 address not yet converted.
    pub fn locality(&self) -> String {
        if self.commune_code.is_none() {
            return self.district.clone();
        }
        let units = admin_units::units_part(&self.address);
        units
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }
}

impl FacilityFields {
    pub fn create(
        self,
        id: String,
        enterprise_id: String,
        now: NaiveDateTime,
    ) -> Checked<Facility> {
        check(Facility {
            id,
            enterprise_id,
            name: v::need("name", self.name)?,
            kind: v::need("kind", self.kind)?,
            address: v::need("address", self.address)?,
            district: v::need("district", self.district)?,
            province: v::need("province", self.province)?,
            latitude: self.latitude.flatten(),
            longitude: self.longitude.flatten(),
            area_code: self.area_code.flatten(),
            status: FacilityStatus::Active.as_str().to_owned(),
            status_reason: None,
            created_at: now,
            updated_at: now,
            gln: self.gln.flatten(),
            commune_code: self.commune_code,
            province_code: String::new(),
            former_address: self.former_address.flatten(),
        })
    }

    pub fn update(self, mut row: Facility, now: NaiveDateTime) -> Checked<Facility> {
        if self.enterprise_id.is_some() {
            return Err(v::field_error(
                "enterprise_id",
                "cannot be changed; register the facility under the other enterprise",
            ));
        }
        set(&mut row.name, self.name);
        set(&mut row.kind, self.kind);
        set(&mut row.address, self.address);
        set(&mut row.district, self.district);
        set(&mut row.province, self.province);
        set(&mut row.latitude, self.latitude);
        set(&mut row.longitude, self.longitude);
        set(&mut row.area_code, self.area_code);
        set(&mut row.gln, self.gln);
        if self.commune_code.is_some() {
            row.commune_code = self.commune_code;
        }
        set(&mut row.former_address, self.former_address);
        row.updated_at = now;
        check(row)
    }
}

fn check(row: Facility) -> Checked<Facility> {
    if row.latitude.is_some() != row.longitude.is_some() {
        return Err(v::field_error(
            "longitude",
            "latitude and longitude go together: give both or neither",
        ));
    }
    Ok(Facility {
        name: v::text("name", &row.name, 200)?,
        kind: v::choice("kind", &row.kind, FacilityKind::parse)?
            .as_str()
            .to_owned(),
        address: v::text("address", &row.address, admin_units::ADDRESS_MAX)?,
        // A commune code replaces the district, which no longer exists.
        district: match row.commune_code {
            Some(_) if row.district.trim().is_empty() => String::new(),
            _ => v::text("district", &row.district, 100)?,
        },
        province_code: admin_units::province_code(&row.province)
            .unwrap_or_default()
            .to_owned(),
        province: v::province("province", &row.province)?,
        latitude: row
            .latitude
            .map(|x| v::latitude("latitude", x))
            .transpose()?,
        longitude: row
            .longitude
            .map(|x| v::longitude("longitude", x))
            .transpose()?,
        area_code: v::optional_text("area_code", row.area_code.as_deref(), 64)?,
        former_address: v::optional_text("former_address", row.former_address.as_deref(), 300)?,
        gln: crate::domain::gln::check("gln", row.gln.as_deref())?,
        ..row
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityFilter {
    /// The province's code ("86") or name ("Vĩnh Long").
    pub province: Option<String>,
    pub commune_code: Option<String>,
    pub district: Option<String>,
    pub enterprise: Option<Id>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// `csv` for a download of every row instead of a JSON page.
    pub format: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl FacilityFilter {
    /// Refuses misspelt filter values instead of quietly matching nothing.
    pub fn check(&self) -> Checked<()> {
        if let Some(k) = &self.kind {
            v::choice("kind", k, FacilityKind::parse)?;
        }
        if let Some(s) = &self.status {
            v::choice("status", s, FacilityStatus::parse)?;
        }
        if let Some(p) = &self.province {
            admin_units::checked_province_code("province", p)?;
        }
        Ok(())
    }
}

pub fn scoped(scope: &Scope) -> facility::BoxedQuery<'static, Backend> {
    let query = facility::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(facility::enterprise_id.eq(id.clone())),
        Scope::Province(code) => query.filter(facility::province_code.eq(code.clone())),
    }
}

fn filtered(scope: &Scope, f: &FacilityFilter) -> facility::BoxedQuery<'static, Backend> {
    let mut query = scoped(scope);
    if let Some(code) = f
        .province
        .as_deref()
        .and_then(admin_units::province_code_of)
    {
        query = query.filter(facility::province_code.eq(code));
    }
    if let Some(x) = &f.commune_code {
        query = query.filter(facility::commune_code.eq(x.trim().to_owned()));
    }
    if let Some(x) = &f.district {
        query = query.filter(facility::district.eq(x.clone()));
    }
    if let Some(x) = &f.enterprise {
        query = query.filter(facility::enterprise_id.eq(x.to_string()));
    }
    if let Some(x) = &f.kind {
        query = query.filter(facility::kind.eq(x.clone()));
    }
    if let Some(x) = &f.status {
        query = query.filter(facility::status.eq(x.clone()));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &FacilityFilter,
    page: Page,
) -> QueryResult<List<Facility>> {
    let total = filtered(scope, f).count().get_result(conn)?;
    let items = filtered(scope, f)
        .order((facility::name, facility::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Facility::as_select())
        .load(conn)?;
    Ok(page.of(items, total))
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Facility>> {
    scoped(scope)
        .filter(facility::id.eq(id.to_owned()))
        .select(Facility::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &Facility) -> QueryResult<usize> {
    diesel::insert_into(facility::table)
        .values(row)
        .execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Facility) -> QueryResult<usize> {
    diesel::update(facility::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(facility::table.find(id)).execute(conn)
}
