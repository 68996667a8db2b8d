//! The integration suite: one binary, the real app on a real database
//! (SQLite by default, PostgreSQL with `TEST_DATABASE_URL`).

mod harness;
mod server;
mod world;

mod audit;
mod auth;
mod backup;
mod browser;
mod cache;
mod cli;
mod crash;
mod demo;
mod epcis;
mod gs1;
mod headers;
mod isolation;
mod labels;
mod limits;
mod openapi;
mod opendata;
mod oversight;
mod pages;
mod registry;
mod soak;
mod stamps;
mod upgrade;
mod validation;
