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

/// Whether a list was asked for as CSV (`?format=csv`) rather than JSON.
pub fn wants_csv(format: Option<&str>) -> crate::error::AppResult<bool> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(crate::error::AppError::invalid(
            "format",
            format!("{other:?} is not json or csv"),
        )),
    }
}

/// Any list of JSON objects as CSV: one column per field of the first row
/// (nested values written as JSON), so every list the API shows exports the
/// same way.
pub fn csv_of<T: serde::Serialize>(filename: &str, items: &[T]) -> HttpResponse {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = items
        .iter()
        .filter_map(|item| match serde_json::to_value(item) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            _ => None,
        })
        .collect();
    let columns: Vec<String> = rows
        .first()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    let cell = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let lines = rows
        .iter()
        .map(|row| columns.iter().map(|c| cell(row.get(c))).collect::<Vec<_>>())
        .collect::<Vec<_>>();
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    csv_response(filename, &names, lines.into_iter())
}

/// A list as its JSON page, or every row as CSV.
pub fn list_response<T: serde::Serialize>(
    csv: bool,
    filename: &str,
    list: crate::models::page::List<T>,
) -> HttpResponse {
    if csv {
        csv_of(filename, &list.items)
    } else {
        HttpResponse::Ok().json(list)
    }
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
