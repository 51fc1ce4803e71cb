//! The AML policy file (`policy/aml-v2.toml`): thresholds, the structuring window and the rules,
//! each with an id known to the code, a score modifier, an optional outcome floor, a reason and its
//! parameters. Referenced by version and sha256 from every decision that used it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::Outcome;
use super::rules::Check;
use crate::compliance::PolicyRef;

pub(crate) const ENFORCED_TEXT: &str = include_str!("../../policy/aml-v2.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmlPolicyError {
    #[error("aml policy: not valid TOML for the policy schema: {0}")]
    Parse(String),
    #[error("aml policy: unknown rule id {0:?}")]
    UnknownRule(String),
    #[error("aml policy: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AmlPolicyFile {
    version: String,
    window: WindowFile,
    thresholds: Thresholds,
    rule: Vec<RuleFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowFile {
    recent_amounts_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    score: i32,
    floor: Option<Outcome>,
    reason: String,
    params: Option<toml::Table>,
}

/// Score lines: a total at or above `review` / `hold` / `block` gives that outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub review: i32,
    pub hold: i32,
    pub block: i32,
}

impl Thresholds {
    pub fn outcome_for(&self, score: i32) -> Outcome {
        if score >= self.block {
            Outcome::Block
        } else if score >= self.hold {
            Outcome::Hold
        } else if score >= self.review {
            Outcome::Review
        } else {
            Outcome::Clear
        }
    }
}

/// One compiled rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) score: i32,
    pub(crate) floor: Option<Outcome>,
    pub(crate) reason: String,
    pub(crate) check: Check,
}

#[derive(Debug, Clone)]
pub struct AmlPolicy {
    version: String,
    sha256: String,
    window_days: u32,
    thresholds: Thresholds,
    rules: Vec<Rule>,
}

impl AmlPolicy {
    /// The enforced policy compiled into this build (`aml-v2.toml`).
    pub fn enforced() -> Result<Self, AmlPolicyError> {
        Self::parse(ENFORCED_TEXT)
    }

    /// The shipped `aml-v2.toml` text (to derive a candidate policy from, e.g. for shadow runs).
    pub fn enforced_text() -> &'static str {
        ENFORCED_TEXT
    }

    pub fn parse(text: &str) -> Result<Self, AmlPolicyError> {
        let file: AmlPolicyFile = toml::from_str(text).map_err(|e| AmlPolicyError::Parse(e.to_string()))?;
        if file.version.trim().is_empty() {
            return Err(AmlPolicyError::Invalid("version is empty".into()));
        }
        if file.window.recent_amounts_days == 0 {
            return Err(AmlPolicyError::Invalid("window.recent_amounts_days must be at least 1".into()));
        }
        let t = file.thresholds;
        if !(0 < t.review && t.review < t.hold && t.hold < t.block) {
            return Err(AmlPolicyError::Invalid(format!(
                "thresholds must satisfy 0 < review < hold < block (got {}, {}, {})",
                t.review, t.hold, t.block
            )));
        }
        if file.rule.is_empty() {
            return Err(AmlPolicyError::Invalid("no rules".into()));
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(file.rule.len());
        for raw in file.rule {
            if !super::rules::KNOWN_RULE_IDS.contains(&raw.id.as_str()) {
                return Err(AmlPolicyError::UnknownRule(raw.id));
            }
            if rules.iter().any(|r| r.id == raw.id) {
                return Err(AmlPolicyError::Invalid(format!("rule {} appears twice", raw.id)));
            }
            if raw.reason.trim().is_empty() {
                return Err(AmlPolicyError::Invalid(format!("rule {}: reason is empty", raw.id)));
            }
            if raw.score == 0 && raw.floor.is_none() {
                return Err(AmlPolicyError::Invalid(format!("rule {}: neither a score nor a floor", raw.id)));
            }
            if raw.floor == Some(Outcome::Clear) {
                return Err(AmlPolicyError::Invalid(format!("rule {}: a floor of clear has no effect", raw.id)));
            }
            let check = Check::compile(&raw.id, raw.params).map_err(AmlPolicyError::Invalid)?;
            rules.push(Rule { id: raw.id, score: raw.score, floor: raw.floor, reason: raw.reason, check });
        }
        Ok(Self {
            version: file.version,
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            window_days: file.window.recent_amounts_days,
            thresholds: t,
            rules,
        })
    }

    pub fn reference(&self) -> PolicyRef {
        PolicyRef { version: self.version.clone(), sha256: self.sha256.clone() }
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// How many days of payments the caller passes as `PaymentFacts::recent_amounts`.
    pub fn window_days(&self) -> u32 {
        self.window_days
    }

    /// The rule ids in the policy's order.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.id.as_str()).collect()
    }

    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }
}
