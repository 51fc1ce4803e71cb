//! The two provider roles of policy v2, each with its reasons. (a) AI Act Art. 25(1)(c): putting the
//! model to a new intended purpose that makes the system high-risk makes the buyer the provider of a
//! high-risk system (Art. 16 duties). (b) Modifying a general-purpose AI model with more than a third
//! of its training compute makes the buyer the provider of the modified GPAI model (Art. 53, Recital
//! 109, the Commission's GPAI guidelines); a systemic-risk base brings Art. 55 and Art. 52.

use super::assessment::{FlopsEstimate, Reason, Role, Roles};
use super::compute::declared_use;
use super::input::BaseModelFacts;
use super::policy::{ComputeRules, RoleRules, Sector};
use super::tier::{DerogationOutcome, Legal};

pub(crate) struct RoleFacts<'a> {
    pub model: &'a BaseModelFacts,
    pub flops: &'a FlopsEstimate,
    pub measured_flops: Option<f64>,
    pub base_systemic: bool,
    pub legal: &'a Legal<'a>,
    pub sectors: &'a [&'a Sector],
    pub derogation: DerogationOutcome,
    pub ai_act: bool,
}

pub(crate) fn decide(rules: &RoleRules, compute: &ComputeRules, f: &RoleFacts<'_>) -> Roles {
    if !f.ai_act {
        let why = "No deployment jurisdiction is the EU or a member state, so the AI Act's provider roles do not arise.";
        return Roles {
            high_risk_provider: Role { applies: false, reasons: vec![Reason::new("role.high_risk_provider.no_ai_act", why)] },
            gpai_provider: Role { applies: false, reasons: vec![Reason::new("role.gpai_provider.no_ai_act", why)] },
            systemic_risk: false,
        };
    }
    let (gpai_provider, systemic_risk) = gpai_provider(rules, compute, f);
    Roles { high_risk_provider: high_risk_provider(rules, f), gpai_provider, systemic_risk }
}

fn high_risk_provider(rules: &RoleRules, f: &RoleFacts<'_>) -> Role {
    let declared = if f.model.intended_uses.is_empty() { "none".to_string() } else { f.model.intended_uses.join(", ") };
    let outside = |sectors: &mut dyn Iterator<Item = &&Sector>| -> Vec<String> {
        sectors.filter(|s| !declared_use(f.model, s, &rules.general_uses)).map(|s| s.id.clone()).collect()
    };
    let floor_outside = outside(&mut f.legal.floor_sectors.iter());
    let (applies, rule, detail) = if f.legal.ai_act_high_risk {
        if floor_outside.is_empty() {
            let within: Vec<&str> = f.legal.floor_sectors.iter().map(|s| s.id.as_str()).collect();
            (
                false,
                "role.high_risk_provider.declared_use",
                format!(
                    "The high-risk use ({}) is within the base model's declared intended uses ({declared}), so it is no new intended purpose and Art. 25(1)(c) does not apply; as deployer the buyer has the Art. 26 duties.",
                    within.join(", ")
                ),
            )
        } else {
            (
                true,
                "role.high_risk_provider.purpose_change",
                format!(
                    "Deploying in {} puts the model to a new intended purpose, outside its declared uses ({declared}), that makes it a high-risk AI system: the buyer becomes the provider of a high-risk system with the Art. 16 duties (AI Act Art. 25(1)(c)).",
                    floor_outside.join(", ")
                ),
            )
        }
    } else if f.derogation == DerogationOutcome::Accepted && !floor_outside.is_empty() {
        (
            false,
            "role.high_risk_provider.derogation",
            format!(
                "Deploying in {} lies outside the model's declared uses ({declared}), but with the accepted Art. 6(3) derogation the system is not high-risk, so Art. 25(1)(c) does not make the buyer a high-risk provider.",
                floor_outside.join(", ")
            ),
        )
    } else {
        let other = outside(&mut f.sectors.iter());
        if other.is_empty() {
            (
                false,
                "role.high_risk_provider.none",
                "The system is not high-risk under the AI Act, so the buyer is not the provider of a high-risk system (Art. 25(1))."
                    .to_string(),
            )
        } else {
            (
                false,
                "role.high_risk_provider.not_high_risk_purpose",
                format!(
                    "Sector(s) {} lie outside the model's declared uses ({declared}), but a purpose there does not make the system high-risk, so Art. 25(1)(c) does not apply.",
                    other.join(", ")
                ),
            )
        }
    };
    Role { applies, reasons: vec![Reason::new(rule, detail)] }
}

/// Whether the base is a general-purpose AI model, and why.
fn gpai_base(rules: &RoleRules, model: &BaseModelFacts, base_systemic: bool) -> Result<String, String> {
    let declared = model.training_flops.filter(|x| x.is_finite() && *x > 0.0);
    if base_systemic {
        return Ok("it is a GPAI model with systemic risk".into());
    }
    if let Some(x) = declared.filter(|x| *x > rules.gpai_indicative_flops) {
        return Ok(format!(
            "its declared training compute ({x:.2e} FLOPs) is above the Commission's indicative criterion of {:e} FLOPs",
            rules.gpai_indicative_flops
        ));
    }
    if model.parameter_count >= rules.gpai_min_parameters {
        return Ok(format!(
            "it has {:.1e} parameters, at least the {:.0e} that Recital 98 takes to show significant generality",
            model.parameter_count as f64, rules.gpai_min_parameters as f64
        ));
    }
    if let Some(u) = model.intended_uses.iter().find(|u| rules.general_uses.iter().any(|g| g == u.trim())) {
        return Ok(format!("it is declared for {u} use"));
    }
    Err(format!(
        "it is declared for specific uses ({}), has {:.1e} parameters and {} training compute",
        model.intended_uses.join(", "),
        model.parameter_count as f64,
        declared.map_or("undeclared".to_string(), |x| format!("{x:.2e} FLOPs of"))
    ))
}

fn gpai_provider(rules: &RoleRules, compute: &ComputeRules, f: &RoleFacts<'_>) -> (Role, bool) {
    let base = match gpai_base(rules, f.model, f.base_systemic) {
        Ok(why) => why,
        Err(why) => {
            let detail = format!(
                "The base model is not a general-purpose AI model: {why}. Modifying it cannot make the buyer a GPAI provider, so Art. 53 does not apply."
            );
            return (Role { applies: false, reasons: vec![Reason::new("role.gpai_provider.base_not_gpai", detail)] }, false);
        }
    };
    let measured = f.measured_flops.filter(|m| m.is_finite() && *m > f.flops.estimate);
    let (used, which) = match measured {
        Some(m) => (m, "measured by the workers, above the estimate"),
        None => (f.flops.estimate, "estimated"),
    };
    let mut reasons = vec![Reason::new("role.gpai_provider.base_gpai", format!("The base model is a general-purpose AI model: {base}."))];
    let applies = used > f.flops.threshold;
    if applies {
        reasons.push(Reason::new(
            "role.gpai_provider.substantial_modification",
            format!(
                "Fine-tuning compute {used:.2e} FLOPs ({which}) exceeds one third of the base model's training compute ({:.2e} FLOPs): the buyer becomes the provider of the modified GPAI model, with the Art. 53 obligations limited to the modification (AI Act Art. 53, Recital 109; {}).",
                f.flops.threshold, compute.guidelines
            ),
        ));
    } else {
        reasons.push(Reason::new(
            "role.gpai_provider.below_threshold",
            format!(
                "Fine-tuning compute {used:.2e} FLOPs ({which}) does not exceed one third of the base model's training compute ({:.2e} FLOPs): the modification is not substantial and the buyer is not a GPAI provider ({}).",
                f.flops.threshold, compute.guidelines
            ),
        ));
    }
    let systemic = applies && f.base_systemic;
    if systemic {
        reasons.push(Reason::new(
            "role.gpai_provider.systemic_risk",
            format!(
                "The base model has systemic risk (designated, or declared above {:e} training FLOPs: Art. 51(2)), so the modified model is a GPAI model with systemic risk: the Art. 55 duties apply and the Commission must be notified (Art. 52(1)).",
                compute.systemic_risk_flops
            ),
        ));
    }
    (Role { applies, reasons }, systemic)
}
