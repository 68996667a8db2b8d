//! Vietnam's administrative units since 1 July 2025 (Decision
//! 19/2025/QĐ-TTg): 34 provinces and 3,321 communes, wards and special zones
//! with their official codes, and the conversion from the pre-2025 units
//! (province, district, commune). Shipped as data (`data/admin-units/`,
//! written by `scripts/admin-units.py` from the MIT-licensed
//! `vietnamadminunits` dataset) so an address names a unit by code, not by
//! text that the next reform makes stale.
//!
//! Provinces are a constant list (the 34 of `validate::PROVINCES`, same
//! order, so `domain::places` keeps its indices); communes and the
//! conversion are parsed once at start into `AdminUnits`.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::domain::fold::fold;
use crate::domain::validate::{field_error, Checked, PROVINCES};

/// Official two-digit province codes, in the order of `PROVINCES`.
/// The longest stored address: the 300 characters a caller writes, then
/// the commune and province added to them ("…, phường Bình Minh, tỉnh
/// Vĩnh Long"), which are shorter than the remaining 100.
pub const ADDRESS_MAX: usize = 400;

pub const PROVINCE_CODES: [&str; 34] = [
    "01", "46", "31", "48", "79", "92", "12", "11", "14", "20", "22", "38", "40", "42", "04", "08",
    "15", "19", "25", "24", "33", "37", "44", "51", "52", "56", "68", "66", "75", "80", "86", "82",
    "96", "91",
];

const _: () = assert!(PROVINCE_CODES.len() == PROVINCES.len());

/// The official code of the province the registry names `name`
/// (accent- and case-insensitive).
pub fn province_code(name: &str) -> Option<&'static str> {
    let folded = fold(name);
    PROVINCES
        .iter()
        .position(|p| fold(p) == folded)
        .map(|i| PROVINCE_CODES[i])
}

/// A province given by its code ("86") or its name ("Vĩnh Long"), as a
/// list's filter accepts it.
pub fn province_code_of(text: &str) -> Option<&'static str> {
    let text = text.trim();
    PROVINCE_CODES
        .iter()
        .find(|c| **c == text)
        .copied()
        .or_else(|| province_code(text))
}

/// `province_code_of`, refusing what is neither a code nor a name.
pub fn checked_province_code(field: &str, text: &str) -> Checked<&'static str> {
    province_code_of(text).ok_or_else(|| {
        field_error(
            field,
            format!(
                "{text:?} is not a Vietnamese province code or name (for example \"86\" or \"Vĩnh Long\")"
            ),
        )
    })
}

/// The registry's name of the province with this code.
pub fn province_name(code: &str) -> Option<&'static str> {
    PROVINCE_CODES
        .iter()
        .position(|c| *c == code)
        .map(|i| PROVINCES[i])
}

/// How the province is called in an address: "thành phố Cần Thơ" for the
/// six centrally governed cities, "tỉnh Vĩnh Long" for the others.
pub fn province_in_address(code: &str) -> Option<String> {
    const CITIES: [&str; 6] = ["01", "31", "46", "48", "79", "92"];
    let name = province_name(code)?;
    Some(if let Some(rest) = name.strip_prefix("Thành phố ") {
        format!("thành phố {rest}")
    } else if CITIES.contains(&code) {
        format!("thành phố {name}")
    } else {
        format!("tỉnh {name}")
    })
}

/// What a second-level unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommuneKind {
    Ward,
    Commune,
    SpecialZone,
}

impl CommuneKind {
    fn parse(kind: &str) -> Option<Self> {
        match kind {
            "ward" => Some(CommuneKind::Ward),
            "commune" => Some(CommuneKind::Commune),
            "special_zone" => Some(CommuneKind::SpecialZone),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CommuneKind::Ward => "ward",
            CommuneKind::Commune => "commune",
            CommuneKind::SpecialZone => "special_zone",
        }
    }
}

/// The administrative part of an address, without house, street or
/// hamlet: "phường Cái Vồn, tỉnh Vĩnh Long" of "Ấp Mỹ Thuận, phường Cái
/// Vồn, tỉnh Vĩnh Long" (the consumer page shows no street address).
pub fn units_part(address: &str) -> String {
    const UNITS: [&str; 9] = [
        "xa ",
        "phuong ",
        "thi tran ",
        "thi xa ",
        "huyen ",
        "quan ",
        "thanh pho ",
        "tinh ",
        "dac khu ",
    ];
    address
        .split(',')
        .map(str::trim)
        .skip_while(|part| !UNITS.iter().any(|u| fold(part).starts_with(u)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A commune, ward or special zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    /// Five digits, as published.
    pub code: String,
    /// With its kind, as published: "Phường Bình Minh", "Xã Trà Ôn".
    pub name: String,
    pub province_code: &'static str,
    pub kind: CommuneKind,
}

impl Commune {
    /// The registry's name of the commune's province.
    pub fn province(&self) -> &'static str {
        province_name(self.province_code).unwrap_or_default()
    }

    /// The last two parts of an address in the new form: "phường Bình
    /// Minh, tỉnh Vĩnh Long".
    pub fn address_tail(&self) -> String {
        let mut unit = self.name.clone();
        if let Some(first) = unit.chars().next() {
            let lower: String = first.to_lowercase().collect();
            unit.replace_range(..first.len_utf8(), &lower);
        }
        let province = province_in_address(self.province_code).unwrap_or_default();
        format!("{unit}, {province}")
    }
}

/// One pre-2025 commune and the commune it became. Ten thousand of them
/// live as long as the service: their province and district are numbers
/// into `AdminUnits::former_units` (a few hundred names, each once), and the
/// commune's folded forms are made only for the few of one district that a
/// conversion compares (with six strings each, the tables took 2.8 MB of
/// the server's heap).
#[derive(Debug, Clone)]
struct Former {
    province: u16,
    district: u16,
    /// As the table writes it, with its kind ("Thị trấn Ba Tri").
    commune: Box<str>,
    commune_code: Box<str>,
    /// The old commune was split between several new ones: the table names
    /// the main successor, but a record there may lie in another.
    split: bool,
}

/// What the conversion found for a pre-2025 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversion {
    /// Exactly one new commune.
    Converted {
        commune_code: String,
        /// The address's part before the old commune (house, street,
        /// hamlet), which the new form keeps.
        street: String,
    },
    /// Why no single commune could be chosen, for the admin who settles it.
    Unsettled {
        reason_en: String,
        reason_vi: String,
    },
}

/// The shipped tables, parsed once.
#[derive(Debug)]
pub struct AdminUnits {
    communes: Vec<Commune>,
    by_code: HashMap<String, usize>,
    formers: Vec<Former>,
    /// The former provinces' and districts' names, folded without their kind
    /// (`unit_name`), each once.
    former_units: Vec<String>,
}

impl AdminUnits {
    /// The tables shipped with the service.
    pub fn shipped() -> Result<Self, String> {
        Self::parse(
            include_str!("../../data/admin-units/communes.csv"),
            include_str!("../../data/admin-units/conversion.csv"),
        )
    }

    fn parse(communes_csv: &str, conversion_csv: &str) -> Result<Self, String> {
        let mut communes = Vec::new();
        for (n, line) in communes_csv.lines().enumerate().skip(1) {
            let bad = |why: &str| format!("communes table, line {}: {why}: {line:?}", n + 1);
            let f: Vec<&str> = line.split(',').collect();
            let [code, name, province, kind] = f[..] else {
                return Err(bad("expected code,name,province_code,kind"));
            };
            let province_code = PROVINCE_CODES
                .iter()
                .find(|c| **c == province)
                .ok_or_else(|| bad("unknown province code"))?;
            communes.push(Commune {
                code: code.to_owned(),
                name: name.to_owned(),
                province_code,
                kind: CommuneKind::parse(kind).ok_or_else(|| bad("unknown kind"))?,
            });
        }
        let by_code = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect::<HashMap<_, _>>();
        let mut formers = Vec::new();
        let mut former_units: Vec<String> = Vec::new();
        let mut unit_numbers: HashMap<String, u16> = HashMap::new();
        for (n, line) in conversion_csv.lines().enumerate().skip(1) {
            let bad = |why: &str| format!("conversion table, line {}: {why}: {line:?}", n + 1);
            let f: Vec<&str> = line.split(',').collect();
            let [province, district, commune, _old_code, code, split] = f[..] else {
                return Err(bad("expected six fields"));
            };
            if !by_code.contains_key(code) {
                return Err(bad("names an unknown commune"));
            }
            let mut number = |unit: &str| {
                let name = unit_name(unit);
                if let Some(&known) = unit_numbers.get(&name) {
                    return Ok(known);
                }
                let next = u16::try_from(former_units.len())
                    .map_err(|_| bad("more former provinces and districts than expected"))?;
                former_units.push(name.clone());
                unit_numbers.insert(name, next);
                Ok::<u16, String>(next)
            };
            formers.push(Former {
                province: number(province)?,
                district: number(district)?,
                commune: commune.into(),
                commune_code: code.into(),
                split: split == "1",
            });
        }
        Ok(AdminUnits {
            communes,
            by_code,
            formers,
            former_units,
        })
    }

    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.by_code.get(code.trim()).map(|i| &self.communes[*i])
    }

    /// The communes of a province, in code order (for a form's list).
    pub fn communes_of(&self, province_code: &str) -> impl Iterator<Item = &Commune> {
        let province_code = province_code.to_owned();
        self.communes
            .iter()
            .filter(move |c| c.province_code == province_code)
    }

    /// Communes whose name matches `name` accent-insensitively, with or
    /// without its kind ("Bình Minh", "phuong binh minh"), optionally within
    /// one province.
    pub fn communes_named(&self, name: &str, province_code: Option<&str>) -> Vec<&Commune> {
        let wanted = unit_name(name);
        self.communes
            .iter()
            .filter(|c| province_code.is_none_or(|p| c.province_code == p))
            .filter(|c| unit_name(&c.name) == wanted)
            .collect()
    }

    /// Converts a pre-2025 address ("Ấp Mỹ Thuận, xã Mỹ Hòa, thị xã Bình
    /// Minh, tỉnh Vĩnh Long") with its district and province as the
    /// registry held them. The old commune is the address's part that
    /// names a commune of that district; a province written in the address
    /// may be a former one (Bến Tre), which the registry's field could not
    /// hold before.
    pub fn convert(&self, address: &str, district: &str, province: &str) -> Conversion {
        let parts: Vec<&str> = address.split(',').map(str::trim).collect();
        let folded: Vec<String> = parts.iter().map(|p| unit_name(p)).collect();
        let full: Vec<String> = parts.iter().map(|p| fold(p)).collect();
        // Which former units the record's field or an address part names.
        let named_by = |field: &str| -> Vec<bool> {
            let field = unit_name(field);
            self.former_units
                .iter()
                .map(|unit| *unit == field || folded.contains(unit))
                .collect()
        };
        let (provinces, districts) = (named_by(province), named_by(district));
        let mut found: Vec<(&Former, usize)> = Vec::new();
        for former in &self.formers {
            if !(provinces[usize::from(former.province)] && districts[usize::from(former.district)])
            {
                continue;
            }
            let commune = unit_name(&former.commune);
            if commune.is_empty() {
                continue;
            }
            // A part names the commune with its kind ("thi tran ba tri", so
            // the district part "huyện Ba Tri" is not read as the town), or
            // bare without one.
            let commune_full = fold(&former.commune);
            let names = |i: usize| {
                full[i] == commune_full || (full[i] == folded[i] && folded[i] == commune)
            };
            if let Some(at) = (0..parts.len()).find(|i| names(*i)) {
                found.push((former, at));
            }
        }
        if found.len() > 1 {
            let exact: Vec<(&Former, usize)> = found
                .iter()
                .copied()
                .filter(|(former, at)| {
                    // Lower case with its marks: "Đông Thành" and "Đông
                    // Thạnh" of one district fold alike, so an exact
                    // spelling decides between them.
                    let exact = former.commune.to_lowercase();
                    let part: String = parts[*at].nfc().collect::<String>().to_lowercase();
                    part == exact || exact.ends_with(&format!(" {part}"))
                })
                .collect();
            if exact.len() == 1 {
                found = exact;
            }
        }
        match found[..] {
            [(former, at)] if !former.split => Conversion::Converted {
                commune_code: former.commune_code.to_string(),
                street: parts[..at].join(", "),
            },
            [(former, _)] => Conversion::Unsettled {
                reason_en: format!(
                    "the former commune {} was split between several new communes",
                    unit_name(&former.commune)
                ),
                reason_vi: format!(
                    "xã/phường cũ {} đã được chia cho nhiều đơn vị mới",
                    unit_name(&former.commune)
                ),
            },
            [] => Conversion::Unsettled {
                reason_en:
                    "no former commune of this district and province is named in the address".into(),
                reason_vi: "địa chỉ không nêu xã/phường cũ nào của huyện và tỉnh này".into(),
            },
            _ => Conversion::Unsettled {
                reason_en: "the address names several former communes".into(),
                reason_vi: "địa chỉ nêu nhiều xã/phường cũ".into(),
            },
        }
    }
}

/// A unit's name folded and without its kind ("Thị xã Bình Minh" → "binh
/// minh"), so an address's "tx. Bình Minh" or "Bình Minh" matches it.
fn unit_name(name: &str) -> String {
    const KINDS: [&str; 14] = [
        "thanh pho ",
        "tinh ",
        "thi xa ",
        "thi tran ",
        "huyen ",
        "quan ",
        "phuong ",
        "xa ",
        "dac khu ",
        "tp. ",
        "tp ",
        "tx. ",
        "tt. ",
        "h. ",
    ];
    let folded = fold(name);
    for kind in KINDS {
        if let Some(rest) = folded.strip_prefix(kind) {
            return rest.trim().to_owned();
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_part_leaves_out_the_street() {
        assert_eq!(
            units_part("Ấp Mỹ Thuận, phường Cái Vồn, tỉnh Vĩnh Long"),
            "phường Cái Vồn, tỉnh Vĩnh Long"
        );
        assert_eq!(
            units_part("Ấp Mỹ Thuận, xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long"),
            "xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long"
        );
        assert_eq!(units_part("Ấp An Thạnh"), "");
    }

    fn units() -> AdminUnits {
        AdminUnits::shipped().expect("the shipped tables parse")
    }

    #[test]
    fn province_codes_match_the_shipped_table() {
        let table = include_str!("../../data/admin-units/provinces.csv");
        let mut rows = 0;
        for line in table.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(province_name(f[0]), Some(f[1]), "{line}");
            rows += 1;
        }
        assert_eq!(rows, 34);
        assert_eq!(province_code("vinh long"), Some("86"));
        assert_eq!(province_code("Bến Tre"), None);
    }

    #[test]
    fn communes_are_looked_up_by_code_and_by_name() {
        let u = units();
        assert_eq!(u.communes.len(), 3321);
        let c = u.commune("29771").expect("Phường Bình Minh");
        assert_eq!(c.name, "Phường Bình Minh");
        assert_eq!(c.province(), "Vĩnh Long");
        assert_eq!(c.kind, CommuneKind::Ward);
        assert_eq!(c.address_tail(), "phường Bình Minh, tỉnh Vĩnh Long");
        assert!(u.commune("99999").is_none());
        let named = u.communes_named("phuong binh minh", Some("86"));
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].code, "29771");
        assert!(u.communes_of("86").count() > 100);
    }

    #[test]
    fn an_old_address_converts_to_its_new_commune() {
        let u = units();
        let got = u.convert(
            "Ấp Mỹ Thuận, xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long",
            "Thị xã Bình Minh",
            "Vĩnh Long",
        );
        let Conversion::Converted {
            commune_code,
            street,
        } = got
        else {
            panic!("{got:?}")
        };
        assert_eq!(street, "Ấp Mỹ Thuận");
        assert_eq!(u.commune(&commune_code).unwrap().name, "Phường Cái Vồn");
        // A former Bến Tre commune lands in the merged Vĩnh Long.
        let got = u.convert(
            "Ấp 1, xã An Bình Tây, huyện Ba Tri, tỉnh Bến Tre",
            "Ba Tri",
            "Vĩnh Long",
        );
        let Conversion::Converted { commune_code, .. } = got else {
            panic!("{got:?}")
        };
        assert_eq!(u.commune(&commune_code).unwrap().province(), "Vĩnh Long");
    }

    #[test]
    fn addresses_without_a_known_old_commune_stay_unsettled() {
        let u = units();
        assert!(matches!(
            u.convert("Ấp An Thạnh", "Long Hồ", "Vĩnh Long"),
            Conversion::Unsettled { .. }
        ));
        assert!(matches!(
            u.convert("Phường Cái Vồn, thị xã Bình Minh", "Bình Minh", "Vĩnh Long"),
            Conversion::Unsettled { .. }
        ));
    }
}
