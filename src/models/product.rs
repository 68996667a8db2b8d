//! Products an enterprise sells. A regulator sees the products of the
//! enterprises registered in its province.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{enterprise, product};
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::domain::gtin::normalize_gtin;
use crate::domain::id::Id;
use crate::domain::kinds::{ProductCategory, Unit};
use crate::domain::validate::{self as v, Checked};
use crate::models::page::{List, Page};
use crate::models::patch::set;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = product, treat_none_as_null = true)]
pub struct Product {
    pub id: String,
    pub enterprise_id: String,
    pub name_vi: String,
    pub name_en: String,
    /// The Chinese name, for export lots: printed on Chinese labels (which
    /// are refused without it) and shown on the Chinese consumer page.
    pub name_zh: Option<String>,
    pub category: String,
    pub variety: Option<String>,
    /// Stored as GTIN-14 whatever length was given.
    pub gtin: Option<String>,
    pub unit: String,
    pub image_url: Option<String>,
    pub shelf_life_days: Option<i32>,
    pub standards: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFields {
    pub enterprise_id: Option<Id>,
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub name_zh: Option<Option<String>>,
    pub category: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub variety: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub gtin: Option<Option<String>>,
    pub unit: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub image_url: Option<Option<String>>,
    #[serde(default, with = "crate::models::patch")]
    pub shelf_life_days: Option<Option<i32>>,
    #[serde(default, with = "crate::models::patch")]
    pub standards: Option<Option<String>>,
}

impl ProductFields {
    pub fn create(self, id: String, enterprise_id: String, now: NaiveDateTime) -> Checked<Product> {
        check(Product {
            id,
            enterprise_id,
            name_vi: v::need("name_vi", self.name_vi)?,
            name_en: v::need("name_en", self.name_en)?,
            name_zh: self.name_zh.flatten(),
            category: v::need("category", self.category)?,
            variety: self.variety.flatten(),
            gtin: self.gtin.flatten(),
            unit: v::need("unit", self.unit)?,
            image_url: self.image_url.flatten(),
            shelf_life_days: self.shelf_life_days.flatten(),
            standards: self.standards.flatten(),
            created_at: now,
            updated_at: now,
        })
    }

    pub fn update(self, mut row: Product, now: NaiveDateTime) -> Checked<Product> {
        if self.enterprise_id.is_some() {
            return Err(v::field_error("enterprise_id", "cannot be changed"));
        }
        set(&mut row.name_vi, self.name_vi);
        set(&mut row.name_en, self.name_en);
        set(&mut row.name_zh, self.name_zh);
        set(&mut row.category, self.category);
        set(&mut row.variety, self.variety);
        set(&mut row.gtin, self.gtin);
        set(&mut row.unit, self.unit);
        set(&mut row.image_url, self.image_url);
        set(&mut row.shelf_life_days, self.shelf_life_days);
        set(&mut row.standards, self.standards);
        row.updated_at = now;
        check(row)
    }
}

fn check(row: Product) -> Checked<Product> {
    let gtin = match row.gtin.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(g) => Some(normalize_gtin(g).map_err(|e| v::field_error("gtin", e.to_string()))?),
    };
    let image_url = v::optional_text("image_url", row.image_url.as_deref(), 500)?;
    if let Some(url) = &image_url {
        if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/')) {
            return Err(v::field_error(
                "image_url",
                "must be an http(s) URL or a path",
            ));
        }
    }
    if let Some(days) = row.shelf_life_days {
        if !(1..=3650).contains(&days) {
            return Err(v::field_error(
                "shelf_life_days",
                "must be between 1 and 3650",
            ));
        }
    }
    Ok(Product {
        name_vi: v::text("name_vi", &row.name_vi, 200)?,
        name_en: v::text("name_en", &row.name_en, 200)?,
        name_zh: v::optional_text("name_zh", row.name_zh.as_deref(), 200)?,
        category: v::choice("category", &row.category, ProductCategory::parse)?
            .as_str()
            .to_owned(),
        variety: v::optional_text("variety", row.variety.as_deref(), 100)?,
        gtin,
        unit: v::choice("unit", &row.unit, Unit::parse)?
            .as_str()
            .to_owned(),
        image_url,
        standards: v::optional_text("standards", row.standards.as_deref(), 300)?,
        ..row
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFilter {
    pub enterprise: Option<Id>,
    pub category: Option<String>,
    pub gtin: Option<String>,
    pub province: Option<String>,
    /// `csv` for a download of every row instead of a JSON page.
    pub format: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl ProductFilter {
    pub fn check(&self) -> Checked<()> {
        if let Some(c) = &self.category {
            v::choice("category", c, ProductCategory::parse)?;
        }
        if let Some(g) = &self.gtin {
            normalize_gtin(g).map_err(|e| v::field_error("gtin", e.to_string()))?;
        }
        if let Some(p) = &self.province {
            v::province("province", p)?;
        }
        Ok(())
    }
}

pub fn scoped(scope: &Scope) -> product::BoxedQuery<'static, Backend> {
    let query = product::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(product::enterprise_id.eq(id.clone())),
        Scope::Province(p) => query.filter(
            product::enterprise_id.eq_any(
                enterprise::table
                    .filter(enterprise::province_code.eq(p.clone()))
                    .select(enterprise::id),
            ),
        ),
    }
}

fn filtered(scope: &Scope, f: &ProductFilter) -> product::BoxedQuery<'static, Backend> {
    let mut query = scoped(scope);
    if let Some(x) = &f.enterprise {
        query = query.filter(product::enterprise_id.eq(x.to_string()));
    }
    if let Some(x) = &f.category {
        query = query.filter(product::category.eq(x.clone()));
    }
    if let Some(x) = f.gtin.as_deref().and_then(|g| normalize_gtin(g).ok()) {
        query = query.filter(product::gtin.eq(x));
    }
    if let Some(x) = f
        .province
        .as_deref()
        .and_then(|p| v::province("province", p).ok())
    {
        query = query.filter(
            product::enterprise_id.eq_any(
                enterprise::table
                    .filter(enterprise::province.eq(x))
                    .select(enterprise::id),
            ),
        );
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &ProductFilter,
    page: Page,
) -> QueryResult<List<Product>> {
    let total = filtered(scope, f).count().get_result(conn)?;
    let items = filtered(scope, f)
        .order((product::name_vi, product::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Product::as_select())
        .load(conn)?;
    Ok(page.of(items, total))
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Product>> {
    scoped(scope)
        .filter(product::id.eq(id.to_owned()))
        .select(Product::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &Product) -> QueryResult<usize> {
    diesel::insert_into(product::table)
        .values(row)
        .execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Product) -> QueryResult<usize> {
    diesel::update(product::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(product::table.find(id)).execute(conn)
}

/// The ids of the product's batches.
pub fn batch_ids(conn: &mut DbConnection, product_id: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::batch;
    batch::table
        .filter(batch::product_id.eq(product_id))
        .select(batch::id)
        .load(conn)
}
