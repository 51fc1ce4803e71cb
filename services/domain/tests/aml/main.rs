//! The AML rule engine from the outside: scenarios per rule and outcome, shadow mode, and the
//! policy file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod policy_file;
mod scenarios;
mod shadow;
mod support;
