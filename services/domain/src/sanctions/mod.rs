//! Sanctions lists and screening (DESIGN.md §4): list entities as every importer produces them,
//! name and address matching. Pure: importers (integrations) parse the files, the app stores them.

mod entity;
pub mod risk;
pub mod screening;

pub use entity::{EntityKind, ListEntity, ListSource, Owner};
pub use risk::{MatchRisk, OwnershipStep};
