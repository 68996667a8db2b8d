//! Field checks shared by every form and API body. Text is trimmed and stored
//! in Unicode NFC, so "Vĩnh Long" typed on a phone that sends decomposed
//! diacritics matches the same name typed on a desktop.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

/// One field's problem, named so a form can show it beside the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

pub type Checked<T> = Result<T, FieldError>;

pub fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Vietnam's 34 provincial-level units since 1 July 2025. A regulator's
/// province and every facility's must be one of them: a typo would otherwise
/// hide a facility from its regulator.
pub const PROVINCES: &[&str] = &[
    "Hà Nội",
    "Huế",
    "Hải Phòng",
    "Đà Nẵng",
    "Thành phố Hồ Chí Minh",
    "Cần Thơ",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Lạng Sơn",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Cao Bằng",
    "Tuyên Quang",
    "Lào Cai",
    "Thái Nguyên",
    "Phú Thọ",
    "Bắc Ninh",
    "Hưng Yên",
    "Ninh Bình",
    "Quảng Trị",
    "Quảng Ngãi",
    "Gia Lai",
    "Khánh Hòa",
    "Lâm Đồng",
    "Đắk Lắk",
    "Đồng Nai",
    "Tây Ninh",
    "Vĩnh Long",
    "Đồng Tháp",
    "Cà Mau",
    "An Giang",
];

/// Required text: trimmed, NFC, 1..=max characters, no control characters.
pub fn text(field: &str, value: &str, max: usize) -> Checked<String> {
    let cleaned: String = value.trim().nfc().collect();
    if cleaned.is_empty() {
        return Err(field_error(field, "must not be empty"));
    }
    if cleaned
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(field_error(field, "must not contain control characters"));
    }
    let length = cleaned.chars().count();
    if length > max {
        return Err(field_error(
            field,
            format!("is {length} characters long; at most {max} are allowed"),
        ));
    }
    Ok(cleaned)
}

/// Optional text: absent, null or blank all mean "none".
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Checked<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// A province by its name, in any case, or by its official code ("86"):
/// the registry's name of it.
pub fn province(field: &str, value: &str) -> Checked<String> {
    let name = text(field, value, 64)?;
    PROVINCES
        .iter()
        .find(|p| p.to_lowercase() == name.to_lowercase())
        .copied()
        .or_else(|| crate::domain::admin_units::province_name(&name))
        .map(str::to_owned)
        .ok_or_else(|| {
            field_error(
                field,
                format!("{name:?} is not a Vietnamese province (for example \"Vĩnh Long\" or its code \"86\", \"Cần Thơ\")"),
            )
        })
}

pub fn latitude(field: &str, value: f64) -> Checked<f64> {
    coordinate(field, value, 90.0)
}

pub fn longitude(field: &str, value: f64) -> Checked<f64> {
    coordinate(field, value, 180.0)
}

fn coordinate(field: &str, value: f64, limit: f64) -> Checked<f64> {
    if value.is_finite() && (-limit..=limit).contains(&value) {
        Ok(value)
    } else {
        Err(field_error(
            field,
            format!("must be between -{limit} and {limit}"),
        ))
    }
}

/// A Vietnamese tax code: 10 digits, or 10 digits, a dash and 3 for a branch.
pub fn tax_code(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    let (main, branch) = v.split_once('-').unwrap_or((v, ""));
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if digits(main, 10) && (branch.is_empty() && !v.contains('-') || digits(branch, 3)) {
        Ok(v.to_owned())
    } else {
        Err(field_error(
            field,
            "must be 10 digits, or 10 digits, '-' and 3 digits (mã số thuế)",
        ))
    }
}

/// A GS1 company prefix issued by GS1 Vietnam: 7 to 10 digits starting 893.
pub fn gs1_prefix(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    if (7..=10).contains(&v.len()) && v.starts_with("893") && v.bytes().all(|b| b.is_ascii_digit())
    {
        Ok(v.to_owned())
    } else {
        Err(field_error(
            field,
            "must be 7 to 10 digits starting with 893 (GS1 Vietnam)",
        ))
    }
}

pub fn email(field: &str, value: &str) -> Checked<String> {
    let v = text(field, value, 254)?;
    match v.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(char::is_whitespace) =>
        {
            Ok(v)
        }
        _ => Err(field_error(field, "is not an e-mail address")),
    }
}

pub fn phone(field: &str, value: &str) -> Checked<String> {
    let v = text(field, value, 32)?;
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if (8..=15).contains(&digits)
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '.' | '-' | '(' | ')'))
    {
        Ok(v)
    } else {
        Err(field_error(field, "is not a telephone number"))
    }
}

/// A Zalo page as Zalo shares it: `https://zalo.me/` and a phone number or
/// an official account's id (letters, digits, `.` `_` `-`), nothing else —
/// it becomes a link on the consumer page, so no other host, path or query.
pub fn zalo(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    let id = v
        .get(..16)
        .filter(|start| start.eq_ignore_ascii_case("https://zalo.me/"))
        .and_then(|_| v.get(16..))
        .map(|id| id.strip_suffix('/').unwrap_or(id))
        .unwrap_or("");
    if (1..=84).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
    {
        Ok(format!("https://zalo.me/{id}"))
    } else {
        Err(field_error(
            field,
            "must be a Zalo link: https://zalo.me/ followed by a phone number or an account id",
        ))
    }
}

/// Parses one of a closed set of names (see `kinds`).
pub fn choice<T>(field: &str, value: &str, parse: fn(&str) -> Result<T, String>) -> Checked<T> {
    parse(value.trim()).map_err(|reason| field_error(field, reason))
}

/// Dates the registry accepts: from 2000 to 2100, which catches swapped digits.
pub fn date(field: &str, value: NaiveDate) -> Checked<NaiveDate> {
    let low = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid constant");
    let high = NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid constant");
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(field_error(
            field,
            "must be between 2000-01-01 and 2100-12-31",
        ))
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub fn date_text(field: &str, value: &str) -> Checked<NaiveDate> {
    let parsed = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| field_error(field, "must be a date written YYYY-MM-DD"))?;
    date(field, parsed)
}

pub fn optional_date_text(field: &str, value: Option<&str>) -> Checked<Option<NaiveDate>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date_text(field, v).map(Some),
    }
}

/// A field a create request must carry.
pub fn need<T>(field: &str, value: Option<T>) -> Checked<T> {
    value.ok_or_else(|| field_error(field, "is required"))
}

/// GS1 AI encodable character set 82 (General Specifications, figure 7.11-1):
/// what a lot code may hold so that it fits a GS1 Digital Link or barcode.
pub fn is_gs1_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// A traceability lot code: 1 to 20 characters of GS1 character set 82.
pub fn lot_code(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 20 {
        return Err(field_error(field, "must be 1 to 20 characters"));
    }
    match v.chars().find(|c| !is_gs1_cset82(*c)) {
        None => Ok(v.to_owned()),
        Some(c) => Err(field_error(
            field,
            format!("may not contain {c:?}: use letters A-Z, a-z, digits and - . / _"),
        )),
    }
}

pub fn date_order(field: &str, start: NaiveDate, end: NaiveDate) -> Checked<()> {
    if end >= start {
        Ok(())
    } else {
        Err(field_error(field, format!("must not be before {start}")))
    }
}

pub fn positive(field: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value > 0.0 && value < 1e12 {
        Ok(value)
    } else {
        Err(field_error(field, "must be a positive number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_nfc_and_bounded() {
        // "Vĩnh" with a combining tilde (NFD) becomes the precomposed form.
        let decomposed = "  Vi\u{303}nh Long ";
        assert_eq!(text("name", decomposed, 20).unwrap(), "Vĩnh Long");
        assert_eq!(
            text("name", "   ", 20).unwrap_err().message,
            "must not be empty"
        );
        assert!(text("name", &"á".repeat(21), 20).is_err());
        assert!(text("name", &"á".repeat(20), 20).is_ok());
        assert!(text("name", "a\u{0}b", 20).is_err());
    }

    #[test]
    fn provinces_are_matched_case_insensitively_or_by_code_and_typos_refused() {
        assert_eq!(province("p", "vĩnh long").unwrap(), "Vĩnh Long");
        assert_eq!(province("p", "86").unwrap(), "Vĩnh Long");
        assert_eq!(province("p", "92").unwrap(), "Cần Thơ");
        assert!(province("p", "99").is_err());
        let err = province("p", "Vinh Long").unwrap_err();
        assert!(err.message.contains("not a Vietnamese province"));
        assert_eq!(PROVINCES.len(), 34);
    }

    #[test]
    fn identifiers() {
        assert!(tax_code("t", "1500123456").is_ok());
        assert!(tax_code("t", "1500123456-001").is_ok());
        assert!(tax_code("t", "150012345").is_err());
        assert!(tax_code("t", "1500123456-").is_err());
        assert!(gs1_prefix("g", "8931234").is_ok());
        assert!(gs1_prefix("g", "8901234").is_err());
        assert!(email("e", "lienhe@hoptac.example.vn").is_ok());
        assert!(email("e", "lienhe.example.vn").is_err());
        assert!(phone("p", "0270 3822 123").is_ok());
        assert!(phone("p", "call me").is_err());
        assert_eq!(
            zalo("z", " HTTPS://zalo.me/0912345678/ ").unwrap(),
            "https://zalo.me/0912345678"
        );
        assert!(zalo("z", "https://zalo.me/hoptacxa.myhoa").is_ok());
        for bad in [
            "zalo.me/0912345678",
            "http://zalo.me/0912345678",
            "https://zalo.me/",
            "https://zalo.me.evil.example/1",
            "https://zalo.me/1?x=<b>",
            "https://zalo.me/a/b",
            "https://evil.example/zalo.me/1",
            "javascript:alert(1)",
        ] {
            assert!(zalo("z", bad).is_err(), "{bad}");
        }
        assert!(latitude("lat", 91.0).is_err());
        assert!(longitude("lng", f64::NAN).is_err());
        assert!(positive("q", 0.0).is_err());
        assert!(lot_code("lot", "VL-2026/11-A").is_ok());
        assert!(lot_code("lot", "lô 1").is_err());
        assert!(lot_code("lot", &"A".repeat(21)).is_err());
    }
}
