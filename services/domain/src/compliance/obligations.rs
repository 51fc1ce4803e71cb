//! Which obligations apply. The triggers are data (`[triggers]`, `[fria]`, `[[jurisdictions]]`,
//! `sectors.registration` in the policy); this code only decides which triggers fired and lists the
//! result in catalogue order. From policy v2 the AI Act's articles follow the legal classification
//! (`legal_high_risk`), and a tier reached by the application score alone brings the platform's own
//! measures (`score_medium`, `score_high`), said to be the platform's, not the law's.

use std::collections::HashSet;

use super::assessment::{PlatformMeasure, Reason};
use super::facts::Facts;
use super::policy::{FriaBasis, Function, Jurisdiction, LegalBasis, Obligation, Policy, Sector, TriggerSet};
use super::tier::{DerogationOutcome, Legal};
use super::vocab::RiskTier;
use crate::OrgKind;

pub(crate) struct ObligationFacts<'a> {
    pub tier: RiskTier,
    pub derogation: DerogationOutcome,
    /// v1's single provider flag; in v2 either role.
    pub provider: bool,
    pub audit_required: bool,
    pub public_facing: bool,
    pub personal_data: bool,
    pub organization_kind: OrgKind,
    pub sectors: &'a [&'a Sector],
    pub jurisdictions: &'a [String],
    pub legal: &'a Legal<'a>,
    pub facts: &'a Facts,
    pub functions: &'a [&'a Function],
    pub high_risk_provider: bool,
    pub gpai_provider: bool,
    pub systemic_gpai_provider: bool,
    pub generative: bool,
    pub cross_check: bool,
    /// The policy has the v2 rules (two roles, legal classification, platform measures).
    pub two_roles: bool,
}

pub(crate) struct ObligationOutcome {
    pub obligations: Vec<Obligation>,
    pub reasons: Vec<Reason>,
    pub measures: Vec<PlatformMeasure>,
}

/// Whether the AI Act applies: a deployment jurisdiction is the EU or a member state.
pub(crate) fn ai_act_applies(policy: &Policy, jurisdictions: &[String]) -> bool {
    matched(policy, jurisdictions).iter().any(|j| j.ai_act)
}

fn matched<'p>(policy: &'p Policy, jurisdictions: &[String]) -> Vec<&'p Jurisdiction> {
    policy.jurisdictions().iter().filter(|j| jurisdictions.iter().any(|code| j.covers(code))).collect()
}

pub(crate) fn select(policy: &Policy, facts: &ObligationFacts<'_>) -> ObligationOutcome {
    let mut reasons = Vec::new();
    let matched = matched(policy, facts.jurisdictions);
    let ai_act = matched.iter().any(|j| j.ai_act);

    let mut ids: Vec<&str> = Vec::new();
    for j in &matched {
        reasons.push(Reason::new(j.rule.as_str(), j.detail.as_str()));
        ids.extend(j.obligations.iter().map(String::as_str));
        if let Some(cd) = &j.consequential_decisions {
            let hits: Vec<&str> = facts.sectors.iter().map(|s| s.id.as_str()).filter(|id| cd.sectors.iter().any(|c| c == id)).collect();
            if !hits.is_empty() && facts.facts.any_or_empty(&cd.requires_any) {
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

    let fria = fria(policy, facts);
    if fria && ai_act {
        let detail = match policy.fria().basis {
            FriaBasis::Tier => {
                "A high-risk deployment by a public body, or for essential services, credit scoring or life/health insurance, needs a fundamental rights impact assessment before first use (AI Act Art. 27(1))."
            }
            FriaBasis::AnnexIii => {
                "A high-risk system under Art. 6(2) deployed by a body governed by public law or a private entity providing public services, or used for credit scoring or life and health insurance (Annex III 5(b)-(c)), needs a fundamental rights impact assessment before first use, notified to the market surveillance authority (AI Act Art. 27(1), 27(3)). Annex III point 2 never does."
            }
        };
        reasons.push(Reason::new("art27.fria", detail));
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
    let legal_high_risk = facts.legal.ai_act_high_risk;
    let special = facts.facts.holds("special_category_data");
    let dpia = policy.gdpr().is_some_and(|g| facts.facts.all_groups(&g.dpia_requires));
    if let Some(g) = policy.gdpr() {
        if special {
            reasons.push(Reason::new("gdpr.special_category", g.special_category_detail.as_str()));
        }
        if dpia {
            reasons.push(Reason::new("gdpr.dpia", g.dpia_detail.as_str()));
        }
    }
    let score_medium = facts.legal.score_tier >= RiskTier::Medium;
    let score_high = facts.legal.score_tier >= RiskTier::High;
    if facts.two_roles && ai_act {
        v2_reasons(facts, &mut reasons);
    }

    let triggers = policy.triggers();
    let sets: &[&TriggerSet] = if ai_act { &[&triggers.platform, &triggers.ai_act] } else { &[&triggers.platform] };
    for set in sets {
        let fired: [(bool, &Vec<String>); 18] = [
            (facts.tier == RiskTier::High, &set.high_tier),
            (facts.tier == RiskTier::Medium, &set.medium_tier),
            (facts.public_facing, &set.public_facing),
            (facts.derogation == DerogationOutcome::Accepted, &set.derogation_accepted),
            (fria, &set.fria),
            (facts.provider, &set.provider),
            (facts.audit_required, &set.audit),
            (facts.personal_data, &set.personal_data),
            (legal_high_risk, &set.legal_high_risk),
            (score_medium, &set.score_medium),
            (score_high, &set.score_high),
            (facts.high_risk_provider, &set.high_risk_provider),
            (facts.gpai_provider, &set.gpai_provider),
            (facts.systemic_gpai_provider, &set.systemic_gpai_provider),
            (facts.generative, &set.generative),
            (facts.cross_check, &set.cross_check),
            (special, &set.special_category),
            (dpia, &set.dpia),
        ];
        ids.extend(fired.into_iter().filter(|(on, _)| *on).flat_map(|(_, list)| list.iter().map(String::as_str)));
        for f in facts.functions {
            ids.extend(set.functions.get(&f.id).into_iter().flatten().map(String::as_str));
        }
    }
    // Art. 49 registration follows the Annex III point: nationally for point 2, in the secure
    // section for points 1, 6 and 7, in the public EU database for the rest.
    if ai_act && legal_high_risk {
        ids.extend(facts.legal.floor_sectors.iter().filter_map(|s| s.registration.as_deref()));
    }

    // Nothing makes a prohibited practice lawful, so there is nothing to comply with: it is refused.
    if facts.tier == RiskTier::Prohibited {
        ids.clear();
    }
    let wanted: HashSet<&str> = ids.into_iter().collect();
    let obligations: Vec<Obligation> = policy.obligations().iter().filter(|o| wanted.contains(o.id.as_str())).cloned().collect();
    let measures = if facts.two_roles && facts.tier != RiskTier::Prohibited { measures(policy, facts, &obligations) } else { vec![] };
    ObligationOutcome { obligations, reasons, measures }
}

/// Art. 27(1): under v1 any high tier in scope; under v2 only a high-risk system under Art. 6(2)
/// (Annex III, never point 2) deployed by a public body, a private entity providing public services,
/// or for Annex III 5(b)-(c).
fn fria(policy: &Policy, facts: &ObligationFacts<'_>) -> bool {
    let rule = policy.fria();
    let in_scope_sector = |s: &&Sector| rule.sectors.iter().any(|f| f == &s.id);
    match rule.basis {
        FriaBasis::Tier => {
            facts.tier == RiskTier::High && (rule.org_kinds.contains(&facts.organization_kind) || facts.sectors.iter().any(in_scope_sector))
        }
        FriaBasis::AnnexIii => {
            let annex_iii: Vec<&&Sector> = facts
                .legal
                .floor_sectors
                .iter()
                .filter(|s| s.basis == Some(LegalBasis::AnnexIii) && !rule.excluded_sectors.contains(&s.id))
                .collect();
            let deployer =
                rule.org_kinds.contains(&facts.organization_kind) || (rule.public_service && facts.facts.holds("provides_public_service"));
            facts.legal.ai_act_high_risk && !annex_iii.is_empty() && (deployer || annex_iii.iter().any(|s| in_scope_sector(s)))
        }
    }
}

/// The v2 rules that fired, each naming its article.
fn v2_reasons(facts: &ObligationFacts<'_>, reasons: &mut Vec<Reason>) {
    if facts.legal.ai_act_high_risk {
        reasons.push(Reason::new(
            "ai_act.high_risk_system",
            "The system is high-risk under the AI Act (Art. 6(1) or 6(2)): the requirements of Arts. 9-15, the quality management system (Art. 17), conformity assessment, EU declaration and CE marking (Arts. 43, 47, 48), post-market monitoring (Art. 72), serious-incident reporting (Art. 73) and the deployer's duties (Art. 26, including informing workers under 26(7) and affected persons under 26(11)) apply.",
        ));
    }
    if facts.generative {
        reasons.push(Reason::new(
            "art50.marking",
            "The fine-tune generates content: its outputs must be marked in a machine-readable format and detectable as artificially generated (AI Act Art. 50(2)).",
        ));
    }
    if facts.public_facing || facts.functions.iter().any(|f| f.id == "chat") {
        reasons.push(Reason::new(
            "art50.interaction",
            "People interact with the system directly: they must be told they are dealing with an AI system (AI Act Art. 50(1)).",
        ));
    }
    if facts.functions.iter().any(|f| f.id == "emotion_recognition" || f.id == "biometric_categorisation") {
        reasons.push(Reason::new(
            "art50.emotion_biometric",
            "The system recognises emotions or categorises people biometrically: the people exposed to it must be informed of its operation (AI Act Art. 50(3)).",
        ));
    }
    if facts.functions.iter().any(|f| f.id == "deep_fake") {
        reasons.push(Reason::new(
            "art50.deep_fake",
            "The system generates or manipulates image, audio or video that is a deep fake: the deployer must disclose that it is artificial (AI Act Art. 50(4)).",
        ));
    }
}

/// The platform's own measures among the obligations: why each attaches, and that it is Attune's.
fn measures(policy: &Policy, facts: &ObligationFacts<'_>, obligations: &[Obligation]) -> Vec<PlatformMeasure> {
    let platform = &policy.triggers().platform;
    let legal = facts.legal;
    let score_why = format!(
        "The application score ({}) reaches {} by itself{}: Attune applies this measure itself; it is not a duty the AI Act attaches.",
        legal.score,
        legal.score_tier,
        if legal.score_tier > legal.floor { format!(", above the legal floor ({})", legal.floor) } else { String::new() }
    );
    obligations
        .iter()
        .filter_map(|o| {
            let by_score = (legal.score_tier >= RiskTier::Medium && platform.score_medium.contains(&o.id))
                || (legal.score_tier >= RiskTier::High && platform.score_high.contains(&o.id));
            let reason = if by_score {
                score_why.clone()
            } else if facts.audit_required && platform.audit.contains(&o.id) {
                audit_detail(facts)
            } else if facts.tier == RiskTier::Medium && platform.medium_tier.contains(&o.id) {
                "The deployment's tier is medium: Attune records it in its public registry of fine-tuned deployments (seed 002 §VII); this is the platform's measure, not a duty the AI Act attaches.".to_string()
            } else {
                return None;
            };
            Some(PlatformMeasure { id: o.id.clone(), title: o.title.clone(), reason })
        })
        .collect()
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
    if facts.cross_check {
        why.push("declared facts point at a prohibited practice that a reviewer must rule out".to_string());
    }
    format!("The buyer's audit pool must review and approve the job before dispatch because {} (seed 002 §VI.D).", why.join(", and "))
}
