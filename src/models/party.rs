//! Trading parties: who a lot is shipped to or received from, as structured
//! records (FSMA 204 asks for the business name, phone and address of the
//! ship-to and the previous source). A party is either an enterprise of the
//! service — its name, street, province and phone then follow the
//! enterprise — or an outside party that one enterprise recorded, seen only
//! by it and by regulators.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{enterprise, party};
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::domain::validate::{self as v, Checked, FieldError};
use crate::models::enterprise::Enterprise;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = party, treat_none_as_null = true)]
pub struct Party {
    pub id: String,
    /// Set for an enterprise of the service.
    pub enterprise_id: Option<String>,
    /// Set for an outside party: the enterprise that recorded it.
    pub recorded_by_enterprise: Option<String>,
    pub business_name: String,
    pub street: String,
    pub province: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub phone: Option<String>,
    pub gln: Option<String>,
    pub fda_registration: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

/// A party as a shipping event's `ship_to` or a receiving event's
/// `previous_source` holds it: the party as it was on the day, with
/// exactly these keys (the FSMA export reads them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub party_id: Option<String>,
    pub business_name: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub province: Option<String>,
    pub country: Option<String>,
    pub gln: Option<String>,
    pub fda_registration: Option<String>,
}

impl Party {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            party_id: Some(self.id.clone()),
            business_name: Some(self.business_name.clone()),
            phone: self.phone.clone(),
            street: Some(self.street.clone()),
            province: Some(self.province.clone()),
            country: Some(self.country.clone()),
            gln: self.gln.clone(),
            fda_registration: self.fda_registration.clone(),
        }
    }

    /// An enterprise's party shows the enterprise's current name, address
    /// and phone, whatever was stored when the party was made.
    fn following(mut self, owner: &Enterprise) -> Self {
        self.business_name = owner.name.clone();
        self.street = owner.address.clone();
        self.province = owner.province.clone();
        self.phone = owner.phone.clone().or_else(|| owner.contact_phone.clone());
        self
    }
}

/// The body of a create or a PATCH. Naming `enterprise_id` registers the
/// party of an enterprise of the service (its other fields then come from
/// the enterprise, except GLN and FDA registration).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyFields {
    pub enterprise_id: Option<String>,
    pub business_name: Option<String>,
    pub street: Option<String>,
    pub province: Option<String>,
    pub country: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub phone: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub gln: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub fda_registration: Option<Option<String>>,
}

impl PartyFields {
    /// An outside party recorded by `recorded_by`.
    pub fn create_outside(
        self,
        id: String,
        recorded_by: String,
        now: NaiveDateTime,
    ) -> Result<Party, Vec<FieldError>> {
        let row = Party {
            id,
            enterprise_id: None,
            recorded_by_enterprise: Some(recorded_by),
            business_name: self.business_name.clone().unwrap_or_default(),
            street: self.street.clone().unwrap_or_default(),
            province: self.province.clone().unwrap_or_default(),
            country: self.country.clone().unwrap_or_else(|| "VN".into()),
            phone: None,
            gln: None,
            fda_registration: None,
            created_at: now,
            updated_at: now,
        };
        self.patched(row, now)
    }

    /// The party of an enterprise of the service.
    pub fn create_for(self, id: String, owner: &Enterprise, now: NaiveDateTime) -> Checked<Party> {
        let row = Party {
            id,
            enterprise_id: Some(owner.id.clone()),
            recorded_by_enterprise: None,
            business_name: owner.name.clone(),
            street: owner.address.clone(),
            province: owner.province.clone(),
            country: "VN".into(),
            phone: None,
            gln: self.gln.clone().flatten(),
            fda_registration: self.fda_registration.clone().flatten(),
            created_at: now,
            updated_at: now,
        };
        let row = check(row).map_err(|mut p| p.swap_remove(0))?;
        Ok(row.following(owner))
    }

    /// A PATCH: an enterprise's party takes only its GLN and FDA number.
    pub fn update(self, row: Party, now: NaiveDateTime) -> Result<Party, Vec<FieldError>> {
        if self.enterprise_id.is_some() {
            return Err(vec![v::field_error(
                "enterprise_id",
                "cannot be changed; record another party",
            )]);
        }
        if row.enterprise_id.is_some()
            && (self.business_name.is_some()
                || self.street.is_some()
                || self.province.is_some()
                || self.country.is_some()
                || self.phone.is_some())
        {
            return Err(vec![v::field_error(
                "business_name",
                "an enterprise of the service keeps its own name, address and phone; \
                 only gln and fda_registration are set here",
            )]);
        }
        self.patched(row, now)
    }

    fn patched(self, mut row: Party, now: NaiveDateTime) -> Result<Party, Vec<FieldError>> {
        use crate::models::patch::set;
        set(&mut row.business_name, self.business_name);
        set(&mut row.street, self.street);
        set(&mut row.province, self.province);
        set(&mut row.country, self.country);
        set(&mut row.phone, self.phone);
        set(&mut row.gln, self.gln);
        set(&mut row.fda_registration, self.fda_registration);
        row.updated_at = now;
        check(row)
    }
}

/// Every field's check at once.
fn check(row: Party) -> Result<Party, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut keep = |checked: Checked<String>| {
        checked.unwrap_or_else(|p| {
            problems.push(p);
            String::new()
        })
    };
    let business_name = keep(v::text("business_name", &row.business_name, 200));
    let street = keep(v::text("street", &row.street, 300));
    let country = keep(country("country", &row.country));
    // A province of Viet Nam is checked against the list; abroad, any name.
    let province = if country == "VN" {
        keep(v::province("province", &row.province))
    } else {
        keep(v::text("province", &row.province, 100))
    };
    let mut keep_optional = |checked: Checked<Option<String>>| {
        checked.unwrap_or_else(|p| {
            problems.push(p);
            None
        })
    };
    let phone = keep_optional(
        v::optional_text("phone", row.phone.as_deref(), 32)
            .and_then(|p| p.map(|p| v::phone("phone", &p)).transpose()),
    );
    let gln = keep_optional(crate::domain::gln::check("gln", row.gln.as_deref()));
    let fda_registration = keep_optional(
        v::optional_text("fda_registration", row.fda_registration.as_deref(), 32).and_then(|f| {
            f.map(|f| {
                if f.len() == 11 && f.chars().all(|c| c.is_ascii_digit()) {
                    Ok(f)
                } else {
                    Err(v::field_error(
                        "fda_registration",
                        "is not an FDA food facility registration number (11 digits)",
                    ))
                }
            })
            .transpose()
        }),
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Party {
        business_name,
        street,
        province,
        country,
        phone,
        gln,
        fda_registration,
        ..row
    })
}

/// Two capital letters (ISO 3166-1 alpha-2).
fn country(field: &str, value: &str) -> Checked<String> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(v::field_error(
            field,
            "is not a two-letter country code (ISO 3166-1, for example \"VN\", \"US\")",
        ))
    }
}

/// The parties a scope reads: every enterprise's (the addresses shipments
/// are made to), and the outside parties recorded within it.
fn scoped(scope: &Scope) -> party::BoxedQuery<'static, Backend> {
    let query = party::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(
            party::enterprise_id
                .is_not_null()
                .or(party::recorded_by_enterprise.eq(id.clone())),
        ),
        Scope::Province(p) => query.filter(
            party::enterprise_id
                .is_not_null()
                .or(party::recorded_by_enterprise.eq_any(
                    enterprise::table
                        .filter(enterprise::province_code.eq(p.clone()))
                        .select(enterprise::id.nullable()),
                )),
        ),
    }
}

/// Fills an enterprise's party from the enterprise.
fn current(conn: &mut DbConnection, row: Party) -> QueryResult<Party> {
    match &row.enterprise_id {
        Some(id) => {
            let owner = enterprise::table
                .find(id)
                .select(Enterprise::as_select())
                .first(conn)?;
            Ok(row.following(&owner))
        }
        None => Ok(row),
    }
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Party>> {
    let row = scoped(scope)
        .filter(party::id.eq(id.to_owned()))
        .select(Party::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| current(conn, r)).transpose()
}

/// The party of an enterprise of the service, if registered.
pub fn of_enterprise(conn: &mut DbConnection, enterprise_id: &str) -> QueryResult<Option<Party>> {
    let row = party::table
        .filter(party::enterprise_id.eq(enterprise_id.to_owned()))
        .select(Party::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| current(conn, r)).transpose()
}

pub fn list(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<Party>> {
    let rows = scoped(scope)
        .order((party::business_name, party::id))
        .limit(crate::models::page::MAX_EXPORT_ROWS)
        .select(Party::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| current(conn, r)).collect()
}

pub fn insert(conn: &mut DbConnection, row: &Party) -> QueryResult<usize> {
    diesel::insert_into(party::table).values(row).execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Party) -> QueryResult<usize> {
    diesel::update(party::table.find(&row.id))
        .set(row)
        .execute(conn)
}
