//! The sections of the policy file, as data. Fields are public so the UI and the HTTP layer can show
//! the rules; a `Policy` only ever hands them out by shared reference.

use serde::{Deserialize, Serialize};

use super::super::vocab::RiskTier;
use crate::OrgKind;

/// One entry of the obligation catalogue, exactly as assessments list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    pub id: String,
    pub article: String,
    pub title: String,
    /// Dispatch waits until this obligation is satisfied.
    pub blocking: bool,
    /// The document template that satisfies it; empty when none does.
    pub template: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProhibitedPractice {
    pub id: String,
    pub article: String,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// Art. 6(2): the areas listed in Annex III. Art. 6(3) may lower these.
    AnnexIii,
    /// Art. 6(1): safety components of products under Annex I law. Art. 6(3) never applies.
    AnnexI,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    pub id: String,
    pub floor: Option<RiskTier>,
    pub basis: Option<LegalBasis>,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: u64,
    pub points: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreThresholds {
    pub medium: u32,
    pub high: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutonomyPoints {
    pub human_in_the_loop: u32,
    pub human_on_the_loop: u32,
    pub automated: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelPoints {
    pub low: u32,
    pub medium: u32,
    pub high: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRules {
    pub vulnerable_groups: u32,
    pub public_facing: u32,
    pub thresholds: ScoreThresholds,
    pub autonomy: AutonomyPoints,
    pub revenue_dependence: LevelPoints,
    pub expected_monthly_users: Vec<Band>,
    pub monthly_queries: Vec<Band>,
}

/// Obligation ids attached to each trigger; an empty list means the trigger adds nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriggerSet {
    pub high_tier: Vec<String>,
    pub medium_tier: Vec<String>,
    pub public_facing: Vec<String>,
    pub derogation_accepted: Vec<String>,
    pub fria: Vec<String>,
    pub provider: Vec<String>,
    pub audit: Vec<String>,
    pub personal_data: Vec<String>,
}

impl TriggerSet {
    pub(super) fn all_ids(&self) -> impl Iterator<Item = &String> {
        [
            &self.high_tier,
            &self.medium_tier,
            &self.public_facing,
            &self.derogation_accepted,
            &self.fria,
            &self.provider,
            &self.audit,
            &self.personal_data,
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// Only when the AI Act applies to the deployment.
    pub ai_act: TriggerSet,
    /// Wherever the model is deployed.
    pub platform: TriggerSet,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FriaRule {
    pub org_kinds: Vec<OrgKind>,
    pub sectors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsequentialDecisions {
    pub rule: String,
    pub sectors: Vec<String>,
    pub obligations: Vec<String>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub ai_act: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub obligations: Vec<String>,
    pub rule: String,
    pub detail: String,
    pub consequential_decisions: Option<ConsequentialDecisions>,
}

impl Jurisdiction {
    /// Whether a normalised deployment code (`DE`, `GB`, `US-CO`) falls under this entry.
    pub fn covers(&self, code: &str) -> bool {
        self.code == code || self.aliases.iter().chain(&self.members).any(|c| c == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LicenceRule {
    pub(super) spdx: String,
    pub(super) commercial_finetuning: bool,
    #[serde(default)]
    pub(super) note: String,
}

/// What the licence policy says about fine-tuning a model commercially under one licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceVerdict {
    pub known: bool,
    pub commercial_finetuning: bool,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KFactors {
    pub full: u32,
    pub lora: u32,
    pub qlora: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeRules {
    pub k: KFactors,
    pub threshold_divisor: u32,
    pub fallback_base_flops: f64,
    pub fallback_base_flops_systemic: f64,
    pub systemic_risk_flops: f64,
    pub guidelines: String,
}

/// Prices in integer base units of `token`; only the duration estimate uses floats.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    pub token: String,
    pub compute_price_per_pflop: u64,
    pub minimum_compute_charge: u64,
    pub platform_fee_bps: u32,
    pub audit_pool_fee: u64,
    pub effective_flops_per_second: f64,
    pub fixed_overhead_seconds: u64,
}
