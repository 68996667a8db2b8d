//! The integration suite: one binary, the real app on a real database
//! (SQLite by default, PostgreSQL with `TEST_DATABASE_URL`).

mod harness;
mod world;

mod audit;
mod auth;
mod cache;
mod cli;
mod demo;
mod headers;
mod isolation;
mod labels;
mod limits;
mod opendata;
mod oversight;
mod registry;
mod stamps;
mod validation;
