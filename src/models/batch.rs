//! Batches (lots): a quantity of one product from one facility.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{batch, facility, product};
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::domain::id::Id;
use crate::domain::kinds::{BatchStatus, Unit};
use crate::domain::validate::{self as v, Checked, FieldError};
use crate::models::page::{List, Page};
use crate::models::patch::set;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = batch, treat_none_as_null = true)]
pub struct Batch {
    pub id: String,
    pub product_id: String,
    pub facility_id: String,
    pub lot_code: String,
    /// Harvest date for produce, production date for processed goods.
    pub produced_on: NaiveDate,
    pub quantity: f64,
    pub unit: String,
    pub expires_on: Option<NaiveDate>,
    pub status: String,
    pub recall_reason: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    /// The recalled input batch this one was recalled for, if any.
    pub recalled_because: Option<String>,
    /// When the recall was ordered (none for recalls made before this was kept).
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub recalled_at: Option<NaiveDateTime>,
    /// Who ordered it: the province whose regulator did, or `national` for
    /// an administrator; the consumer page names it and its hotline.
    pub recall_authority: Option<String>,
    /// The market the batch is bound for (`domain::market::Market`), if stated.
    pub market: Option<String>,
}

/// A batch as the API shows it: with its product's names.
#[derive(Debug, Serialize)]
pub struct BatchView {
    #[serde(flatten)]
    pub batch: Batch,
    pub product_name_vi: String,
    pub product_name_en: String,
    /// Lot codes the batch was printed under before a correction, which
    /// still resolve to it (shown on a single batch, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_lot_codes: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFields {
    pub product_id: Option<Id>,
    pub facility_id: Option<Id>,
    pub lot_code: Option<String>,
    pub produced_on: Option<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    #[serde(default, with = "crate::models::patch")]
    pub expires_on: Option<Option<String>>,
    /// The market it is bound for (`cn`, `us`, … `domestic`); null clears it.
    #[serde(default, with = "crate::models::patch")]
    pub market: Option<Option<String>>,
}

impl BatchFields {
    /// `product_id` and `facility_id` are checked against the caller's reach
    /// by the handler before this runs.
    pub fn create(self, id: String, now: NaiveDateTime) -> Checked<Batch> {
        self.create_each(id, now)
            .map_err(|mut problems| problems.swap_remove(0))
    }

    /// Every field a new batch would be refused for (empty when [`create`]
    /// would accept it): the portal's form shows them all at once, where
    /// the API answers with the first.
    ///
    /// [`create`]: BatchFields::create
    pub fn create_problems(self) -> Vec<FieldError> {
        self.create_each(String::new(), NaiveDateTime::default())
            .err()
            .unwrap_or_default()
    }

    fn create_each(self, id: String, now: NaiveDateTime) -> Result<Batch, Vec<FieldError>> {
        let mut problems = Vec::new();
        let produced_on = kept(
            &mut problems,
            v::need("produced_on", self.produced_on).and_then(|d| v::date_text("produced_on", &d)),
        );
        let product_id = kept(&mut problems, v::need("product_id", self.product_id));
        let facility_id = kept(&mut problems, v::need("facility_id", self.facility_id));
        let lot_code = kept(
            &mut problems,
            v::need("lot_code", self.lot_code).and_then(|l| v::lot_code("lot_code", &l)),
        );
        let quantity = kept(
            &mut problems,
            v::need("quantity", self.quantity).and_then(|q| v::positive("quantity", q)),
        );
        let unit = kept(
            &mut problems,
            v::need("unit", self.unit)
                .and_then(|u| v::choice("unit", &u, Unit::parse))
                .map(|u| u.as_str().to_owned()),
        );
        let expires_on = kept(
            &mut problems,
            v::optional_date_text("expires_on", self.expires_on.flatten().as_deref()),
        );
        let market = kept(&mut problems, market_of(self.market.flatten().as_deref()));
        if let (Some(start), Some(Some(end))) = (produced_on, expires_on) {
            kept(&mut problems, v::date_order("expires_on", start, end));
        }
        match (
            produced_on,
            product_id,
            facility_id,
            lot_code,
            quantity,
            unit,
            expires_on,
        ) {
            (
                Some(produced_on),
                Some(product_id),
                Some(facility_id),
                Some(lot_code),
                Some(quantity),
                Some(unit),
                Some(expires_on),
            ) if problems.is_empty() => Ok(Batch {
                id,
                product_id: product_id.into_string(),
                facility_id: facility_id.into_string(),
                lot_code,
                produced_on,
                quantity,
                unit,
                expires_on,
                status: BatchStatus::Active.as_str().to_owned(),
                recall_reason: None,
                created_at: now,
                updated_at: now,
                recalled_because: None,
                recalled_at: None,
                recall_authority: None,
                market: market.flatten(),
            }),
            _ => Err(problems),
        }
    }

    pub fn update(self, mut row: Batch, now: NaiveDateTime) -> Checked<Batch> {
        if self.product_id.is_some() {
            return Err(v::field_error("product_id", "cannot be changed"));
        }
        if self.facility_id.is_some() {
            return Err(v::field_error("facility_id", "cannot be changed"));
        }
        set(&mut row.lot_code, self.lot_code);
        if let Some(d) = self.produced_on {
            row.produced_on = v::date_text("produced_on", &d)?;
        }
        set(&mut row.quantity, self.quantity);
        set(&mut row.unit, self.unit);
        if let Some(d) = self.expires_on {
            row.expires_on = v::optional_date_text("expires_on", d.as_deref())?;
        }
        if let Some(m) = self.market {
            row.market = market_of(m.as_deref())?;
        }
        row.updated_at = now;
        check(row)
    }
}

/// A market's stored name, checked against the closed list.
fn market_of(value: Option<&str>) -> Checked<Option<String>> {
    value
        .map(|m| {
            v::choice("market", m, crate::domain::market::Market::parse)
                .map(|m| m.as_str().to_owned())
        })
        .transpose()
}

/// A checked value, or `None` with its refusal added to `problems`.
fn kept<T>(problems: &mut Vec<FieldError>, checked: Checked<T>) -> Option<T> {
    checked.map_err(|problem| problems.push(problem)).ok()
}

fn check(row: Batch) -> Checked<Batch> {
    if let Some(expiry) = row.expires_on {
        v::date_order("expires_on", row.produced_on, expiry)?;
    }
    Ok(Batch {
        lot_code: v::lot_code("lot_code", &row.lot_code)?,
        quantity: v::positive("quantity", row.quantity)?,
        unit: v::choice("unit", &row.unit, Unit::parse)?
            .as_str()
            .to_owned(),
        ..row
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFilter {
    pub product: Option<Id>,
    pub facility: Option<Id>,
    pub enterprise: Option<Id>,
    pub province: Option<String>,
    pub status: Option<String>,
    /// Produced on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Produced on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// `csv` for a download of every row instead of a JSON page.
    pub format: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A batch filter with its dates parsed.
pub struct CheckedBatchFilter {
    raw: BatchFilter,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl BatchFilter {
    pub fn check(self) -> Checked<CheckedBatchFilter> {
        if let Some(s) = &self.status {
            v::choice("status", s, BatchStatus::parse)?;
        }
        if let Some(p) = &self.province {
            v::province("province", p)?;
        }
        let from = v::optional_date_text("from", self.from.as_deref())?;
        let to = v::optional_date_text("to", self.to.as_deref())?;
        Ok(CheckedBatchFilter {
            raw: self,
            from,
            to,
        })
    }
}

pub fn scoped(scope: &Scope) -> batch::BoxedQuery<'static, Backend> {
    let query = batch::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(
            batch::product_id.eq_any(
                product::table
                    .filter(product::enterprise_id.eq(id.clone()))
                    .select(product::id),
            ),
        ),
        Scope::Province(p) => query.filter(
            batch::facility_id.eq_any(
                facility::table
                    .filter(facility::province_code.eq(p.clone()))
                    .select(facility::id),
            ),
        ),
    }
}

fn filtered(scope: &Scope, f: &CheckedBatchFilter) -> batch::BoxedQuery<'static, Backend> {
    let mut query = scoped(scope);
    let raw = &f.raw;
    if let Some(x) = &raw.product {
        query = query.filter(batch::product_id.eq(x.to_string()));
    }
    if let Some(x) = &raw.facility {
        query = query.filter(batch::facility_id.eq(x.to_string()));
    }
    if let Some(x) = &raw.enterprise {
        query = query.filter(
            batch::product_id.eq_any(
                product::table
                    .filter(product::enterprise_id.eq(x.to_string()))
                    .select(product::id),
            ),
        );
    }
    if let Some(x) = raw
        .province
        .as_deref()
        .and_then(|p| v::province("province", p).ok())
    {
        query = query.filter(
            batch::facility_id.eq_any(
                facility::table
                    .filter(facility::province.eq(x))
                    .select(facility::id),
            ),
        );
    }
    if let Some(x) = &raw.status {
        query = query.filter(batch::status.eq(x.clone()));
    }
    if let Some(d) = f.from {
        query = query.filter(batch::produced_on.ge(d));
    }
    if let Some(d) = f.to {
        query = query.filter(batch::produced_on.le(d));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &CheckedBatchFilter,
    page: Page,
) -> QueryResult<List<BatchView>> {
    let total = filtered(scope, f).count().get_result(conn)?;
    let batches: Vec<Batch> = filtered(scope, f)
        .order((batch::produced_on.desc(), batch::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Batch::as_select())
        .load(conn)?;
    let ids: Vec<&str> = batches.iter().map(|b| b.product_id.as_str()).collect();
    let names: Vec<(String, String, String)> = product::table
        .filter(product::id.eq_any(ids))
        .select((product::id, product::name_vi, product::name_en))
        .load(conn)?;
    let items = batches
        .into_iter()
        .map(|batch| {
            let (vi, en) = names
                .iter()
                .find(|(id, _, _)| *id == batch.product_id)
                .map(|(_, vi, en)| (vi.clone(), en.clone()))
                .unwrap_or_default();
            BatchView {
                batch,
                product_name_vi: vi,
                product_name_en: en,
                former_lot_codes: None,
            }
        })
        .collect();
    Ok(page.of(items, total))
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Batch>> {
    scoped(scope)
        .filter(batch::id.eq(id.to_owned()))
        .select(Batch::as_select())
        .get_result(conn)
        .optional()
}

pub fn view(conn: &mut DbConnection, row: Batch) -> QueryResult<BatchView> {
    let (vi, en) = product::table
        .find(&row.product_id)
        .select((product::name_vi, product::name_en))
        .get_result(conn)?;
    let former = crate::models::lot_alias::for_batch(conn, &row.id)?;
    Ok(BatchView {
        batch: row,
        product_name_vi: vi,
        product_name_en: en,
        former_lot_codes: Some(former),
    })
}

/// The lot codes within reach that start with `prefix` (for suggesting the
/// next free one).
pub fn lot_codes_starting(
    conn: &mut DbConnection,
    scope: &Scope,
    prefix: &str,
) -> QueryResult<Vec<String>> {
    scoped(scope)
        .filter(batch::lot_code.like(format!("{prefix}%")))
        .select(batch::lot_code)
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &Batch) -> QueryResult<usize> {
    diesel::insert_into(batch::table).values(row).execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Batch) -> QueryResult<usize> {
    diesel::update(batch::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(batch::table.find(id)).execute(conn)
}

/// Batches recalled because `root` was: lifted with it.
pub fn recalled_because_of(conn: &mut DbConnection, root: &str) -> QueryResult<Vec<Batch>> {
    batch::table
        .filter(batch::recalled_because.eq(root))
        .select(Batch::as_select())
        .load(conn)
}
