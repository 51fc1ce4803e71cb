use attune_domain::aml::{KycLevel, Outcome, evaluate};

use crate::support::{clean, usdc, v1};

fn rules(d: &attune_domain::aml::AmlDecision) -> Vec<&str> {
    d.hits.iter().map(|h| h.rule.as_str()).collect()
}

#[test]
fn a_clean_payment_clears() {
    let d = evaluate(&v1(), &clean());
    assert_eq!(d.outcome, Outcome::Clear);
    assert_eq!(d.score, 0);
    assert!(d.hits.is_empty());
    assert_eq!(d.policy.version, "aml-v2");
    assert!(d.shadow.is_none());
}

#[test]
fn a_sanctions_hit_blocks() {
    let d = evaluate(&v1(), &clean_with(|f| f.sanctions_hit = true));
    assert_eq!(d.outcome, Outcome::Block);
    assert_eq!(d.hit("sanctions_hit").unwrap().outcome_floor, Some(Outcome::Block));
}

#[test]
fn no_kyc_holds_any_payment() {
    let d = evaluate(&v1(), &clean_with(|f| f.kyc_level = KycLevel::None));
    assert_eq!(d.outcome, Outcome::Hold);
    let hit = d.hit("kyc_below_tier").unwrap();
    assert!(hit.detail.contains("200.000000 USDC"), "{}", hit.detail);
    assert!(hit.detail.contains("none KYC limit of 0.000000 USDC"), "{}", hit.detail);
}

#[test]
fn basic_kyc_above_its_limit_holds_and_enhanced_is_unlimited() {
    let big = clean_with(|f| {
        f.amount = usdc(10_001);
        f.list_price = usdc(10_001);
    });
    let d = evaluate(&v1(), &big);
    assert_eq!(d.outcome, Outcome::Hold);
    assert!(d.hit("kyc_below_tier").is_some());
    assert!(d.hit("edd_threshold").is_some());

    let mut enhanced = big.clone();
    enhanced.kyc_level = KycLevel::Enhanced;
    let d = evaluate(&v1(), &enhanced);
    assert_eq!(d.outcome, Outcome::Clear, "{:?}", d.hits);
}

#[test]
fn an_amount_above_the_edd_threshold_with_basic_kyc_is_reviewed() {
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            f.amount = usdc(1_500);
            f.list_price = usdc(1_500);
        }),
    );
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(rules(&d), vec!["edd_threshold"]);
    assert_eq!(d.score, 30);
    let detail = &d.hits[0].detail;
    assert!(detail.contains("1500.000000 USDC") && detail.contains("1000.000000 USDC") && detail.contains("basic"), "{detail}");
}

#[test]
fn exactly_the_edd_threshold_counts_and_just_below_does_not() {
    let at = evaluate(&v1(), &clean_with(|f| (f.amount, f.list_price) = (usdc(1_000), usdc(1_000))));
    assert!(at.hit("edd_threshold").is_some());
    let below = evaluate(&v1(), &clean_with(|f| (f.amount, f.list_price) = (usdc(1_000) - 1, usdc(1_000))));
    assert!(below.hit("edd_threshold").is_none());
}

#[test]
fn structuring_over_three_payments_just_under_the_threshold_is_reviewed() {
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            f.recent_amounts = vec![usdc(950), usdc(120), usdc(990)];
            f.amount = usdc(970);
            f.list_price = usdc(970);
        }),
    );
    // An unusual pattern is a risk factor: below enhanced KYC it calls for enhanced due diligence too.
    assert_eq!(d.outcome, Outcome::Hold);
    assert_eq!(rules(&d), vec!["edd_threshold", "structuring"]);
    assert!(d.hit("structuring").unwrap().detail.contains("3 payments"), "{:?}", d.hits);
    assert!(d.hit("edd_threshold").unwrap().detail.contains("risk factors structuring"), "{:?}", d.hits);

    // Two in the band are not a pattern.
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            f.recent_amounts = vec![usdc(950), usdc(120)];
            f.amount = usdc(970);
            f.list_price = usdc(970);
        }),
    );
    assert!(d.hit("structuring").is_none());
    assert_eq!(d.outcome, Outcome::Clear);
}

#[test]
fn a_new_account_with_a_large_first_payment_adds_up_with_another_rule_to_hold() {
    let new_account = |f: &mut attune_domain::aml::PaymentFacts| {
        f.account_age_days = 5;
        f.previous_payments = 0;
        f.days_since_last_activity = None;
        f.recent_amounts.clear();
        f.amount = usdc(800);
        f.list_price = usdc(800);
    };
    let alone = evaluate(&v1(), &clean_with(new_account));
    assert_eq!(rules(&alone), vec!["new_account_large_first_payment"]);
    assert_eq!(alone.outcome, Outcome::Clear);

    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            new_account(f);
            f.jurisdiction_risk = vec!["de".into(), "ng".into()];
        }),
    );
    // The high-risk jurisdiction is a risk factor: below enhanced KYC it calls for EDD too.
    assert_eq!(rules(&d), vec!["edd_threshold", "new_account_large_first_payment", "high_risk_jurisdiction"]);
    assert_eq!(d.score, 30 + 25 + 35);
    assert_eq!(d.outcome, Outcome::Hold);
    assert!(d.hit("high_risk_jurisdiction").unwrap().detail.contains("NG"));
}

#[test]
fn the_most_severe_wins() {
    // A floor above the score's outcome: a low score but a sanctions floor blocks.
    let d = evaluate(&v1(), &clean_with(|f| f.sanctions_hit = true));
    assert_eq!(d.outcome, Outcome::Block);

    // The score's outcome above a floor: unverified wallet (floor review, 40) + onramp mismatch
    // (floor review, 40) = 80 → hold.
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            f.payer_is_verified_wallet = false;
            f.onramp_identity_mismatch = true;
        }),
    );
    assert_eq!(d.score, 80);
    assert_eq!(d.outcome, Outcome::Hold);

    // Enough score reaches block without any block floor.
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            f.payer_is_verified_wallet = false;
            f.onramp_identity_mismatch = true;
            f.buyer_is_provider = true;
        }),
    );
    assert_eq!(d.score, 110);
    assert_eq!(d.outcome, Outcome::Block);
}

#[test]
fn a_floor_lifts_a_score_below_its_line() {
    // With buyer_is_provider scoring only 5, its review floor still makes the payment a review.
    let text = attune_domain::aml::AmlPolicy::enforced_text()
        .replace("id = \"buyer_is_provider\"\nscore = 30", "id = \"buyer_is_provider\"\nscore = 5");
    let policy = attune_domain::aml::AmlPolicy::parse(&text).unwrap();
    let d = evaluate(&policy, &clean_with(|f| f.buyer_is_provider = true));
    assert_eq!(d.score, 5);
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(d.hit("buyer_is_provider").unwrap().outcome_floor, Some(Outcome::Review));
}

#[test]
fn the_remaining_rules_fire_with_their_numbers() {
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            // Enhanced KYC done: velocity, an unusual pattern, asks for no further due diligence.
            f.kyc_level = KycLevel::Enhanced;
            f.payments_last_24h = 12;
            f.days_since_last_activity = Some(200);
            f.refunds_last_30d = 4;
            f.amount = usdc(400);
            f.list_price = usdc(200);
        }),
    );
    assert_eq!(rules(&d), vec!["velocity", "dormant_account", "amount_far_above_price", "refund_loop"]);
    assert_eq!(d.score, 20 + 15 + 30 + 25);
    assert_eq!(d.outcome, Outcome::Hold);
    assert!(d.hit("velocity").unwrap().detail.contains("12 payments"));
    assert!(d.hit("dormant_account").unwrap().detail.contains("200 days"));
    assert!(d.hit("refund_loop").unwrap().detail.contains("4 refunds"));
    let price = &d.hit("amount_far_above_price").unwrap().detail;
    assert!(price.contains("400.000000 USDC") && price.contains("150%") && price.contains("300.000000 USDC"), "{price}");
}

#[test]
fn the_decision_serialises_with_snake_case_outcomes() {
    let d = evaluate(&v1(), &clean_with(|f| f.sanctions_hit = true));
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["outcome"], "block");
    assert_eq!(json["hits"][0]["outcome_floor"], "block");
    assert_eq!(json["policy"]["version"], "aml-v2");
    assert!(Outcome::Clear < Outcome::Review && Outcome::Review < Outcome::Hold && Outcome::Hold < Outcome::Block);
}

fn clean_with(edit: impl FnOnce(&mut attune_domain::aml::PaymentFacts)) -> attune_domain::aml::PaymentFacts {
    let mut f = clean();
    edit(&mut f);
    f
}

#[test]
fn risk_factors_not_amounts_alone_call_for_enhanced_due_diligence() {
    // A small payment from a high-risk jurisdiction, basic KYC: EDD applies whatever the amount.
    let d = evaluate(&v1(), &clean_with(|f| f.jurisdiction_risk = vec!["MM".into()]));
    assert!(d.hit("high_risk_jurisdiction").is_some());
    assert!(d.hit("edd_threshold").unwrap().detail.contains("high_risk_jurisdiction"), "{:?}", d.hits);
    // A PEP match, too, and it is a rule of its own.
    let d = evaluate(&v1(), &clean_with(|f| f.pep_match = true));
    assert_eq!(rules(&d), vec!["edd_threshold", "pep_match"]);
    assert!(d.outcome >= Outcome::Review);
    // With enhanced KYC done, the risk factor alone does not ask for it again.
    let d = evaluate(
        &v1(),
        &clean_with(|f| {
            f.pep_match = true;
            f.kyc_level = attune_domain::aml::KycLevel::Enhanced;
        }),
    );
    assert_eq!(rules(&d), vec!["pep_match"]);
    // A clean small payment asks for nothing.
    assert!(evaluate(&v1(), &clean_with(|_| {})).hits.is_empty());
}

#[test]
fn an_organisation_on_hold_has_its_payment_held() {
    let d = evaluate(&v1(), &clean_with(|f| f.organization_on_hold = true));
    assert_eq!(rules(&d), vec!["organization_on_hold"]);
    assert_eq!(d.outcome, Outcome::Hold);
}
