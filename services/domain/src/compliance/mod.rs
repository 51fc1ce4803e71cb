//! The compliance engine (DESIGN.md §3): deployment-risk tier, obligations, training compute and
//! provider status, and the quote. Pure: the rules are data in `policy/v1.toml`, and an assessment
//! carries the policy's version and sha256 plus every rule that fired, so an auditor can replay it.
//!
//! ```text
//! tier        = max(legal floor, application score tier)        tier.rs
//! provider    = FLOPs > base/3 (or fallback) || purpose change   compute.rs
//! obligations = triggers that fired, in catalogue order          obligations.rs
//! quote       = licence + compute + platform fee (+ audit fee)   quote.rs
//! ```

mod assessment;
mod compute;
mod input;
mod obligations;
mod policy;
mod quote;
mod tier;
mod vocab;

pub use assessment::{Assessment, FlopsEstimate, Payee, PayeeRole, Quote, QuoteLine, Reason, amount_string};
pub use input::{AssessmentInput, BaseModelFacts, DeploymentContext, Derogation, Hyperparameters};
pub use policy::{
    AutonomyPoints, Band, ComputeRules, ConsequentialDecisions, FriaRule, Jurisdiction, KFactors, LegalBasis, LevelPoints, LicenceVerdict,
    Obligation, Policy, PolicyError, PolicyRef, Pricing, ProhibitedPractice, ScoreRules, ScoreThresholds, Sector, TriggerSet, Triggers,
};
pub use vocab::{Autonomy, DerogationGround, Level, ProviderRole, RiskTier, TrainingMethod};

use crate::ValidationErrors;
use obligations::ObligationFacts;
use tier::DerogationOutcome;

/// The price a job of this size costs at the listing's price (licence fee) under `policy`: what a
/// payment for the job is measured against. `None` for an unknown method or a run too large to price.
pub fn list_price(
    policy: &Policy,
    method: &str,
    parameter_count: u64,
    tokens: u64,
    epochs: u32,
    licence_fee: u128,
    audit_required: bool,
) -> Option<u128> {
    let method = method.parse::<vocab::TrainingMethod>().ok()?;
    let exact = compute::exact_flops(policy.compute(), method, parameter_count, tokens, epochs)?;
    quote::price(policy.pricing(), exact, licence_fee, audit_required).map(|q| q.amount)
}

/// Assesses one proposed fine-tune against `policy`. Bad input is a `ValidationErrors` naming each
/// field; a prohibited practice is not an error but an assessment with tier `Prohibited`.
pub fn assess(policy: &Policy, input: &AssessmentInput<'_>) -> Result<Assessment, ValidationErrors> {
    let parsed = input::parse(policy, input)?;
    let model = input.model;
    let Some(exact) = compute::exact_flops(policy.compute(), parsed.method, model.parameter_count, parsed.tokens, parsed.epochs) else {
        let mut errors = ValidationErrors::new();
        errors.push("hyperparameters.tokens", "the training run is too large to estimate: parameters × tokens × epochs overflows");
        return Err(errors);
    };

    let tier = tier::classify(policy.score(), &parsed, input.deployment);
    let compute = compute::estimate(policy.compute(), model, parsed.method, parsed.tokens, parsed.epochs, exact);
    let purpose_change = compute::purpose_change(model, &parsed.sectors);
    let provider = compute.flops.substantial_modification || purpose_change.is_some();

    let prohibited = tier.tier == RiskTier::Prohibited;
    let audit_required = !prohibited && (tier.tier >= RiskTier::Medium || tier.derogation != DerogationOutcome::NotClaimed || provider);

    let selected = obligations::select(
        policy,
        &ObligationFacts {
            tier: tier.tier,
            derogation: tier.derogation,
            provider,
            audit_required,
            public_facing: input.deployment.public_facing,
            personal_data: input.dataset_has_personal_data,
            organization_kind: input.organization_kind,
            sectors: &parsed.sectors,
            jurisdictions: &parsed.jurisdictions,
        },
    );

    let Some(quote) = quote::price(policy.pricing(), exact, model.licence_fee, audit_required) else {
        let mut errors = ValidationErrors::new();
        errors.push("base_model_id", "the model's licence fee is too large to quote");
        return Err(errors);
    };

    let mut reasons = tier.reasons;
    reasons.extend(compute.reasons);
    reasons.extend(purpose_change);
    reasons.extend(selected.reasons);

    Ok(Assessment {
        risk_tier: tier.tier,
        reasons,
        obligations: selected.obligations,
        estimated_duration_s: compute::duration_s(policy.pricing(), compute.flops.estimate),
        flops: compute.flops,
        provider_role: if provider { ProviderRole::Provider } else { ProviderRole::Deployer },
        audit_required,
        quote,
        policy: policy.reference(),
    })
}
