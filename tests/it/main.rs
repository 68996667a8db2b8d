//! The integration suite: one binary, the real app on a real database
//! (SQLite by default, PostgreSQL with `TEST_DATABASE_URL`).

mod harness;
mod world;

mod audit;
mod auth;
mod browser;
mod cli;
mod demo;
mod epcis;
mod isolation;
mod labels;
mod opendata;
mod oversight;
mod pages;
mod registry;
mod stamps;
mod validation;
