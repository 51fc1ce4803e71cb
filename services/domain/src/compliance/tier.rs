//! The deployment-risk tier: max(legal floor, application score tier). Organisation kind is not an
//! input here on purpose: liability tracks deployment risk, not size (seed 002 §VI.A).

use super::assessment::Reason;
use super::facts::Facts;
use super::input::{DeploymentContext, Parsed};
use super::policy::{Band, LegalBasis, Policy, ReachRule, ScoreRules, Sector};
use super::vocab::{Autonomy, Level, RiskTier};

/// What became of a claimed Art. 6(3) derogation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DerogationOutcome {
    NotClaimed,
    /// The Annex III floor was lowered from high to medium.
    Accepted,
    /// Claimed but refused (profiling, or an Annex I floor).
    Refused,
    /// Claimed where there is no Annex III floor to lower.
    NotApplicable,
}

#[derive(Debug)]
pub(crate) struct TierOutcome<'p> {
    pub tier: RiskTier,
    pub derogation: DerogationOutcome,
    pub reasons: Vec<Reason>,
    pub legal: Legal<'p>,
}

/// The legal classification, apart from the application score: what the law says the system is.
#[derive(Debug)]
pub(crate) struct Legal<'p> {
    /// High-risk under the AI Act: an Annex I product, or an Annex III area without an accepted derogation.
    pub ai_act_high_risk: bool,
    /// The deployment sectors that set the AI Act floor (Annex III or Annex I).
    pub floor_sectors: Vec<&'p Sector>,
    /// The legal floor of the deployment, from the AI Act and from every jurisdiction's own law.
    pub floor: RiskTier,
    pub score: u32,
    pub score_tier: RiskTier,
    /// The rules that set the floor, as the classification explains them.
    pub grounds: Vec<Reason>,
}

pub(crate) fn classify<'p>(policy: &'p Policy, parsed: &Parsed<'p>, deployment: &DeploymentContext, facts: &Facts) -> TierOutcome<'p> {
    let score_rules = policy.score();
    let mut reasons = Vec::new();

    for practice in &parsed.practices {
        reasons.push(Reason::new(
            format!("art5.{}", practice.id),
            format!("{}: {}. This practice is prohibited; the fine-tune is refused.", practice.article, practice.description),
        ));
    }
    let mut annex_iii = false;
    let mut annex_i = false;
    for sector in parsed.sectors.iter().filter(|s| s.floor.is_some()) {
        let prefix = match sector.basis {
            Some(LegalBasis::AnnexI) => {
                annex_i = true;
                "annex_i"
            }
            _ => {
                annex_iii = true;
                "annex_iii"
            }
        };
        reasons.push(Reason::new(
            format!("{prefix}.{}", sector.id),
            format!("Sector {} covers {}: a high-risk use under {}.", sector.id, sector.description, sector.reference),
        ));
    }

    let mut floor = if !parsed.practices.is_empty() {
        RiskTier::Prohibited
    } else if annex_iii || annex_i {
        RiskTier::High
    } else {
        RiskTier::Low
    };
    let jurisdiction_floor = jurisdiction_floors(policy, parsed, facts, &mut reasons);

    let derogation = match (&deployment.art6_3_derogation, parsed.derogation) {
        (Some(claim), Some(ground)) => {
            let outcome = judge_derogation(floor, annex_i, deployment.profiles_natural_persons, &mut reasons);
            if outcome == DerogationOutcome::Accepted {
                floor = RiskTier::Medium;
                reasons.push(Reason::new(
                    "art6_3.derogation_accepted",
                    format!(
                        "Derogation under AI Act {} ({}) with a written justification ({:?}): the Annex III floor is lowered from high to medium, subject to an auditor's sign-off in the audit pool and registration (Art. 6(4), Art. 49(2)).",
                        ground.article(),
                        ground.as_str().replace('_', " "),
                        claim.justification.trim()
                    ),
                ));
            }
            outcome
        }
        _ => DerogationOutcome::NotClaimed,
    };

    // Art. 6(3) lowers the AI Act's floor only; another jurisdiction's own floor stays.
    let floor = floor.max(jurisdiction_floor);
    let grounds: Vec<Reason> = reasons.clone();
    let (score, score_tier) = application_score(score_rules, parsed, deployment, &mut reasons);
    let tier = floor.max(score_tier);
    if derogation == DerogationOutcome::Accepted && score_tier > RiskTier::Medium {
        reasons.push(Reason::new(
            "art6_3.overridden_by_score",
            format!("The application score ({score}) reaches {score_tier} by itself, so the accepted derogation does not lower the tier."),
        ));
    }
    let legal = Legal {
        ai_act_high_risk: parsed.practices.is_empty() && (annex_i || (annex_iii && derogation != DerogationOutcome::Accepted)),
        floor_sectors: parsed.sectors.iter().copied().filter(|s| s.floor.is_some()).collect(),
        floor,
        score,
        score_tier,
        grounds,
    };
    TierOutcome { tier, derogation, reasons, legal }
}

/// A jurisdiction whose own law names the deployment high-risk (Colorado SB 24-205: a substantial
/// factor in a consequential decision) sets the floor of that deployment.
fn jurisdiction_floors(policy: &Policy, parsed: &Parsed<'_>, facts: &Facts, reasons: &mut Vec<Reason>) -> RiskTier {
    let mut floor = RiskTier::Low;
    for j in policy.jurisdictions().iter().filter(|j| parsed.jurisdictions.iter().any(|code| j.covers(code))) {
        let Some(cd) = &j.consequential_decisions else { continue };
        let Some(cd_floor) = cd.floor else { continue };
        let hits: Vec<&str> = parsed.sectors.iter().map(|s| s.id.as_str()).filter(|id| cd.sectors.iter().any(|c| c == id)).collect();
        if hits.is_empty() || !facts.any_or_empty(&cd.requires_any) {
            continue;
        }
        floor = floor.max(cd_floor);
        reasons.push(Reason::new(
            format!("{}.floor", cd.rule),
            format!(
                "{}: as declared, the system makes or is a substantial factor in consequential decisions in {}, which makes it high-risk under {}; the deployment's legal floor is {cd_floor}.",
                j.name,
                hits.join(", "),
                cd.reference
            ),
        ));
    }
    floor
}

fn judge_derogation(floor: RiskTier, annex_i: bool, profiles: bool, reasons: &mut Vec<Reason>) -> DerogationOutcome {
    if floor != RiskTier::High {
        let why = if floor == RiskTier::Prohibited {
            "an Art. 5 prohibition cannot be derogated from"
        } else {
            "no Annex III sector sets a high floor, so there is nothing to lower; the claim still goes to the audit pool"
        };
        reasons.push(Reason::new("art6_3.not_applicable", format!("An Art. 6(3) derogation was claimed, but {why}.")));
        return DerogationOutcome::NotApplicable;
    }
    let mut refused = false;
    if profiles {
        refused = true;
        reasons.push(Reason::new(
            "art6_3.refused_profiling",
            "The Art. 6(3) derogation is refused: an Annex III system that profiles natural persons is always high-risk (AI Act Art. 6(3), last subparagraph).",
        ));
    }
    if annex_i {
        refused = true;
        reasons.push(Reason::new(
            "art6_3.refused_annex_i",
            "The Art. 6(3) derogation is refused: it covers Annex III areas only, and a safety component under Annex I law (Art. 6(1)) stays high-risk.",
        ));
    }
    if refused { DerogationOutcome::Refused } else { DerogationOutcome::Accepted }
}

/// Points per application-side indicator, summed and mapped through the policy's thresholds.
fn application_score(rules: &ScoreRules, parsed: &Parsed<'_>, d: &DeploymentContext, reasons: &mut Vec<Reason>) -> (u32, RiskTier) {
    let users = band_points(&rules.expected_monthly_users, d.expected_monthly_users);
    let queries = band_points(&rules.monthly_queries, d.monthly_queries);
    // Criticality is one dimension: the most critical sector counts.
    let critical = parsed.sectors.iter().copied().max_by_key(|s| s.points).filter(|s| s.points > 0);
    let autonomy = match parsed.autonomy {
        Autonomy::HumanInTheLoop => rules.autonomy.human_in_the_loop,
        Autonomy::HumanOnTheLoop => rules.autonomy.human_on_the_loop,
        Autonomy::Automated => rules.autonomy.automated,
    };
    let revenue = match parsed.revenue_dependence {
        Level::Low => rules.revenue_dependence.low,
        Level::Medium => rules.revenue_dependence.medium,
        Level::High => rules.revenue_dependence.high,
    };
    let vulnerable = if d.vulnerable_groups { rules.vulnerable_groups } else { 0 };
    let public = if d.public_facing { rules.public_facing } else { 0 };

    let reach: Vec<(&str, u32, String)> = match rules.reach {
        ReachRule::Sum => vec![
            ("score.users_band", users, format!("{} expected monthly users", d.expected_monthly_users)),
            ("score.queries_band", queries, format!("{} monthly queries", d.monthly_queries)),
        ],
        ReachRule::Max => vec![(
            "score.reach",
            users.max(queries),
            format!(
                "reach ({} expected monthly users, {} monthly queries: one dimension, the larger band counts)",
                d.expected_monthly_users, d.monthly_queries
            ),
        )],
    };
    let parts = reach.into_iter().chain([
        ("score.autonomy", autonomy, format!("autonomy {}", parsed.autonomy)),
        ("score.vulnerable_groups", vulnerable, "reaches vulnerable groups".to_string()),
        ("score.public_facing", public, "public-facing".to_string()),
        ("score.revenue_dependence", revenue, format!("{} revenue dependence", parsed.revenue_dependence)),
        (
            "score.criticality",
            critical.map_or(0, |s| s.points),
            format!("criticality of the {} sector", critical.map_or("", |s| s.id.as_str())),
        ),
    ]);
    let mut total: u32 = 0;
    for (rule, points, what) in parts {
        total = total.saturating_add(points);
        if points > 0 {
            reasons.push(Reason::new(rule, format!("Application indicator: {what} adds {points} point(s) to the application score.")));
        }
    }
    let t = rules.thresholds;
    let tier = if total >= t.high {
        RiskTier::High
    } else if total >= t.medium {
        RiskTier::Medium
    } else {
        RiskTier::Low
    };
    reasons.push(Reason::new(
        "score.total",
        format!(
            "Application score {total} (medium from {}, high from {}) gives the {tier} tier; it measures deployment reach, autonomy and dependence, never organisation size (seed 002 §VI.B).",
            t.medium, t.high
        ),
    ));
    (total, tier)
}

/// Points of the highest band whose `min` the value reaches.
fn band_points(bands: &[Band], value: u64) -> u32 {
    bands.iter().take_while(|b| b.min <= value).last().map_or(0, |b| b.points)
}
