//! Vietnamese first, English second: the page language, and the words for
//! the domain's codes (event kinds, inspection results…) in both.
//!
//! Templates say `{{ l.t("Chính hãng", "Genuine") }}`, so both languages of
//! a sentence sit side by side where it is used.

use actix_web::http::header;
use actix_web::HttpRequest;
use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

use crate::domain::verdict::Verdict;

/// The cookie that remembers a language chosen with `?lang=`.
pub const LANG_COOKIE: &str = "tracestamp_lang";

/// The three roles by their stored code, in words: the admin's selects and
/// lists, and everyone's own account page, name them from here.
pub const ROLES: &[(&str, &str, &str)] = &[
    ("producer", "Nhà sản xuất", "Producer"),
    ("regulator", "Cán bộ quản lý", "Regulator"),
    ("admin", "Quản trị viên", "Admin"),
];

/// A template's own sentence in the page's language (`Lang::label`),
/// written into the page as it is rather than escaped byte by byte at every
/// render: the stamp page's escaping took 0.7 µs of each answer, and its
/// sentences written so render it 0.25 µs sooner (README, "Figures"). Its
/// text is a literal of the template, or the Chinese of one, and none holds
/// `<`, `>`, `&` or `"`; an apostrophe is written as askama writes it. The
/// test `template_labels_read_as_askama_escapes_them` checks every
/// template's labels come out as askama's escaping wrote them.
#[derive(Debug, Clone, Copy)]
pub struct Label<'a>(&'a str);

/// A sentence with an apostrophe goes through askama's own escaper, the
/// only character of markup's a label may hold.
impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.contains('\'') {
            askama::filters::Escaper::write_escaped_str(&askama::filters::Html, f, self.0)
        } else {
            f.write_str(self.0)
        }
    }
}

/// askama writes a `Label` through its `Display`, unescaped (see `Label`).
impl askama::filters::HtmlSafe for Label<'_> {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
    /// Simplified Chinese, for buyers: the consumer pages only
    /// ([`Lang::consumer`]); portal pages never get it.
    Zh,
}

impl Lang {
    /// `?lang=` wins; then the remembered choice; then the first of vi/en in
    /// Accept-Language; else Vietnamese.
    pub fn of(req: &HttpRequest, asked: Option<&str>) -> Lang {
        if let Some(code) = asked.and_then(Lang::parse) {
            return code;
        }
        if let Some(code) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return code;
        }
        let accepted = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .map(|part| {
                        part.split(';')
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_ascii_lowercase()
                    })
                    .find(|tag| tag.starts_with("vi") || tag.starts_with("en"))
            });
        match accepted {
            Some(tag) if tag.starts_with("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a consumer page (the stamp, batch, facility and
    /// logistic-unit pages and the PIN claim): as [`Lang::of`], Chinese
    /// (`zh`, `zh-CN`, `zh-Hans` …) counting as a third choice.
    pub fn consumer(req: &HttpRequest, asked: Option<&str>) -> Lang {
        if let Some(code) = asked.and_then(Lang::parse_consumer) {
            return code;
        }
        if let Some(code) = req
            .cookie(LANG_COOKIE)
            .and_then(|c| Lang::parse_consumer(c.value()))
        {
            return code;
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .filter_map(|part| Lang::parse_consumer(part.split(';').next().unwrap_or("")))
                    .next()
            })
            .unwrap_or(Lang::Vi)
    }

    /// `vi`, `en` or `zh`, with or without a region or script (`zh-CN`,
    /// `zh-Hans`, `en-US`).
    pub fn parse_consumer(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or("");
        match primary {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language tag of a page in this language (`<html lang>`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// The Open Graph locale of a page in this language.
    pub fn og_locale(self) -> &'static str {
        match self {
            Lang::Vi => "vi_VN",
            Lang::En => "en_US",
            Lang::Zh => "zh_CN",
        }
    }

    /// The language's name in itself, for the switch links.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }

    /// The other language, for the switch link (Chinese pages switch to
    /// Vietnamese first).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En | Lang::Zh => Lang::Vi,
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// One of two texts; in Chinese, the Chinese of the Vietnamese text
    /// (`public::zh`), or the Vietnamese as given when the dictionary lacks
    /// it (tests/it/chinese.rs finds those).
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
            Lang::Zh => crate::public::zh::zh(vi).unwrap_or(vi),
        }
    }

    /// `t` for a template's own sentence, both texts literals of the
    /// template (`Label`): `{{ c.l.label("Mã tem", "Stamp code") }}`.
    pub fn label(self, vi: &'static str, en: &'static str) -> Label<'static> {
        Label(self.t(vi, en))
    }

    /// A name kept in Vietnamese and English (a product's): a Chinese reader
    /// gets the English one.
    pub fn name<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En | Lang::Zh => en,
        }
    }

    /// A product's name: as [`Lang::name`], but a Chinese reader gets its
    /// Chinese name where the producer gave one (the stamp page's, the
    /// logistic unit's, the label's choice).
    pub fn product_name<'a>(self, vi: &'a str, en: &'a str, zh: Option<&'a str>) -> &'a str {
        match (self, zh) {
            (Lang::Zh, Some(zh)) if !zh.trim().is_empty() => zh,
            _ => self.name(vi, en),
        }
    }

    /// As [`Lang::t`], but a Chinese reader without a translation gets the
    /// English: for messages made at run time (why a code was refused).
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
            Lang::Zh => crate::public::zh::zh(vi).unwrap_or(en),
        }
    }

    pub fn verdict(self, verdict: &Verdict) -> &'static str {
        match verdict {
            Verdict::Genuine => self.t("Chính hãng", "Genuine"),
            Verdict::Suspicious => self.t("Cần kiểm tra", "Check this stamp"),
            Verdict::Recalled => self.t("Đã thu hồi", "Recalled"),
            Verdict::Voided => self.t("Tem đã hủy", "Voided stamp"),
            Verdict::FacilitySuspended => self.t("Cơ sở bị đình chỉ", "Facility suspended"),
            Verdict::Expired => self.t("Đã quá hạn sử dụng", "Past its best-before date"),
            Verdict::Unknown => self.t(
                "Không xác thực được — có thể là hàng giả",
                "Unknown code — possibly counterfeit",
            ),
        }
    }

    /// A role's code (`admin`, `producer`, `regulator`) in words.
    pub fn role(self, code: &str) -> &'static str {
        ROLES
            .iter()
            .find(|(known, _, _)| *known == code)
            .map_or("", |(_, vi, en)| self.t(vi, en))
    }

    /// An alert's kind (`models::alerts::Alert::kind`) in words.
    pub fn alert(self, kind: &str) -> &'static str {
        match kind {
            "forged_burst" => self.t("Mã giả quét hàng loạt", "Burst of forged codes"),
            "suspicious_scanned" => self.t("Tem nghi bị sao chép", "Stamp possibly copied"),
            "voided_scanned" => self.t("Tem đã hủy vẫn được quét", "Voided stamp scanned"),
            "recalled_scanned" => self.t("Hàng bị thu hồi vẫn được quét", "Recalled batch scanned"),
            "fake_reported" => self.t("Người mua báo hàng giả", "Reported as fake by a buyer"),
            _ => self.t("Cảnh báo", "Alert"),
        }
    }

    /// What the consumer should do, under the verdict.
    pub fn verdict_advice(self, verdict: &Verdict) -> &'static str {
        match verdict {
            Verdict::Genuine => self.t(
                "Tem do cơ sở sản xuất đăng ký cấp. Thông tin nguồn gốc bên dưới.",
                "This stamp was issued to the producer below. Its origin record follows.",
            ),
            Verdict::Suspicious => self.t(
                "Tem thật nhưng đã được nhiều người ở nhiều nơi kiểm tra hơn một nhãn thường có — có thể nhãn đã bị sao chép. Hãy hỏi người bán và so mã in trên tem.",
                "A real stamp, but checked by more people in more places than one label is — the label may have been copied. Ask the seller and compare the printed code.",
            ),
            Verdict::Recalled => self.t(
                "Lô hàng này đã bị cơ quan quản lý thu hồi. Hãy ngừng sử dụng, trả lại nơi mua.",
                "The regulator has recalled this batch. Stop using it, return it where bought.",
            ),
            Verdict::Voided => self.t(
                "Tem này đã bị cơ sở sản xuất hủy và không còn giá trị, nên không xác nhận nguồn gốc sản phẩm. Hãy hỏi người bán.",
                "The producer voided this stamp; it is no longer valid and vouches for no origin. Ask the seller.",
            ),
            Verdict::Expired => self.t(
                "Tem thật, nhưng lô hàng đã quá hạn sử dụng. Không nên dùng sản phẩm; hãy báo cho nơi bán.",
                "A genuine stamp, but the batch is past its best-before date. Do not eat it; tell the seller.",
            ),
            Verdict::FacilitySuspended => self.t(
                "Cơ sở sản xuất đang bị đình chỉ hoạt động. Hãy thận trọng với sản phẩm này.",
                "The producing facility is suspended. Be careful with this product.",
            ),
            Verdict::Unknown => self.t(
                "Mã này không do hệ thống cấp. Đừng tin thông tin nguồn gốc của sản phẩm; hãy nhập mã in dưới QR trên trang chính thức và báo cho cơ quan chức năng.",
                "This code is not one we issued. Do not trust the product's origin claim; type the code printed under the QR on the official site, and report the seller.",
            ),
        }
    }

    /// Who ordered a recall: a province's regulator, or the national
    /// administration (`recall_authority`).
    pub fn recall_authority(self, authority: &str) -> String {
        if authority == crate::domain::kinds::NATIONAL_AUTHORITY {
            self.t(
                "Cơ quan quản lý trung ương (quản trị hệ thống truy xuất)",
                "The national registry's administrator",
            )
            .to_owned()
        } else {
            match self {
                Lang::Vi => format!("Cơ quan quản lý tỉnh/thành phố {authority}"),
                Lang::En => format!("The regulator of {authority} province"),
                Lang::Zh => format!("{authority}省主管部门"),
            }
        }
    }

    pub fn event_kind(self, kind: &str) -> String {
        let (vi, en) = match kind {
            "planting" => ("Gieo trồng", "Planting"),
            "input_application" => ("Bón phân, phun thuốc", "Inputs applied"),
            "harvesting" => ("Thu hoạch", "Harvest"),
            "cooling" => ("Làm lạnh", "Cooling"),
            "packing" => ("Đóng gói", "Packing"),
            "first_land_receiving" => ("Tiếp nhận lên bờ lần đầu", "First land-based receiving"),
            "shipping" => ("Vận chuyển", "Shipping"),
            "receiving" => ("Tiếp nhận", "Receiving"),
            "transformation" => ("Chế biến", "Processing"),
            "inspection" => ("Kiểm tra", "Inspection"),
            other => return other.replace('_', " "),
        };
        self.t(vi, en).to_owned()
    }

    pub fn inspection_result(self, result: &str) -> String {
        let (vi, en) = match result {
            "pass" => ("Đạt", "Pass"),
            "minor" => ("Đạt, có lỗi nhẹ", "Minor issues"),
            "major" => ("Lỗi nặng", "Major issues"),
            "fail" => ("Không đạt", "Fail"),
            other => return other.to_owned(),
        };
        self.t(vi, en).to_owned()
    }

    pub fn facility_kind(self, kind: &str) -> String {
        let (vi, en) = match kind {
            "orchard" => ("Vườn cây ăn trái", "Orchard"),
            "farm" => ("Trang trại", "Farm"),
            "aquaculture" => ("Cơ sở nuôi trồng thủy sản", "Aquaculture farm"),
            "packing_house" => ("Nhà sơ chế, đóng gói", "Packing house"),
            "processing_plant" => ("Cơ sở chế biến", "Processing plant"),
            "warehouse" => ("Kho", "Warehouse"),
            other => return other.replace('_', " "),
        };
        self.t(vi, en).to_owned()
    }

    pub fn status(self, status: &str) -> String {
        let (vi, en) = match status {
            "active" => ("Đang hoạt động", "Active"),
            "suspended" => ("Bị đình chỉ", "Suspended"),
            "recalled" => ("Đã thu hồi", "Recalled"),
            other => return other.to_owned(),
        };
        self.t(vi, en).to_owned()
    }

    pub fn scheme(self, scheme: &str) -> String {
        match scheme {
            "vietgap" => "VietGAP".into(),
            "globalgap" => "GlobalG.A.P.".into(),
            "organic" => self.t("Hữu cơ", "Organic").into(),
            "haccp" => "HACCP".into(),
            "iso22000" => "ISO 22000".into(),
            "ocop" => "OCOP".into(),
            "other" => self.t("Khác", "Other").into(),
            other => other.to_owned(),
        }
    }

    pub fn unit(self, unit: &str) -> String {
        let (vi, en) = match unit {
            "kg" => ("kg", "kg"),
            "tonne" => ("tấn", "tonnes"),
            "box" => ("thùng", "boxes"),
            "piece" => ("quả", "pieces"),
            "bag" => ("bao", "bags"),
            "pack" => ("gói", "packs"),
            other => return other.to_owned(),
        };
        self.t(vi, en).to_owned()
    }

    /// What kind of input an `input_application` event applied (the
    /// `input_kind` of its details), in words.
    pub fn input_kind(self, kind: &str) -> String {
        let (vi, en) = match kind {
            "fertiliser" | "fertilizer" => ("Phân bón", "Fertiliser"),
            "pesticide" => ("Thuốc bảo vệ thực vật", "Pesticide"),
            "herbicide" => ("Thuốc trừ cỏ", "Herbicide"),
            "fungicide" => ("Thuốc trừ nấm", "Fungicide"),
            "biological" => ("Chế phẩm sinh học", "Biological product"),
            "feed" => ("Thức ăn chăn nuôi", "Feed"),
            "veterinary" | "veterinary_drug" => ("Thuốc thú y", "Veterinary drug"),
            "water" => ("Nước tưới", "Water"),
            other => return other.replace('_', " "),
        };
        self.t(vi, en).to_owned()
    }

    /// A count (stamps, scans) grouped as `number` groups it: 12.500.
    pub fn count(self, n: &i64) -> String {
        self.number(*n as f64)
    }

    /// A quantity as people write it here: 2.500 and 2,5 in Vietnamese,
    /// 2,500 and 2.5 in English; at most two decimals, none when whole.
    pub fn number(self, value: f64) -> String {
        let (thousands, decimal) = match self {
            Lang::Vi => ('.', ','),
            Lang::En | Lang::Zh => (',', '.'),
        };
        let fixed = format!("{:.2}", value.abs());
        let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let fraction = fraction.trim_end_matches('0');
        let mut out = String::new();
        if value < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0') {
            out.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(thousands);
            }
            out.push(digit);
        }
        if !fraction.is_empty() {
            out.push(decimal);
            out.push_str(fraction);
        }
        out
    }

    /// A calendar date as people write it here: 23/11/2026, 23 Nov 2026,
    /// or 2026年11月23日.
    pub fn date(self, date: &NaiveDate) -> String {
        match self {
            Lang::Vi => date.format("%d/%m/%Y").to_string(),
            Lang::En => date.format("%-d %b %Y").to_string(),
            Lang::Zh => date.format("%Y年%-m月%-d日").to_string(),
        }
    }

    /// The calendar day in Vietnam (UTC+7) of a UTC time.
    pub fn day(self, utc: &NaiveDateTime) -> String {
        self.date(&vietnam().from_utc_datetime(utc).date_naive())
    }

    /// A UTC time shown in Vietnam's time (UTC+7), where the stamps are read.
    /// "09:05 20/11/2026", "20 Nov 2026, 09:05 (UTC+7)", "2026年11月20日
    /// 09:05（UTC+7）". Written through chrono's items (`TIME`): a stamp page
    /// shows the first check's time on every scan after the first, and the
    /// format strings were parsed anew each time. The local time is
    /// formatted as a naive one: the shapes write "UTC+7" as text, and for
    /// a zoned time chrono first wrote its offset into a string of its own
    /// that no shape reads.
    pub fn time(self, utc: &NaiveDateTime) -> String {
        let items = match self {
            Lang::Vi => TIME[0],
            Lang::En => TIME[1],
            Lang::Zh => TIME[2],
        };
        vietnam()
            .from_utc_datetime(utc)
            .naive_local()
            .format_with_items(items.iter())
            .to_string()
    }
}

/// `Lang::time`'s shapes in Vietnamese, English and Chinese: chrono's
/// `%H:%M %d/%m/%Y`, `%-d %b %Y, %H:%M (UTC+7)` and
/// `%Y年%-m月%-d日 %H:%M（UTC+7）`, as items.
const TIME: [&[Item<'static>]; 3] = {
    const HOUR: Item = Item::Numeric(Numeric::Hour, Pad::Zero);
    const MINUTE: Item = Item::Numeric(Numeric::Minute, Pad::Zero);
    const COLON: Item = Item::Literal(":");
    const YEAR: Item = Item::Numeric(Numeric::Year, Pad::Zero);
    [
        &[
            HOUR,
            COLON,
            MINUTE,
            Item::Space(" "),
            Item::Numeric(Numeric::Day, Pad::Zero),
            Item::Literal("/"),
            Item::Numeric(Numeric::Month, Pad::Zero),
            Item::Literal("/"),
            YEAR,
        ],
        &[
            Item::Numeric(Numeric::Day, Pad::None),
            Item::Space(" "),
            Item::Fixed(Fixed::ShortMonthName),
            Item::Space(" "),
            YEAR,
            Item::Literal(", "),
            HOUR,
            COLON,
            MINUTE,
            Item::Literal(" (UTC+7)"),
        ],
        &[
            YEAR,
            Item::Literal("年"),
            Item::Numeric(Numeric::Month, Pad::None),
            Item::Literal("月"),
            Item::Numeric(Numeric::Day, Pad::None),
            Item::Literal("日 "),
            HOUR,
            COLON,
            MINUTE,
            Item::Literal("（UTC+7）"),
        ],
    ]
};

fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("a valid offset")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    /// `("vi", "en")` at the start of `rest`: two literals without escapes.
    fn literals(rest: &str) -> Option<(&str, &str)> {
        fn literal(rest: &str) -> Option<(&str, &str)> {
            let rest = rest.trim_start().strip_prefix('"')?;
            let end = rest.find('"')?;
            (!rest[..end].contains('\\')).then(|| (&rest[..end], &rest[end + 1..]))
        }
        let (vi, rest) = literal(rest.strip_prefix('(')?)?;
        let (en, rest) = literal(rest.trim_start().strip_prefix(',')?)?;
        rest.trim_start().starts_with(')').then_some((vi, en))
    }

    /// What lets `Label` skip escaping: every `label` a template calls is
    /// two plain literals, and each of them, and the Chinese of the
    /// Vietnamese one, comes out of a `Label` as askama's escaping writes it.
    #[test]
    fn template_labels_read_as_askama_escapes_them() {
        fn templates(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("the templates' folder") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    templates(&path, found);
                } else {
                    let text = std::fs::read_to_string(&path).expect("a template");
                    found.push((path.display().to_string(), text));
                }
            }
        }
        let escaped = |text: &str| {
            let mut out = String::new();
            askama::filters::Escaper::write_escaped_str(&askama::filters::Html, &mut out, text)
                .expect("escapes");
            out
        };
        let mut found = Vec::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/templates");
        templates(&dir, &mut found);
        let mut labels = 0;
        for (path, text) in &found {
            for (at, _) in text.match_indices(".label(") {
                let (vi, en) = literals(&text[at + ".label".len()..]).unwrap_or_else(|| {
                    panic!("{path}: a label of anything but two plain literals")
                });
                let zh = crate::public::zh::zh(vi).unwrap_or(vi);
                for said in [vi, en, zh] {
                    assert_eq!(Label(said).to_string(), escaped(said), "{path}");
                }
                labels += 1;
            }
        }
        assert!(labels > 500, "only {labels} labels found");
    }

    #[test]
    fn a_label_writes_an_apostrophe_as_askama_escapes_it() {
        assert_eq!(
            Lang::En.label("Cửa hàng", "The shop's address").to_string(),
            "The shop&#39;s address"
        );
        assert_eq!(Lang::Vi.label("Mã tem", "Stamp code").to_string(), "Mã tem");
    }

    /// The items write what the format strings they replace wrote.
    #[test]
    fn times_are_written_as_their_format_strings_say() {
        let shapes = [
            (Lang::Vi, "%H:%M %d/%m/%Y"),
            (Lang::En, "%-d %b %Y, %H:%M (UTC+7)"),
            (Lang::Zh, "%Y年%-m月%-d日 %H:%M（UTC+7）"),
        ];
        // A UTC time on a day at an hour and minute.
        let at = |(y, mo, d): (i32, u32, u32), h, mi| {
            NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|d| d.and_hms_opt(h, mi, 7))
                .expect("a time")
        };
        for (day, h, mi) in [
            ((2026, 1, 2), 3, 4),
            ((2026, 11, 20), 16, 59),
            ((2027, 12, 31), 23, 5),
        ] {
            let utc = at(day, h, mi);
            let local = vietnam().from_utc_datetime(&utc);
            for (l, shape) in shapes {
                assert_eq!(l.time(&utc), local.format(shape).to_string(), "{l:?} {utc}");
            }
        }
        let utc = at((2026, 11, 20), 2, 5);
        assert_eq!(Lang::Vi.time(&utc), "09:05 20/11/2026");
        assert_eq!(Lang::En.time(&utc), "20 Nov 2026, 09:05 (UTC+7)");
        assert_eq!(Lang::Zh.time(&utc), "2026年11月20日 09:05（UTC+7）");
    }

    #[test]
    fn the_query_beats_the_cookie_and_the_header() {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "en-US,en;q=0.9"))
            .to_http_request();
        assert_eq!(Lang::of(&req, None), Lang::En);
        assert_eq!(Lang::of(&req, Some("vi")), Lang::Vi);
        let plain = TestRequest::default().to_http_request();
        assert_eq!(Lang::of(&plain, None), Lang::Vi);
        assert_eq!(Lang::of(&plain, Some("fr")), Lang::Vi);
        let french_then_english = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "fr, en;q=0.5"))
            .to_http_request();
        assert_eq!(Lang::of(&french_then_english, None), Lang::En);
    }

    #[test]
    fn consumer_pages_take_chinese_and_portal_pages_do_not() {
        let chinese = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.8"))
            .to_http_request();
        assert_eq!(Lang::consumer(&chinese, None), Lang::Zh);
        assert_eq!(Lang::consumer(&chinese, Some("vi")), Lang::Vi);
        assert_eq!(Lang::of(&chinese, None), Lang::En);
        let plain = TestRequest::default().to_http_request();
        assert_eq!(Lang::consumer(&plain, Some("zh")), Lang::Zh);
        assert_eq!(Lang::consumer(&plain, Some("zh-Hans")), Lang::Zh);
        assert_eq!(Lang::of(&plain, Some("zh")), Lang::Vi);
        let english_first = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "fr, en-GB, zh;q=0.5"))
            .to_http_request();
        assert_eq!(Lang::consumer(&english_first, None), Lang::En);
        let remembered = TestRequest::default()
            .cookie(actix_web::cookie::Cookie::new(LANG_COOKIE, "zh"))
            .insert_header((header::ACCEPT_LANGUAGE, "vi"))
            .to_http_request();
        assert_eq!(Lang::consumer(&remembered, None), Lang::Zh);
        assert_eq!(Lang::of(&remembered, None), Lang::Vi);
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(Lang::Zh.date(&day), "2026年12月2日");
        assert_eq!(Lang::Zh.number(2500.5), "2,500.5");
    }

    #[test]
    fn times_are_shown_in_vietnam() {
        let utc = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(20, 5, 0)
            .unwrap();
        assert_eq!(Lang::Vi.time(&utc), "03:05 24/11/2026");
        assert_eq!(Lang::En.time(&utc), "24 Nov 2026, 03:05 (UTC+7)");
        assert_eq!(Lang::Vi.date(&utc.date()), "23/11/2026");
    }

    #[test]
    fn numbers_are_written_the_local_way() {
        assert_eq!(Lang::Vi.number(2500.0), "2.500");
        assert_eq!(Lang::En.number(2500.0), "2,500");
        assert_eq!(Lang::Vi.number(1234567.5), "1.234.567,5");
        assert_eq!(Lang::En.number(0.25), "0.25");
        assert_eq!(Lang::Vi.number(250.0), "250");
        assert_eq!(Lang::Vi.number(-3.0), "-3");
    }
}
