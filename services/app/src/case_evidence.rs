//! What a case's stored reasons and evidence say, typed for the reviewer's page. Screening wrote them
//! under several policy versions, so every part is optional; what cannot be read shows as nothing.

use serde::Deserialize;

use crate::cases::Case;

/// A rule that fired on the case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseReason {
    pub rule: String,
    pub detail: String,
    pub score: Option<f64>,
}

/// A listed entity whose name matched.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NameMatchEvidence {
    pub entity_id: String,
    pub name: String,
    pub matched_name: String,
    pub score: Option<f64>,
    /// What made the names alike, with each feature's weight.
    pub features: Vec<MatchFeature>,
}

/// A feature of a name match: `["feature", 0.4]` (current policies), or whatever an older one wrote.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MatchFeature {
    Weighted(String, f64),
    Other(serde_json::Value),
}

/// A listed address that matched.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AddressMatchEvidence {
    pub entity_id: String,
    pub currency: String,
    pub listed_address: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Evidence {
    matches: Vec<NameMatchEvidence>,
    #[serde(rename = "match")]
    address_match: Option<AddressMatchEvidence>,
}

impl Case {
    /// The rules that fired, in order.
    pub fn fired_rules(&self) -> Vec<CaseReason> {
        serde_json::from_value(self.reasons.clone()).unwrap_or_default()
    }

    /// The names that matched, best first, for a name case.
    pub fn name_matches(&self) -> Vec<NameMatchEvidence> {
        self.evidence().matches
    }

    /// The listed address that matched, for a wallet or payment case.
    pub fn address_match(&self) -> Option<AddressMatchEvidence> {
        self.evidence().address_match
    }

    fn evidence(&self) -> Evidence {
        serde_json::from_value(self.evidence.clone()).unwrap_or_default()
    }
}
