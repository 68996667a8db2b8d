//! Export markets, export codes and lab requirements: the closed lists and
//! the pure rules (README, "Export codes and lab results"). The service
//! (`service::export_codes`, `service::lab_results`, `service::stamps`)
//! applies them to rows.

use std::collections::BTreeMap;

/// Declares a closed list stored as snake_case names, each with its
/// Vietnamese and English name.
macro_rules! named_list {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $vi:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn name_vi(self) -> &'static str {
                match self { $($name::$variant => $vi),+ }
            }

            pub fn name_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            /// Parses the stored name; the error lists the allowed names.
            pub fn parse(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

named_list!(
    /// The market a batch is bound for, and that approves export codes.
    Market {
        Cn => "cn", "Trung Quốc (GACC)", "China (GACC)";
        Us => "us", "Hoa Kỳ", "United States";
        Eu => "eu", "Liên minh châu Âu", "European Union";
        Kr => "kr", "Hàn Quốc", "South Korea";
        Jp => "jp", "Nhật Bản", "Japan";
        Au => "au", "Úc", "Australia";
        Domestic => "domestic", "Trong nước", "Domestic";
    }
);

impl Market {
    /// Whether produce for this market leaves the country (and so needs
    /// export codes approved by it, and lab results).
    pub fn is_export(self) -> bool {
        self != Market::Domestic
    }
}

named_list!(
    /// What an export code registers.
    CodeKind {
        PlantingArea => "planting_area", "Mã số vùng trồng", "Planting-area code";
        PackingHouse => "packing_house", "Mã số cơ sở đóng gói", "Packing-house code";
    }
);

named_list!(
    /// A market's decision on an export code. `pending` until a regulator
    /// records the market's approval.
    ApprovalStatus {
        Pending => "pending", "Chờ phê duyệt", "Pending";
        Approved => "approved", "Đã được phê duyệt", "Approved";
        Suspended => "suspended", "Tạm dừng", "Suspended";
        Revoked => "revoked", "Đã thu hồi", "Revoked";
    }
);

named_list!(
    /// Crops that export codes are granted for.
    Crop {
        Durian => "durian", "Sầu riêng", "Durian";
        Pomelo => "pomelo", "Bưởi", "Pomelo";
        Orange => "orange", "Cam", "Orange";
        Mango => "mango", "Xoài", "Mango";
        DragonFruit => "dragon_fruit", "Thanh long", "Dragon fruit";
        Longan => "longan", "Nhãn", "Longan";
        Rambutan => "rambutan", "Chôm chôm", "Rambutan";
        Coconut => "coconut", "Dừa", "Coconut";
        Jackfruit => "jackfruit", "Mít", "Jackfruit";
        PassionFruit => "passion_fruit", "Chanh dây", "Passion fruit";
    }
);

named_list!(
    /// What laboratories test for; a market's requirement names these.
    Analyte {
        Cadmium => "cadmium", "Cadimi (Cd)", "Cadmium (Cd)";
        Lead => "lead", "Chì (Pb)", "Lead (Pb)";
        AuramineO => "auramine_o", "Auramine O", "Auramine O";
        PesticideResidues => "pesticide_residues", "Dư lượng thuốc bảo vệ thực vật", "Pesticide residues";
        Microbiology => "microbiology", "Vi sinh vật", "Microbiology";
        Other => "other", "Chỉ tiêu khác", "Other";
    }
);

/// The plausible yield of a crop, tonnes per hectare per harvest season:
/// a batch harvested beyond it from a planting area raises an alert. Values
/// are generous upper bounds of Mekong Delta orchards, so an alert means
/// produce from elsewhere laundered through the code, not a good year.
pub fn default_yield_t_per_ha(crop: Crop) -> f64 {
    match crop {
        Crop::Durian => 25.0,
        Crop::Pomelo => 30.0,
        Crop::Orange => 35.0,
        Crop::Mango => 25.0,
        Crop::DragonFruit => 40.0,
        Crop::Longan => 20.0,
        Crop::Rambutan => 25.0,
        Crop::Coconut => 20.0,
        Crop::Jackfruit => 40.0,
        Crop::PassionFruit => 40.0,
    }
}

/// The analytes a passing result must cover before a batch bound for
/// `market` gets stamps. China tests durian for cadmium and (since January
/// 2025) Auramine O; every export market wants pesticide residues; the
/// domestic market requires nothing here.
pub fn default_requirement(market: Market, crop: Option<Crop>) -> Vec<Analyte> {
    if !market.is_export() {
        return Vec::new();
    }
    let mut needed = vec![Analyte::PesticideResidues];
    if market == Market::Cn && crop == Some(Crop::Durian) {
        needed.extend([Analyte::Cadmium, Analyte::AuramineO]);
    }
    needed
}

/// Yields and requirements in force: the defaults above, overridden by
/// configuration (`CROP_YIELDS`, `LAB_REQUIREMENTS`).
#[derive(Debug, Clone, Default)]
pub struct ExportRules {
    yields: BTreeMap<Crop, f64>,
    requirements: BTreeMap<(Market, Option<Crop>), Vec<Analyte>>,
}

impl ExportRules {
    /// Parses `CROP_YIELDS` (`durian=25,pomelo=30`) and `LAB_REQUIREMENTS`
    /// (`cn:durian=cadmium+auramine_o;us:*=pesticide_residues`; `*` for
    /// every crop, an empty list for none).
    pub fn parse(yields: &str, requirements: &str) -> Result<Self, String> {
        let mut rules = ExportRules::default();
        for entry in yields.split(',').filter(|e| !e.trim().is_empty()) {
            let (crop, t) = entry
                .split_once('=')
                .ok_or_else(|| format!("CROP_YIELDS: {entry:?} is not crop=tonnes"))?;
            let crop = Crop::parse(crop.trim()).map_err(|e| format!("CROP_YIELDS: {e}"))?;
            let t: f64 = t
                .trim()
                .parse()
                .ok()
                .filter(|t: &f64| t.is_finite() && *t > 0.0 && *t <= 1000.0)
                .ok_or_else(|| format!("CROP_YIELDS: {t:?} is not between 0 and 1000"))?;
            rules.yields.insert(crop, t);
        }
        for entry in requirements.split(';').filter(|e| !e.trim().is_empty()) {
            let bad = || format!("LAB_REQUIREMENTS: {entry:?} is not market:crop=analyte+…");
            let (key, list) = entry.split_once('=').ok_or_else(bad)?;
            let (market, crop) = key.split_once(':').ok_or_else(bad)?;
            let market =
                Market::parse(market.trim()).map_err(|e| format!("LAB_REQUIREMENTS: {e}"))?;
            let crop = match crop.trim() {
                "*" => None,
                c => Some(Crop::parse(c).map_err(|e| format!("LAB_REQUIREMENTS: {e}"))?),
            };
            let analytes = list
                .split('+')
                .filter(|a| !a.trim().is_empty())
                .map(|a| Analyte::parse(a.trim()).map_err(|e| format!("LAB_REQUIREMENTS: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            rules.requirements.insert((market, crop), analytes);
        }
        Ok(rules)
    }

    pub fn yield_t_per_ha(&self, crop: Crop) -> f64 {
        self.yields
            .get(&crop)
            .copied()
            .unwrap_or_else(|| default_yield_t_per_ha(crop))
    }

    /// The analytes required for a batch of `crop` bound for `market`: the
    /// configured entry for the crop, else for every crop, else the default.
    pub fn required(&self, market: Market, crop: Option<Crop>) -> Vec<Analyte> {
        if let Some(list) = crop.and_then(|c| self.requirements.get(&(market, Some(c)))) {
            return list.clone();
        }
        if let Some(list) = self.requirements.get(&(market, None)) {
            return list.clone();
        }
        default_requirement(market, crop)
    }
}

/// The most a planting area of `hectares` plausibly yields of `crop`, in kg.
pub fn plausible_kg(rules: &ExportRules, crop: Crop, hectares: f64) -> f64 {
    rules.yield_t_per_ha(crop) * hectares * 1000.0
}

/// One analyte of a result: passes when the result is at most the limit.
pub fn analyte_passes(result: f64, limit: f64) -> bool {
    result <= limit
}

/// The analytes of `required` that none of the passing results covers.
pub fn missing_analytes(required: &[Analyte], passing: &[Vec<Analyte>]) -> Vec<Analyte> {
    required
        .iter()
        .copied()
        .filter(|a| !passing.iter().any(|r| r.contains(a)))
        .collect()
}

/// Whether `bytes` is a PDF: it starts with `%PDF-`.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_durian_needs_cadmium_and_auramine() {
        let rules = ExportRules::default();
        let needed = rules.required(Market::Cn, Some(Crop::Durian));
        assert!(needed.contains(&Analyte::Cadmium));
        assert!(needed.contains(&Analyte::AuramineO));
        assert_eq!(rules.required(Market::Domestic, Some(Crop::Durian)), []);
        assert_eq!(
            rules.required(Market::Us, Some(Crop::Pomelo)),
            [Analyte::PesticideResidues]
        );
    }

    #[test]
    fn configuration_overrides_defaults() {
        let rules = ExportRules::parse("durian=10", "us:*=lead;cn:pomelo=").unwrap();
        assert_eq!(rules.yield_t_per_ha(Crop::Durian), 10.0);
        assert_eq!(rules.yield_t_per_ha(Crop::Pomelo), 30.0);
        assert_eq!(rules.required(Market::Us, None), [Analyte::Lead]);
        assert_eq!(rules.required(Market::Cn, Some(Crop::Pomelo)), []);
        assert!(ExportRules::parse("durian=-1", "").is_err());
        assert!(ExportRules::parse("", "mars:*=lead").is_err());
    }

    #[test]
    fn a_requirement_is_met_by_the_union_of_passing_results() {
        let needed = [Analyte::Cadmium, Analyte::AuramineO];
        assert_eq!(
            missing_analytes(&needed, &[vec![Analyte::Cadmium]]),
            [Analyte::AuramineO]
        );
        assert!(
            missing_analytes(&needed, &[vec![Analyte::Cadmium], vec![Analyte::AuramineO]])
                .is_empty()
        );
        assert!(is_pdf(b"%PDF-1.7\n"));
        assert!(!is_pdf(b"<html>"));
    }
}
