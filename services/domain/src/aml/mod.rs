//! AML rule engine (DESIGN.md §4 "AML rules"): pure scoring of one payment's facts against a
//! versioned policy of rules (`policy/aml-v2.toml`). The caller computes the facts (windowed
//! aggregates) from its own tables; this module only decides.
//!
//! Each fired rule adds its score and may set an outcome floor. The total score meets the policy's
//! three thresholds → `clear` < `review` < `hold` < `block`; the final outcome is the most severe of
//! that and every floor. A candidate policy can run in shadow: its decision is recorded next to the
//! enforced one without changing the outcome.

pub mod identity;
mod policy;
mod rules;

use serde::{Deserialize, Serialize};

pub use policy::{AmlPolicy, AmlPolicyError, Thresholds};
pub use rules::{KNOWN_RULE_IDS, fmt_usdc};

use crate::compliance::PolicyRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KycLevel {
    None,
    Basic,
    Enhanced,
}

impl KycLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Basic => "basic",
            Self::Enhanced => "enhanced",
        }
    }
}

/// Ordered: the most severe wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Clear,
    Review,
    Hold,
    Block,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Review => "review",
            Self::Hold => "hold",
            Self::Block => "block",
        }
    }
}

/// What the caller knows about one payment, computed from its tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFacts {
    /// USDC base units (6 decimals).
    pub amount: u128,
    /// What the job costs at the listing's price for its size (recomputed, not the quote the
    /// payment was made against), USDC base units.
    pub list_price: u128,
    pub payer_is_verified_wallet: bool,
    pub sanctions_hit: bool,
    pub kyc_level: KycLevel,
    pub account_age_days: u32,
    /// Earlier payments by the organisation.
    pub previous_payments: u32,
    pub days_since_last_activity: Option<u32>,
    /// The organisation's payments in the policy's window ([`AmlPolicy::window_days`]), excluding this one.
    pub recent_amounts: Vec<u128>,
    pub payments_last_24h: u32,
    /// ISO codes of the organisation's country and deployment jurisdictions.
    pub jurisdiction_risk: Vec<String>,
    /// The name the onramp says paid differs from every KYC'd name of the organisation (or the
    /// onramp named nobody). False for a payment from the buyer's own wallet.
    pub onramp_identity_mismatch: bool,
    /// Buyer and provider are the same organisation.
    pub buyer_is_provider: bool,
    pub refunds_last_30d: u32,
    /// A person KYC'd for the organisation matches a politically exposed person (a risk factor for
    /// enhanced due diligence, not a sanctions match).
    #[serde(default)]
    pub pep_match: bool,
    /// The organisation is on a screening hold (a name hit an admin has not decided yet).
    #[serde(default)]
    pub organization_on_hold: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit {
    pub rule: String,
    pub score: i32,
    pub outcome_floor: Option<Outcome>,
    /// The rule's reason and the numbers that made it fire.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmlDecision {
    pub outcome: Outcome,
    pub score: i32,
    pub hits: Vec<RuleHit>,
    pub policy: PolicyRef,
    /// What a shadow policy would have decided (recorded, not enforced).
    pub shadow: Option<Box<AmlDecision>>,
}

impl AmlDecision {
    pub fn hit(&self, rule: &str) -> Option<&RuleHit> {
        self.hits.iter().find(|h| h.rule == rule)
    }

    /// Whether the shadow policy would have decided a different outcome.
    pub fn shadow_disagrees(&self) -> bool {
        self.shadow.as_ref().is_some_and(|s| s.outcome != self.outcome)
    }
}

pub fn evaluate(policy: &AmlPolicy, facts: &PaymentFacts) -> AmlDecision {
    // Two passes: the risk-factor rules first, then those (enhanced due diligence) that look at
    // which risk factors fired.
    let fired: Vec<&str> = policy
        .rules()
        .iter()
        .filter(|r| !r.check.uses_risk_factors())
        .filter(|r| r.check.fires(facts, &[]).is_some())
        .map(|r| r.id.as_str())
        .collect();
    let hits: Vec<RuleHit> = policy
        .rules()
        .iter()
        .filter_map(|rule| {
            rule.check.fires(facts, &fired).map(|why| RuleHit {
                rule: rule.id.clone(),
                score: rule.score,
                outcome_floor: rule.floor,
                detail: format!("{}: {why}", rule.reason),
            })
        })
        .collect();
    let score = hits.iter().fold(0i32, |total, h| total.saturating_add(h.score));
    let outcome = hits.iter().filter_map(|h| h.outcome_floor).fold(policy.thresholds().outcome_for(score), Outcome::max);
    AmlDecision { outcome, score, hits, policy: policy.reference(), shadow: None }
}

/// Shadow mode: evaluate with `enforced` (its outcome counts) and record what `shadow` would have decided.
pub fn evaluate_with_shadow(enforced: &AmlPolicy, shadow: &AmlPolicy, facts: &PaymentFacts) -> AmlDecision {
    let mut decision = evaluate(enforced, facts);
    decision.shadow = Some(Box::new(evaluate(shadow, facts)));
    decision
}
