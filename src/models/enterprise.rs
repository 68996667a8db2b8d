//! Enterprises: the producer organisations that own facilities and products.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::enterprise;
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::domain::validate::{self as v, Checked, FieldError};
use crate::models::page::{List, Page};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = enterprise, treat_none_as_null = true)]
pub struct Enterprise {
    pub id: String,
    pub name: String,
    pub tax_code: String,
    pub address: String,
    pub province: String,
    pub gs1_prefix: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    /// A telephone number for consumers, shown on every stamp page (unlike
    /// `phone`, the registry's own contact, which stays private).
    pub contact_phone: Option<String>,
    /// The enterprise's Zalo page (`https://zalo.me/…`), shown beside it.
    pub zalo_url: Option<String>,
    /// The commune (official code) of the address; `None` until converted
    /// or settled (`service::admin_units`).
    pub commune_code: Option<String>,
    /// The province's official code, kept with `province`: what a
    /// regulator's scope compares.
    pub province_code: String,
    /// The address as written before 1 July 2025.
    pub former_address: Option<String>,
}

/// The body of a create or a PATCH: on create the required fields must be
/// present; on PATCH an absent field is left as it was and `null` clears an
/// optional one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFields {
    pub name: Option<String>,
    pub tax_code: Option<String>,
    pub address: Option<String>,
    pub province: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub gs1_prefix: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub phone: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub email: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub zalo_url: Option<Option<String>>,
    /// The commune's official code: the province follows from it
    /// (`service::admin_units::place`).
    pub commune_code: Option<String>,
    /// The address before 1 July 2025, if recorded.
    #[serde(default, with = "crate::models::patch")]
    pub former_address: Option<Option<String>>,
}

impl EnterpriseFields {
    pub fn create(self, id: String, now: NaiveDateTime) -> Checked<Enterprise> {
        check(Enterprise {
            id,
            name: v::need("name", self.name)?,
            tax_code: v::need("tax_code", self.tax_code)?,
            address: v::need("address", self.address)?,
            province: v::need("province", self.province)?,
            gs1_prefix: self.gs1_prefix.flatten(),
            phone: self.phone.flatten(),
            email: self.email.flatten(),
            created_at: now,
            updated_at: now,
            contact_phone: self.contact_phone.flatten(),
            zalo_url: self.zalo_url.flatten(),
            commune_code: self.commune_code,
            province_code: String::new(),
            former_address: self.former_address.flatten(),
        })
    }

    pub fn update(self, row: Enterprise, now: NaiveDateTime) -> Checked<Enterprise> {
        self.patched(row, now)
            .map_err(|mut problems| problems.swap_remove(0))
    }

    fn patched(
        self,
        mut row: Enterprise,
        now: NaiveDateTime,
    ) -> Result<Enterprise, Vec<FieldError>> {
        crate::models::patch::set(&mut row.name, self.name);
        crate::models::patch::set(&mut row.tax_code, self.tax_code);
        crate::models::patch::set(&mut row.address, self.address);
        crate::models::patch::set(&mut row.province, self.province);
        crate::models::patch::set(&mut row.gs1_prefix, self.gs1_prefix);
        crate::models::patch::set(&mut row.phone, self.phone);
        crate::models::patch::set(&mut row.email, self.email);
        crate::models::patch::set(&mut row.contact_phone, self.contact_phone);
        crate::models::patch::set(&mut row.zalo_url, self.zalo_url);
        if self.commune_code.is_some() {
            row.commune_code = self.commune_code;
        }
        crate::models::patch::set(&mut row.former_address, self.former_address);
        row.updated_at = now;
        check_each(row)
    }

    /// Every field this edit of `row` would be refused for (empty when it
    /// would be saved): the same checks as [`EnterpriseFields::update`].
    pub fn update_problems(self, row: Enterprise, now: NaiveDateTime) -> Vec<FieldError> {
        self.patched(row, now).err().unwrap_or_default()
    }
}

/// The public contact alone: what a producer may change on its own
/// enterprise (the rest of the registry entry is an administrator's).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFields {
    #[serde(default, with = "crate::models::patch")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub zalo_url: Option<Option<String>>,
}

impl ContactFields {
    pub fn apply(self, mut row: Enterprise, now: NaiveDateTime) -> Checked<Enterprise> {
        crate::models::patch::set(&mut row.contact_phone, self.contact_phone);
        crate::models::patch::set(&mut row.zalo_url, self.zalo_url);
        row.updated_at = now;
        check(row)
    }
}

fn check(row: Enterprise) -> Checked<Enterprise> {
    check_each(row).map_err(|mut problems| problems.swap_remove(0))
}

/// Every field's check, not only the first refusal: the admin's edit form
/// shows them all at once, where the API answers with the first.
fn check_each(row: Enterprise) -> Result<Enterprise, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut keep = |checked: Checked<String>| match checked {
        Ok(value) => value,
        Err(problem) => {
            problems.push(problem);
            String::new()
        }
    };
    let name = keep(v::text("name", &row.name, 200));
    let tax_code = keep(v::tax_code("tax_code", &row.tax_code));
    let address = keep(v::text(
        "address",
        &row.address,
        crate::domain::admin_units::ADDRESS_MAX,
    ));
    let province = keep(v::province("province", &row.province));
    let mut keep_optional = |checked: Checked<Option<String>>| {
        checked.unwrap_or_else(|problem| {
            problems.push(problem);
            None
        })
    };
    let gs1_prefix = keep_optional(
        row.gs1_prefix
            .as_deref()
            .map(|p| v::gs1_prefix("gs1_prefix", p))
            .transpose(),
    );
    let phone = keep_optional(
        row.phone
            .as_deref()
            .map(|p| v::phone("phone", p))
            .transpose(),
    );
    let email = keep_optional(
        row.email
            .as_deref()
            .map(|e| v::email("email", e))
            .transpose(),
    );
    let contact_phone = keep_optional(
        v::optional_text("contact_phone", row.contact_phone.as_deref(), 32)
            .and_then(|p| p.map(|p| v::phone("contact_phone", &p)).transpose()),
    );
    let zalo_url = keep_optional(
        v::optional_text("zalo_url", row.zalo_url.as_deref(), 100)
            .and_then(|z| z.map(|z| v::zalo("zalo_url", &z)).transpose()),
    );
    let former_address = keep_optional(v::optional_text(
        "former_address",
        row.former_address.as_deref(),
        300,
    ));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Enterprise {
        name,
        tax_code,
        address,
        province_code: crate::domain::admin_units::province_code(&province)
            .unwrap_or_default()
            .to_owned(),
        province,
        gs1_prefix,
        phone,
        email,
        contact_phone,
        zalo_url,
        former_address,
        ..row
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFilter {
    /// The province's code ("86") or name ("Vĩnh Long").
    pub province: Option<String>,
    /// `csv` for a download of every row instead of a JSON page.
    pub format: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl EnterpriseFilter {
    /// Refuses a misspelt province instead of quietly matching nothing,
    /// as the other lists do.
    pub fn check(&self) -> Checked<()> {
        if let Some(p) = &self.province {
            crate::domain::admin_units::checked_province_code("province", p)?;
        }
        Ok(())
    }
}

fn scoped(scope: &Scope) -> enterprise::BoxedQuery<'static, Backend> {
    let query = enterprise::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(enterprise::id.eq(id.clone())),
        Scope::Province(code) => query.filter(enterprise::province_code.eq(code.clone())),
    }
}

fn filtered(scope: &Scope, f: &EnterpriseFilter) -> enterprise::BoxedQuery<'static, Backend> {
    let mut query = scoped(scope);
    if let Some(code) = f
        .province
        .as_deref()
        .and_then(crate::domain::admin_units::province_code_of)
    {
        query = query.filter(enterprise::province_code.eq(code));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &EnterpriseFilter,
    page: Page,
) -> QueryResult<List<Enterprise>> {
    let total = filtered(scope, f).count().get_result(conn)?;
    let items = filtered(scope, f)
        .order((enterprise::name, enterprise::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Enterprise::as_select())
        .load(conn)?;
    Ok(page.of(items, total))
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Enterprise>> {
    scoped(scope)
        .filter(enterprise::id.eq(id.to_owned()))
        .select(Enterprise::as_select())
        .get_result(conn)
        .optional()
}

/// The enterprise registered with a tax code (mã số thuế), whoever it is:
/// how one enterprise names another it works with.
pub fn by_tax_code(conn: &mut DbConnection, tax_code: &str) -> QueryResult<Option<Enterprise>> {
    enterprise::table
        .filter(enterprise::tax_code.eq(tax_code.to_owned()))
        .select(Enterprise::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &Enterprise) -> QueryResult<usize> {
    diesel::insert_into(enterprise::table)
        .values(row)
        .execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Enterprise) -> QueryResult<usize> {
    diesel::update(enterprise::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(enterprise::table.find(id)).execute(conn)
}

/// How many enterprises exist: `serve --demo` loads the demo set only into an empty registry.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    enterprise::table.count().get_result(conn)
}
