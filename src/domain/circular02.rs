//! The minimum information of a traceability record under Circular
//! 02/2024/TT-BKHCN (in force since 1 June 2024, art. 5): product name and
//! image; producer name and address; the production stages, each with a
//! product code, a location code and a time; the traceability code; brand,
//! trademark or serial where there is one; shelf life; the standards
//! applied. One pure function per subject (product, batch) says which items
//! a record still lacks, so the portal, the regulator's view, the API and
//! the export all read the same verdict.
//!
//! Codes follow TCVN 13274:2020 as far as its structure is public: GS1
//! element strings — `(01)` GTIN-14, `(10)` lot, `(21)` serial, `(414)`
//! GLN. A product without a GTIN gets the registry's own code
//! `VN{province}.{tax code}.{product id}` (inferred, see README), a place
//! without a GLN its official commune code (Decision 19/2025/QĐ-TTg).

use serde::Serialize;

/// One minimum item of the circular, by a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    ProductName,
    ProductImage,
    ProducerName,
    ProducerAddress,
    ProductionStages,
    TraceabilityCode,
    BrandOrSerial,
    ShelfLife,
    Standards,
}

impl Item {
    pub fn code(self) -> &'static str {
        match self {
            Item::ProductName => "product_name",
            Item::ProductImage => "product_image",
            Item::ProducerName => "producer_name",
            Item::ProducerAddress => "producer_address",
            Item::ProductionStages => "production_stages",
            Item::TraceabilityCode => "traceability_code",
            Item::BrandOrSerial => "brand_or_serial",
            Item::ShelfLife => "shelf_life",
            Item::Standards => "standards",
        }
    }

    /// The item's name in Vietnamese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Item::ProductName => ("Tên sản phẩm", "Product name"),
            Item::ProductImage => ("Hình ảnh sản phẩm", "Product image"),
            Item::ProducerName => ("Tên cơ sở sản xuất", "Producer name"),
            Item::ProducerAddress => ("Địa chỉ cơ sở sản xuất", "Producer address"),
            Item::ProductionStages => (
                "Công đoạn sản xuất (mã sản phẩm, mã địa điểm, thời gian)",
                "Production stages (product code, location code, time)",
            ),
            Item::TraceabilityCode => ("Mã truy vết", "Traceability code"),
            Item::BrandOrSerial => (
                "Thương hiệu, nhãn hiệu, số sê-ri",
                "Brand, trademark, serial",
            ),
            Item::ShelfLife => ("Hạn sử dụng", "Shelf life"),
            Item::Standards => ("Tiêu chuẩn áp dụng", "Standards applied"),
        }
    }
}

/// Whether a record holds an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Present,
    Missing,
    /// "Where there is one": the record has none, and none is required.
    NotApplicable,
}

/// One item of a report, with why it is missing (both languages).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub item: Item,
    pub presence: Presence,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub reason_vi: Option<String>,
    pub reason_en: Option<String>,
}

/// Which of the minimum items a product or batch has.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub complete: bool,
    /// The codes of the missing items, in the circular's order.
    pub missing: Vec<Item>,
    pub items: Vec<Check>,
}

impl Report {
    fn of(items: Vec<Check>) -> Self {
        let missing: Vec<Item> = items
            .iter()
            .filter(|c| c.presence == Presence::Missing)
            .map(|c| c.item)
            .collect();
        Report {
            complete: missing.is_empty(),
            missing,
            items,
        }
    }
}

/// What a product's record holds, as far as the circular asks.
pub struct ProductFacts<'a> {
    pub name_vi: &'a str,
    pub image_url: Option<&'a str>,
    pub gtin: Option<&'a str>,
    pub shelf_life_days: Option<i32>,
    pub standards: Option<&'a str>,
    pub producer_name: &'a str,
    pub producer_address: &'a str,
    /// The producer's address is settled in a commune of the 2025 units.
    pub producer_commune: Option<&'a str>,
}

/// One production stage (a standing event of the batch).
pub struct Stage<'a> {
    pub kind: &'a str,
    /// Its location code (GLN or commune code), if the place has one.
    pub location_code: Option<&'a str>,
}

/// What a batch's record holds beyond its product's.
pub struct BatchFacts<'a> {
    pub product: ProductFacts<'a>,
    pub expires_on: bool,
    pub stages: Vec<Stage<'a>>,
    /// Stamps (serials) issued and not all voided: the traceability code a
    /// buyer reads.
    pub stamps_issued: bool,
}

fn present(item: Item) -> Check {
    let (label_vi, label_en) = item.label();
    Check {
        item,
        presence: Presence::Present,
        label_vi,
        label_en,
        reason_vi: None,
        reason_en: None,
    }
}

fn missing(item: Item, vi: impl Into<String>, en: impl Into<String>) -> Check {
    Check {
        presence: Presence::Missing,
        reason_vi: Some(vi.into()),
        reason_en: Some(en.into()),
        ..present(item)
    }
}

fn filled(text: Option<&str>) -> bool {
    text.is_some_and(|t| !t.trim().is_empty())
}

fn product_items(p: &ProductFacts, shelf_life: bool) -> Vec<Check> {
    let mut items = Vec::with_capacity(9);
    items.push(if p.name_vi.trim().is_empty() {
        missing(Item::ProductName, "Chưa có tên sản phẩm", "No product name")
    } else {
        present(Item::ProductName)
    });
    items.push(if filled(p.image_url) {
        present(Item::ProductImage)
    } else {
        missing(
            Item::ProductImage,
            "Sản phẩm chưa có hình ảnh",
            "The product has no image",
        )
    });
    items.push(if p.producer_name.trim().is_empty() {
        missing(Item::ProducerName, "Chưa có tên cơ sở", "No producer name")
    } else {
        present(Item::ProducerName)
    });
    items.push(if p.producer_address.trim().is_empty() {
        missing(
            Item::ProducerAddress,
            "Chưa có địa chỉ cơ sở",
            "No producer address",
        )
    } else if p.producer_commune.is_none() {
        missing(
            Item::ProducerAddress,
            "Địa chỉ chưa được xác định theo xã/phường mới (sau 01/07/2025)",
            "The address is not yet settled in a commune of the 2025 units",
        )
    } else {
        present(Item::ProducerAddress)
    });
    items.push(Check {
        presence: if filled(p.gtin) {
            Presence::Present
        } else {
            Presence::NotApplicable
        },
        ..present(Item::BrandOrSerial)
    });
    items.push(if shelf_life {
        present(Item::ShelfLife)
    } else {
        missing(
            Item::ShelfLife,
            "Chưa ghi hạn sử dụng (số ngày của sản phẩm hoặc hạn của lô)",
            "No shelf life (the product's days or the batch's expiry)",
        )
    });
    items.push(if filled(p.standards) {
        present(Item::Standards)
    } else {
        missing(
            Item::Standards,
            "Chưa ghi tiêu chuẩn áp dụng",
            "No standards applied are stated",
        )
    });
    items
}

/// A product's record: the items a product can hold alone (stages and the
/// traceability code belong to its batches).
pub fn product_report(p: &ProductFacts) -> Report {
    Report::of(product_items(p, p.shelf_life_days.is_some()))
}

/// A batch's record: its product's items, its stages and its code.
pub fn batch_report(b: &BatchFacts) -> Report {
    let mut items = product_items(
        &b.product,
        b.expires_on || b.product.shelf_life_days.is_some(),
    );
    let stages = if b.stages.is_empty() {
        missing(
            Item::ProductionStages,
            "Chưa ghi công đoạn sản xuất nào",
            "No production stage recorded",
        )
    } else if let Some(stage) = b.stages.iter().find(|s| s.location_code.is_none()) {
        missing(
            Item::ProductionStages,
            format!(
                "Công đoạn \"{}\" thiếu mã địa điểm (GLN hoặc mã xã/phường)",
                stage.kind
            ),
            format!(
                "The stage \"{}\" has no location code (GLN or commune code)",
                stage.kind
            ),
        )
    } else {
        present(Item::ProductionStages)
    };
    let code = if b.stamps_issued {
        present(Item::TraceabilityCode)
    } else {
        missing(
            Item::TraceabilityCode,
            "Chưa cấp tem (mã truy vết) cho lô",
            "No stamps (traceability codes) issued for the lot",
        )
    };
    // In the circular's order: stages and code after the producer.
    items.insert(4, stages);
    items.insert(5, code);
    Report::of(items)
}

/// The registry's own product code for a product without a GTIN, in the
/// dotted form the national portal's published examples use (inferred):
/// `VN86.1500123456.<product id>`.
pub fn product_code(gtin: Option<&str>, province_code: &str, tax_code: &str, id: &str) -> String {
    match gtin.filter(|g| !g.is_empty()) {
        Some(g) => format!("(01){g}"),
        None => format!("VN{province_code}.{tax_code}.{id}"),
    }
}

/// A location code: `(414)` GLN, else the commune code.
pub fn location_code(gln: Option<&str>, commune: Option<&str>) -> Option<String> {
    match (gln.filter(|g| !g.is_empty()), commune) {
        (Some(g), _) => Some(format!("(414){g}")),
        (None, Some(c)) => Some(format!("VN.{c}")),
        (None, None) => None,
    }
}

/// The lot's traceability code: GS1 `(01)…(10)…` with a GTIN, else the
/// product code followed by the lot.
pub fn lot_code(product_code: &str, lot: &str) -> String {
    if product_code.starts_with("(01)") {
        format!("{product_code}(10){lot}")
    } else {
        format!("{product_code}.{lot}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product() -> ProductFacts<'static> {
        ProductFacts {
            name_vi: "Bưởi Năm Roi",
            image_url: Some("https://example.vn/a.jpg"),
            gtin: None,
            shelf_life_days: Some(30),
            standards: Some("VietGAP"),
            producer_name: "HTX Mỹ Hòa",
            producer_address: "ấp Mỹ Hòa, phường Bình Minh, tỉnh Vĩnh Long",
            producer_commune: Some("29771"),
        }
    }

    #[test]
    fn a_full_product_is_complete_and_brand_is_not_required() {
        let r = product_report(&product());
        assert!(r.complete, "{:?}", r.missing);
        assert!(r
            .items
            .iter()
            .any(|c| c.item == Item::BrandOrSerial && c.presence == Presence::NotApplicable));
    }

    #[test]
    fn a_batch_lacks_its_stages_code_and_image() {
        let mut p = product();
        p.image_url = None;
        let b = BatchFacts {
            product: p,
            expires_on: false,
            stages: vec![Stage {
                kind: "harvesting",
                location_code: None,
            }],
            stamps_issued: false,
        };
        let r = batch_report(&b);
        assert_eq!(
            r.missing,
            vec![
                Item::ProductImage,
                Item::ProductionStages,
                Item::TraceabilityCode
            ]
        );
        assert_eq!(r.items[4].item, Item::ProductionStages);
    }

    #[test]
    fn codes_follow_gs1_element_strings() {
        let c = product_code(Some("08930000000017"), "86", "1500", "p1");
        assert_eq!(lot_code(&c, "L1"), "(01)08930000000017(10)L1");
        let c = product_code(None, "86", "1500", "p1");
        assert_eq!(lot_code(&c, "L1"), "VN86.1500.p1.L1");
        assert_eq!(location_code(None, Some("29771")).unwrap(), "VN.29771");
        assert_eq!(location_code(None, None), None);
    }
}
