//! attune-domain: the marketplace's vocabulary and rules, pure (no I/O).
//!
//! Request bodies become these types at the edge (`Email::parse`, `Country::parse`, …) so that the
//! inside of the system cannot hold an invalid value.

pub mod account;
pub mod aml;
pub mod audit;
pub mod compliance;
pub mod data_policy;
pub mod dataset;
pub mod documents;
pub mod email;
pub mod erasure;
pub mod escrow;
pub mod evm;
pub mod job;
pub mod jurisdictions;
pub mod labels;
pub mod notification;
pub mod optout;
pub mod pools;
pub mod provenance;
pub mod providers;
pub mod review;
pub mod sanctions;
pub mod scope;
pub mod settlement;
pub mod sisa;
pub mod transition;
pub mod validation;
pub mod webhook_signature;

pub use account::{Country, NewPassword, OrgKind, OrgName, PersonName, PlatformRole};
pub use email::Email;
pub use scope::OrgScope;
pub use validation::{FieldError, ValidationErrors};
