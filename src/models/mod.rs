//! Rows, their forms, and the queries over them: one file per entity. Every
//! read takes the caller's `Scope`, so a row outside it is simply not found.

pub mod account;
pub mod alerts;
pub mod audit_log;
pub mod batch;
pub mod certification;
pub mod enterprise;
pub mod epcis_capture;
pub mod epcis_event;
pub mod event;
pub mod export_code;
pub mod facility;
pub mod facility_move;
pub mod fake_report;
pub mod finding_answer;
pub mod fsma;
pub mod genealogy;
pub mod handover;
pub mod inspection;
pub mod inspection_check;
pub mod lab_result;
pub mod lot_alias;
pub mod nfc_tag;
pub mod page;
pub mod party;
pub mod patch;
pub mod photo;
pub mod product;
pub mod product_link;
pub mod serial_key;
pub mod stamp_claim;
pub mod stamp_roll;
pub mod stamp_target;
pub mod standing;
pub mod stats;
