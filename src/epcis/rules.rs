//! The rules of EPCIS 2.0 that its JSON schema cannot express. The schema
//! checks shapes; these check meaning: which fields an action needs, and
//! that every time carries an offset (the schema's `date-time` leaves the
//! precise form to the validator, so we check it ourselves).

use serde_json::Value;

/// One broken rule: the JSON pointer of the field within the event and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub field: String,
    pub message: String,
}

fn breach(field: &str, message: impl Into<String>) -> Breach {
    Breach {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Every rule an event breaks, in field order; empty when it keeps them all.
pub fn check(event: &Value) -> Vec<Breach> {
    let mut found = Vec::new();
    let Some(map) = event.as_object() else {
        return vec![breach("", "an event must be a JSON object")];
    };
    let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
    let action = map.get("action").and_then(Value::as_str);
    let has = |key: &str| map.get(key).is_some_and(|v| !v.is_null());
    let non_empty = |key: &str| {
        map.get(key)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };

    match map.get("eventTime").and_then(Value::as_str) {
        Some(time) => check_time(&mut found, "/eventTime", time),
        None => found.push(breach("/eventTime", "is required")),
    }
    if let Some(time) = map.get("recordTime").and_then(Value::as_str) {
        check_time(&mut found, "/recordTime", time);
    }
    match map.get("eventTimeZoneOffset").and_then(Value::as_str) {
        Some(offset) if !is_offset(offset) => found.push(breach(
            "/eventTimeZoneOffset",
            format!("{offset:?} is not an offset of the form +HH:MM or -HH:MM"),
        )),
        Some(_) => {}
        None => found.push(breach("/eventTimeZoneOffset", "is required")),
    }
    if let Some(time) = event
        .pointer("/errorDeclaration/declarationTime")
        .and_then(Value::as_str)
    {
        check_time(&mut found, "/errorDeclaration/declarationTime", time);
    }

    match kind {
        "ObjectEvent" if has("ilmd") && action != Some("ADD") => found.push(breach(
            "/ilmd",
            "instance/lot master data (ilmd) is only allowed on an ObjectEvent with action ADD",
        )),
        "AggregationEvent" | "AssociationEvent"
            if action != Some("OBSERVE") && !has("parentID") =>
        {
            found.push(breach(
                "/parentID",
                format!(
                    "an {kind} with action {} needs a parentID",
                    action.unwrap_or("(none)")
                ),
            ))
        }
        "TransformationEvent" => {
            let inputs = non_empty("inputEPCList") || non_empty("inputQuantityList");
            let outputs = non_empty("outputEPCList") || non_empty("outputQuantityList");
            // A transformationID ties several events into one transformation,
            // so each of them may carry only inputs or only outputs.
            if has("transformationID") {
                if !inputs && !outputs {
                    found.push(breach(
                        "/inputEPCList",
                        "a TransformationEvent needs at least one input or output",
                    ));
                }
            } else {
                if !inputs {
                    found.push(breach(
                        "/inputEPCList",
                        "a TransformationEvent without transformationID needs at least one input \
                         (inputEPCList or inputQuantityList)",
                    ));
                }
                if !outputs {
                    found.push(breach(
                        "/outputEPCList",
                        "a TransformationEvent without transformationID needs at least one output \
                         (outputEPCList or outputQuantityList)",
                    ));
                }
            }
        }
        _ => {}
    }

    if let Some(Value::Object(persistent)) = map.get("persistentDisposition") {
        let set = persistent.get("set").and_then(Value::as_array);
        let unset = persistent.get("unset").and_then(Value::as_array);
        if let (Some(set), Some(unset)) = (set, unset) {
            if set.iter().any(|value| unset.contains(value)) {
                found.push(breach(
                    "/persistentDisposition",
                    "a disposition cannot be both set and unset",
                ));
            }
        }
    }
    check_sensor_ranges(&mut found, map.get("sensorElementList"));
    found
}

/// RFC 3339 with an explicit offset (`Z` or `±HH:MM`): a time without one
/// would be read differently by every reader.
fn check_time(found: &mut Vec<Breach>, field: &str, text: &str) {
    if chrono::DateTime::parse_from_rfc3339(text).is_err() {
        found.push(breach(
            field,
            format!(
                "{text:?} is not an RFC 3339 time with an offset, e.g. 2026-11-02T07:30:00+07:00"
            ),
        ));
    }
}

fn is_offset(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 6 || !matches!(bytes[0], b'+' | b'-') || bytes[3] != b':' {
        return false;
    }
    if !digits(1..3) || !digits(4..6) {
        return false;
    }
    let hours = (bytes[1] - b'0') * 10 + (bytes[2] - b'0');
    let minutes = (bytes[4] - b'0') * 10 + (bytes[5] - b'0');
    hours <= 14 && minutes < 60
}

/// A sensor report's `minValue` cannot exceed its `maxValue`.
fn check_sensor_ranges(found: &mut Vec<Breach>, list: Option<&Value>) {
    let Some(elements) = list.and_then(Value::as_array) else {
        return;
    };
    for (e, element) in elements.iter().enumerate() {
        let Some(reports) = element.get("sensorReport").and_then(Value::as_array) else {
            continue;
        };
        for (r, report) in reports.iter().enumerate() {
            let min = report.get("minValue").and_then(Value::as_f64);
            let max = report.get("maxValue").and_then(Value::as_f64);
            if let (Some(min), Some(max)) = (min, max) {
                if min > max {
                    found.push(breach(
                        &format!("/sensorElementList/{e}/sensorReport/{r}/minValue"),
                        format!("minValue {min} exceeds maxValue {max}"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base(kind: &str, action: &str) -> Value {
        json!({"type": kind, "action": action, "eventTime": "2026-11-02T07:30:00+07:00",
               "eventTimeZoneOffset": "+07:00"})
    }

    fn fields(event: &Value) -> Vec<String> {
        check(event)
            .into_iter()
            .map(|b| b.field)
            .collect::<Vec<_>>()
    }

    #[test]
    fn aggregation_add_needs_a_parent() {
        assert_eq!(fields(&base("AggregationEvent", "ADD")), ["/parentID"]);
        assert!(fields(&base("AggregationEvent", "OBSERVE")).is_empty());
    }

    #[test]
    fn ilmd_only_with_add() {
        let mut event = base("ObjectEvent", "OBSERVE");
        event["ilmd"] = json!({"cbvmda:lotNumber": "L1"});
        assert_eq!(fields(&event), ["/ilmd"]);
        event["action"] = json!("ADD");
        assert!(fields(&event).is_empty());
    }

    #[test]
    fn transformations_need_inputs_and_outputs() {
        let mut event = base("TransformationEvent", "ADD");
        event.as_object_mut().unwrap().remove("action");
        assert_eq!(fields(&event), ["/inputEPCList", "/outputEPCList"]);
        event["inputEPCList"] = json!(["urn:x:1"]);
        assert_eq!(fields(&event), ["/outputEPCList"]);
        event["transformationID"] = json!("urn:x:t");
        assert!(fields(&event).is_empty());
    }

    #[test]
    fn times_need_offsets() {
        let mut event = base("ObjectEvent", "OBSERVE");
        event["eventTime"] = json!("2026-11-02T07:30:00");
        event["eventTimeZoneOffset"] = json!("+7:00");
        assert_eq!(fields(&event), ["/eventTime", "/eventTimeZoneOffset"]);
    }
}
