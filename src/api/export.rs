//! CSV downloads: UTF-8 with a byte-order mark so that Excel shows the
//! Vietnamese diacritics, RFC 4180 quoting.

use actix_web::http::header;
use actix_web::HttpResponse;

/// Quotes a field when it holds a separator, a quote or a line break.
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

pub fn csv_response(
    filename: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> HttpResponse {
    let mut body = String::from("\u{feff}");
    body.push_str(&columns.join(","));
    body.push_str("\r\n");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        body.push_str(&fields.join(","));
        body.push_str("\r\n");
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(csv_field("Bưởi"), "Bưởi");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
