use attune_domain::aml::{AmlPolicy, Outcome, evaluate, evaluate_with_shadow};

use crate::support::{clean, usdc, v1};

/// A stricter candidate: a lower hold line and a lower EDD threshold, derived from the shipped text.
fn stricter() -> AmlPolicy {
    let text = AmlPolicy::enforced_text()
        .replace("version = \"aml-v2\"", "version = \"aml-v2-candidate\"")
        .replace("hold = 60", "hold = 40")
        .replace("threshold_usdc = 1000\nrequired_kyc", "threshold_usdc = 500\nrequired_kyc");
    assert_ne!(text, AmlPolicy::enforced_text());
    AmlPolicy::parse(&text).unwrap()
}

#[test]
fn shadow_mode_records_a_stricter_decision_without_changing_the_outcome() {
    let mut facts = clean();
    facts.amount = usdc(700);
    facts.list_price = usdc(700);
    facts.payer_is_verified_wallet = false;

    let enforced = v1();
    let alone = evaluate(&enforced, &facts);
    let d = evaluate_with_shadow(&enforced, &stricter(), &facts);

    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(d.outcome, alone.outcome);
    assert_eq!(d.score, alone.score);
    assert_eq!(d.hits, alone.hits);
    assert_eq!(d.policy, enforced.reference());

    let shadow = d.shadow.as_deref().unwrap();
    assert_eq!(shadow.policy.version, "aml-v2-candidate");
    assert_ne!(shadow.policy.sha256, d.policy.sha256);
    assert_eq!(shadow.score, 70);
    assert_eq!(shadow.outcome, Outcome::Hold);
    assert!(shadow.hit("edd_threshold").unwrap().detail.contains("500.000000 USDC"));
    assert!(shadow.shadow.is_none());
    assert!(d.shadow_disagrees());
}

#[test]
fn a_shadow_that_agrees_is_still_recorded() {
    let d = evaluate_with_shadow(&v1(), &stricter(), &clean());
    assert_eq!(d.outcome, Outcome::Clear);
    assert_eq!(d.shadow.as_ref().unwrap().outcome, Outcome::Clear);
    assert!(!d.shadow_disagrees());
}
