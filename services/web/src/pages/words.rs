//! The words for stored states and kinds, callable from templates
//! (`{{ crate::pages::words::case_state(c.status) }}`): the label from `policy/labels-v1.toml`, or the
//! id itself where the file has none.

use attune_domain::labels::{Labels, Vocabulary};

fn label(vocabulary: Vocabulary, id: &str) -> String {
    Labels::enforced().label(vocabulary, id).to_string()
}

/// The help line for `id`, empty where there is none (for a `title`).
fn help(vocabulary: Vocabulary, id: &str) -> String {
    Labels::enforced().get(vocabulary, id).map(|w| w.help.clone()).unwrap_or_default()
}

pub fn case_kind(id: &str) -> String {
    label(Vocabulary::CaseKinds, id)
}

pub fn case_state(id: &str) -> String {
    label(Vocabulary::CaseStates, id)
}

pub fn case_state_help(id: &str) -> String {
    help(Vocabulary::CaseStates, id)
}

pub fn risk_tier(id: &str) -> String {
    label(Vocabulary::RiskTiers, id)
}

pub fn job_state(id: &str) -> String {
    label(Vocabulary::JobStates, id)
}

pub fn erasure_state(id: &str) -> String {
    label(Vocabulary::ErasureStates, id)
}

pub fn audit_task_state(id: &str) -> String {
    label(Vocabulary::AuditTaskStates, id)
}

pub fn certificate_state(id: &str) -> String {
    label(Vocabulary::CertificateStates, id)
}

pub fn record_gate(id: &str) -> String {
    label(Vocabulary::RecordGates, id)
}

pub fn obligation(id: &str) -> String {
    label(Vocabulary::Obligations, id)
}

pub fn licence_kind(id: &str) -> String {
    label(Vocabulary::LicenceKinds, id)
}
