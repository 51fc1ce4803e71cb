//! The safe-harbour conditions (seed 002 §VI.D): the list, titles and legal basis are data in the
//! pools policy; each id names a fact the platform gathers, and a condition holds when its fact has
//! evidence. All must hold for a certificate; when one stops holding, the certificate lapses.

use serde::{Deserialize, Serialize};

/// The condition ids this build knows how to check.
const KNOWN: [&str; 5] = ["verified_base_model", "pool_registration", "pool_review", "shared_audit_engaged", "remediation_plan"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionRule {
    pub id: String,
    pub title: String,
    pub basis: String,
}

pub(super) fn check_rules(rules: &[ConditionRule]) -> Result<(), String> {
    if rules.is_empty() {
        return Err("safe_harbour has no conditions".into());
    }
    for (i, r) in rules.iter().enumerate() {
        if !KNOWN.contains(&r.id.as_str()) {
            return Err(format!("safe_harbour condition {:?} is not one this build checks ({})", r.id, KNOWN.join(", ")));
        }
        if rules[..i].iter().any(|o| o.id == r.id) {
            return Err(format!("safe_harbour condition {:?} is listed twice", r.id));
        }
        if r.title.trim().is_empty() || r.basis.trim().is_empty() {
            return Err(format!("safe_harbour condition {:?} needs a title and a basis", r.id));
        }
    }
    Ok(())
}

/// What the platform found for one job: each fact is `Ok(evidence)` that the condition holds, or
/// `Err(what is missing)`.
#[derive(Debug, Clone)]
pub struct SafeHarbourFacts {
    pub verified_base_model: Result<serde_json::Value, String>,
    pub pool_registration: Result<serde_json::Value, String>,
    pub pool_review: Result<serde_json::Value, String>,
    pub shared_audit_engaged: Result<serde_json::Value, String>,
    pub remediation_plan: Result<serde_json::Value, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub id: String,
    pub title: String,
    pub basis: String,
    pub met: bool,
    /// What shows it holds; when it does not, `{"missing": why}`.
    pub evidence: serde_json::Value,
}

static UNKNOWN: Result<serde_json::Value, String> = Err(String::new());

/// Every condition of the policy against the facts, in the policy's order.
pub fn evaluate(rules: &[ConditionRule], facts: &SafeHarbourFacts) -> Vec<Condition> {
    rules
        .iter()
        .map(|r| {
            let fact = match r.id.as_str() {
                "verified_base_model" => &facts.verified_base_model,
                "pool_registration" => &facts.pool_registration,
                "pool_review" => &facts.pool_review,
                "shared_audit_engaged" => &facts.shared_audit_engaged,
                "remediation_plan" => &facts.remediation_plan,
                _ => &UNKNOWN,
            };
            let (met, evidence) = match fact {
                Ok(evidence) => (true, evidence.clone()),
                Err(missing) => (false, serde_json::json!({ "missing": missing })),
            };
            Condition { id: r.id.clone(), title: r.title.clone(), basis: r.basis.clone(), met, evidence }
        })
        .collect()
}
