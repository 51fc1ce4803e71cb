//! The policy file: parsed once, checked for internal consistency, then only read. Its sha256 goes
//! into every assessment so a decision can be replayed against the exact rules that made it.

mod check;
mod sections;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use sections::LicenceRule;
pub use sections::{
    AutonomyPoints, Band, ComputeRules, ConsequentialDecisions, CrossCheck, FriaBasis, FriaRule, Function, GdprRules, Jurisdiction,
    KFactors, LegalBasis, LevelPoints, LicenceVerdict, Obligation, Pricing, ProhibitedPractice, ReachRule, RoleRules, ScoreRules,
    ScoreThresholds, Sector, TriggerSet, Triggers,
};

/// Every version that ever decided a job, oldest first. A landed version is never edited: jobs
/// keep its sha256, and their decisions replay under it.
const V1_TEXT: &str = include_str!("../../../policy/v1.toml");
const V2_TEXT: &str = include_str!("../../../policy/v2.toml");

/// Which policy an assessment used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub version: String,
    /// Lower-case hex sha256 of the policy file's bytes.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy file is not valid TOML for the policy schema: {0}")]
    Parse(String),
    #[error("the policy file is inconsistent: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: String,
    prohibited_practices: Vec<ProhibitedPractice>,
    sectors: Vec<Sector>,
    score: ScoreRules,
    obligations: Vec<Obligation>,
    triggers: Triggers,
    fria: FriaRule,
    jurisdictions: Vec<Jurisdiction>,
    licences: Vec<LicenceRule>,
    compute: ComputeRules,
    pricing: Pricing,
    #[serde(default)]
    functions: Vec<Function>,
    #[serde(default)]
    cross_checks: Vec<CrossCheck>,
    /// Present from v2: the two provider roles, the legal classification and the platform's measures.
    #[serde(default)]
    roles: Option<RoleRules>,
    #[serde(default)]
    gdpr: Option<GdprRules>,
}

/// A parsed, internally consistent policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    file: PolicyFile,
    sha256: String,
}

impl Policy {
    /// The embedded `policy/v1.toml`, parsed on first use: what jobs assessed before v2 replay under.
    pub fn v1() -> Result<&'static Policy, PolicyError> {
        static V1: OnceLock<Result<Policy, PolicyError>> = OnceLock::new();
        V1.get_or_init(|| Policy::from_toml(V1_TEXT)).as_ref().map_err(Clone::clone)
    }

    /// The embedded `policy/v2.toml`, parsed on first use.
    pub fn v2() -> Result<&'static Policy, PolicyError> {
        static V2: OnceLock<Result<Policy, PolicyError>> = OnceLock::new();
        V2.get_or_init(|| Policy::from_toml(V2_TEXT)).as_ref().map_err(Clone::clone)
    }

    /// The policy new assessments and jobs are decided under.
    pub fn current() -> Result<&'static Policy, PolicyError> {
        Policy::v2()
    }

    /// The embedded policy of this version, for replaying a stored decision; `None` for a version
    /// this build never had.
    pub fn by_version(version: &str) -> Option<Result<&'static Policy, PolicyError>> {
        match version {
            "v1" => Some(Policy::v1()),
            "v2" => Some(Policy::v2()),
            _ => None,
        }
    }

    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        check::check(&file).map_err(PolicyError::Invalid)?;
        Ok(Policy { file, sha256: hex::encode(Sha256::digest(text.as_bytes())) })
    }

    pub fn reference(&self) -> PolicyRef {
        PolicyRef { version: self.file.version.clone(), sha256: self.sha256.clone() }
    }

    pub fn version(&self) -> &str {
        &self.file.version
    }

    /// The catalogue, in the order assessments list obligations.
    pub fn obligations(&self) -> &[Obligation] {
        &self.file.obligations
    }

    pub fn obligation(&self, id: &str) -> Option<&Obligation> {
        self.file.obligations.iter().find(|o| o.id == id)
    }

    pub fn prohibited_practices(&self) -> &[ProhibitedPractice] {
        &self.file.prohibited_practices
    }

    pub fn sectors(&self) -> &[Sector] {
        &self.file.sectors
    }

    pub fn sector(&self, id: &str) -> Option<&Sector> {
        self.file.sectors.iter().find(|s| s.id == id)
    }

    pub fn score(&self) -> &ScoreRules {
        &self.file.score
    }

    pub fn triggers(&self) -> &Triggers {
        &self.file.triggers
    }

    pub fn fria(&self) -> &FriaRule {
        &self.file.fria
    }

    pub fn jurisdictions(&self) -> &[Jurisdiction] {
        &self.file.jurisdictions
    }

    pub fn compute(&self) -> &ComputeRules {
        &self.file.compute
    }

    pub fn pricing(&self) -> &Pricing {
        &self.file.pricing
    }

    /// Whether declared training compute makes a model a GPAI model with systemic risk (AI Act
    /// Art. 51(2): *greater than* 1e25 FLOPs from v2; v1 counted a model exactly at the line).
    pub fn presumes_systemic_risk(&self, training_flops: f64) -> bool {
        let c = &self.file.compute;
        if c.systemic_risk_strictly_above { training_flops > c.systemic_risk_flops } else { training_flops >= c.systemic_risk_flops }
    }

    /// The `functions` vocabulary (empty before v2).
    pub fn functions(&self) -> &[Function] {
        &self.file.functions
    }

    pub fn cross_checks(&self) -> &[CrossCheck] {
        &self.file.cross_checks
    }

    /// GDPR Art. 9 and Art. 35 rules; `None` for v1.
    pub fn gdpr(&self) -> Option<&GdprRules> {
        self.file.gdpr.as_ref()
    }

    /// The two-role rules; `None` for v1, which knew a single provider flag.
    pub fn roles(&self) -> Option<&RoleRules> {
        self.file.roles.as_ref()
    }

    /// Every obligation id a rule of this policy can attach, with where it is referenced.
    pub fn referenced_obligation_ids(&self) -> Vec<(String, String)> {
        referenced_ids(&self.file)
    }

    /// SPDX ids compare case-insensitively (SPDX spec, Annex B); an unknown id is never allowed,
    /// because a licence nobody has read cannot be said to permit commercial use.
    pub fn licence_allows_commercial_finetuning(&self, spdx: &str) -> LicenceVerdict {
        let wanted = spdx.trim();
        match self.file.licences.iter().find(|l| l.spdx.eq_ignore_ascii_case(wanted)) {
            Some(rule) => LicenceVerdict { known: true, commercial_finetuning: rule.commercial_finetuning, note: rule.note.clone() },
            None => LicenceVerdict {
                known: false,
                commercial_finetuning: false,
                note: format!(
                    "{wanted:?} is not in the licence policy {}: an admin must review it before the model can be fine-tuned commercially",
                    self.file.version
                ),
            },
        }
    }
}

/// (obligation id, where it is referenced) for every reference a rule makes.
fn referenced_ids(file: &PolicyFile) -> Vec<(String, String)> {
    let mut refs = Vec::new();
    for (scope, set) in [("triggers.ai_act", &file.triggers.ai_act), ("triggers.platform", &file.triggers.platform)] {
        refs.extend(set.all_ids().map(|id| (id.clone(), scope.to_string())));
    }
    for s in &file.sectors {
        refs.extend(s.registration.iter().map(|id| (id.clone(), format!("sectors.{}.registration", s.id))));
    }
    for j in &file.jurisdictions {
        let scope = format!("jurisdictions.{}", j.code);
        refs.extend(j.obligations.iter().map(|id| (id.clone(), scope.clone())));
        if let Some(cd) = &j.consequential_decisions {
            refs.extend(cd.obligations.iter().map(|id| (id.clone(), format!("{scope}.consequential_decisions"))));
        }
    }
    refs
}
