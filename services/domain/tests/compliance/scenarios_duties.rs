//! Scenarios of the obligations a deployment's place and data bring, and of provider status:
//! jurisdictions, Art. 27, GDPR, the one-third FLOPs line and the change of purpose.

use attune_domain::OrgKind;
use attune_domain::compliance::{Assessment, RiskTier};

use crate::support::{ART53_TRIO, Case, HIGH_RISK_DUTIES};
use crate::table::{Row, row};

/// A 100M-parameter base model trained with 1.5e18 FLOPs: one third is 5e17. On 1e9 tokens and
/// one epoch, LoRA (k = 4) needs 4e17 and stays a deployer; full fine-tuning (k = 6) needs 6e17.
fn small_base(case: &mut Case, method: &str) {
    case.model.parameter_count = 100_000_000;
    case.model.training_flops = Some(1.5e18);
    case.method = method.into();
    case.hyperparameters.epochs = 1;
    case.hyperparameters.tokens = Some(1_000_000_000);
}

fn threshold_is(want: f64, fallback: Option<&'static str>) -> impl Fn(&Assessment) -> Result<(), String> {
    move |a| {
        let ok = (a.flops.threshold - want).abs() <= want * 1e-12
            && match fallback {
                None => a.flops.fallback_used.is_none(),
                Some(part) => a.flops.fallback_used.as_deref().is_some_and(|f| f.contains(part)),
            };
        if ok {
            Ok(())
        } else {
            Err(format!("threshold {} fallback {:?} (want {want}, {fallback:?})", a.flops.threshold, a.flops.fallback_used))
        }
    }
}

pub fn rows() -> Vec<Row> {
    use RiskTier::{High, Low};
    let mut rows = Vec::new();

    // Jurisdictions.
    rows.push(
        row("EU deployment", Low, |_| {})
            .has(&["EU_TDM_OPTOUT"])
            .lacks(&["UK_TDM_LICENCE", "US_CO_SB205_IMPACT_ASSESSMENT"])
            .fired(&["jurisdiction.eu"]),
    );
    rows.push(
        row("member state brings the AI Act", High, |c| {
            c.jurisdictions(&["de"]).sectors(&["employment"]);
            c.model.intended_uses = vec!["employment".into()];
        })
        .has(&HIGH_RISK_DUTIES)
        .has(&["EU_TDM_OPTOUT"])
        .fired(&["jurisdiction.eu"]),
    );
    rows.push(
        row("UK deployment needs a TDM licence, no AI Act", High, |c| {
            c.jurisdictions(&["UK"]).sectors(&["employment"]);
            c.model.intended_uses = vec!["employment".into()];
        })
        .has(&["UK_TDM_LICENCE", "POOL_REVIEW"])
        .lacks(&["AIA_ART9_RISK_MGMT", "EU_TDM_OPTOUT"])
        .fired(&["jurisdiction.uk", "ai_act.not_applicable"]),
    );
    rows.push(
        row("GB is the UK", Low, |c| {
            c.jurisdictions(&["GB"]);
        })
        .has(&["UK_TDM_LICENCE"]),
    );
    rows.push(
        row("Colorado consequential decision in employment", High, |c| {
            c.jurisdictions(&["US-CO"]).sectors(&["employment"]);
            c.model.intended_uses = vec!["employment".into()];
        })
        .has(&["US_CO_SB205_IMPACT_ASSESSMENT", "POOL_REVIEW"])
        .lacks(&["AIA_ART9_RISK_MGMT"])
        .fired(&["jurisdiction.us_co", "jurisdiction.us_co.consequential_decision"]),
    );
    rows.push(
        row("Colorado consequential decision in finance (no EU floor)", Low, |c| {
            c.jurisdictions(&["US-CO"]).sectors(&["finance"]);
        })
        .has(&["US_CO_SB205_IMPACT_ASSESSMENT"])
        .fired(&["jurisdiction.us_co.consequential_decision"]),
    );
    rows.push(
        row("Colorado marketing is not a consequential decision", Low, |c| {
            c.jurisdictions(&["US-CO"]).sectors(&["marketing"]);
        })
        .lacks(&["US_CO_SB205_IMPACT_ASSESSMENT"])
        .fired(&["jurisdiction.us_co"])
        .not_fired(&["jurisdiction.us_co.consequential_decision"]),
    );
    rows.push(
        row("cross-border EU + UK + Colorado takes every rule", Low, |c| {
            c.jurisdictions(&["EU", "UK", "US-CO"]).sectors(&["housing"]);
        })
        .has(&["EU_TDM_OPTOUT", "UK_TDM_LICENCE", "US_CO_SB205_IMPACT_ASSESSMENT"]),
    );
    rows.push(
        row("another state is no special rule", Low, |c| {
            c.jurisdictions(&["US-CA"]);
        })
        .lacks(&["EU_TDM_OPTOUT", "UK_TDM_LICENCE", "US_CO_SB205_IMPACT_ASSESSMENT"]),
    );

    // Art. 27 FRIA and GDPR.
    rows.push(
        row("credit scoring needs a FRIA", High, |c| {
            c.sectors(&["credit_scoring"]);
            c.model.intended_uses = vec!["credit_scoring".into()];
        })
        .has(&["AIA_ART27_FRIA"])
        .fired(&["art27.fria"]),
    );
    rows.push(
        row("public body in education needs a FRIA", High, |c| {
            c.sectors(&["education"]).org = OrgKind::PublicBody;
            c.model.intended_uses = vec!["education".into()];
        })
        .has(&["AIA_ART27_FRIA"]),
    );
    rows.push(
        row("SME in education needs no FRIA", High, |c| {
            c.sectors(&["education"]);
            c.model.intended_uses = vec!["education".into()];
        })
        .lacks(&["AIA_ART27_FRIA"]),
    );
    rows.push(
        row("personal data needs a legitimate-interest assessment", Low, |c| {
            c.personal_data = true;
        })
        .has(&["GDPR_LIA"])
        .fired(&["gdpr.personal_data"]),
    );

    // Compute and provider status.
    rows.push(
        row("LoRA under one third stays deployer", Low, |c| small_base(c, "lora")).lacks(&ART53_TRIO).extra(threshold_is(5e17, None)),
    );
    rows.push(row("QLoRA under one third stays deployer", Low, |c| small_base(c, "qlora")));
    rows.push(
        row("full fine-tuning over one third becomes provider", Low, |c| small_base(c, "full"))
            .provider()
            .has(&ART53_TRIO)
            .has(&["POOL_REVIEW"])
            .fired(&["provider.substantial_modification"])
            .not_fired(&["provider.purpose_change"]),
    );
    rows.push(
        row("unknown base compute uses one third of 1e23", Low, |c| {
            c.model.training_flops = None;
        })
        .fired(&["compute.unknown_base_flops"])
        .extra(threshold_is(1e23 / 3.0, Some("1e23"))),
    );
    rows.push(
        row("unknown compute of a systemic-risk model uses one third of 1e25", Low, |c| {
            (c.model.training_flops, c.model.systemic_risk_designated) = (None, true);
        })
        .fired(&["model.systemic_risk"])
        .extra(threshold_is(1e25 / 3.0, Some("1e25"))),
    );
    rows.push(
        row("a model declared at 2e25 FLOPs carries systemic risk", Low, |c| {
            c.model.training_flops = Some(2e25);
        })
        .fired(&["model.systemic_risk"])
        .not_fired(&["compute.unknown_base_flops"])
        .extra(threshold_is(2e25 / 3.0, None)),
    );
    rows.push(
        row("purpose change makes a provider", Low, |c| {
            c.sectors(&["marketing"]);
            c.model.intended_uses = vec!["customer_service".into()];
        })
        .provider()
        .has(&ART53_TRIO)
        .fired(&["provider.purpose_change"])
        .not_fired(&["provider.substantial_modification"]),
    );
    rows.push(
        row("general covers a sector without a floor", Low, |c| {
            c.sectors(&["marketing", "software"]);
        })
        .not_fired(&["provider.purpose_change"]),
    );
    rows.push(
        row("general does not cover an Annex III sector", High, |c| {
            c.sectors(&["marketing", "law_enforcement"]);
            c.model.intended_uses = vec!["general".into(), "marketing".into()];
        })
        .provider()
        .fired(&["provider.purpose_change"]),
    );
    rows.push(
        row("both provider reasons are recorded", Low, |c| {
            small_base(c, "full");
            c.sectors(&["marketing"]);
            c.model.intended_uses = vec!["customer_service".into()];
        })
        .provider()
        .fired(&["provider.substantial_modification", "provider.purpose_change"]),
    );
    rows.push(
        row("provider outside the EU has no Art. 53 duties but pool review", Low, |c| {
            small_base(c, "full");
            c.jurisdictions(&["US"]);
        })
        .provider()
        .has(&["POOL_REVIEW"])
        .lacks(&ART53_TRIO),
    );
    rows
}
