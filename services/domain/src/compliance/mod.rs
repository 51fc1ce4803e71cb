//! The compliance engine (DESIGN.md §3): deployment-risk tier, obligations, training compute and
//! provider status, and the quote. Pure: the rules are data in `policy/v*.toml` (new decisions use
//! `Policy::current()`), and an assessment carries the policy's version and sha256 plus every rule
//! that fired, so an auditor can replay it under the same version.
//!
//! ```text
//! tier        = max(legal floor, application score tier)          tier.rs
//! legal floor = Art. 5, Annex I/III (less an accepted 6(3)), a jurisdiction's own law
//! roles (v2)  = Art. 25(1)(c) high-risk provider; GPAI provider     roles.rs
//! obligations = triggers that fired, in catalogue order            obligations.rs
//! quote       = licence + compute + platform fee (+ audit fee)     quote.rs
//! ```

mod assessment;
mod compute;
mod facts;
mod input;
mod obligations;
mod policy;
mod quote;
mod roles;
mod sectors;
mod tier;
mod vocab;

pub use assessment::{
    Assessment, FlopsEstimate, LegalClassification, Payee, PayeeRole, PlatformMeasure, Quote, QuoteLine, Reason, Role, Roles, amount_string,
};
pub use input::{AssessmentInput, BaseModelFacts, DeploymentContext, Derogation, Hyperparameters, jurisdiction_codes};
pub use policy::{
    AutonomyPoints, Band, ComputeRules, ConsequentialDecisions, CrossCheck, FriaBasis, FriaRule, Function, GdprRules, Jurisdiction,
    KFactors, LegalBasis, LevelPoints, LicenceVerdict, Obligation, Policy, PolicyError, PolicyRef, Pricing, ProhibitedPractice, ReachRule,
    RoleRules, ScoreRules, ScoreThresholds, Sector, TriggerSet, Triggers,
};
pub use sectors::{SECTORS, is_sector};
pub use vocab::{Autonomy, DerogationGround, Level, ProviderRole, RiskTier, TrainingMethod};

use crate::ValidationErrors;
use facts::Facts;
use obligations::ObligationFacts;
use tier::DerogationOutcome;

/// What a job's review adds to its price.
#[derive(Debug, Clone, Copy)]
pub enum AuditCharge<'a> {
    NotRequired,
    /// The policy's flat audit fee (a job quoted before pools priced reviews).
    PolicyFlat,
    /// The fee priced for the buyer's organisation (its pool's, or the platform's own review).
    Priced(&'a crate::pools::AuditFee),
}

/// The price a job of this size costs at the listing's price (licence fee) under `policy`: what a
/// payment for the job is measured against. `None` for an unknown method or a run too large to price.
pub fn list_price(
    policy: &Policy,
    method: &str,
    parameter_count: u64,
    tokens: u64,
    epochs: u32,
    licence_fee: u128,
    audit: AuditCharge<'_>,
) -> Option<u128> {
    let method = method.parse::<vocab::TrainingMethod>().ok()?;
    let exact = compute::exact_flops(policy.compute(), method, parameter_count, tokens, epochs)?;
    let (required, fee) = match audit {
        AuditCharge::NotRequired => (false, None),
        AuditCharge::PolicyFlat => (true, None),
        AuditCharge::Priced(fee) => (true, Some(fee)),
    };
    quote::price(policy.pricing(), exact, licence_fee, required, fee).map(|q| q.amount)
}

/// Assesses one proposed fine-tune against `policy`. Bad input is a `ValidationErrors` naming each
/// field; a prohibited practice is not an error but an assessment with tier `Prohibited`. The same
/// input under the same policy always gives the same assessment: a stored one replays under the
/// version it names.
pub fn assess(policy: &Policy, input: &AssessmentInput<'_>) -> Result<Assessment, ValidationErrors> {
    let parsed = input::parse(policy, input)?;
    let model = input.model;
    let Some(exact) = compute::exact_flops(policy.compute(), parsed.method, model.parameter_count, parsed.tokens, parsed.epochs) else {
        let mut errors = ValidationErrors::new();
        errors.push("hyperparameters.tokens", "the training run is too large to estimate: parameters × tokens × epochs overflows");
        return Err(errors);
    };
    let two_roles = policy.roles();
    let mut facts = Facts::of(&parsed, input.deployment, input.dataset_has_personal_data, input.dataset_has_special_category_data);
    let ai_act = obligations::ai_act_applies(policy, &parsed.jurisdictions);

    let tier = tier::classify(policy, &parsed, input.deployment, &facts);
    if tier.legal.ai_act_high_risk {
        facts.set("ai_act_high_risk");
    }
    let compute = compute::estimate(policy.compute(), model, parsed.method, parsed.tokens, parsed.epochs, exact, two_roles.is_some());
    let prohibited = tier.tier == RiskTier::Prohibited;
    let review_flags = if prohibited { vec![] } else { facts::cross_checks(policy, &parsed, &facts) };

    // v1 knew one provider flag; v2 decides the two roles separately.
    let (purpose_change, roles) = match two_roles {
        None => (compute::purpose_change(model, &parsed.sectors), None),
        Some(rules) => {
            let role_facts = roles::RoleFacts {
                model,
                flops: &compute.flops,
                measured_flops: input.measured_flops,
                base_systemic: compute.systemic,
                legal: &tier.legal,
                sectors: &parsed.sectors,
                derogation: tier.derogation,
                ai_act,
            };
            (None, Some(roles::decide(rules, policy.compute(), &role_facts)))
        }
    };
    let provider = match &roles {
        None => compute.flops.substantial_modification || purpose_change.is_some(),
        Some(r) => r.high_risk_provider.applies || r.gpai_provider.applies,
    };
    let audit_required = !prohibited
        && (tier.tier >= RiskTier::Medium || tier.derogation != DerogationOutcome::NotClaimed || provider || !review_flags.is_empty());
    let generative = two_roles.is_some_and(|rules| {
        let arch = model.architecture.trim().to_ascii_lowercase();
        !rules.non_generative_architectures.iter().any(|a| arch.contains(&a.to_ascii_lowercase()))
    });

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
            legal: &tier.legal,
            facts: &facts,
            functions: &parsed.functions,
            high_risk_provider: roles.as_ref().is_some_and(|r| r.high_risk_provider.applies),
            gpai_provider: roles.as_ref().is_some_and(|r| r.gpai_provider.applies),
            systemic_gpai_provider: roles.as_ref().is_some_and(|r| r.systemic_risk),
            generative,
            cross_check: !review_flags.is_empty(),
            two_roles: two_roles.is_some(),
        },
    );

    let Some(quote) = quote::price(policy.pricing(), exact, model.licence_fee, audit_required, input.audit_fee) else {
        let mut errors = ValidationErrors::new();
        errors.push("base_model_id", "the model's licence fee is too large to quote");
        return Err(errors);
    };

    let mut reasons = tier.reasons;
    reasons.extend(compute.reasons);
    reasons.extend(purpose_change);
    if let Some(r) = &roles {
        reasons.extend(r.high_risk_provider.reasons.iter().cloned());
        reasons.extend(r.gpai_provider.reasons.iter().cloned());
    }
    reasons.extend(review_flags.iter().cloned());
    reasons.extend(selected.reasons);

    let legal_classification = two_roles.map(|_| LegalClassification {
        ai_act_applies: ai_act,
        ai_act_high_risk: tier.legal.ai_act_high_risk,
        floor: tier.legal.floor,
        application_score: tier.legal.score,
        score_tier: tier.legal.score_tier,
        grounds: tier.legal.grounds.clone(),
    });

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
        legal_classification,
        roles,
        platform_measures: selected.measures,
        review_flags,
        audit_fee: input.audit_fee.filter(|_| audit_required).cloned(),
    })
}
