//! Datasets for fine-tuning: parsing uploaded records, the per-record copyright gate, the domain
//! statistics and the generated training content summary (DESIGN.md §3). Pure: the upload handler,
//! the opt-out scanner and the database live elsewhere and call in here.

pub mod domains;
pub mod gate;
pub mod record;
pub mod summary;

pub use domains::{DomainShare, domain_shares};
pub use gate::{GateContext, GateOutcome, GateReason, GateVerdict, ReviewDecision, gate_record};
pub use record::{DatasetRecord, Licence, LicenceKind, MAX_TEXT_BYTES, ManifestHasher, RecordContent, parse_record};
pub use summary::{
    DocumentOnFile, PersonalData, PersonalDataBasis, SummaryFacts, TrainingContentSummary, personal_data_section, training_content_summary,
};
