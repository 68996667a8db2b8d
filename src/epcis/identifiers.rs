//! The identifiers we issue, as EPCIS writes them, and how a captured event
//! that names one is attached to our batch. Lots of products with a GTIN are
//! GS1 Digital Link classes on our public base URL
//! (`{base}/01/{gtin14}/10/{lot}`); stamps are the Digital Links printed on
//! them (`{base}/01/…/21/{serial}` or `{base}/s/{serial}`). What has no GS1
//! key is a stable URI under the base: a lot of a product without GTIN
//! `{base}/lots/{batch id}`, a facility `{base}/facilities/{id}`.

use diesel::prelude::*;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use std::collections::HashMap;

use crate::db::schema::{batch, product};
use crate::db::DbConnection;
use crate::domain::digital_link::DigitalLink;
use crate::domain::serial::SerialCodec;
use crate::models::stamp_roll;

/// The EPC class of one of our lots.
pub fn lot_class(base: &str, gtin: Option<&str>, lot: &str, batch_id: &str) -> String {
    match gtin {
        Some(gtin) => format!(
            "{}{}",
            base.trim_end_matches('/'),
            crate::domain::digital_link::class_path(gtin, Some(lot))
        ),
        None => format!("{}/lots/{batch_id}", base.trim_end_matches('/')),
    }
}

/// A facility as a read point or business location.
pub fn facility_location(base: &str, facility_id: &str) -> String {
    format!("{}/facilities/{facility_id}", base.trim_end_matches('/'))
}

/// A trading party known to us only by name (a shipment's destination):
/// a stable URI under the base, since EPCIS needs a URI there.
pub fn party(base: &str, name: &str) -> String {
    if is_absolute_uri(name) {
        return name.to_owned();
    }
    format!(
        "{}/parties/{}",
        base.trim_end_matches('/'),
        utf8_percent_encode(name.trim(), NON_ALPHANUMERIC)
    )
}

fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && !text.contains(char::is_whitespace)
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Finds the batches of one enterprise that captured identifiers name,
/// remembering each answer: a document of ten thousand events usually
/// names a handful of lots.
pub struct BatchFinder<'a> {
    base: String,
    codec: &'a SerialCodec,
    enterprise_id: &'a str,
    known: HashMap<String, Option<String>>,
}

impl<'a> BatchFinder<'a> {
    pub fn new(base: &str, codec: &'a SerialCodec, enterprise_id: &'a str) -> Self {
        BatchFinder {
            base: base.trim_end_matches('/').to_ascii_lowercase(),
            codec,
            enterprise_id,
            known: HashMap::new(),
        }
    }

    /// The batch of this enterprise the identifier names, if any. Another
    /// enterprise's batch is never returned: a producer cannot write into
    /// someone else's timeline.
    pub fn batch_of(
        &mut self,
        conn: &mut DbConnection,
        identifier: &str,
    ) -> QueryResult<Option<String>> {
        if let Some(known) = self.known.get(identifier) {
            return Ok(known.clone());
        }
        let found = self.look_up(conn, identifier)?;
        self.known.insert(identifier.to_owned(), found.clone());
        Ok(found)
    }

    fn look_up(&self, conn: &mut DbConnection, identifier: &str) -> QueryResult<Option<String>> {
        if !identifier.starts_with("http://") && !identifier.starts_with("https://") {
            return Ok(None);
        }
        let ours = identifier.len() > self.base.len()
            && identifier.is_char_boundary(self.base.len())
            && identifier[..self.base.len()].eq_ignore_ascii_case(&self.base);
        if ours {
            let path = &identifier[self.base.len()..];
            if let Some(serial) = path
                .strip_prefix("/s/")
                .or_else(|| path.strip_prefix("/S/"))
            {
                return self.stamp_batch(conn, serial);
            }
            if let Some(id) = path.strip_prefix("/lots/") {
                return self.own_batch(conn, batch::id.eq(id.to_owned()));
            }
        }
        // A GTIN + lot names the lot whoever's domain the link is on
        // (id.gs1.org or ours).
        let Some(start) = identifier.find("/01/") else {
            return Ok(None);
        };
        let (path, query) = identifier[start..]
            .split_once('?')
            .map_or((&identifier[start..], None), |(p, q)| (p, Some(q)));
        let Ok(link) = DigitalLink::parse(path, query) else {
            return Ok(None);
        };
        let Some(lot) = link.lot else {
            return Ok(None);
        };
        batch::table
            .inner_join(product::table)
            .filter(product::enterprise_id.eq(self.enterprise_id.to_owned()))
            .filter(product::gtin.eq(link.gtin))
            .filter(batch::lot_code.eq(lot))
            .select(batch::id)
            .get_result(conn)
            .optional()
    }

    fn stamp_batch(&self, conn: &mut DbConnection, serial: &str) -> QueryResult<Option<String>> {
        let Ok(stamp) = self.codec.decode(serial) else {
            return Ok(None);
        };
        let Some(roll) = stamp_roll::by_number(conn, i64::from(stamp.roll))? else {
            return Ok(None);
        };
        self.own_batch(conn, batch::id.eq(roll.batch_id))
    }

    fn own_batch(
        &self,
        conn: &mut DbConnection,
        which: diesel::dsl::Eq<batch::id, String>,
    ) -> QueryResult<Option<String>> {
        batch::table
            .inner_join(product::table)
            .filter(which)
            .filter(product::enterprise_id.eq(self.enterprise_id.to_owned()))
            .select(batch::id)
            .get_result(conn)
            .optional()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_identifiers() {
        let base = "https://tx.example.vn/";
        assert_eq!(
            lot_class(base, Some("08934567000016"), "LOT 1", "b1"),
            "https://tx.example.vn/01/08934567000016/10/LOT%201"
        );
        assert_eq!(
            lot_class(base, None, "L", "b1"),
            "https://tx.example.vn/lots/b1"
        );
        assert_eq!(
            facility_location(base, "f1"),
            "https://tx.example.vn/facilities/f1"
        );
        assert_eq!(
            party(base, "Chợ Bình Điền"),
            "https://tx.example.vn/parties/Ch%E1%BB%A3%20B%C3%ACnh%20%C4%90i%E1%BB%81n"
        );
        assert_eq!(
            party(base, "urn:epc:id:sgln:0614141.00001.0"),
            "urn:epc:id:sgln:0614141.00001.0"
        );
    }
}
