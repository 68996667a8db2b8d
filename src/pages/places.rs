//! A form's place since 1 July 2025: a province and one of its communes,
//! wards or special zones (Decision 19/2025/QĐ-TTg), each chosen from a
//! list, never typed. The commune list is the chosen province's; without
//! a script, choosing another province and saving brings the form back
//! with that province's communes (the service refuses a commune of
//! another province, beside the province, and a missing one).

use std::collections::HashMap;

use super::forms::{field, Field, FormBody, Input};
use super::session::PageUser;
use crate::domain::admin_units::{province_code_of, AdminUnits};
use crate::domain::natural;
use crate::domain::validate::PROVINCES;

/// The 34 provinces as a select's options, after an empty first choice
/// labelled `none`.
pub fn provinces(none: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), none.to_owned()))
        .chain(PROVINCES.iter().map(|p| ((*p).to_owned(), (*p).to_owned())))
        .collect()
}

/// The communes of `province` (a name or a code) in natural order of their
/// names, after an empty first choice labelled `none`; only that choice
/// while no province is chosen.
fn communes(units: &AdminUnits, province: Option<&str>, none: &str) -> Vec<(String, String)> {
    let mut listed: Vec<(String, String)> = province
        .and_then(province_code_of)
        .map(|code| {
            units
                .communes_of(code)
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    listed.sort_by(|a, b| natural::compare(&a.1, &b.1));
    std::iter::once((String::new(), none.to_owned()))
        .chain(listed)
        .collect()
}

/// A form's province input (its communes follow it).
pub const PROVINCE: Field = field("province", "Tỉnh / thành phố", "Province", Input::Pick);

/// A form's commune input: one of the province's.
pub const COMMUNE: Field = field(
    "commune_code",
    "Xã / phường / đặc khu",
    "Commune / ward / special zone",
    Input::Pick,
);

/// The part of an address the caller writes: the commune and province
/// are added to it (`service::admin_units::place`).
pub const STREET: Field = field(
    "address",
    "Địa chỉ (số nhà, đường, ấp)",
    "Address (house, street, hamlet)",
    Input::Text(300),
);

/// A form with its `province` and `commune_code` choices set, the
/// communes being those of the province in `values`.
pub fn offer(form: FormBody, user: &PageUser, values: &HashMap<String, String>) -> FormBody {
    let none = user.l.t("— chọn —", "— choose —");
    let province = values.get("province").map(String::as_str);
    form.with_options("province", provinces(none)).with_options(
        "commune_code",
        communes(&user.state.admin_units, province, none),
    )
}
