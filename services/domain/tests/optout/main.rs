//! The opt-out evaluator from the outside: every signal, every TDMRep precedence rule, and the
//! fail-closed cases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ai_txt;
mod page;
mod robots_txt;
mod support;
mod tdmrep;
