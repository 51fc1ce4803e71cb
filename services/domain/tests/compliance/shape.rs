//! The numbers and the JSON shape of one worked example: 7B LoRA on 10M tokens × 3 epochs.

use attune_domain::compliance::{Assessment, DeploymentContext, Payee, PayeeRole, Policy};
use serde_json::{Value, json};

use crate::support::Case;

#[test]
fn flops_formula_and_duration_of_the_worked_example() {
    let a = Case::baseline().assess();
    assert_eq!(a.flops.estimate, 8.4e17);
    assert_eq!(a.flops.formula, "4 × 7.0e9 params × 1.0e7 tokens × 3 epochs (LoRA: frozen base, k = 4)");
    assert_eq!(a.flops.base_training_flops, Some(1e24));
    assert!(!a.flops.substantial_modification);
    // 8.4e17 FLOPs at 1.25e14 FLOP/s is 6,720 s, plus 300 s of overhead.
    assert_eq!(a.estimated_duration_s, 7_020);
}

#[test]
fn full_fine_tuning_uses_k_six() {
    let mut case = Case::baseline();
    case.method = "full".into();
    let a = case.assess();
    assert_eq!(a.flops.estimate, 1.26e18);
    assert!(a.flops.formula.starts_with("6 × 7.0e9 params"), "{}", a.flops.formula);
}

#[test]
fn dataset_tokens_override_hyperparameter_tokens() {
    let mut case = Case::baseline();
    case.dataset_tokens = Some(20_000_000);
    assert_eq!(case.assess().flops.estimate, 1.68e18);
}

#[test]
fn quote_of_the_worked_example() {
    let a = Case::baseline().assess();
    // 840 PFLOPs × 0.01 USDC = 8.40 USDC compute; 5 % of (5.00 + 8.40) = 0.67 USDC platform fee.
    let lines: Vec<(Payee, PayeeRole, u128)> = a.quote.breakdown.iter().map(|l| (l.payee, l.role, l.amount)).collect();
    assert_eq!(
        lines,
        vec![
            (Payee::Provider, PayeeRole::LicenceFee, 5_000_000),
            (Payee::Compute, PayeeRole::Compute, 8_400_000),
            (Payee::Platform, PayeeRole::PlatformFee, 670_000),
        ]
    );
    assert_eq!(a.quote.amount, 14_070_000);
    assert_eq!(a.quote.token, "USDC");
}

#[test]
fn audit_fee_only_when_audit_is_required() {
    let mut case = Case::baseline();
    case.deployment.expected_monthly_users = 1_000_000;
    case.deployment.public_facing = true;
    let a = case.assess();
    assert!(a.audit_required);
    let audit: Vec<u128> = a.quote.breakdown.iter().filter(|l| l.payee == Payee::AuditPool).map(|l| l.amount).collect();
    assert_eq!(audit, vec![25_000_000]);
    assert_eq!(a.quote.amount, 14_070_000 + 25_000_000);
    assert_eq!(a.quote.breakdown.iter().map(|l| l.amount).sum::<u128>(), a.quote.amount);
}

#[test]
fn tiny_runs_pay_the_minimum_compute_charge_and_round_up() {
    let mut case = Case::baseline();
    case.model.parameter_count = 1_000;
    case.model.licence_fee = 0;
    let a = case.assess();
    // 1.2e11 FLOPs is one started PFLOP (0.01 USDC), below the 1 USDC minimum.
    assert_eq!(a.quote.breakdown.len(), 2, "no zero licence line: {:?}", a.quote.breakdown);
    assert_eq!(a.quote.breakdown[0].amount, 1_000_000);
    assert_eq!(a.quote.amount, 1_050_000);
}

#[test]
fn assessment_serialises_to_the_api_shape() {
    let mut case = Case::baseline();
    case.model.training_flops = None;
    let value = serde_json::to_value(case.assess()).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    for key in
        ["risk_tier", "reasons", "obligations", "flops", "provider_role", "audit_required", "quote", "estimated_duration_s", "policy"]
    {
        assert!(keys.contains(&key), "missing {key} in {keys:?}");
    }
    assert_eq!(value["risk_tier"], "low");
    assert_eq!(value["provider_role"], "deployer");
    assert_eq!(value["audit_required"], false);
    assert_eq!(value["flops"]["estimate"], json!(8.4e17));
    assert_eq!(value["flops"]["base_training_flops"], Value::Null);
    assert_eq!(value["flops"]["substantial_modification"], false);
    assert_eq!(
        value["flops"]["fallback_used"],
        "base training compute unknown: one third of 1e23 FLOPs (Commission GPAI guidelines, July 2025)"
    );
    assert_eq!(value["quote"]["token"], "USDC");
    assert_eq!(value["quote"]["amount"], "14070000");
    assert_eq!(value["quote"]["breakdown"][0], json!({"payee": "provider", "role": "licence_fee", "amount": "5000000"}));
    assert_eq!(value["policy"]["version"], "v1");
    assert_eq!(value["policy"]["sha256"], json!(Policy::v1().unwrap().reference().sha256));
    let obligation = &value["obligations"][0];
    for key in ["id", "article", "title", "blocking", "template"] {
        assert!(obligation.get(key).is_some(), "obligation lacks {key}: {obligation}");
    }
    let reason = &value["reasons"][0];
    assert!(reason["rule"].is_string() && reason["detail"].is_string(), "{reason}");

    let back: Assessment = serde_json::from_value(value).unwrap();
    assert_eq!(back.quote.amount, 14_070_000);
}

#[test]
fn high_tier_serialises_as_high_and_prohibited_as_prohibited() {
    let mut case = Case::baseline();
    case.deployment.prohibited_practices = vec!["social_scoring".into()];
    assert_eq!(serde_json::to_value(case.assess()).unwrap()["risk_tier"], "prohibited");
    case.deployment.prohibited_practices.clear();
    case.sectors(&["employment"]);
    assert_eq!(serde_json::to_value(case.assess()).unwrap()["risk_tier"], "high");
}

#[test]
fn deployment_deserialises_from_api_json_with_optional_fields_missing() {
    let d: DeploymentContext = serde_json::from_value(json!({
        "purpose": "Answer questions about our return policy",
        "sectors": ["customer_service"],
        "jurisdictions": ["EU", "US-CO"],
        "expected_monthly_users": 20000,
        "monthly_queries": 100000,
        "autonomy": "human_on_the_loop",
        "revenue_dependence": "medium"
    }))
    .unwrap();
    assert!(d.prohibited_practices.is_empty() && !d.public_facing && !d.vulnerable_groups && !d.profiles_natural_persons);
    assert!(d.art6_3_derogation.is_none());
    let mut case = Case::baseline();
    case.deployment = d;
    case.assess();
}

/// A v1 assessment keeps the v1 shape (stored jobs replay to the same JSON); v2 adds the legal
/// classification, the two roles and the platform's measures.
#[test]
fn v2_adds_classification_roles_and_measures_and_v1_keeps_its_shape() {
    let v1 = serde_json::to_value(Case::baseline().assess()).unwrap();
    for key in ["legal_classification", "roles", "platform_measures", "review_flags"] {
        assert!(v1.get(key).is_none(), "v1 gained {key}");
    }
    let mut case = Case::v2();
    case.sectors(&["employment"]);
    let v2 = serde_json::to_value(case.assess()).unwrap();
    assert_eq!(v2["policy"]["version"], "v2");
    assert_eq!(v2["legal_classification"]["ai_act_high_risk"], true);
    assert_eq!(v2["legal_classification"]["floor"], "high");
    assert!(v2["legal_classification"]["grounds"][0]["rule"].as_str().unwrap().starts_with("annex_iii."));
    assert_eq!(v2["roles"]["high_risk_provider"]["applies"], true);
    assert_eq!(v2["roles"]["gpai_provider"]["applies"], false);
    assert_eq!(v2["provider_role"], "provider");
    assert_eq!(v2["platform_measures"][0]["id"], "POOL_REVIEW");
    let back: Assessment = serde_json::from_value(v2).unwrap();
    assert!(back.roles.unwrap().high_risk_provider.applies);
}

#[test]
fn a_priced_audit_fee_replaces_the_flat_one_and_names_its_reviewer() {
    use attune_domain::pools::PoolPolicy;
    let mut case = Case::v2();
    case.deployment.expected_monthly_users = 1_000_000;
    case.deployment.public_facing = true;
    let pools = PoolPolicy::current().unwrap();

    case.audit_fee = Some(pools.pooled_fee(20));
    let pooled = case.assess();
    assert!(pooled.audit_required);
    let line = pooled.quote.breakdown.iter().find(|l| l.role == PayeeRole::AuditFee).expect("an audit line");
    assert_eq!((line.payee, line.amount), (Payee::AuditPool, 45_000_000));
    assert_eq!(pooled.audit_fee.as_ref().map(|f| f.members), Some(20));

    case.audit_fee = Some(pools.non_pooled_fee());
    let alone = case.assess();
    let line = alone.quote.breakdown.iter().find(|l| l.role == PayeeRole::AuditFee).expect("an audit line");
    assert_eq!((line.payee, line.amount), (Payee::PlatformReview, 400_000_000));
    assert_eq!(alone.quote.amount - pooled.quote.amount, 400_000_000 - 45_000_000);

    // No review, no fee: the priced fee is not recorded either.
    let mut quiet = Case::v2();
    quiet.audit_fee = Some(pools.pooled_fee(20));
    let a = quiet.assess();
    assert!(!a.audit_required);
    assert!(a.audit_fee.is_none() && a.quote.breakdown.iter().all(|l| l.role != PayeeRole::AuditFee));
}
