//! Products and their GS1 links. A GTIN is the GS1 key the world resolves:
//! it must fall under its enterprise's GS1 company prefix (or, for an
//! enterprise without one, under nobody else's), and once stamps carry it
//! it cannot change. A product's image and its links never point at our own
//! resolver (`domain::resolver_url`).

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::schema::enterprise as enterprise_table;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::gtin::{possible_prefixes, under_prefix};
use crate::domain::resolver_url::lands_on_resolver;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::enterprise;
use crate::models::product::{self, Product, ProductFields};
use crate::models::product_link::{self, ProductLink, ProductLinkFields};
use crate::models::stamp_roll;
use diesel::prelude::*;

use super::access::{editable_product, owning_enterprise, still_referenced};

fn conflict_on_gtin(err: diesel::result::Error) -> AppError {
    match AppError::from(err) {
        AppError::Conflict(_) => AppError::Conflict("another product already has this GTIN".into()),
        other => other,
    }
}

/// Checks `gtin` against the GS1 company prefixes on record. An admin may
/// register a GTIN outside them (a licence the registry does not know of);
/// the override is written to the audit log.
fn check_prefix(
    conn: &mut DbConnection,
    caller: &Caller,
    enterprise_id: &str,
    product_id: &str,
    gtin: &str,
) -> AppResult<()> {
    let own = enterprise::find(conn, &Scope::All, enterprise_id)?
        .ok_or_else(|| AppError::invalid("enterprise_id", "no such enterprise"))?;
    let refusal = match own.gs1_prefix.as_deref().filter(|p| !p.is_empty()) {
        Some(prefix) if !under_prefix(gtin, prefix) => Some((
            format!("does not fall under the enterprise's GS1 company prefix {prefix}"),
            format!("không thuộc mã doanh nghiệp GS1 {prefix} của doanh nghiệp"),
        )),
        Some(_) => None,
        None => {
            let holders: Vec<String> = enterprise_table::table
                .filter(enterprise_table::gs1_prefix.eq_any(possible_prefixes(gtin)))
                .filter(enterprise_table::id.ne(enterprise_id))
                .select(enterprise_table::id)
                .load(conn)?;
            (!holders.is_empty()).then(|| {
                (
                    "falls under another enterprise's GS1 company prefix".to_owned(),
                    "thuộc mã doanh nghiệp GS1 của một doanh nghiệp khác".to_owned(),
                )
            })
        }
    };
    match refusal {
        None => Ok(()),
        Some((reason, _)) if caller.is_admin() => audit::acted(
            conn,
            &Actor::from(caller),
            "override_gtin_prefix",
            "product",
            product_id,
            &serde_json::json!({"enterprise_id": enterprise_id}),
            &serde_json::json!({"gtin": gtin, "reason": reason}),
        ),
        Some((en, vi)) => Err(AppError::rule(RuleKind::Invalid, Some("gtin"), en, vi)),
    }
}

/// Refuses an image URL or link target that would land on our resolver:
/// a browser loading it would record a scan of someone's stamp.
fn not_the_resolver(config: &Config, field: &str, url: Option<&str>) -> AppResult<()> {
    match url {
        Some(url) if lands_on_resolver(url, config.base_url()) => Err(AppError::rule(
            RuleKind::Invalid,
            Some(field),
            "points at a stamp or code lookup of this service (/s/…, /01/…, /lookup); \
             a browser loading it would count as a scan of that stamp",
            "trỏ tới trang tra cứu tem của hệ thống (/s/…, /01/…, /lookup); trình duyệt \
             tải nó sẽ bị tính là một lượt quét tem đó",
        )),
        _ => Ok(()),
    }
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    mut fields: ProductFields,
) -> AppResult<Product> {
    let enterprise_id =
        owning_enterprise(caller, fields.enterprise_id.take().map(|i| i.into_string()))?;
    let row = fields.create(
        crate::domain::id::new_id(),
        enterprise_id,
        crate::time::now(),
    )?;
    not_the_resolver(config, "image_url", row.image_url.as_deref())?;
    audit::write_transaction(conn, |conn| {
        if enterprise::find(conn, &Scope::All, &row.enterprise_id)?.is_none() {
            return Err(AppError::invalid("enterprise_id", "no such enterprise"));
        }
        if let Some(gtin) = &row.gtin {
            check_prefix(conn, caller, &row.enterprise_id, &row.id, gtin)?;
        }
        product::insert(conn, &row).map_err(conflict_on_gtin)?;
        audit::created(conn, &Actor::from(caller), "product", &row.id, &row)?;
        Ok(row)
    })
}

/// Changes a product. Its GTIN is frozen once a batch of it has stamps;
/// a GTIN change before that re-mirrors its batches' EPCIS events, whose
/// lot identifiers carry the GTIN.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    id: &str,
    fields: ProductFields,
) -> AppResult<Product> {
    audit::write_transaction(conn, |conn| {
        let before = editable_product(conn, caller, id)?;
        let after = fields.update(before.clone(), crate::time::now())?;
        not_the_resolver(config, "image_url", after.image_url.as_deref())?;
        if after.gtin != before.gtin {
            if stamp_roll::issued_for_product(conn, &before.id)? {
                return Err(AppError::rule(
                    RuleKind::Conflict,
                    Some("gtin"),
                    "the GTIN is printed on this product's stamps and cannot change; \
                     register a new product for the new GTIN",
                    "mã GTIN đã in trên tem của sản phẩm nên không được thay đổi; hãy đăng ký \
                     sản phẩm mới cho mã GTIN mới",
                ));
            }
            if let Some(gtin) = &after.gtin {
                check_prefix(conn, caller, &after.enterprise_id, &after.id, gtin)?;
            }
        }
        product::save(conn, &after).map_err(conflict_on_gtin)?;
        if after.gtin != before.gtin {
            let batches = product::batch_ids(conn, &after.id)?;
            super::batches::remirror(conn, config.base_url(), &batches)?;
        }
        audit::updated(
            conn,
            &Actor::from(caller),
            "product",
            &after.id,
            &before,
            &after,
        )?;
        Ok(after)
    })
}

pub fn delete(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        let row = editable_product(conn, caller, id)?;
        product::delete(conn, &row.id)
            .map_err(|e| still_referenced(e, "the product still has batches"))?;
        audit::deleted(conn, &Actor::from(caller), "product", &row.id, &row)
    })
}

pub fn create_link(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    product_id: &str,
    fields: ProductLinkFields,
) -> AppResult<ProductLink> {
    audit::write_transaction(conn, |conn| {
        let owner = editable_product(conn, caller, product_id)?;
        let row = fields.create(crate::domain::id::new_id(), owner.id, crate::time::now())?;
        not_the_resolver(config, "href", Some(&row.href))?;
        product_link::insert(conn, &row).map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => {
                AppError::Conflict("the product already has a link of this type".into())
            }
            other => other,
        })?;
        audit::created(conn, &Actor::from(caller), "product_link", &row.id, &row)?;
        Ok(row)
    })
}
