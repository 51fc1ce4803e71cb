//! The graduated transition (`policy/transition-v1.toml`; seed 002 §VI.C): when reported usage moves
//! a deployment into a higher tier, its new obligations phase in with due dates instead of applying
//! at once. Data, referenced by version.

use serde::{Deserialize, Serialize};

const V1_TEXT: &str = include_str!("../policy/transition-v1.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub due_days: u32,
    pub obligations: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionPolicy {
    version: String,
    default_phase: String,
    dispatch_only: Vec<String>,
    reminder_days_before: Vec<u32>,
    phase: Vec<Phase>,
}

impl TransitionPolicy {
    pub fn current() -> Result<&'static TransitionPolicy, String> {
        static CURRENT: std::sync::OnceLock<Result<TransitionPolicy, String>> = std::sync::OnceLock::new();
        CURRENT.get_or_init(|| Self::parse(V1_TEXT)).as_ref().map_err(Clone::clone)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let p: TransitionPolicy = toml::from_str(text).map_err(|e| format!("transition policy: {e}"))?;
        if p.version.trim().is_empty() || p.phase.is_empty() {
            return Err("transition policy: a version and at least one phase are needed".into());
        }
        for (i, phase) in p.phase.iter().enumerate() {
            if phase.due_days == 0 || phase.title.trim().is_empty() {
                return Err(format!("transition policy: phase {:?} needs a title and positive due_days", phase.id));
            }
            if p.phase[..i].iter().any(|o| o.id == phase.id) {
                return Err(format!("transition policy: phase {:?} is defined twice", phase.id));
            }
            if let Some(dup) = phase.obligations.iter().find(|o| p.phase[..i].iter().any(|earlier| earlier.obligations.contains(o))) {
                return Err(format!("transition policy: obligation {dup:?} is in two phases"));
            }
        }
        if !p.phase.iter().any(|ph| ph.id == p.default_phase) {
            return Err(format!("transition policy: the default phase {:?} is not defined", p.default_phase));
        }
        let mut days = p.reminder_days_before.clone();
        days.sort_unstable_by(|a, b| b.cmp(a));
        if days != p.reminder_days_before || days.windows(2).any(|w| w[0] == w[1]) {
            return Err("transition policy: reminder_days_before must be strictly decreasing".into());
        }
        Ok(p)
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn phases(&self) -> &[Phase] {
        &self.phase
    }

    /// Whether a grown deployment gets the obligation at all (not one that only gates dispatch).
    pub fn phases_in(&self, obligation_id: &str) -> bool {
        !self.dispatch_only.iter().any(|o| o == obligation_id)
    }

    /// The phase an obligation phases in with (its own, else the default).
    pub fn phase_for(&self, obligation_id: &str) -> &Phase {
        self.phase
            .iter()
            .find(|p| p.obligations.iter().any(|o| o == obligation_id))
            .or_else(|| self.phase.iter().find(|p| p.id == self.default_phase))
            .unwrap_or(&self.phase[0])
    }

    /// Days before the due date at which reminders go out, largest first.
    pub fn reminder_days_before(&self) -> &[u32] {
        &self.reminder_days_before
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn obligations_phase_in_documentation_first_and_unknown_ones_take_the_default() {
        let p = TransitionPolicy::current().unwrap();
        assert_eq!(p.phase_for("AIA_ART13_TRANSPARENCY").id, "documentation");
        assert_eq!(p.phase_for("AIA_ART72_POST_MARKET").id, "monitoring");
        assert_eq!(p.phase_for("SOMETHING_NEW").id, "assessment");
        assert!(!p.phases_in("POOL_REVIEW") && p.phases_in("AIA_ART9_RISK_MGMT"));
        let days: Vec<u32> = p.phases().iter().map(|ph| ph.due_days).collect();
        assert!(days.windows(2).all(|w| w[0] < w[1]), "{days:?}");
    }

    #[test]
    fn every_listed_obligation_is_one_the_compliance_policy_defines() {
        let compliance = crate::compliance::Policy::current().unwrap();
        let transition = TransitionPolicy::current().unwrap();
        for id in &transition.dispatch_only {
            assert!(compliance.obligations().iter().any(|o| &o.id == id), "{id}");
        }
        for phase in transition.phases() {
            for id in &phase.obligations {
                assert!(compliance.obligations().iter().any(|o| &o.id == id), "{id} of phase {} is not in the policy", phase.id);
            }
        }
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(TransitionPolicy::parse(&V1_TEXT.replace("default_phase = \"assessment\"", "default_phase = \"later\"")).is_err());
        assert!(TransitionPolicy::parse(&V1_TEXT.replace("[14, 3]", "[3, 14]")).is_err());
        assert!(TransitionPolicy::parse(&V1_TEXT.replace("\"PLATFORM_MONITORING\"]", "\"PLATFORM_MONITORING\", \"GDPR_LIA\"]")).is_err());
    }
}
