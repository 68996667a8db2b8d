//! The consumer's page for a scanned stamp, Vietnamese first. Plain HTML,
//! no script: it must work on any phone. (The web portal's templates will
//! style it; what it says is here.)

use actix_web::http::header;
use actix_web::HttpRequest;
use std::fmt::Write;

use crate::domain::verdict::Verdict;
use crate::resolver::record::BatchRecord;
use crate::resolver::StampAnswer;

/// `?lang=en` wins; else the first of vi/en in Accept-Language; else Vietnamese.
pub fn wants_english(lang: Option<&str>, req: &HttpRequest) -> bool {
    match lang {
        Some(l) => l.eq_ignore_ascii_case("en"),
        None => req
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
            })
            .is_some_and(|tag| tag.starts_with("en")),
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn verdict_text(verdict: Verdict, english: bool) -> &'static str {
    match (verdict, english) {
        (Verdict::Genuine, false) => "Chính hãng",
        (Verdict::Genuine, true) => "Genuine",
        (Verdict::Suspicious, false) => "Cần kiểm tra",
        (Verdict::Suspicious, true) => "Check this stamp",
        (Verdict::Recalled, false) => "Đã thu hồi",
        (Verdict::Recalled, true) => "Recalled",
        (Verdict::Voided, false) => "Tem đã hủy",
        (Verdict::Voided, true) => "Voided stamp",
        (Verdict::FacilitySuspended, false) => "Cơ sở bị đình chỉ",
        (Verdict::FacilitySuspended, true) => "Facility suspended",
        (Verdict::Unknown, false) => "Không xác thực được — có thể là hàng giả",
        (Verdict::Unknown, true) => "Unknown code — possibly counterfeit",
    }
}

fn shell(english: bool, title: &str, body: &str, official: &str) -> String {
    let lang = if english { "en" } else { "vi" };
    let note = if english {
        "Official site — type the printed code only here:"
    } else {
        "Trang chính thức — chỉ nhập mã in trên tem tại đây:"
    };
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><header><p>{note} <strong>{official}</strong></p></header>\
         <main>{body}</main></body></html>",
        title = escape(title),
        official = escape(official),
    )
}

pub fn unknown(english: bool, reason: &str, official: &str) -> String {
    let advice = if english {
        "This code is not one we issued. Do not trust the product's origin claim; type the code printed under the QR on the official site, and report the seller."
    } else {
        "Mã này không do hệ thống cấp. Đừng tin thông tin nguồn gốc của sản phẩm; hãy nhập mã in dưới QR trên trang chính thức và báo cho cơ quan chức năng."
    };
    let title = verdict_text(Verdict::Unknown, english);
    let body = format!(
        "<h1 class=\"verdict unknown\">{title}</h1><p>{}</p><p><small>{}</small></p>",
        escape(advice),
        escape(reason)
    );
    shell(english, title, &body, official)
}

pub fn record_html(record: &BatchRecord, english: bool, out: &mut String) {
    let (product_name, labels) = if english {
        (
            &record.product.name_en,
            [
                "Producer",
                "Facility",
                "Lot",
                "Harvested",
                "Expires",
                "Certifications",
                "History",
                "Latest inspection",
            ],
        )
    } else {
        (
            &record.product.name_vi,
            [
                "Nhà sản xuất",
                "Cơ sở",
                "Lô",
                "Ngày thu hoạch",
                "Hạn sử dụng",
                "Chứng nhận",
                "Nhật ký",
                "Kiểm tra gần nhất",
            ],
        )
    };
    let f = &record.facility;
    let _ = write!(
        out,
        "<h2>{}</h2><dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}, {}, {}{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        escape(product_name),
        labels[0],
        escape(&record.enterprise.name),
        labels[1],
        escape(&f.name),
        escape(&f.district),
        escape(&f.province),
        f.area_code.as_deref().map(|c| format!(" ({})", escape(c))).unwrap_or_default(),
        labels[2],
        escape(&record.batch.lot_code),
        labels[3],
        record.batch.produced_on,
    );
    if let Some(expiry) = record.batch.expires_on {
        let _ = write!(out, "<dt>{}</dt><dd>{expiry}</dd>", labels[4]);
    }
    out.push_str("</dl>");
    if !record.certifications.is_empty() {
        let _ = write!(out, "<h3>{}</h3><ul>", labels[5]);
        for c in &record.certifications {
            let _ = write!(
                out,
                "<li>{} {} — {} ({} → {})</li>",
                escape(&c.scheme),
                escape(&c.number),
                escape(&c.issuer),
                c.valid_from,
                c.valid_to
            );
        }
        out.push_str("</ul>");
    }
    let _ = write!(out, "<h3>{}</h3><ol>", labels[6]);
    for e in &record.events {
        let _ = write!(
            out,
            "<li>{} — {} — {}</li>",
            crate::time::rfc3339(&e.occurred_at),
            escape(&e.kind),
            escape(&e.facility)
        );
    }
    out.push_str("</ol>");
    if let Some(i) = &record.latest_inspection {
        let _ = write!(
            out,
            "<p>{}: {} ({})</p>",
            labels[7],
            escape(&i.result),
            i.inspected_on
        );
    }
}

pub fn stamp(answer: &StampAnswer, english: bool) -> String {
    let title = verdict_text(answer.verdict, english);
    let mut body = format!(
        "<h1 class=\"verdict {}\">{}</h1>",
        answer.verdict.as_str(),
        escape(title)
    );
    let first = answer
        .first_scanned_at
        .map(|t| crate::time::rfc3339(&t))
        .unwrap_or_default();
    let _ = if english {
        write!(
            body,
            "<p>This code has been scanned {} times, first at {}.</p>",
            answer.scan_count, first
        )
    } else {
        write!(
            body,
            "<p>Mã này đã được quét {} lần, lần đầu lúc {}.</p>",
            answer.scan_count, first
        )
    };
    if let Some(reason) = &answer.record.batch.recall_reason {
        let _ = write!(body, "<p><strong>{}</strong></p>", escape(reason));
    }
    let _ = write!(
        body,
        "<p><code>{}</code></p>",
        escape(&answer.serial_grouped)
    );
    record_html(&answer.record, english, &mut body);
    shell(english, title, &body, &answer.official_site)
}

pub fn record_page(record: &BatchRecord, english: bool, official: &str) -> String {
    let mut body = String::new();
    record_html(record, english, &mut body);
    let title = if english {
        &record.product.name_en
    } else {
        &record.product.name_vi
    };
    shell(english, title, &body, official)
}
