//! CSV downloads of API lists, written by `crate::csv`.

use actix_web::HttpResponse;

use crate::csv::Csv;

pub fn csv_response(
    filename: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> HttpResponse {
    let mut csv = Csv::new(columns);
    for row in rows {
        csv.row(row.iter().map(String::as_str));
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(crate::headers::attachment(filename))
        .body(csv.into_string())
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
