//! The rules' predicates, by id: each known id compiles its `params` table into a typed [`Check`],
//! and a check looks at the [`PaymentFacts`] and says, with its numbers, why it fired.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{KycLevel, PaymentFacts};

/// Every rule id the code implements. A policy naming any other id is refused at load.
pub const KNOWN_RULE_IDS: &[&str] = &[
    "sanctions_hit",
    "payer_not_verified_wallet",
    "kyc_below_tier",
    "edd_threshold",
    "velocity",
    "structuring",
    "new_account_large_first_payment",
    "dormant_account",
    "high_risk_jurisdiction",
    "onramp_identity_mismatch",
    "amount_far_above_price",
    "buyer_is_provider",
    "refund_loop",
    "pep_match",
    "organization_on_hold",
];

/// USDC base units per whole USDC (6 decimals).
const USDC_UNIT: u128 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    SanctionsHit,
    PayerNotVerifiedWallet,
    KycBelowTier { none_limit: u128, basic_limit: u128, enhanced_limit: Option<u128> },
    EddThreshold { threshold: u128, required_kyc: KycLevel, risk_factors: Vec<String> },
    Velocity { min_payments_24h: u32 },
    Structuring { threshold: u128, band_percent: u32, min_count: u32 },
    NewAccountLargeFirstPayment { max_account_age_days: u32, min_amount: u128 },
    DormantAccount { min_days_inactive: u32 },
    HighRiskJurisdiction { countries: Vec<String> },
    OnrampIdentityMismatch,
    AmountFarAbovePrice { max_percent_of_list_price: u32 },
    BuyerIsProvider,
    RefundLoop { min_refunds_30d: u32 },
    PepMatch,
    OrganizationOnHold,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KycParams {
    none_limit_usdc: u64,
    basic_limit_usdc: u64,
    enhanced_limit_usdc: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EddParams {
    threshold_usdc: u64,
    required_kyc: KycLevel,
    /// Rule ids whose firing is a risk factor that calls for enhanced due diligence whatever the amount.
    #[serde(default)]
    risk_factors: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VelocityParams {
    min_payments_24h: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StructuringParams {
    threshold_usdc: u64,
    band_percent: u32,
    min_count: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccountParams {
    max_account_age_days: u32,
    min_amount_usdc: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DormantParams {
    min_days_inactive: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JurisdictionParams {
    /// Where the list comes from and the date it was taken (data, checked at load).
    source: String,
    as_of: String,
    countries: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceParams {
    max_percent_of_list_price: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundParams {
    min_refunds_30d: u32,
}

fn params<P: DeserializeOwned>(id: &str, table: Option<toml::Table>) -> Result<P, String> {
    toml::Value::Table(table.unwrap_or_default()).try_into::<P>().map_err(|e| format!("rule {id}: params: {e}"))
}

fn usdc(whole: u64) -> u128 {
    u128::from(whole) * USDC_UNIT
}

fn at_least_one(id: &str, name: &str, value: u32) -> Result<u32, String> {
    if value == 0 { Err(format!("rule {id}: {name} must be at least 1")) } else { Ok(value) }
}

impl Check {
    /// Compiles the rule `id` with its `params`; an unknown id, an unknown or missing parameter, or
    /// an inconsistent value is an error.
    pub(crate) fn compile(id: &str, table: Option<toml::Table>) -> Result<Self, String> {
        let check = match id {
            "sanctions_hit" => params::<NoParams>(id, table).map(|_| Self::SanctionsHit)?,
            "payer_not_verified_wallet" => params::<NoParams>(id, table).map(|_| Self::PayerNotVerifiedWallet)?,
            "onramp_identity_mismatch" => params::<NoParams>(id, table).map(|_| Self::OnrampIdentityMismatch)?,
            "buyer_is_provider" => params::<NoParams>(id, table).map(|_| Self::BuyerIsProvider)?,
            "pep_match" => params::<NoParams>(id, table).map(|_| Self::PepMatch)?,
            "organization_on_hold" => params::<NoParams>(id, table).map(|_| Self::OrganizationOnHold)?,
            "kyc_below_tier" => {
                let p: KycParams = params(id, table)?;
                if p.none_limit_usdc > p.basic_limit_usdc || p.enhanced_limit_usdc.is_some_and(|e| e < p.basic_limit_usdc) {
                    return Err(format!("rule {id}: limits must not decrease from none to basic to enhanced"));
                }
                Self::KycBelowTier {
                    none_limit: usdc(p.none_limit_usdc),
                    basic_limit: usdc(p.basic_limit_usdc),
                    enhanced_limit: p.enhanced_limit_usdc.map(usdc),
                }
            }
            "edd_threshold" => {
                let p: EddParams = params(id, table)?;
                if p.threshold_usdc == 0 {
                    return Err(format!("rule {id}: threshold_usdc must be positive"));
                }
                if p.required_kyc == KycLevel::None {
                    return Err(format!("rule {id}: required_kyc must be basic or enhanced"));
                }
                for factor in &p.risk_factors {
                    if factor == id || !KNOWN_RULE_IDS.contains(&factor.as_str()) {
                        return Err(format!("rule {id}: risk factor {factor:?} is not another known rule id"));
                    }
                }
                Self::EddThreshold { threshold: usdc(p.threshold_usdc), required_kyc: p.required_kyc, risk_factors: p.risk_factors }
            }
            "velocity" => {
                let p: VelocityParams = params(id, table)?;
                Self::Velocity { min_payments_24h: at_least_one(id, "min_payments_24h", p.min_payments_24h)? }
            }
            "structuring" => {
                let p: StructuringParams = params(id, table)?;
                if p.threshold_usdc == 0 {
                    return Err(format!("rule {id}: threshold_usdc must be positive"));
                }
                if !(1..=100).contains(&p.band_percent) {
                    return Err(format!("rule {id}: band_percent must be in 1..=100"));
                }
                Self::Structuring {
                    threshold: usdc(p.threshold_usdc),
                    band_percent: p.band_percent,
                    min_count: at_least_one(id, "min_count", p.min_count)?,
                }
            }
            "new_account_large_first_payment" => {
                let p: NewAccountParams = params(id, table)?;
                Self::NewAccountLargeFirstPayment {
                    max_account_age_days: at_least_one(id, "max_account_age_days", p.max_account_age_days)?,
                    min_amount: usdc(p.min_amount_usdc),
                }
            }
            "dormant_account" => {
                let p: DormantParams = params(id, table)?;
                Self::DormantAccount { min_days_inactive: at_least_one(id, "min_days_inactive", p.min_days_inactive)? }
            }
            "high_risk_jurisdiction" => {
                let p: JurisdictionParams = params(id, table)?;
                if p.source.trim().is_empty() || chrono::NaiveDate::parse_from_str(&p.as_of, "%Y-%m-%d").is_err() {
                    return Err(format!("rule {id}: the list needs its source and its date (as_of = YYYY-MM-DD)"));
                }
                let mut countries = Vec::with_capacity(p.countries.len());
                for code in p.countries {
                    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(format!("rule {id}: {code:?} is not an upper-case ISO 3166-1 alpha-2 code"));
                    }
                    if countries.contains(&code) {
                        return Err(format!("rule {id}: {code} is listed twice"));
                    }
                    countries.push(code);
                }
                if countries.is_empty() {
                    return Err(format!("rule {id}: countries is empty"));
                }
                Self::HighRiskJurisdiction { countries }
            }
            "amount_far_above_price" => {
                let p: PriceParams = params(id, table)?;
                if p.max_percent_of_list_price < 100 {
                    return Err(format!("rule {id}: max_percent_of_list_price must be at least 100"));
                }
                Self::AmountFarAbovePrice { max_percent_of_list_price: p.max_percent_of_list_price }
            }
            "refund_loop" => {
                let p: RefundParams = params(id, table)?;
                Self::RefundLoop { min_refunds_30d: at_least_one(id, "min_refunds_30d", p.min_refunds_30d)? }
            }
            other => return Err(format!("unknown rule id {other:?} (known: {})", KNOWN_RULE_IDS.join(", "))),
        };
        Ok(check)
    }

    /// Whether the check looks at the other rules that fired (the second pass of `evaluate`).
    pub(crate) fn uses_risk_factors(&self) -> bool {
        matches!(self, Self::EddThreshold { risk_factors, .. } if !risk_factors.is_empty())
    }

    /// `Some(why, with the numbers)` when the rule fires on `facts`; `fired` are the ids of the
    /// rules without risk factors that fired on the same facts.
    pub(crate) fn fires(&self, f: &PaymentFacts, fired: &[&str]) -> Option<String> {
        match self {
            Self::SanctionsHit => f.sanctions_hit.then(|| "sanctions screening returned a hit".to_owned()),
            Self::PayerNotVerifiedWallet => {
                (!f.payer_is_verified_wallet).then(|| format!("payment of {} from an unverified address", fmt_usdc(f.amount)))
            }
            Self::KycBelowTier { none_limit, basic_limit, enhanced_limit } => {
                let limit = match f.kyc_level {
                    KycLevel::None => Some(*none_limit),
                    KycLevel::Basic => Some(*basic_limit),
                    KycLevel::Enhanced => *enhanced_limit,
                };
                let limit = limit?;
                (f.amount > limit)
                    .then(|| format!("amount {} exceeds the {} KYC limit of {}", fmt_usdc(f.amount), f.kyc_level.as_str(), fmt_usdc(limit)))
            }
            Self::EddThreshold { threshold, required_kyc, risk_factors } => {
                if f.kyc_level >= *required_kyc {
                    return None;
                }
                let present: Vec<&str> = risk_factors.iter().map(String::as_str).filter(|r| fired.contains(r)).collect();
                if f.amount >= *threshold {
                    Some(format!(
                        "amount {} is at or above the EDD threshold {} with KYC level {} (needs {})",
                        fmt_usdc(f.amount),
                        fmt_usdc(*threshold),
                        f.kyc_level.as_str(),
                        required_kyc.as_str()
                    ))
                } else if !present.is_empty() {
                    Some(format!(
                        "risk factors {} call for enhanced due diligence; KYC level {} (needs {})",
                        present.join(", "),
                        f.kyc_level.as_str(),
                        required_kyc.as_str()
                    ))
                } else {
                    None
                }
            }
            Self::Velocity { min_payments_24h } => (f.payments_last_24h >= *min_payments_24h)
                .then(|| format!("{} payments in the last 24 hours (fires from {})", f.payments_last_24h, min_payments_24h)),
            Self::Structuring { threshold, band_percent, min_count } => {
                let low = threshold.saturating_mul(u128::from(100 - band_percent)) / 100;
                let in_band = |a: &u128| *a >= low && *a < *threshold;
                let count = f.recent_amounts.iter().chain(std::iter::once(&f.amount)).filter(|a| in_band(a)).count();
                (count >= *min_count as usize).then(|| {
                    format!(
                        "{count} payments in the window (this one included) between {} and just under {} (at least {min_count} flag)",
                        fmt_usdc(low),
                        fmt_usdc(*threshold)
                    )
                })
            }
            Self::NewAccountLargeFirstPayment { max_account_age_days, min_amount } => {
                (f.account_age_days < *max_account_age_days && f.previous_payments == 0 && f.amount >= *min_amount).then(|| {
                    format!(
                        "first payment of {} (at least {}) from an account {} days old (under {})",
                        fmt_usdc(f.amount),
                        fmt_usdc(*min_amount),
                        f.account_age_days,
                        max_account_age_days
                    )
                })
            }
            Self::DormantAccount { min_days_inactive } => {
                let days = f.days_since_last_activity?;
                (days >= *min_days_inactive).then(|| format!("{days} days since the last activity (dormant from {min_days_inactive})"))
            }
            Self::HighRiskJurisdiction { countries } => {
                let mut listed: Vec<String> = f
                    .jurisdiction_risk
                    .iter()
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| countries.iter().any(|listed| listed == c))
                    .collect();
                listed.sort();
                listed.dedup();
                (!listed.is_empty()).then(|| format!("jurisdictions on the high-risk list: {}", listed.join(", ")))
            }
            Self::OnrampIdentityMismatch => {
                f.onramp_identity_mismatch.then(|| "the onramp's KYC identity does not match the account holder".to_owned())
            }
            Self::AmountFarAbovePrice { max_percent_of_list_price } => {
                let cap = f.list_price.saturating_mul(u128::from(*max_percent_of_list_price)) / 100;
                (f.amount > cap).then(|| {
                    format!(
                        "amount {} is above {}% of the list price {} (cap {})",
                        fmt_usdc(f.amount),
                        max_percent_of_list_price,
                        fmt_usdc(f.list_price),
                        fmt_usdc(cap)
                    )
                })
            }
            Self::BuyerIsProvider => f.buyer_is_provider.then(|| "buyer and provider are the same organisation".to_owned()),
            Self::PepMatch => f.pep_match.then(|| "a person KYC'd for the organisation matches a politically exposed person".to_owned()),
            Self::OrganizationOnHold => {
                f.organization_on_hold.then(|| "the organisation is on hold until an admin decides its name-screening case".to_owned())
            }
            Self::RefundLoop { min_refunds_30d } => (f.refunds_last_30d >= *min_refunds_30d)
                .then(|| format!("{} refunds in the last 30 days (fires from {})", f.refunds_last_30d, min_refunds_30d)),
        }
    }
}

/// `1234.500000 USDC` from base units.
pub fn fmt_usdc(base_units: u128) -> String {
    format!("{}.{:06} USDC", base_units / USDC_UNIT, base_units % USDC_UNIT)
}
