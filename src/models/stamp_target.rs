//! Where a batch's stamps point, as printed in QR codes and labels and
//! answered by the resolver's QR images.

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
    })
}
