//! Addresses in the two-level units of 1 July 2025: the one place that
//! checks a commune code, derives the province from it, converts a
//! pre-2025 address with the shipped conversion table, and lets an admin
//! settle the addresses the table cannot convert ("Địa chỉ cần xác định").

use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::schema::{enterprise as enterprise_table, facility as facility_table};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::admin_units::{province_code_of, AdminUnits, Commune, Conversion};
use crate::domain::fold::fold;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::enterprise::{self, Enterprise};
use crate::models::facility::{self, Facility};

use super::access::admin_only;

/// The commune of a code, or a 422 naming `field` in both languages.
pub fn commune<'a>(units: &'a AdminUnits, field: &str, code: &str) -> AppResult<&'a Commune> {
    units.commune(code).ok_or_else(|| {
        AppError::rule(
            RuleKind::Invalid,
            Some(field),
            format!("{code:?} is not the code of a commune, ward or special zone (Decision 19/2025/QĐ-TTg, for example \"29771\")"),
            format!("{code:?} không phải mã xã, phường hoặc đặc khu (Quyết định 19/2025/QĐ-TTg, ví dụ \"29771\")"),
        )
    })
}

/// What a record's address becomes in a commune: the province follows from
/// the commune, and the address ends with "…, phường X, tỉnh Y" (added when
/// the caller wrote only the house, street or hamlet).
pub struct Placed {
    pub commune_code: String,
    pub province: String,
    pub address: String,
}

pub fn place(
    units: &AdminUnits,
    field: &str,
    code: &str,
    address: Option<&str>,
) -> AppResult<Placed> {
    let found = commune(units, field, code)?;
    let tail = found.address_tail();
    let address = match address.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) if fold(a).ends_with(&fold(&tail)) => a.to_owned(),
        Some(a) => match street_of(a) {
            street if street.is_empty() => tail,
            street => format!("{street}, {tail}"),
        },
        None => tail,
    };
    Ok(Placed {
        commune_code: found.code.clone(),
        province: found.province().to_owned(),
        address,
    })
}

/// The place of a record being edited, as it is.
pub struct Current<'a> {
    pub address: &'a str,
    pub province: &'a str,
}

/// Fills a create or edit body's province and address from its commune
/// code (the address being the current one when the body leaves it as it
/// was). The province follows from the commune: one given as well must be
/// the commune's (or, on an edit without a commune, the record's own). A
/// new record (no `current`) needs its commune: since 1 July 2025 a place
/// is a commune and a province, and a free-text province or district
/// would leave the record for an admin to settle.
pub fn place_body(
    units: &AdminUnits,
    commune_code: &mut Option<String>,
    province: &mut Option<String>,
    address: &mut Option<String>,
    current: Option<Current>,
) -> AppResult<()> {
    // A form's unchosen commune or province is an empty one: none.
    for slot in [&mut *commune_code, &mut *province] {
        if slot.as_deref().is_some_and(|c| c.trim().is_empty()) {
            *slot = None;
        }
    }
    // The limit is on the part the caller writes (OpenAPI: 300): the
    // commune and province added to it may pass it.
    if let Some(street) = address.as_deref().map(street_of) {
        if !street.is_empty() {
            crate::domain::validate::text("address", &street, 300)?;
        }
    }
    let given = province.as_deref().map(province_code_of);
    let code = match (commune_code.as_deref(), &current) {
        (Some(code), _) => code,
        (None, Some(now)) => {
            if given.is_some_and(|g| g != province_code_of(now.province)) {
                return Err(AppError::rule(
                    RuleKind::Invalid,
                    Some("province"),
                    "the province follows from the commune: give the new commune_code",
                    "tỉnh được suy ra từ xã/phường: hãy cho mã xã/phường mới (commune_code)",
                ));
            }
            *province = None;
            return Ok(());
        }
        (None, None) => {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("commune_code"),
                "required: the official code of the commune, ward or special zone \
                 (Decision 19/2025/QĐ-TTg, for example \"29771\"; /open-data/communes.csv \
                 lists them); the province follows from it",
                "cần chọn xã, phường hoặc đặc khu (mã theo Quyết định 19/2025/QĐ-TTg, ví dụ \
                 \"29771\"); tỉnh được suy ra từ mã này",
            ))
        }
    };
    let placed = place(
        units,
        "commune_code",
        code,
        address.as_deref().or(current.as_ref().map(|c| c.address)),
    )?;
    if let (Some(given), Some(text)) = (given, province.as_deref()) {
        if given != province_code_of(&placed.province) {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("province"),
                format!(
                    "the commune {code} is in {}, not in {text}",
                    placed.province
                ),
                format!(
                    "xã/phường {code} thuộc {}, không thuộc {text}",
                    placed.province
                ),
            ));
        }
    }
    *commune_code = Some(placed.commune_code);
    *province = Some(placed.province);
    *address = Some(placed.address);
    Ok(())
}

/// The part of an address before its first administrative unit: "Số 87,
/// đường Nguyễn Văn Thảnh" of "Số 87, đường Nguyễn Văn Thảnh, phường Thành
/// Phước, thị xã Bình Minh, tỉnh Vĩnh Long".
fn street_of(address: &str) -> String {
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
        .take_while(|part| !UNITS.iter().any(|u| fold(part).starts_with(u)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which registry table an unsettled address is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    Facility,
    Enterprise,
}

impl Holder {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "facility" => Some(Holder::Facility),
            "enterprise" => Some(Holder::Enterprise),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Holder::Facility => "facility",
            Holder::Enterprise => "enterprise",
        }
    }
}

/// An address without a commune, as an admin settles it.
#[derive(Debug, Clone, Serialize)]
pub struct Unsettled {
    pub holder: Holder,
    pub id: String,
    pub name: String,
    pub address: String,
    pub district: String,
    pub province: String,
    pub province_code: String,
    pub reason_en: String,
    pub reason_vi: String,
}

/// Converts every facility and enterprise without a commune whose
/// pre-2025 address the table converts; run at start after the
/// migrations, so it is idempotent (a converted row has its commune and is
/// not looked at again). The rest wait for an admin (`unsettled`).
pub fn convert_pending(conn: &mut DbConnection, units: &AdminUnits) -> AppResult<usize> {
    let actor = Actor::system("admin-units conversion");
    audit::write_transaction(conn, |conn| {
        let mut converted = 0;
        let facilities: Vec<Facility> = facility_table::table
            .filter(facility_table::commune_code.is_null())
            .select(Facility::as_select())
            .load(conn)?;
        for before in facilities {
            let Conversion::Converted {
                commune_code,
                street,
            } = units.convert(&before.address, &before.district, &before.province)
            else {
                continue;
            };
            let after = settled_facility(units, before.clone(), &commune_code, &street)?;
            facility::save(conn, &after)?;
            audit::updated(conn, &actor, "facility", &after.id, &before, &after)?;
            converted += 1;
        }
        let enterprises: Vec<Enterprise> = enterprise_table::table
            .filter(enterprise_table::commune_code.is_null())
            .select(Enterprise::as_select())
            .load(conn)?;
        for before in enterprises {
            let Conversion::Converted {
                commune_code,
                street,
            } = units.convert(&before.address, "", &before.province)
            else {
                continue;
            };
            let after = settled_enterprise(units, before.clone(), &commune_code, &street)?;
            enterprise::save(conn, &after)?;
            audit::updated(conn, &actor, "enterprise", &after.id, &before, &after)?;
            converted += 1;
        }
        Ok(converted)
    })
}

fn settled_facility(
    units: &AdminUnits,
    mut row: Facility,
    code: &str,
    street: &str,
) -> AppResult<Facility> {
    let placed = place(units, "commune_code", code, Some(street))?;
    row.former_address.get_or_insert(row.address.clone());
    row.address = placed.address;
    row.commune_code = Some(placed.commune_code);
    row.province_code = commune(units, "commune_code", code)?
        .province_code
        .to_owned();
    row.province = placed.province;
    row.district = String::new();
    row.updated_at = crate::time::now();
    Ok(row)
}

fn settled_enterprise(
    units: &AdminUnits,
    mut row: Enterprise,
    code: &str,
    street: &str,
) -> AppResult<Enterprise> {
    let placed = place(units, "commune_code", code, Some(street))?;
    row.former_address.get_or_insert(row.address.clone());
    row.address = placed.address;
    row.commune_code = Some(placed.commune_code);
    row.province_code = commune(units, "commune_code", code)?
        .province_code
        .to_owned();
    row.province = placed.province;
    row.updated_at = crate::time::now();
    Ok(row)
}

/// The addresses the conversion could not settle, with why: admins only.
pub fn unsettled(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
) -> AppResult<Vec<Unsettled>> {
    admin_only(caller)?;
    let mut out = Vec::new();
    let facilities: Vec<Facility> = facility::scoped(&Scope::All)
        .filter(facility_table::commune_code.is_null())
        .order((facility_table::name, facility_table::id))
        .select(Facility::as_select())
        .load(conn)?;
    for f in facilities {
        let conversion = units.convert(&f.address, &f.district, &f.province);
        out.push(unsettled_row(
            Holder::Facility,
            f.id,
            f.name,
            f.address,
            f.district,
            f.province,
            f.province_code,
            conversion,
        ));
    }
    let enterprises: Vec<Enterprise> = enterprise_table::table
        .filter(enterprise_table::commune_code.is_null())
        .order((enterprise_table::name, enterprise_table::id))
        .select(Enterprise::as_select())
        .load(conn)?;
    for e in enterprises {
        let conversion = units.convert(&e.address, "", &e.province);
        out.push(unsettled_row(
            Holder::Enterprise,
            e.id,
            e.name,
            e.address,
            String::new(),
            e.province,
            e.province_code,
            conversion,
        ));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn unsettled_row(
    holder: Holder,
    id: String,
    name: String,
    address: String,
    district: String,
    province: String,
    province_code: String,
    conversion: Conversion,
) -> Unsettled {
    let (reason_en, reason_vi) = match conversion {
        Conversion::Unsettled {
            reason_en,
            reason_vi,
        } => (reason_en, reason_vi),
        // Converted since the last start: settling it confirms the table.
        Conversion::Converted { .. } => (
            "the conversion table has an answer; it applies at the next start".into(),
            "bảng chuyển đổi đã có kết quả; sẽ áp dụng khi khởi động lại".into(),
        ),
    };
    Unsettled {
        holder,
        id,
        name,
        address,
        district,
        province,
        province_code,
        reason_en,
        reason_vi,
    }
}

/// An admin settles an unconverted address by naming its commune: the
/// address keeps its house/street part, takes the commune and province,
/// and the old address is kept as the former one.
pub fn settle(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
    holder: Holder,
    id: &str,
    commune_code: &str,
) -> AppResult<()> {
    admin_only(caller)?;
    commune(units, "commune_code", commune_code)?;
    audit::write_transaction(conn, |conn| {
        match holder {
            Holder::Facility => {
                let before = facility::find(conn, &Scope::All, id)?
                    .ok_or_else(|| AppError::not_found("facility"))?;
                let street = street_of(&before.address);
                let after = settled_facility(units, before.clone(), commune_code, &street)?;
                facility::save(conn, &after)?;
                audit::acted(
                    conn,
                    &Actor::from(caller),
                    "settle_address",
                    "facility",
                    &after.id,
                    &before,
                    &after,
                )?;
            }
            Holder::Enterprise => {
                let before = enterprise::find(conn, &Scope::All, id)?
                    .ok_or_else(|| AppError::not_found("enterprise"))?;
                let street = street_of(&before.address);
                let after = settled_enterprise(units, before.clone(), commune_code, &street)?;
                enterprise::save(conn, &after)?;
                audit::acted(
                    conn,
                    &Actor::from(caller),
                    "settle_address",
                    "enterprise",
                    &after.id,
                    &before,
                    &after,
                )?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_street_part_stops_at_the_first_unit() {
        assert_eq!(
            street_of("Số 87, đường Nguyễn Văn Thảnh, phường Thành Phước, thị xã Bình Minh"),
            "Số 87, đường Nguyễn Văn Thảnh"
        );
        assert_eq!(street_of("Xã Mỹ Hòa, tỉnh Vĩnh Long"), "");
    }

    #[test]
    fn placing_appends_the_commune_and_province_once() {
        let units = AdminUnits::shipped().unwrap();
        let placed = place(&units, "commune_code", "29771", Some("Ấp Mỹ Thuận")).unwrap();
        assert_eq!(
            placed.address,
            "Ấp Mỹ Thuận, phường Bình Minh, tỉnh Vĩnh Long"
        );
        assert_eq!(placed.province, "Vĩnh Long");
        let again = place(&units, "commune_code", "29771", Some(&placed.address)).unwrap();
        assert_eq!(again.address, placed.address);
        assert!(place(&units, "commune_code", "12345x", None).is_err());
    }
}
