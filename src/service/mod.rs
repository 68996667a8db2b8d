//! Use cases: the one place the domain's rules live. Each function takes a
//! connection, the `Caller` and its input, and owns the transaction, the
//! authorisation, the cross-row rules, the audit entry and the EPCIS mirror,
//! so the JSON API, the portals, EPCIS capture, the command line and the
//! demo loader — thin adapters over these functions — cannot disagree.
//! A new use case starts here (README, "Rules" and "Architecture").

pub mod access;
pub mod accounts;
pub mod admin_units;
pub mod batches;
pub mod circular02;
pub mod claims;
pub mod credentials;
pub mod enterprises;
pub mod epcis;
pub mod export_code_views;
pub mod export_codes;
pub mod facilities;
pub mod findings;
pub mod fsma;
pub mod handovers;
pub mod lab_results;
pub mod lots;
pub mod map;
pub mod nfc;
pub mod oversight;
pub mod parties;
pub mod photos;
pub mod products;
pub mod reports;
pub mod stamps;
