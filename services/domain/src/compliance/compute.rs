//! Training compute, the one-third presumption of a substantial modification, the change of
//! intended purpose, and the duration estimate. Together these decide whether the buyer becomes the
//! provider of the modified model.

use super::assessment::{FlopsEstimate, Reason};
use super::input::BaseModelFacts;
use super::policy::{ComputeRules, Pricing, Sector};
use super::vocab::TrainingMethod;

#[derive(Debug)]
pub(crate) struct ComputeOutcome {
    pub flops: FlopsEstimate,
    pub reasons: Vec<Reason>,
    /// The base model has systemic risk: designated, or declared over the Art. 51(2) threshold.
    pub systemic: bool,
}

/// k · N_params · tokens · epochs, exactly; `None` only for absurd inputs that overflow 128 bits.
pub(crate) fn exact_flops(rules: &ComputeRules, method: TrainingMethod, params: u64, tokens: u64, epochs: u32) -> Option<u128> {
    u128::from(k_factor(rules, method)).checked_mul(u128::from(params))?.checked_mul(u128::from(tokens))?.checked_mul(u128::from(epochs))
}

fn k_factor(rules: &ComputeRules, method: TrainingMethod) -> u32 {
    match method {
        TrainingMethod::Full => rules.k.full,
        TrainingMethod::Lora => rules.k.lora,
        TrainingMethod::Qlora => rules.k.qlora,
    }
}

pub(crate) fn estimate(
    rules: &ComputeRules,
    model: &BaseModelFacts,
    method: TrainingMethod,
    tokens: u64,
    epochs: u32,
    exact: u128,
    two_roles: bool,
) -> ComputeOutcome {
    let k = k_factor(rules, method);
    // u128 -> f64 rounds to the nearest representable value, which is all a JSON number can carry.
    let estimate = exact as f64;
    let formula = format!(
        "{k} × {:.1e} params × {:.1e} tokens × {epochs} epoch{} ({}, k = {k})",
        model.parameter_count as f64,
        tokens as f64,
        if epochs == 1 { "" } else { "s" },
        method.formula_label(),
    );

    // A declared figure that is not a positive number says nothing about the base model's compute.
    let base = model.training_flops.filter(|f| f.is_finite() && *f > 0.0);
    let over = |b: f64| if rules.systemic_risk_strictly_above { b > rules.systemic_risk_flops } else { b >= rules.systemic_risk_flops };
    let systemic = model.systemic_risk_designated || base.is_some_and(over);
    let divisor = f64::from(rules.threshold_divisor);
    let mut reasons = Vec::new();

    let (threshold, fallback_used) = match base {
        Some(b) => (b / divisor, None),
        None => {
            let (fallback, which) = if model.systemic_risk_designated {
                (rules.fallback_base_flops_systemic, "and the model is designated as having systemic risk")
            } else {
                (rules.fallback_base_flops, "")
            };
            let text = format!(
                "base training compute unknown{}: one third of {fallback:e} FLOPs ({})",
                if which.is_empty() { String::new() } else { format!(" {which}") },
                rules.guidelines
            );
            reasons.push(Reason::new(
                "compute.unknown_base_flops",
                format!(
                    "The base model's training compute is not declared as a positive figure{}, so the substantial-modification threshold is one third of {fallback:e} FLOPs ({}).",
                    if which.is_empty() { String::new() } else { format!(" {which}") },
                    rules.guidelines
                ),
            ));
            (fallback / divisor, Some(text))
        }
    };

    if systemic {
        reasons.push(Reason::new(
            "model.systemic_risk",
            format!(
                "The base model is a general-purpose AI model with systemic risk (designated, or declared {} {:e} training FLOPs: AI Act Art. 51(2)); a substantial modification of it is a model with systemic risk too.",
                if rules.systemic_risk_strictly_above { "above" } else { "at or above" },
                rules.systemic_risk_flops
            ),
        ));
    }

    let substantial = estimate > threshold;
    // Policy v2 says who becomes which provider in `roles`; v1 said it here.
    if substantial && !two_roles {
        reasons.push(Reason::new(
            "provider.substantial_modification",
            format!(
                "Estimated fine-tuning compute {estimate:.2e} FLOPs exceeds one third of the base model's training compute ({threshold:.2e} FLOPs): the modification is presumed substantial and the buyer becomes the provider of the modified model, with the Art. 53 obligations limited to the modification (AI Act Art. 25(1)(b); {}).",
                rules.guidelines
            ),
        ));
    }

    ComputeOutcome {
        flops: FlopsEstimate {
            estimate,
            formula,
            base_training_flops: base,
            threshold,
            fallback_used,
            substantial_modification: substantial,
        },
        reasons,
        systemic,
    }
}

/// Whether `sector` is within the model's declared intended purpose (see `purpose_change`).
pub(crate) fn declared_use(model: &BaseModelFacts, sector: &Sector, general_uses: &[String]) -> bool {
    let declares = |id: &str| model.intended_uses.iter().any(|u| u.trim() == id);
    declares(&sector.id) || (sector.floor.is_none() && general_uses.iter().any(|g| declares(g)))
}

/// A sector is within the model's intended purpose when the model names it, or when the model is
/// declared for `general` use and the sector carries no legal floor: a general model was never
/// declared for the Annex III/I areas, so using it there changes its intended purpose.
pub(crate) fn purpose_change(model: &BaseModelFacts, sectors: &[&Sector]) -> Option<Reason> {
    let declares = |id: &str| model.intended_uses.iter().any(|u| u.trim() == id);
    let outside: Vec<&str> =
        sectors.iter().filter(|s| !(declares(&s.id) || (s.floor.is_none() && declares("general")))).map(|s| s.id.as_str()).collect();
    if outside.is_empty() {
        return None;
    }
    let declared = if model.intended_uses.is_empty() { "none".to_string() } else { model.intended_uses.join(", ") };
    Some(Reason::new(
        "provider.purpose_change",
        format!(
            "Deployment sector(s) {} lie outside the base model's declared intended uses ({declared}): putting the model to a new intended purpose makes the buyer its provider whatever the compute (AI Act Art. 3(12), Art. 25(1)).",
            outside.join(", ")
        ),
    ))
}

/// Wall-clock estimate on the policy's assumed throughput, plus fixed overhead.
pub(crate) fn duration_s(pricing: &Pricing, estimate: f64) -> u64 {
    let seconds = (estimate / pricing.effective_flops_per_second).ceil();
    // `as` saturates, which is the right answer for a run too long to count in seconds.
    (seconds as u64).saturating_add(pricing.fixed_overhead_seconds)
}
