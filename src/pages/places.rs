//! A form's place since 1 July 2025: a province and one of its communes,
//! wards or special zones (Decision 19/2025/QĐ-TTg), each chosen from a
//! list, never typed. The commune list is the chosen province's; without
//! a script, choosing another province and saving brings the form back
//! with that province's communes (the service refuses a commune of
//! another province, beside the province, and a missing one).

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
pub fn communes(units: &AdminUnits, province: Option<&str>, none: &str) -> Vec<(String, String)> {
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
