//! The compliance engine from the outside: scenario tables, validation, the policy file, and
//! property tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod policy_file;
mod properties;
mod reference;
mod scenarios_duties;
mod scenarios_floor;
mod scenarios_v2;
mod shape;
mod support;
mod table;
mod validation;
