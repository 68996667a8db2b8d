//! `GET /healthz/baseline`: a constant JSON body about the size of a stamp's
//! JSON answer, with no database work and no rate limit. It is the yardstick
//! of `scripts/load.sh`: the resolver's throughput is reported as a ratio to
//! this route's, measured by the same binary on the same machine in the same
//! run, so the figures travel between machines. The script sends it the
//! resolver's serials as a query string, which it ignores, so that the load
//! generator's work per request is the same in every case. Also a cheap
//! liveness probe.

use actix_web::HttpResponse;

/// Shaped like a stamp's JSON answer (verdict, product, enterprise, facility,
/// batch, a few events) so serving it costs what serving that answer does
/// minus the lookup.
const BODY: &str = r#"{"verdict":"genuine","serial":"BASELINE0000000000000","serial_grouped":"BASE-LINE-0000-0000-0000","scan_count":1,"first_scanned_at":"2026-11-23T00:00:00Z","checkers":1,"checked_before":false,"official_site":"http://127.0.0.1:8080","product":{"name_vi":"Bưởi Năm Roi","name_en":"Nam Roi pomelo","category":"fruit","variety":"Năm Roi","gtin":"08930000000017","unit":"kg","image_url":null,"standards":"VietGAP"},"enterprise":{"name":"Hợp tác xã Bưởi Năm Roi Mỹ Hòa","tax_code":"1500000000","address":"Ấp Mỹ Hòa, xã Mỹ Hòa, huyện Bình Minh","province":"Vĩnh Long"},"facility":{"name":"Vườn bưởi Mỹ Hòa","kind":"farm","district":"Bình Minh","province":"Vĩnh Long","latitude":10.05,"longitude":105.82,"area_code":"VN-VLOR-0001","status":"active"},"certifications":[{"scheme":"VietGAP","number":"VG-0001","issuer":"Trung tâm chứng nhận","valid_from":"2025-01-01","valid_to":"2027-12-31"}],"batch":{"lot_code":"LOT-0001","produced_on":"2026-11-01","expires_on":"2026-12-01","quantity":1000.0,"unit":"kg","status":"active","recall_reason":null},"events":[{"kind":"harvesting","occurred_at":"2026-11-01T01:00:00Z","facility":"Vườn bưởi Mỹ Hòa","details":{}},{"kind":"packing","occurred_at":"2026-11-02T01:00:00Z","facility":"Vườn bưởi Mỹ Hòa","details":{}}],"latest_inspection":{"inspected_on":"2026-10-01","result":"pass"}}"#;

pub async fn baseline() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}
