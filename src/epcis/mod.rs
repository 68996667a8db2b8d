//! EPCIS 2.0: supply-chain events in the language other systems speak —
//! documents and their validation, the CBV, our batch events mirrored as
//! EPCIS events (`mapping`), storage and the standard's queries. The HTTP
//! binding (`/epcis/...`) is an adapter in `api::epcis`; the capture use
//! case, with its rules, is `service::epcis`.

pub mod bounds;
pub mod capture;
pub mod cbv;
pub mod document;
pub mod identifiers;
pub mod indexed;
pub mod mapping;
pub mod problem;
pub mod query;
pub mod rules;
