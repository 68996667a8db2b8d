//! Names of markets, export codes, crops, approval statuses and analytes in
//! the reader's language (`domain::market`), for the consumer page and the
//! portal.

use super::i18n::Lang;
use crate::domain::market::{Analyte, ApprovalStatus, CodeKind, Crop, Market};

fn named<T: Copy>(
    l: Lang,
    parsed: Result<T, String>,
    vi: fn(T) -> &'static str,
    en: fn(T) -> &'static str,
    raw: &str,
) -> String {
    match parsed {
        Ok(v) => l.t(vi(v), en(v)).to_owned(),
        Err(_) => raw.to_owned(),
    }
}

impl Lang {
    pub fn market(self, code: &str) -> String {
        named(
            self,
            Market::parse(code),
            Market::name_vi,
            Market::name_en,
            code,
        )
    }

    pub fn code_kind(self, kind: &str) -> String {
        named(
            self,
            CodeKind::parse(kind),
            CodeKind::name_vi,
            CodeKind::name_en,
            kind,
        )
    }

    pub fn crop(self, crop: &str) -> String {
        named(self, Crop::parse(crop), Crop::name_vi, Crop::name_en, crop)
    }

    pub fn approval(self, status: &str) -> String {
        // "Đã thu hồi" is also a recalled lot's; a revoked code is not recalled.
        if self == Lang::Zh && ApprovalStatus::parse(status) == Ok(ApprovalStatus::Revoked) {
            return "已撤销".to_owned();
        }
        named(
            self,
            ApprovalStatus::parse(status),
            ApprovalStatus::name_vi,
            ApprovalStatus::name_en,
            status,
        )
    }

    pub fn analyte(self, analyte: &str) -> String {
        named(
            self,
            Analyte::parse(analyte),
            Analyte::name_vi,
            Analyte::name_en,
            analyte,
        )
    }

    /// A measured value: up to four decimals (limits are often 0,005 mg/kg),
    /// the decimal sign of the language; large values as [`Lang::number`].
    pub fn measure(self, value: f64) -> String {
        if value.abs() >= 1000.0 {
            return self.number(value);
        }
        let fixed = format!("{value:.4}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        match self {
            Lang::Vi => trimmed.replace('.', ","),
            Lang::En | Lang::Zh => trimmed.to_owned(),
        }
    }
}
