//! The consumer's page for a scanned stamp: the verdict first, big and
//! coloured, then the batch's origin record. No script, one small
//! stylesheet: it must load fast on a cheap phone on 3G and work with
//! JavaScript off.

use actix_web::HttpRequest;
use askama::Template;

use crate::domain::verdict::Verdict;
use crate::pages::frame::{Chrome, OpenGraph};
use crate::pages::i18n::Lang;
use crate::pages::render_failure;
use crate::pages::reports::ReportLink;
use crate::pages::timeline::{timeline, TimelineEntry};
use crate::public::facility::FacilityRecord;
use crate::public::logistic_unit::{LogisticUnit, UnitLot};
use crate::public::record::BatchRecord;
use crate::resolver::StampAnswer;

/// `?lang=` (vi, en, zh) wins; else the remembered choice or
/// Accept-Language; else Vietnamese (`Lang::consumer`).
pub fn consumer_lang(lang: Option<&str>, req: &HttpRequest) -> Lang {
    Lang::consumer(req, lang)
}

/// The product's name in `l`: a Chinese reader gets its Chinese name where
/// the producer gave one, else the English one.
fn product_name(record: &BatchRecord, l: Lang) -> String {
    l.product_name(
        &record.product.name_vi,
        &record.product.name_en,
        record.product.name_zh.as_deref(),
    )
    .to_owned()
}

#[derive(Template)]
#[template(path = "stamp.html")]
struct StampPage<'a> {
    c: Chrome,
    /// `c.l` again, and the record: what `_contact.html` reads.
    l: Lang,
    r: &'a BatchRecord,
    a: &'a StampAnswer<'a>,
    tone: &'static str,
    /// Who has checked the stamp, in words.
    checked: String,
    /// `checked` names a province: DB-IP's licence asks for a link to it.
    placed: bool,
    /// The day the stamp was claimed with its PIN (`_claim.html`).
    claimed_on: Option<String>,
    /// What happened to the stamp or its batch, under the verdict.
    notes: Vec<Note>,
    /// Empty on a voided stamp, which vouches for no origin.
    record_html: &'a str,
    report: ReportLink,
}

/// One fact under a bad verdict: a label and what to say.
struct Note {
    label: &'static str,
    text: String,
    /// A `tel:` target when the text is a number to call.
    call: Option<String>,
}

/// Why the verdict is what it is, in words the consumer can act on: the
/// best-before date passed; the recall's authority, date, reason and
/// hotline; the void's reason and date.
fn notes(a: &StampAnswer, l: Lang) -> Vec<Note> {
    let batch = &a.record.batch;
    let note = |label, text: String| Note {
        label,
        text,
        call: None,
    };
    let mut notes = Vec::new();
    match a.verdict {
        Verdict::Expired => {
            if let Some(date) = batch.expires_on {
                notes.push(note(l.t("Hạn sử dụng:", "Best before:"), l.date(&date)));
            }
        }
        Verdict::Recalled => {
            if let Some(authority) = &batch.recall_authority {
                notes.push(note(
                    l.t("Cơ quan thu hồi:", "Recalled by:"),
                    l.recall_authority(authority),
                ));
            }
            if let Some(at) = batch.recalled_at {
                notes.push(note(l.t("Ngày thu hồi:", "Recalled on:"), l.time(&at)));
            }
            if let Some(reason) = &batch.recall_reason {
                notes.push(note(
                    l.t("Lý do thu hồi:", "Reason for the recall:"),
                    reason.clone(),
                ));
            }
            notes.push(note(
                l.t("Bạn cần làm gì:", "What to do:"),
                l.t(
                    "ngừng sử dụng, trả lại nơi mua",
                    "stop using it, return it where bought",
                )
                .to_owned(),
            ));
            if let Some(hotline) = &a.recall_hotline {
                let dialled: String = hotline
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect();
                notes.push(Note {
                    label: l.t("Đường dây nóng:", "Hotline:"),
                    text: hotline.clone(),
                    call: Some(format!("tel:{dialled}")),
                });
            }
        }
        Verdict::Voided => {
            if let Some(void) = a.void {
                notes.push(note(
                    l.t("Ngày hủy:", "Voided on:"),
                    l.time(&void.voided_at),
                ));
                notes.push(note(
                    l.t("Lý do hủy:", "Reason:"),
                    void.reason
                        .clone()
                        .unwrap_or_else(|| l.t("không ghi lý do", "no reason given").to_owned()),
                ));
            }
        }
        _ => {}
    }
    notes
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage<'a> {
    c: Chrome,
    record_html: &'a str,
}

/// The batch's record as a page section: the same for every stamp of the
/// batch, so the resolver renders it once per record and language.
#[derive(Template)]
#[template(path = "_record.html")]
struct RecordSection<'a> {
    l: Lang,
    r: &'a BatchRecord,
    product_name: String,
    events: Vec<TimelineEntry>,
}

/// The record's section of the stamp and batch pages.
pub fn record_section(record: &BatchRecord, l: Lang) -> String {
    RecordSection {
        l,
        r: record,
        product_name: product_name(record, l),
        events: timeline(record, l),
    }
    .render()
    .unwrap_or_else(|e| render_failure(&e))
}

#[derive(Template)]
#[template(path = "unknown.html")]
struct UnknownPage<'a> {
    c: Chrome,
    verdict: Verdict,
    reason: &'a str,
    report: ReportLink,
}

/// Green for genuine, amber for "check" (a copied label, or past its
/// best-before date), red for every refusal.
pub fn tone(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Genuine => "good",
        Verdict::Suspicious | Verdict::Expired => "check",
        _ => "bad",
    }
}

/// The warning page for a code we never issued; `code` (as scanned, or
/// empty) fills the report form its button opens.
pub fn unknown(l: Lang, reason: &str, code: &str, official: &str) -> String {
    UnknownPage {
        c: Chrome::public(l, l.verdict(&Verdict::Unknown), official).consumer(),
        verdict: Verdict::Unknown,
        reason,
        report: ReportLink {
            code: code.to_owned(),
            button: true,
        },
    }
    .render()
    .unwrap_or_else(|e| render_failure(&e))
}

/// The page for a genuine code: verdict, scan count, and the batch's record
/// as rendered by `record_section` in the same language.
pub fn stamp(answer: &StampAnswer, l: Lang, record_html: &str) -> String {
    let (checked, placed) = checked(answer, l);
    let name = product_name(answer.record, l);
    let mut c = Chrome::public(
        l,
        format!("{} — {}", l.verdict(&answer.verdict), name),
        answer.official_site,
    )
    .consumer();
    c.og = Some(OpenGraph {
        title: format!("{name} · {}", l.verdict(&answer.verdict)),
        description: format!(
            "{} {} · {}, {}",
            l.t("Lô", "Lot"),
            answer.record.batch.lot_code,
            answer.record.enterprise.name,
            answer.record.facility.province
        ),
        url: format!("{}/s/{}", answer.official_site, answer.serial),
        image: answer.record.product.image_url.as_ref().map(|url| {
            if url.starts_with('/') && !url.starts_with("//") {
                format!("{}{url}", answer.official_site)
            } else {
                url.clone()
            }
        }),
    });
    let page = StampPage {
        checked,
        placed,
        claimed_on: answer.claimed_at.map(|t| l.day(&t)),
        tone: tone(answer.verdict),
        notes: notes(answer, l),
        record_html,
        report: ReportLink {
            code: answer.serial.to_string(),
            button: answer.verdict != Verdict::Genuine,
        },
        l,
        r: answer.record,
        a: answer,
        c,
    };
    // Sized for the record's section, which the page copies whole: askama's
    // own estimate knows only the template's text, and the page grew
    // through several reallocations, each a copy of what was written.
    let mut html = String::with_capacity(record_html.len() + StampPage::SIZE_HINT + 4096);
    match page.render_into(&mut html) {
        Ok(()) => html,
        Err(e) => render_failure(&e),
    }
}

/// "You are the 2nd person to check this stamp; first checked on … in
/// Vĩnh Long": what the clone verdict rests on, in the reader's terms
/// (`domain::checkers`); and whether it names a province.
fn checked(a: &StampAnswer, l: Lang) -> (String, bool) {
    let n = a.checkers;
    // Only the reader's language is written: each sentence has a number in it.
    let vi = l == Lang::Vi;
    let who = match l {
        Lang::Zh => checked_zh(a),
        // A client we cannot tell apart: loads are all we can say.
        _ if n == 0 && vi => format!("Tem này đã được quét {} lần", a.scan_count),
        _ if n == 0 => format!(
            "This stamp has been scanned {} time{}",
            a.scan_count,
            if a.scan_count == 1 { "" } else { "s" }
        ),
        _ if a.checked_before && vi => {
            format!("Bạn đã kiểm tra tem này trước đây; có {n} người đã kiểm tra")
        }
        _ if a.checked_before => format!(
            "You have checked this stamp before; {n} {} checked it",
            if n == 1 { "person has" } else { "people have" }
        ),
        _ if n == 1 => l
            .t(
                "Bạn là người đầu tiên kiểm tra tem này",
                "You are the first person to check this stamp",
            )
            .to_owned(),
        _ if vi => format!("Bạn là người thứ {n} kiểm tra tem này"),
        _ => format!("You are the {} person to check this stamp", ordinal(n)),
    };
    let place = a
        .first_checked_in
        .map(|p| format!(" {} {p}", l.t("tại", "in")))
        .unwrap_or_default();
    let (semicolon, stop) = match l {
        Lang::Zh => ("；", "。"),
        _ => ("; ", "."),
    };
    match a.first_scanned_at {
        // Worth saying unless this is the first check of all.
        Some(first) if n != 1 || a.checked_before => (
            format!(
                "{who}{semicolon}{} {}{place}{stop}",
                l.t("lần đầu lúc", "first checked on"),
                l.time(&first)
            ),
            !place.is_empty(),
        ),
        _ => (format!("{who}{stop}"), false),
    }
}

/// `checked`'s first sentence in Chinese.
fn checked_zh(a: &StampAnswer) -> String {
    let n = a.checkers;
    if n == 0 {
        format!("此标签已被扫描{}次", a.scan_count)
    } else if a.checked_before {
        format!("您以前查验过此标签；共有{n}人查验过")
    } else if n == 1 {
        "您是第一位查验此标签的人".to_owned()
    } else {
        format!("您是第{n}位查验此标签的人")
    }
}

/// 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st.
fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A batch or product page without a stamp (`/01/{gtin}/10/{lot}`).
pub fn record_page(record: &BatchRecord, l: Lang, official: &str) -> String {
    RecordPage {
        c: Chrome::public(l, product_name(record, l), official).consumer(),
        record_html: &record_section(record, l),
    }
    .render()
    .unwrap_or_else(|e| render_failure(&e))
}

#[derive(Template)]
#[template(path = "facility.html")]
struct FacilityPage<'a> {
    c: Chrome,
    f: &'a FacilityRecord,
}

/// A facility's page (`/414/{gln}`): who runs it, where, whether it is
/// suspended, its certifications in force and its latest inspection.
pub fn facility_page(record: &FacilityRecord, l: Lang, official: &str) -> String {
    FacilityPage {
        c: Chrome::public(l, record.facility.name.clone(), official).consumer(),
        f: record,
    }
    .render()
    .unwrap_or_else(|e| render_failure(&e))
}

#[derive(Template)]
#[template(path = "logistic_unit.html")]
struct UnitPage<'a> {
    c: Chrome,
    u: &'a LogisticUnit,
    /// The unit's events, as a lot's timeline shows them (the enterprise
    /// in the place column).
    events: Vec<TimelineEntry>,
    /// Each lot with its product's name in the page's language.
    lots: Vec<(&'a str, &'a UnitLot)>,
}

/// A logistic unit's page (`/00/{sscc}`): who packed or shipped it, when,
/// and the lots it carries, each linked to its page.
pub fn unit_page(unit: &LogisticUnit, l: Lang, official: &str) -> String {
    UnitPage {
        c: Chrome::public(l, format!("SSCC {}", unit.sscc), official).consumer(),
        events: unit
            .events
            .iter()
            .map(|e| TimelineEntry {
                iso: crate::time::rfc3339(&e.occurred_at),
                when: l.time(&e.occurred_at),
                kind: l.event_kind(&e.step),
                facility: e.enterprise.clone(),
                details: Vec::new(),
                corrected: None,
                photos: Vec::new(),
            })
            .collect(),
        lots: unit
            .contents
            .iter()
            .map(|lot| {
                let name = l.product_name(
                    &lot.product_name_vi,
                    &lot.product_name_en,
                    lot.product_name_zh.as_deref(),
                );
                (name, lot)
            })
            .collect(),
        u: unit,
    }
    .render()
    .unwrap_or_else(|e| render_failure(&e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .into_iter()
            .map(super::ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }
}
