//! Which obligations apply. The triggers are data (`[triggers]`, `[fria]`, `[[jurisdictions]]` in the
//! policy); this code only decides which triggers fired and lists the result in catalogue order.

use std::collections::HashSet;

use super::assessment::Reason;
use super::policy::{Jurisdiction, Obligation, Policy, Sector, TriggerSet};
use super::tier::DerogationOutcome;
use super::vocab::RiskTier;
use crate::OrgKind;

pub(crate) struct ObligationFacts<'a> {
    pub tier: RiskTier,
    pub derogation: DerogationOutcome,
    pub provider: bool,
    pub audit_required: bool,
    pub public_facing: bool,
    pub personal_data: bool,
    pub organization_kind: OrgKind,
    pub sectors: &'a [&'a Sector],
    pub jurisdictions: &'a [String],
}

pub(crate) struct ObligationOutcome {
    pub obligations: Vec<Obligation>,
    pub reasons: Vec<Reason>,
}

pub(crate) fn select(policy: &Policy, facts: &ObligationFacts<'_>) -> ObligationOutcome {
    let mut reasons = Vec::new();
    let matched: Vec<&Jurisdiction> =
        policy.jurisdictions().iter().filter(|j| facts.jurisdictions.iter().any(|code| j.covers(code))).collect();
    let ai_act = matched.iter().any(|j| j.ai_act);

    let mut ids: Vec<&str> = Vec::new();
    for j in &matched {
        reasons.push(Reason::new(j.rule.as_str(), j.detail.as_str()));
        ids.extend(j.obligations.iter().map(String::as_str));
        if let Some(cd) = &j.consequential_decisions {
            let hits: Vec<&str> = facts.sectors.iter().map(|s| s.id.as_str()).filter(|id| cd.sectors.iter().any(|c| c == id)).collect();
            if !hits.is_empty() {
                reasons.push(Reason::new(cd.rule.as_str(), format!("{} Sector(s): {}.", cd.detail, hits.join(", "))));
                ids.extend(cd.obligations.iter().map(String::as_str));
            }
        }
    }
    if !ai_act {
        reasons.push(Reason::new(
            "ai_act.not_applicable",
            "No deployment jurisdiction is the EU or a member state, so AI Act obligations are not listed; the tier still follows the platform's AI Act-based scale.",
        ));
    }

    let fria = facts.tier == RiskTier::High
        && (policy.fria().org_kinds.contains(&facts.organization_kind)
            || facts.sectors.iter().any(|s| policy.fria().sectors.iter().any(|f| f == &s.id)));
    if fria && ai_act {
        reasons.push(Reason::new(
            "art27.fria",
            "A high-risk deployment by a public body, or for essential services, credit scoring or life/health insurance, needs a fundamental rights impact assessment before first use (AI Act Art. 27(1)).",
        ));
    }
    if facts.audit_required {
        reasons.push(Reason::new("audit.pool_review", audit_detail(facts)));
    }
    if facts.personal_data {
        reasons.push(Reason::new(
            "gdpr.personal_data",
            "The dataset holds personal data: training on it under legitimate interest needs an assessment of purpose, necessity and balancing before dispatch (GDPR Art. 6(1)(f); EDPB Opinion 28/2024).",
        ));
    }

    let triggers = policy.triggers();
    let sets: &[&TriggerSet] = if ai_act { &[&triggers.platform, &triggers.ai_act] } else { &[&triggers.platform] };
    for set in sets {
        let fired: [(bool, &Vec<String>); 8] = [
            (facts.tier == RiskTier::High, &set.high_tier),
            (facts.tier == RiskTier::Medium, &set.medium_tier),
            (facts.public_facing, &set.public_facing),
            (facts.derogation == DerogationOutcome::Accepted, &set.derogation_accepted),
            (fria, &set.fria),
            (facts.provider, &set.provider),
            (facts.audit_required, &set.audit),
            (facts.personal_data, &set.personal_data),
        ];
        ids.extend(fired.into_iter().filter(|(on, _)| *on).flat_map(|(_, list)| list.iter().map(String::as_str)));
    }

    // Nothing makes a prohibited practice lawful, so there is nothing to comply with: it is refused.
    if facts.tier == RiskTier::Prohibited {
        ids.clear();
    }
    let wanted: HashSet<&str> = ids.into_iter().collect();
    let obligations = policy.obligations().iter().filter(|o| wanted.contains(o.id.as_str())).cloned().collect();
    ObligationOutcome { obligations, reasons }
}

fn audit_detail(facts: &ObligationFacts<'_>) -> String {
    let mut why = Vec::new();
    if facts.tier >= RiskTier::Medium {
        why.push(format!("the tier is {}", facts.tier));
    }
    if facts.derogation != DerogationOutcome::NotClaimed {
        why.push("an Art. 6(3) derogation was claimed and needs an auditor's sign-off".to_string());
    }
    if facts.provider {
        why.push("the buyer becomes a provider of the modified model".to_string());
    }
    format!("The buyer's audit pool must review and approve the job before dispatch because {} (seed 002 §VI.D).", why.join(", and "))
}
