use std::collections::BTreeSet;

use attune_domain::aml::{AmlPolicy, AmlPolicyError, KNOWN_RULE_IDS};

#[test]
fn the_shipped_policy_parses_and_every_rule_id_is_known() {
    let policy = AmlPolicy::enforced().unwrap();
    let r = policy.reference();
    assert_eq!(r.version, "aml-v2");
    assert_eq!(r.sha256.len(), 64);
    assert!(r.sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(policy.window_days(), 7);
    let t = policy.thresholds();
    assert_eq!((t.review, t.hold, t.block), (30, 60, 100));

    let in_file: BTreeSet<&str> = policy.rule_ids().into_iter().collect();
    let known: BTreeSet<&str> = KNOWN_RULE_IDS.iter().copied().collect();
    assert_eq!(in_file, known, "the shipped policy implements exactly the known rules");
    assert_eq!(policy.rule_ids().len(), KNOWN_RULE_IDS.len(), "no rule appears twice");
}

#[test]
fn an_unknown_rule_id_is_refused() {
    let text = format!("{}\n[[rule]]\nid = \"crypto_vibes\"\nscore = 10\nreason = \"made up\"\n", AmlPolicy::enforced_text());
    assert_eq!(AmlPolicy::parse(&text).unwrap_err(), AmlPolicyError::UnknownRule("crypto_vibes".into()));
}

#[test]
fn a_duplicated_rule_is_refused() {
    let text = format!("{}\n[[rule]]\nid = \"buyer_is_provider\"\nscore = 10\nreason = \"again\"\n", AmlPolicy::enforced_text());
    assert!(matches!(AmlPolicy::parse(&text), Err(AmlPolicyError::Invalid(m)) if m.contains("twice")));
}

#[test]
fn unknown_or_missing_params_are_refused() {
    let unknown = AmlPolicy::enforced_text().replace("min_payments_24h = 10", "min_payments_24h = 10\nmax_payments = 3");
    assert!(matches!(AmlPolicy::parse(&unknown), Err(AmlPolicyError::Invalid(m)) if m.contains("velocity")));
    let missing = AmlPolicy::enforced_text().replace("min_refunds_30d = 3", "");
    assert!(matches!(AmlPolicy::parse(&missing), Err(AmlPolicyError::Invalid(m)) if m.contains("refund_loop")));
    let stray =
        AmlPolicy::enforced_text().replace("score = 100\nfloor = \"block\"", "score = 100\nfloor = \"block\"\n[rule.params]\nx = 1");
    assert!(AmlPolicy::parse(&stray).is_err());
}

#[test]
fn inconsistent_values_are_refused() {
    let thresholds = AmlPolicy::enforced_text().replace("hold = 60", "hold = 120");
    assert!(matches!(AmlPolicy::parse(&thresholds), Err(AmlPolicyError::Invalid(m)) if m.contains("thresholds")));
    let floor = AmlPolicy::enforced_text().replace("floor = \"block\"", "floor = \"blocked\"");
    assert!(matches!(AmlPolicy::parse(&floor), Err(AmlPolicyError::Parse(_))));
    let country = AmlPolicy::enforced_text().replace("\"KP\", \"IR\"", "\"kp\", \"IR\"");
    assert!(AmlPolicy::parse(&country).is_err());
    let kyc = AmlPolicy::enforced_text().replace("basic_limit_usdc = 10000", "basic_limit_usdc = 10000\nenhanced_limit_usdc = 5000");
    assert!(AmlPolicy::parse(&kyc).is_err());
    let empty_version = AmlPolicy::enforced_text().replace("version = \"aml-v2\"", "version = \" \"");
    assert!(AmlPolicy::parse(&empty_version).is_err());
}
