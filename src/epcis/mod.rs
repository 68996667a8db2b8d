//! EPCIS 2.0: supply-chain events in the language other systems speak.
//! `POST /epcis/capture` takes EPCISDocuments (JSON-LD) from a producer's
//! systems; `GET /epcis/events` and friends answer the standard's queries
//! over captured events and over our own batch events, which are mirrored
//! as EPCIS events (`mapping`). Captured events naming our lots join the
//! consumer page's timeline (`timeline`).

pub mod bounds;
pub mod capture;
pub mod cbv;
pub mod document;
pub mod identifiers;
pub mod indexed;
pub mod mapping;
pub mod problem;
pub mod query;
mod routes;
pub mod rules;
pub mod timeline;

pub use routes::routes;
