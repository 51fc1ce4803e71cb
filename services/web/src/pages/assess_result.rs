//! The assessment wizard's result: the assessment flattened into words and readable numbers for
//! `assessment_result.html` (tier, reasons, obligations, compute, role, quote).

use askama::Template;
use attune_domain::FieldError;
use attune_domain::compliance::Assessment;
use attune_domain::labels::{Labels, Vocabulary};

use super::{choices, human, usdc};

/// The assessment flattened for the template.
pub(super) struct View {
    tier: String,
    tier_label: String,
    reasons: Vec<(String, String)>,
    /// (id, article, label, title, blocking)
    obligations: Vec<(String, String, String, String, bool)>,
    flops_estimate: String,
    formula: String,
    threshold: String,
    fallback: String,
    provider_role: String,
    provider_role_help: String,
    substantial: bool,
    audit_required: bool,
    duration: String,
    amount: String,
    lines: Vec<(String, String, String)>,
    policy_version: String,
    policy_sha256: String,
    /// The legal classification, roles, measures and review flags (see `classification`).
    classification_html: String,
}

impl View {
    pub(super) fn of(a: &Assessment) -> Self {
        let secs = a.estimated_duration_s;
        Self {
            tier: a.risk_tier.as_str().to_string(),
            tier_label: choices::label(Vocabulary::RiskTiers, a.risk_tier.as_str()),
            reasons: a.reasons.iter().map(|r| (r.rule.clone(), r.detail.clone())).collect(),
            obligations: a
                .obligations
                .iter()
                .map(|o| (o.id.clone(), o.article.clone(), choices::label(Vocabulary::Obligations, &o.id), o.title.clone(), o.blocking))
                .collect(),
            flops_estimate: human::flops(&a.flops.estimate),
            formula: a.flops.formula.clone(),
            threshold: human::flops(&a.flops.threshold),
            fallback: a.flops.fallback_used.clone().unwrap_or_default(),
            provider_role: choices::label(Vocabulary::ProviderRoles, a.provider_role.as_str()),
            provider_role_help: Labels::enforced()
                .get(Vocabulary::ProviderRoles, a.provider_role.as_str())
                .map(|w| w.help.clone())
                .unwrap_or_default(),
            substantial: a.flops.substantial_modification,
            audit_required: a.audit_required,
            duration: human::duration(&i64::try_from(secs).unwrap_or(i64::MAX)),
            amount: usdc(&a.quote.amount.to_string()),
            lines: a
                .quote
                .breakdown
                .iter()
                .map(|l| (l.payee.as_str().to_string(), l.role.as_str().to_string(), usdc(&l.amount.to_string())))
                .collect(),
            policy_version: a.policy.version.clone(),
            policy_sha256: a.policy.sha256.clone(),
            classification_html: super::classification::Classification::html(a),
        }
    }
}

#[derive(Template)]
#[template(path = "assessment_result.html")]
pub(super) struct ResultFragment {
    pub(super) errors: Vec<FieldError>,
    pub(super) assessment: Option<View>,
}
