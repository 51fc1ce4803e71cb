//! Declared facts as tokens (`sector:<id>`, `function:<id>`, and the yes/no facts below), so that the
//! policy's data rules — Art. 5 cross-checks, a jurisdiction's conditions — can name them.

use std::collections::HashSet;

use super::assessment::Reason;
use super::input::{DeploymentContext, Parsed};
use super::policy::Policy;

/// The yes/no facts a rule may name: the deployment's, the dataset's, and the legal classification's.
pub(crate) const FLAGS: [&str; 7] = [
    "profiles_natural_persons",
    "public_facing",
    "vulnerable_groups",
    "provides_public_service",
    "personal_data",
    "special_category_data",
    "ai_act_high_risk",
];

pub(crate) struct Facts {
    tokens: HashSet<String>,
}

impl Facts {
    pub(crate) fn of(parsed: &Parsed<'_>, d: &DeploymentContext, personal_data: bool, special_category_data: bool) -> Self {
        let mut tokens: HashSet<String> = parsed.sectors.iter().map(|s| format!("sector:{}", s.id)).collect();
        tokens.extend(parsed.functions.iter().map(|f| format!("function:{}", f.id)));
        let flags = [
            d.profiles_natural_persons,
            d.public_facing,
            d.vulnerable_groups,
            d.provides_public_service,
            personal_data,
            special_category_data,
        ];
        tokens.extend(FLAGS.iter().zip(flags).filter(|(_, on)| *on).map(|(name, _)| (*name).to_string()));
        Facts { tokens }
    }

    /// Adds a fact found by the engine itself (the legal classification).
    pub(crate) fn set(&mut self, flag: &'static str) {
        self.tokens.insert(flag.to_string());
    }

    pub(crate) fn holds(&self, token: &str) -> bool {
        self.tokens.contains(token)
    }

    /// Every group has a token that holds.
    pub(crate) fn all_groups(&self, groups: &[Vec<String>]) -> bool {
        groups.iter().all(|g| g.iter().any(|t| self.holds(t)))
    }

    /// `tokens` is empty, or one of them holds.
    pub(crate) fn any_or_empty(&self, tokens: &[String]) -> bool {
        tokens.is_empty() || tokens.iter().any(|t| self.holds(t))
    }
}

/// Declared facts that point at a prohibited practice the buyer did not tick: flagged for review,
/// not refused, because only a reviewer can tell whether the practice is what the system does.
pub(crate) fn cross_checks(policy: &Policy, parsed: &Parsed<'_>, facts: &Facts) -> Vec<Reason> {
    policy
        .cross_checks()
        .iter()
        .filter(|c| !parsed.practices.iter().any(|p| p.id == c.practice) && facts.all_groups(&c.requires))
        .map(|c| {
            let article = policy.prohibited_practices().iter().find(|p| p.id == c.practice).map_or("AI Act Art. 5", |p| p.article.as_str());
            Reason::new(
                format!("art5.cross_check.{}", c.id),
                format!("{} This points at a prohibited practice ({article}) that the deployment does not declare, so a reviewer must confirm it is not one before the job goes on.", c.detail),
            )
        })
        .collect()
}
