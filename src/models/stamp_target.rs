//! Where a batch's stamps point, as printed in QR codes and labels and
//! answered by the resolver's QR images.

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::domain::access::Scope;
use crate::error::{AppError, AppResult};
use crate::models::batch::Batch;
use crate::models::product;

/// Where a roll's stamps point: the GS1 Digital Link when the product has a
/// GTIN, else the short form.
#[derive(Debug, Clone)]
pub struct StampTarget {
    pub base: String,
    pub gtin: Option<String>,
    pub lot: String,
    /// The product's Vietnamese name, printed on labels.
    pub product_name: String,
    /// Its Chinese name, printed on the Chinese labels of export lots.
    pub product_name_zh: Option<String>,
    /// The batch's harvest or production date and best-before date, printed
    /// on labels.
    pub produced_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

impl StampTarget {
    pub fn url(&self, serial: &str) -> String {
        match &self.gtin {
            Some(gtin) => {
                crate::domain::digital_link::stamp_url(&self.base, gtin, &self.lot, serial)
            }
            None => format!("{}/s/{serial}", self.base),
        }
    }

    /// The official site as a consumer types it: the base URL without its
    /// scheme (`tx.example.vn`, or `example.vn/tx` on a base with a path),
    /// where a code can be entered when its QR code does not scan.
    pub fn site(&self) -> &str {
        let rest = self
            .base
            .split_once("://")
            .map_or(self.base.as_str(), |(_, r)| r);
        rest.trim_end_matches('/')
    }

    /// What the QR code holds. A short-form URL on a base without a path is
    /// written all upper case (`HTTPS://HOST/S/SERIAL`): scheme and host
    /// ignore case and the resolver accepts `/S/`, and the QR can then use
    /// alphanumeric mode, often one version smaller on a 2 cm sticker.
    pub fn qr_payload(&self, serial: &str) -> String {
        let url = self.url(serial);
        let path_free = self
            .base
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.contains('/'));
        if self.gtin.is_none() && path_free {
            url.to_ascii_uppercase()
        } else {
            url
        }
    }
}

/// The target of `batch`'s stamps on the public base URL `base`.
pub fn target_of(conn: &mut DbConnection, base: &str, batch: &Batch) -> AppResult<StampTarget> {
    let p = product::find(conn, &Scope::All, &batch.product_id)?
        .ok_or_else(|| AppError::not_found("product"))?;
    Ok(StampTarget {
        base: base.to_owned(),
        gtin: p.gtin,
        lot: batch.lot_code.clone(),
        product_name: p.name_vi,
        product_name_zh: p.name_zh,
        produced_on: batch.produced_on,
        expires_on: batch.expires_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_is_the_base_without_its_scheme() {
        let target = |base: &str| StampTarget {
            base: base.into(),
            gtin: None,
            lot: "L1".into(),
            product_name: "Cam sành".into(),
            product_name_zh: None,
            produced_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            expires_on: None,
        };
        assert_eq!(target("https://tx.example.vn").site(), "tx.example.vn");
        assert_eq!(target("http://example.vn/tx/").site(), "example.vn/tx");
    }
}
