//! Reference deployments (issue: a calibrated application score). Each names a real kind of
//! deployment, the tier it must get under the current policy, and why; the table keeps the score's
//! numbers honest when they change. Reach is one dimension: users and queries never both add points.

use attune_domain::compliance::{Assessment, RiskTier};

use crate::support::Case;

struct Reference {
    name: &'static str,
    tier: RiskTier,
    why: &'static str,
    setup: fn(&mut Case),
}

fn deployment(c: &mut Case, users: u64, queries: u64, autonomy: &str, public: bool) {
    let d = &mut c.deployment;
    (d.expected_monthly_users, d.monthly_queries, d.autonomy, d.public_facing) = (users, queries, autonomy.into(), public);
}

const REFERENCES: [Reference; 8] = [
    Reference {
        name: "an internal tool",
        tier: RiskTier::Low,
        why: "fifty colleagues, a human decides every time: nothing to scale up",
        setup: |c| deployment(c, 50, 1_000, "human_in_the_loop", false),
    },
    Reference {
        name: "a public FAQ bot",
        tier: RiskTier::Low,
        why: "answers public questions automatically, but for a few thousand people and with nothing at stake; Art. 50 covers the transparency",
        setup: |c| {
            deployment(c, 5_000, 20_000, "automated", true);
            c.sectors(&["customer_service"]);
        },
    },
    Reference {
        name: "a large public customer-service assistant with a human on the loop",
        tier: RiskTier::Medium,
        why: "half a million people, revenue depends on it, a human supervises: pool review and monitoring",
        setup: |c| {
            deployment(c, 500_000, 5_000_000, "human_on_the_loop", true);
            c.deployment.revenue_dependence = "medium".into();
            c.sectors(&["customer_service"]);
        },
    },
    Reference {
        name: "a large autonomous companion app for the public with vulnerable users",
        tier: RiskTier::High,
        why: "a million people, some vulnerable, no human in the way, the business depends on engagement",
        setup: |c| {
            deployment(c, 1_000_000, 30_000_000, "automated", true);
            c.deployment.vulnerable_groups = true;
            c.deployment.revenue_dependence = "high".into();
            c.sectors(&["general"]);
        },
    },
    Reference {
        name: "decision support for clinicians",
        tier: RiskTier::Medium,
        why: "a wrong suggestion can harm a patient even with a clinician deciding: healthcare is critical",
        setup: |c| {
            deployment(c, 2_000, 40_000, "human_in_the_loop", false);
            c.sectors(&["healthcare"]);
            c.model.intended_uses = vec!["healthcare".into()];
        },
    },
    Reference {
        name: "a heavily used internal coding assistant",
        tier: RiskTier::Low,
        why: "many queries from few engineers is one reach, not two; engineers review every suggestion",
        setup: |c| {
            deployment(c, 900, 5_000_000, "human_in_the_loop", false);
            c.sectors(&["software"]);
        },
    },
    Reference {
        name: "a large automated public content generator",
        tier: RiskTier::Medium,
        why: "a million people served without a human: more scrutiny, but not high without vulnerability or criticality",
        setup: |c| {
            deployment(c, 1_000_000, 2_000_000, "automated", true);
            c.sectors(&["marketing"]);
        },
    },
    Reference {
        name: "a small public booking assistant",
        tier: RiskTier::Low,
        why: "a public chat for a thousand guests of a small hotel, supervised",
        setup: |c| {
            deployment(c, 1_000, 10_000, "human_on_the_loop", true);
            c.sectors(&["customer_service"]);
            c.deployment.functions = vec!["chat".into()];
        },
    },
];

fn score(a: &Assessment) -> u32 {
    a.legal_classification.as_ref().map_or(0, |l| l.application_score)
}

#[test]
fn reference_deployments_get_their_tiers() {
    let mut failures = Vec::new();
    for r in &REFERENCES {
        let mut case = Case::v2();
        (r.setup)(&mut case);
        let a = case.assess();
        if a.risk_tier != r.tier {
            failures.push(format!("{}: {} with score {} (want {}: {})", r.name, a.risk_tier, score(&a), r.tier, r.why));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn users_and_queries_are_one_reach() {
    let mut case = Case::v2();
    deployment(&mut case, 100_000, 1_000_000, "human_in_the_loop", false);
    let both = case.assess();
    case.deployment.monthly_queries = 0;
    let users_only = case.assess();
    assert_eq!(score(&both), score(&users_only), "queries at the same reach as the users add nothing");
    let rules: Vec<&str> = both.reasons.iter().map(|r| r.rule.as_str()).collect();
    assert!(rules.contains(&"score.reach") && !rules.contains(&"score.users_band") && !rules.contains(&"score.queries_band"), "{rules:?}");
}
