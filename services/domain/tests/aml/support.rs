use attune_domain::aml::{AmlPolicy, KycLevel, PaymentFacts};

/// Whole USDC in base units.
pub fn usdc(whole: u128) -> u128 {
    whole * 1_000_000
}

pub fn v1() -> AmlPolicy {
    AmlPolicy::enforced().unwrap()
}

/// A payment no rule objects to: a verified wallet, basic KYC, an established account, a small
/// amount matching the quote.
pub fn clean() -> PaymentFacts {
    PaymentFacts {
        amount: usdc(200),
        list_price: usdc(200),
        payer_is_verified_wallet: true,
        sanctions_hit: false,
        kyc_level: KycLevel::Basic,
        account_age_days: 400,
        previous_payments: 12,
        days_since_last_activity: Some(3),
        recent_amounts: vec![usdc(150), usdc(300)],
        payments_last_24h: 1,
        jurisdiction_risk: vec!["DE".into(), "FR".into()],
        onramp_identity_mismatch: false,
        buyer_is_provider: false,
        refunds_last_30d: 0,
        pep_match: false,
        organization_on_hold: false,
    }
}
