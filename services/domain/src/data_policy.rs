//! The data policy (`policy/data-v*.toml`; new decisions use `DataPolicy::current()`): which
//! crawlers' robots.txt groups count as a TDM reservation, how long an opt-out verdict stands, who
//! may use the research exception and on what proof, and the share of domains the training content
//! summary lists. Data, not code, and referenced by version and sha256 from every verdict that used it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::OrgKind;
use crate::compliance::PolicyRef;

const V1_TEXT: &str = include_str!("../policy/data-v1.toml");
const V2_TEXT: &str = include_str!("../policy/data-v2.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataPolicyFile {
    version: String,
    optout: OptoutRules,
    gate: GateRules,
    training_summary: SummaryRules,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptoutRules {
    pub ai_user_agents: Vec<String>,
    pub noai_directives: Vec<String>,
    pub recheck_after_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateRules {
    pub research_exception_org_kinds: Vec<String>,
    /// The organisation kind must have been verified by an admin with evidence (from data-v2).
    #[serde(default)]
    pub research_exception_needs_verified_kind: bool,
    /// data-v1 fell back to the EU opt-out rules for non-commercial UK use outside research; the UK
    /// has no opt-out regime, so from data-v2 such use needs a licence.
    #[serde(default = "legacy_uk_fallback")]
    pub uk_optout_fallback: bool,
}

fn legacy_uk_fallback() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryRules {
    pub top_domain_share: f64,
}

#[derive(Debug, Clone)]
pub struct DataPolicy {
    file: DataPolicyFile,
    sha256: String,
}

impl DataPolicy {
    /// data-v1, kept so the verdicts it decided can be replayed.
    pub fn v1() -> Result<Self, String> {
        Self::parse(V1_TEXT)
    }

    /// The policy new verdicts are decided under.
    pub fn current() -> Result<Self, String> {
        Self::parse(V2_TEXT)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: DataPolicyFile = toml::from_str(text).map_err(|e| format!("data policy: {e}"))?;
        if file.version.trim().is_empty() {
            return Err("data policy: version is empty".into());
        }
        if file.optout.ai_user_agents.iter().any(|a| a.trim().is_empty()) {
            return Err("data policy: an AI user agent is blank".into());
        }
        let share = file.training_summary.top_domain_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err("data policy: training_summary.top_domain_share must be in (0, 1]".into());
        }
        for kind in &file.gate.research_exception_org_kinds {
            kind.parse::<OrgKind>().map_err(|e| format!("data policy: gate.research_exception_org_kinds: {e}"))?;
        }
        Ok(Self { file, sha256: hex::encode(Sha256::digest(text.as_bytes())) })
    }

    pub fn reference(&self) -> PolicyRef {
        PolicyRef { version: self.file.version.clone(), sha256: self.sha256.clone() }
    }

    pub fn optout(&self) -> &OptoutRules {
        &self.file.optout
    }

    /// The user agents whose robots.txt groups are consulted: the policy's list and `own_bot`.
    pub fn user_agents(&self, own_bot: &str) -> Vec<String> {
        let mut agents = self.file.optout.ai_user_agents.clone();
        if !own_bot.trim().is_empty() && !agents.iter().any(|a| a.eq_ignore_ascii_case(own_bot)) {
            agents.push(own_bot.trim().to_owned());
        }
        agents
    }

    /// Whether an organisation of `kind` may use the research exceptions (DSM Art. 3, CDPA s.29A);
    /// `kind_verified`: an admin verified the kind with evidence.
    pub fn research_exception_applies(&self, kind: OrgKind, kind_verified: bool) -> bool {
        let gate = &self.file.gate;
        (kind_verified || !gate.research_exception_needs_verified_kind)
            && gate.research_exception_org_kinds.iter().any(|k| k.parse::<OrgKind>().is_ok_and(|parsed| parsed == kind))
    }

    /// The organisation kinds that may use the research exceptions (once verified, from data-v2).
    pub fn research_exception_kinds(&self) -> Vec<OrgKind> {
        self.file.gate.research_exception_org_kinds.iter().filter_map(|k| k.parse().ok()).collect()
    }

    /// Whether non-commercial UK use outside research falls back to the EU opt-out rules (data-v1
    /// only; the UK has no opt-out regime).
    pub fn uk_optout_fallback(&self) -> bool {
        self.file.gate.uk_optout_fallback
    }

    pub fn top_domain_share(&self) -> f64 {
        self.file.training_summary.top_domain_share
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses() {
        let policy = DataPolicy::v1().unwrap();
        assert_eq!(policy.reference().version, "data-v1");
        assert!(policy.user_agents("AttuneBot").iter().any(|a| a == "AttuneBot"));
        assert!(policy.user_agents("gptbot").iter().all(|a| a != "gptbot"));
        assert!(policy.research_exception_applies(OrgKind::Research, false));
        assert!(!policy.research_exception_applies(OrgKind::Sme, false));
        let v2 = DataPolicy::current().unwrap();
        assert_eq!(v2.reference().version, "data-v2");
        assert!(!v2.research_exception_applies(OrgKind::Research, false), "the sign-up form alone is not enough");
        assert!(v2.research_exception_applies(OrgKind::Research, true));
        assert!(v2.research_exception_applies(OrgKind::CulturalHeritage, true), "DSM Art. 3 covers cultural heritage institutions");
        assert!(!v2.research_exception_applies(OrgKind::Sme, true));
        assert!(policy.uk_optout_fallback() && !v2.uk_optout_fallback());
    }

    #[test]
    fn a_share_outside_the_unit_interval_is_refused() {
        let text = V2_TEXT.replace("top_domain_share = 0.10", "top_domain_share = 1.5");
        assert!(DataPolicy::parse(&text).is_err());
    }
}
