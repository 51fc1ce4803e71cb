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
    /// Criticality points this sector adds to the application score (e.g. healthcare decision support).
    #[serde(default)]
    pub points: u32,
    /// The Art. 49 registration obligation a legally high-risk system in this sector brings (Annex III
    /// point 2 nationally, points 1, 6 and 7 in the secure section, the rest in the EU database).
    #[serde(default)]
    pub registration: Option<String>,
}

/// A word of the `functions` vocabulary: what the deployed system does, as far as a rule cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub id: String,
    pub description: String,
}

/// Declared facts that point at a prohibited practice the buyer did not tick. `requires` is a list of
/// alternatives that must each hold: every inner list needs one of its fact tokens
/// (`sector:<id>`, `function:<id>`, `profiles_natural_persons`, `public_facing`, `vulnerable_groups`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossCheck {
    pub id: String,
    /// The prohibited practice the facts point at.
    pub practice: String,
    pub requires: Vec<Vec<String>>,
    pub detail: String,
}

/// How the two reach indicators (users, queries) combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachRule {
    /// Both bands add points (policy v1).
    #[default]
    Sum,
    /// Users and queries measure one reach: the larger band counts.
    Max,
}

/// The two provider roles of policy v2 (AI Act Art. 25(1)(c) and Art. 53 via Recital 109).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRules {
    /// The Commission's indicative criterion for a general-purpose AI model (training compute above this).
    pub gpai_indicative_flops: f64,
    /// Recital 98: at least this many parameters shows significant generality.
    pub gpai_min_parameters: u64,
    /// Intended uses that declare a model for general purposes.
    pub general_uses: Vec<String>,
    /// Architectures that do not generate content (encoders, classifiers); every other one does (Art. 50(2)).
    #[serde(default)]
    pub non_generative_architectures: Vec<String>,
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
    #[serde(default)]
    pub reach: ReachRule,
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
    /// Legally high-risk (Annex III without an accepted Art. 6(3) derogation, or Annex I).
    pub legal_high_risk: Vec<String>,
    /// The application score alone reaches medium / high: the platform's own measures.
    pub score_medium: Vec<String>,
    pub score_high: Vec<String>,
    /// The buyer becomes the provider of a high-risk system (Art. 25(1)(c), Art. 16).
    pub high_risk_provider: Vec<String>,
    /// The buyer becomes a GPAI provider of the modification (Art. 53), and of one with systemic risk.
    pub gpai_provider: Vec<String>,
    pub systemic_gpai_provider: Vec<String>,
    /// The fine-tune generates content (Art. 50(2)).
    pub generative: Vec<String>,
    /// Declared facts point at a prohibited practice the buyer did not tick.
    pub cross_check: Vec<String>,
    /// The data holds GDPR Art. 9 special categories: an Art. 9(2) condition.
    pub special_category: Vec<String>,
    /// The processing is likely high-risk under GDPR Art. 35 (`[gdpr] dpia_requires`).
    pub dpia: Vec<String>,
    /// Per declared function (`functions` vocabulary).
    pub functions: std::collections::BTreeMap<String, Vec<String>>,
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
            &self.legal_high_risk,
            &self.score_medium,
            &self.score_high,
            &self.high_risk_provider,
            &self.gpai_provider,
            &self.systemic_gpai_provider,
            &self.generative,
            &self.cross_check,
            &self.special_category,
            &self.dpia,
        ]
        .into_iter()
        .chain(self.functions.values())
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
    /// What must be high-risk for Art. 27 to apply.
    #[serde(default)]
    pub basis: FriaBasis,
    /// Whether a private entity providing public services is in scope (the deployment says so).
    #[serde(default)]
    pub public_service: bool,
    /// Sectors that never need a FRIA (Annex III point 2, Art. 27(1)).
    #[serde(default)]
    pub excluded_sectors: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FriaBasis {
    /// The combined tier is high (policy v1).
    #[default]
    Tier,
    /// The system is high-risk under Art. 6(2), i.e. an Annex III area without an accepted derogation.
    AnnexIii,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsequentialDecisions {
    pub rule: String,
    pub sectors: Vec<String>,
    /// Fact tokens of which one must hold besides the sector (empty: the sector alone suffices).
    #[serde(default)]
    pub requires_any: Vec<String>,
    /// The legal floor this jurisdiction's law sets for such a deployment.
    #[serde(default)]
    pub floor: Option<RiskTier>,
    /// The statute, for the legal classification.
    #[serde(default)]
    pub reference: String,
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
    /// Art. 51(2) presumes systemic risk *above* the threshold; v1 counted a model exactly at it.
    #[serde(default)]
    pub systemic_risk_strictly_above: bool,
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

/// GDPR rules beyond the legitimate interest (from v2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GdprRules {
    /// Art. 35(1) and (3): the fact groups (each needs one fact) that make the processing likely high-risk.
    pub dpia_requires: Vec<Vec<String>>,
    pub dpia_detail: String,
    pub special_category_detail: String,
}
