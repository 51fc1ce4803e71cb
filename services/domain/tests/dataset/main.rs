//! Datasets from the outside: record parsing and the manifest hash, the copyright gate, domain
//! shares, the generated training content summary, and the compliance document templates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod documents;
mod domains;
mod gate;
mod record;
mod summary;
