//! The words for people (`policy/labels-v1.toml`): a label, a one-line explanation and, where there is
//! one, the provision behind every id of the API's vocabularies. The ids are the API's and never
//! change; the pages show these words instead. Data, loaded once, checked against every vocabulary
//! it describes so that no id a page can show is left without words.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const ENFORCED_TEXT: &str = include_str!("../policy/labels-v1.toml");

/// The jurisdictions the assessment wizard offers, in its order (any other code is accepted by the
/// API but has no rules of its own).
pub const OFFERED_JURISDICTIONS: [&str; 6] = ["EU", "UK", "US", "US-CO", "US-CA", "CH"];

/// One id's words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// A few words: what a person picks or reads instead of the id.
    pub label: String,
    /// One sentence: what choosing it means, or what the state means for the reader.
    pub help: String,
    /// The provision behind it, where there is one ("AI Act Art. 5(1)(f)").
    #[serde(default)]
    pub article: Option<String>,
}

/// The vocabularies the file gives words for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vocabulary {
    Sectors,
    ProhibitedPractices,
    Functions,
    Autonomy,
    RevenueDependence,
    Jurisdictions,
    DerogationGrounds,
    TrainingMethods,
    LicenceKinds,
    Obligations,
    CaseKinds,
    JobStates,
    PaymentStates,
    RiskTiers,
    ProviderRoles,
    ErasureStates,
    AuditTaskStates,
    RecordGates,
    CaseStates,
    CertificateStates,
}

impl Vocabulary {
    pub const ALL: [Vocabulary; 20] = [
        Vocabulary::Sectors,
        Vocabulary::ProhibitedPractices,
        Vocabulary::Functions,
        Vocabulary::Autonomy,
        Vocabulary::RevenueDependence,
        Vocabulary::Jurisdictions,
        Vocabulary::DerogationGrounds,
        Vocabulary::TrainingMethods,
        Vocabulary::LicenceKinds,
        Vocabulary::Obligations,
        Vocabulary::CaseKinds,
        Vocabulary::JobStates,
        Vocabulary::PaymentStates,
        Vocabulary::RiskTiers,
        Vocabulary::ProviderRoles,
        Vocabulary::ErasureStates,
        Vocabulary::AuditTaskStates,
        Vocabulary::RecordGates,
        Vocabulary::CaseStates,
        Vocabulary::CertificateStates,
    ];
}

type Words = BTreeMap<String, Label>;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsFile {
    version: String,
    sectors: Words,
    prohibited_practices: Words,
    functions: Words,
    autonomy: Words,
    revenue_dependence: Words,
    jurisdictions: Words,
    derogation_grounds: Words,
    training_methods: Words,
    licence_kinds: Words,
    obligations: Words,
    case_kinds: Words,
    job_states: Words,
    payment_states: Words,
    risk_tiers: Words,
    provider_roles: Words,
    erasure_states: Words,
    audit_task_states: Words,
    record_gates: Words,
    case_states: Words,
    certificate_states: Words,
}

/// The loaded file.
#[derive(Debug, Clone)]
pub struct Labels {
    file: LabelsFile,
}

impl Labels {
    /// The labels in force, parsed once. The file is compiled in and its tests parse it; were it
    /// ever unreadable, pages would show the ids rather than fail.
    pub fn enforced() -> &'static Labels {
        static LABELS: OnceLock<Labels> = OnceLock::new();
        LABELS.get_or_init(|| Labels::parse(ENFORCED_TEXT).unwrap_or(Labels { file: LabelsFile::default() }))
    }

    pub fn parse(text: &str) -> Result<Labels, String> {
        let file: LabelsFile = toml::from_str(text).map_err(|e| format!("labels file: {e}"))?;
        for (vocabulary, words) in file.all() {
            for (id, words) in words {
                if words.label.trim().is_empty() || words.help.trim().is_empty() {
                    return Err(format!("labels file: {vocabulary:?} {id:?} needs a label and a help text"));
                }
            }
        }
        Ok(Labels { file })
    }

    pub fn version(&self) -> &str {
        &self.file.version
    }

    fn words(&self, vocabulary: Vocabulary) -> &Words {
        self.file.by(vocabulary)
    }

    /// The words for `id`, if the file has them.
    pub fn get(&self, vocabulary: Vocabulary, id: &str) -> Option<&Label> {
        self.words(vocabulary).get(id)
    }

    /// The label for `id`; the id itself where the file has none (a value stored before its
    /// vocabulary grew words, say).
    pub fn label<'a>(&'a self, vocabulary: Vocabulary, id: &'a str) -> &'a str {
        self.get(vocabulary, id).map_or(id, |w| w.label.as_str())
    }
}

impl LabelsFile {
    fn all(&self) -> impl Iterator<Item = (Vocabulary, &Words)> {
        Vocabulary::ALL.into_iter().map(|v| (v, self.by(v)))
    }

    fn by(&self, vocabulary: Vocabulary) -> &Words {
        match vocabulary {
            Vocabulary::Sectors => &self.sectors,
            Vocabulary::ProhibitedPractices => &self.prohibited_practices,
            Vocabulary::Functions => &self.functions,
            Vocabulary::Autonomy => &self.autonomy,
            Vocabulary::RevenueDependence => &self.revenue_dependence,
            Vocabulary::Jurisdictions => &self.jurisdictions,
            Vocabulary::DerogationGrounds => &self.derogation_grounds,
            Vocabulary::TrainingMethods => &self.training_methods,
            Vocabulary::LicenceKinds => &self.licence_kinds,
            Vocabulary::Obligations => &self.obligations,
            Vocabulary::CaseKinds => &self.case_kinds,
            Vocabulary::JobStates => &self.job_states,
            Vocabulary::PaymentStates => &self.payment_states,
            Vocabulary::RiskTiers => &self.risk_tiers,
            Vocabulary::ProviderRoles => &self.provider_roles,
            Vocabulary::ErasureStates => &self.erasure_states,
            Vocabulary::AuditTaskStates => &self.audit_task_states,
            Vocabulary::RecordGates => &self.record_gates,
            Vocabulary::CaseStates => &self.case_states,
            Vocabulary::CertificateStates => &self.certificate_states,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::compliance::{Autonomy, DerogationGround, Level, Policy, ProviderRole, RiskTier, SECTORS, TrainingMethod};
    use crate::dataset::GateVerdict;
    use crate::dataset::record::LicenceKind;
    use crate::erasure::ErasureStatus;
    use crate::job::JobStatus;
    use crate::pools::{AuditTaskStatus, CertificateStatus};
    use crate::review::{CASE_KINDS, CASE_STATUSES};
    use crate::settlement::PaymentStatus;

    fn ids<S: ToString>(items: impl IntoIterator<Item = S>) -> BTreeSet<String> {
        items.into_iter().map(|s| s.to_string()).collect()
    }

    /// Every id a page can show, by vocabulary, from the code and the policies that define them.
    fn expected(vocabulary: Vocabulary) -> BTreeSet<String> {
        let v1 = Policy::v1().unwrap();
        let v2 = Policy::v2().unwrap();
        match vocabulary {
            Vocabulary::Sectors => ids(SECTORS),
            Vocabulary::ProhibitedPractices => ids(v2.prohibited_practices().iter().map(|p| &p.id)),
            Vocabulary::Functions => ids(v2.functions().iter().map(|f| &f.id)),
            Vocabulary::Autonomy => ids(Autonomy::ALL),
            Vocabulary::RevenueDependence => ids(Level::ALL),
            Vocabulary::Jurisdictions => ids(OFFERED_JURISDICTIONS),
            Vocabulary::DerogationGrounds => ids(DerogationGround::ALL),
            Vocabulary::TrainingMethods => ids(TrainingMethod::ALL),
            Vocabulary::LicenceKinds => ids(LicenceKind::ALL.map(LicenceKind::as_str)),
            Vocabulary::Obligations => ids(v1.obligations().iter().chain(v2.obligations()).map(|o| &o.id)),
            Vocabulary::CaseKinds => ids(CASE_KINDS),
            Vocabulary::JobStates => ids(JobStatus::ALL.map(JobStatus::as_str)),
            Vocabulary::PaymentStates => ids(PaymentStatus::ALL.map(PaymentStatus::as_str)),
            Vocabulary::RiskTiers => ids(RiskTier::ALL),
            Vocabulary::ProviderRoles => ids(ProviderRole::ALL),
            Vocabulary::ErasureStates => ids(ErasureStatus::ALL.map(ErasureStatus::as_str)),
            Vocabulary::AuditTaskStates => ids(AuditTaskStatus::ALL.map(AuditTaskStatus::as_str)),
            Vocabulary::RecordGates => ids(GateVerdict::ALL.map(GateVerdict::as_str)),
            Vocabulary::CaseStates => ids(CASE_STATUSES),
            Vocabulary::CertificateStates => ids([CertificateStatus::Active, CertificateStatus::Lapsed].map(CertificateStatus::as_str)),
        }
    }

    #[test]
    fn every_id_of_every_vocabulary_has_words_and_no_words_lack_an_id() {
        let labels = Labels::enforced();
        for vocabulary in Vocabulary::ALL {
            let have: BTreeSet<String> = labels.words(vocabulary).keys().cloned().collect();
            let want = expected(vocabulary);
            let missing: Vec<_> = want.difference(&have).collect();
            let unknown: Vec<_> = have.difference(&want).collect();
            assert!(missing.is_empty() && unknown.is_empty(), "{vocabulary:?}: missing {missing:?}, unknown {unknown:?}");
        }
    }

    #[test]
    fn articles_agree_with_the_policies_that_carry_them() {
        let labels = Labels::enforced();
        let v2 = Policy::v2().unwrap();
        for p in v2.prohibited_practices() {
            assert_eq!(
                labels.get(Vocabulary::ProhibitedPractices, &p.id).unwrap().article.as_deref(),
                Some(p.article.as_str()),
                "{}",
                p.id
            );
        }
        for o in Policy::v1().unwrap().obligations().iter().chain(v2.obligations()) {
            assert_eq!(labels.get(Vocabulary::Obligations, &o.id).unwrap().article.as_deref(), Some(o.article.as_str()), "{}", o.id);
        }
    }

    #[test]
    fn a_practice_reads_in_plain_words_and_an_unknown_id_reads_as_itself() {
        let labels = Labels::enforced();
        assert_eq!(
            labels.label(Vocabulary::ProhibitedPractices, "emotion_recognition_workplace_education"),
            "Emotion recognition at work or in education"
        );
        assert_eq!(labels.label(Vocabulary::Sectors, "no_such_sector"), "no_such_sector");
    }

    #[test]
    fn an_entry_without_help_is_refused() {
        let text = ENFORCED_TEXT.replacen("help = ", "helpless = ", 1);
        assert!(Labels::parse(&text).is_err());
        let blank = ENFORCED_TEXT.replacen("label = \"", "label = \" \" #", 1);
        assert!(Labels::parse(&blank).is_err(), "a blank label is refused");
    }
}
