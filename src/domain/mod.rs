//! Pure domain logic: no I/O, no database, no HTTP — easy to test alone.

pub mod access;
pub mod admin_units;
pub mod audit_chain;
pub mod checkers;
pub mod digital_link;
pub mod fold;
pub mod gln;
pub mod gs1;
pub mod gtin;
pub mod id;
pub mod kde;
pub mod kinds;
pub mod link_type;
pub mod market;
pub mod natural;
pub mod next_event;
pub mod photo;
pub mod pin;
pub mod places;
pub mod resolver_url;
pub mod serial;
pub mod sun;
pub mod tag_keys;
pub mod validate;
pub mod verdict;
