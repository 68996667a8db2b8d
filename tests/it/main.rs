//! The integration suite: one binary, the real app on a real database
//! (SQLite by default, PostgreSQL with `TEST_DATABASE_URL`).

mod conformance;
mod harness;
mod server;
mod world;

mod architecture;

mod admin_pages;
mod admin_units;
mod audit;
mod auth;
mod backup;
mod browser;
mod cache;
mod chain;
mod circular02;
mod cli;
mod clone;
mod compressed_link;
mod crash;
mod credential_pages;
mod credentials;
mod demo;
mod epcis;
mod epcis_match;
mod event_changes;
mod event_forms;
mod fsma;
mod gln_sscc;
mod gs1;
mod hardening;
mod headers;
mod isolation;
mod labels;
mod limits;
mod nfc;
mod observe;
mod openapi;
mod opendata;
mod outage;
mod oversight;
mod pages;
mod pin;
mod recall_pages;
mod registry;
mod reports;
mod rules;
mod soak;
mod stamps;
mod summaries;
mod upgrade;
mod validation;
mod verdict_pages;
mod vietnamese;
mod work_queue;
