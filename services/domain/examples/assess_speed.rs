//! How long the compliance engine takes per assessment, under each policy version: a release-mode
//! timing of `compliance::assess` over a spread of deployments (an internal tool, a public assistant,
//! an Annex III employment screen, a Colorado tenant screen with personal data).
//! Run: `cargo run --release -p attune-domain --example assess_speed`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use attune_domain::OrgKind;
use attune_domain::compliance::{AssessmentInput, BaseModelFacts, DeploymentContext, Hyperparameters, Policy, assess};

fn deployment(sectors: &[&str], jurisdictions: &[&str], users: u64, public: bool, profiles: bool) -> DeploymentContext {
    DeploymentContext {
        purpose: "a deployment".into(),
        sectors: sectors.iter().map(|s| s.to_string()).collect(),
        prohibited_practices: vec![],
        jurisdictions: jurisdictions.iter().map(|s| s.to_string()).collect(),
        expected_monthly_users: users,
        monthly_queries: users * 10,
        autonomy: "human_on_the_loop".into(),
        vulnerable_groups: false,
        public_facing: public,
        profiles_natural_persons: profiles,
        revenue_dependence: "medium".into(),
        art6_3_derogation: None,
        commercial: true,
        functions: vec![],
        provides_public_service: false,
    }
}

fn main() {
    let model = BaseModelFacts {
        parameter_count: 7_000_000_000,
        training_flops: Some(1e24),
        intended_uses: vec!["general".into()],
        systemic_risk_designated: false,
        licence_fee: 5_000_000,
        architecture: "llama".into(),
    };
    let hp = Hyperparameters { epochs: 3, lora_rank: Some(16), learning_rate: None, tokens: Some(10_000_000) };
    let cases = [
        deployment(&["internal_tools"], &["EU"], 50, false, false),
        deployment(&["customer_service"], &["EU", "UK"], 500_000, true, false),
        deployment(&["employment"], &["DE"], 2_000, false, true),
        deployment(&["housing"], &["US-CO"], 10_000, false, true),
    ];
    for (name, policy) in [("v1", Policy::v1().unwrap()), ("v2", Policy::v2().unwrap())] {
        let iterations = 20_000;
        let started = Instant::now();
        for i in 0..iterations {
            let d = &cases[i % cases.len()];
            let input = AssessmentInput {
                model: &model,
                method: "lora".into(),
                hyperparameters: &hp,
                tokens: None,
                deployment: d,
                organization_kind: OrgKind::Sme,
                dataset_has_personal_data: i % 2 == 0,
                dataset_has_special_category_data: false,
                measured_flops: None,
                audit_fee: None,
            };
            black_box(assess(policy, &input).unwrap());
        }
        let per = started.elapsed().as_secs_f64() / iterations as f64;
        println!("policy {name}: {:.1} µs per assessment ({:.0} assessments/s on one core)", per * 1e6, 1.0 / per);
    }
}
