//! The export-code, laboratory and lab-result part of the document
//! (`api::export_codes`), kept apart so the table above stays readable.

use serde_json::{json, Value};

use super::{array_of, closed, date, id, names, nullable, op, record, schema_ref, text, Operation};
use crate::domain::market::{Analyte, ApprovalStatus, CodeKind, Crop, Market};
use crate::service::export_codes::{MAX_AREA_HA, MAX_BATCH_CODES, MAX_CODE};
use crate::service::lab_results::{MAX_ANALYTES, MAX_CERTIFICATE};

fn export_markets() -> Value {
    super::one_of(
        Market::ALL
            .iter()
            .filter(|m| m.is_export())
            .map(|m| m.as_str()),
    )
}

fn code_text() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_CODE,
        "pattern": "^ *[A-Za-z0-9./_-]+ *$", "description": "stored upper-cased"})
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let time = || json!({"type": "string", "format": "date-time"});
    let s = || json!({"type": "string"});
    let ns = || nullable(json!({"type": "string"}));
    let markets = || names(Market::ALL, Market::as_str);
    let code_row = || {
        vec![
            ("id", id()),
            ("code", s()),
            ("kind", names(CodeKind::ALL, CodeKind::as_str)),
            ("facility_id", id()),
            ("enterprise_id", id()),
            ("crop", names(Crop::ALL, Crop::as_str)),
            ("area_ha", nullable(json!({"type": "number"}))),
            ("created_at", time()),
            ("updated_at", time()),
        ]
    };
    let mut full = code_row();
    full.push((
        "markets",
        json!({"type": "array", "items": record(&[
            ("market", markets()),
            ("status", names(ApprovalStatus::ALL, ApprovalStatus::as_str)),
            ("approved_on", nullable(date())),
            ("status_since", date()),
            ("reason", ns()),
            ("updated_by", ns()),
        ])}),
    ));
    full.push((
        "authorised_enterprises",
        json!({"type": "array", "items": id()}),
    ));
    let laboratory = || {
        record(&[
            ("id", id()),
            ("name", s()),
            ("accreditation", s()),
            ("markets", json!({"type": "array", "items": markets()})),
            ("created_at", time()),
        ])
    };
    let amount = || json!({"type": "number", "minimum": 0, "maximum": 1e9});
    vec![
        (
            "ExportCodeFields",
            closed(
                &[
                    ("code", code_text()),
                    ("kind", names(CodeKind::ALL, CodeKind::as_str)),
                    ("facility_id", id()),
                    ("crop", names(Crop::ALL, Crop::as_str)),
                    (
                        "area_ha",
                        json!({"type": "number", "exclusiveMinimum": true, "minimum": 0,
                            "maximum": MAX_AREA_HA,
                            "description": "hectares; required for a planting area"}),
                    ),
                    (
                        "markets",
                        json!({"type": "array", "items": export_markets(), "uniqueItems": true}),
                    ),
                ],
                &["code", "kind", "facility_id", "crop"],
            ),
        ),
        ("ExportCode", record(&full)),
        ("ExportCodeRow", record(&code_row())),
        (
            "ExportCodeStatus",
            closed(
                &[
                    ("market", export_markets()),
                    ("status", names(ApprovalStatus::ALL, ApprovalStatus::as_str)),
                    ("reason", text(500)),
                    ("approved_on", nullable(date())),
                ],
                &["market", "status", "reason"],
            ),
        ),
        (
            "ExportCodeUser",
            closed(&[("enterprise_id", id())], &["enterprise_id"]),
        ),
        (
            "BatchCodes",
            closed(
                &[(
                    "codes",
                    json!({"type": "array", "maxItems": MAX_BATCH_CODES, "items": code_text()}),
                )],
                &["codes"],
            ),
        ),
        (
            "BatchExportCode",
            record(&[
                ("code", s()),
                ("kind", names(CodeKind::ALL, CodeKind::as_str)),
                ("crop", names(Crop::ALL, Crop::as_str)),
                ("market", nullable(markets())),
                (
                    "status",
                    nullable(names(ApprovalStatus::ALL, ApprovalStatus::as_str)),
                ),
            ]),
        ),
        (
            "ExportCodeAlert",
            record(&[
                ("id", id()),
                ("kind", super::one_of(["code_misuse", "yield_exceeded"])),
                ("code", s()),
                ("export_code_id", nullable(id())),
                ("batch_id", nullable(id())),
                ("enterprise_id", id()),
                ("province_code", s()),
                ("detail", s()),
                ("raised_at", time()),
            ]),
        ),
        (
            "LaboratoryFields",
            closed(
                &[
                    ("name", text(200)),
                    ("accreditation", text(40)),
                    (
                        "markets",
                        json!({"type": "array", "items": markets(), "uniqueItems": true}),
                    ),
                ],
                &["name", "accreditation"],
            ),
        ),
        ("Laboratory", laboratory()),
        (
            "LabResultFields",
            closed(
                &[
                    ("laboratory_id", id()),
                    ("sampled_on", date()),
                    ("sampled_by", text(200)),
                    ("reported_on", date()),
                    (
                        "analytes",
                        json!({"type": "array", "minItems": 1, "maxItems": MAX_ANALYTES,
                        "items": closed(
                            &[
                                ("analyte", names(Analyte::ALL, Analyte::as_str)),
                                ("result", amount()),
                                ("limit", amount()),
                                ("unit", text(20)),
                            ],
                            &["analyte", "result", "limit", "unit"],
                        )}),
                    ),
                ],
                &[
                    "laboratory_id",
                    "sampled_on",
                    "sampled_by",
                    "reported_on",
                    "analytes",
                ],
            ),
        ),
        (
            "LabResultWithdrawal",
            closed(&[("reason", text(500))], &["reason"]),
        ),
        (
            "LabResult",
            record(&[
                ("id", id()),
                ("batch_id", id()),
                ("laboratory_id", id()),
                ("sampled_on", date()),
                ("sampled_by", s()),
                ("reported_on", date()),
                (
                    "passed",
                    json!({"type": "boolean", "description": "every analyte's result at most its limit"}),
                ),
                ("created_by", ns()),
                ("created_at", time()),
                (
                    "withdrawn_at",
                    nullable(json!({"type": "string", "format": "date-time",
                        "description": "set when withdrawn as recorded by mistake: it then counts toward no market's requirement and leaves the public record"})),
                ),
                ("withdrawn_by", ns()),
                ("withdrawn_reason", ns()),
                ("laboratory", laboratory()),
                (
                    "analytes",
                    json!({"type": "array", "items": record(&[
                        ("analyte", names(Analyte::ALL, Analyte::as_str)),
                        ("result", json!({"type": "number"})),
                        ("limit", json!({"type": "number"})),
                        ("unit", s()),
                    ])}),
                ),
                ("has_certificate", json!({"type": "boolean"})),
            ]),
        ),
    ]
}

pub(super) fn operations() -> Vec<Operation> {
    vec![
        op("get", "/export-codes", "export", "Export codes within reach (own, authorised, or the province's)")
            .ok(200, array_of("ExportCode")),
        op(
            "post",
            "/export-codes",
            "export",
            "Register a planting-area or packing-house code for an own facility (each market pending)",
        )
        .body(schema_ref("ExportCodeFields"))
        .ok(201, schema_ref("ExportCode")),
        op(
            "get",
            "/export-codes/alerts",
            "export",
            "Misuse attempts and implausible yields on export codes within reach",
        )
        .query(vec![super::param(
            "days",
            json!({"type": "integer", "minimum": 1, "maximum": 366}),
        )])
        .ok(200, array_of("ExportCodeAlert")),
        op("get", "/export-codes/{id}", "export", "One export code").ok(200, schema_ref("ExportCode")),
        op(
            "post",
            "/export-codes/{id}/status",
            "export",
            "Record a market's decision on a code (regulators of its province, admins; audited)",
        )
        .body(schema_ref("ExportCodeStatus"))
        .ok(200, schema_ref("ExportCode")),
        op(
            "post",
            "/export-codes/{id}/users",
            "export",
            "Authorise an enterprise (a packer) to use the code (its owner)",
        )
        .body(schema_ref("ExportCodeUser"))
        .ok(200, schema_ref("ExportCode")),
        op(
            "delete",
            "/export-codes/{id}/users",
            "export",
            "Withdraw an enterprise's authorisation (its owner)",
        )
        .body(schema_ref("ExportCodeUser"))
        .ok(200, schema_ref("ExportCode")),
        op("get", "/batches/{id}/export-codes", "export", "The codes a batch came through, with their status for its market")
            .ok(200, array_of("BatchExportCode")),
        op(
            "put",
            "/batches/{id}/export-codes",
            "export",
            "State the codes a batch came through (403 and an alert for a code not the enterprise's to use; 409 for one its market has not approved)",
        )
        .body(schema_ref("BatchCodes"))
        .ok(200, array_of("ExportCodeRow")),
        op("get", "/laboratories", "export", "Laboratories").ok(200, array_of("Laboratory")),
        op("post", "/laboratories", "export", "Register a laboratory (regulators, admins)")
            .body(schema_ref("LaboratoryFields"))
            .ok(201, schema_ref("Laboratory")),
        op("get", "/batches/{id}/lab-results", "export", "A batch's lab results")
            .ok(200, array_of("LabResult")),
        op("post", "/batches/{id}/lab-results", "export", "Record a lab result (pass/fail computed)")
            .body(schema_ref("LabResultFields"))
            .ok(201, schema_ref("LabResult")),
        op(
            "post",
            "/lab-results/{id}/withdraw",
            "export",
            "Withdraw a result recorded by mistake, with a reason (the batch's enterprise, a regulator of its province, admins; audited; 409 if already withdrawn)",
        )
        .body(schema_ref("LabResultWithdrawal"))
        .ok(200, schema_ref("LabResult")),
        op("get", "/lab-results/{id}/certificate", "export", "A result's certificate (PDF)")
            .media("application/pdf"),
        {
            let mut upload = op(
                "put",
                "/lab-results/{id}/certificate",
                "export",
                "Upload a result's certificate (a PDF, the batch's enterprise)",
            )
            .body_as(
                "application/pdf",
                json!({"type": "string", "format": "binary", "maxLength": MAX_CERTIFICATE}),
            )
            .ok(204, Value::Null);
            upload.more.push((413, "certificate over 5 MiB"));
            upload
        },
    ]
}
