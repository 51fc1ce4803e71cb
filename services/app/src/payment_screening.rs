//! Screening a payment before its job may move: sanctions screening of the payer, then the AML rules
//! (policy data) over the organisation's own history. The facts the rules read are built here, for
//! a funded escrow (the chain watcher), an onramp order checked up front, and a wallet being linked.

use alloy_primitives::Address;
use anyhow::Context;
use attune_db::kyc::OrgRiskFacts;
use attune_db::payments::PaymentRow;
use attune_domain::aml::{self, AmlDecision, AmlPolicy, KycLevel, Outcome, PaymentFacts};
use sqlx::PgConnection;

use crate::error::AppError;
use crate::screening::{AddressScreen, ScreeningService};

/// What screening says about a confirmed payment: a listed payer blocks it (the escrow is frozen,
/// never refunded); the AML rules (policy data) decide the rest: `clear`, or a case for a human.
#[derive(Debug, Clone)]
pub enum Screening {
    Clear(AmlDecision),
    Review(AmlDecision),
    Block(Option<AddressScreen>, AmlDecision),
}

impl Screening {
    /// The AML rules' decision, whatever it led to.
    pub fn into_decision(self) -> AmlDecision {
        match self {
            Screening::Clear(d) | Screening::Review(d) | Screening::Block(_, d) => d,
        }
    }
}

/// The seam between `confirming` and `cleared`: sanctions screening of the payer, then the AML rules
/// over the organisation's own history. `funded` is the amount the escrow received on chain (`None`
/// before funding, when an onramp order is checked up front: then the quoted amount).
pub async fn screen_funded_payment(
    conn: &mut PgConnection,
    payment: &PaymentRow,
    payer: Address,
    funded: Option<u128>,
    screening: &ScreeningService,
    aml: &AmlPolicy,
    shadow: Option<&AmlPolicy>,
) -> Result<Screening, AppError> {
    let hit = screening.screen_address(&format!("{payer:#x}"));
    let history = attune_db::payments::aml_history(conn, payment.job_id, i32::try_from(aml.window_days()).unwrap_or(7)).await?;
    let buyer = payment.buyer_address.parse::<Address>().ok();
    let quoted: u128 = payment.amount.parse().context("a stored payment amount")?;
    let amount = funded.unwrap_or(quoted);
    let job = attune_db::jobs::get(conn, &attune_domain::OrgScope::Platform, payment.job_id).await?.ok_or(AppError::NotFound)?;
    let mut jurisdictions: Vec<String> = job.deployment["jurisdictions"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    jurisdictions.push(history.country.clone());
    // What the job should cost: the listing's current price for the job's size, recomputed.
    let model = attune_db::models::get(conn, job.base_model_id).await?.ok_or(AppError::NotFound)?;
    // Priced under the policy the job was quoted under, not whatever is current now.
    let compliance = attune_domain::compliance::Policy::by_version(&job.policy_version)
        .ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("the job names policy {}, which this build does not have", job.policy_version))
        })?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the compliance policy could not be loaded: {e}")))?;
    let epochs = job.hyperparameters["epochs"].as_u64().and_then(|e| u32::try_from(e).ok()).unwrap_or(1);
    let audit_fee = crate::compliance_replay::replayed_audit_fee(&job.assessment)?;
    let audit_charge = match (&audit_fee, job.audit_required) {
        (_, false) => attune_domain::compliance::AuditCharge::NotRequired,
        (Some(fee), true) => attune_domain::compliance::AuditCharge::Priced(fee),
        (None, true) => attune_domain::compliance::AuditCharge::PolicyFlat,
    };
    let list_price = attune_domain::compliance::list_price(
        compliance,
        &job.method,
        u64::try_from(model.parameter_count).unwrap_or(0),
        u64::try_from(job.accepted_tokens).unwrap_or(0),
        epochs,
        u128::try_from(model.licence_fee).unwrap_or(0),
        audit_charge,
    )
    .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("the job's list price cannot be computed")))?;
    // Paid through the onramp: the name its provider says paid against the KYC'd names.
    let onramp = attune_db::onramp::funding_order(conn, payment.job_id).await?;
    let kyc_names = attune_db::kyc::approved_names(conn, payment.organization_id).await?;
    let onramp_payer = onramp.as_ref().map(|o| o.detail["payer_name"].as_str().filter(|n| !n.trim().is_empty()));
    let onramp_identity_mismatch = aml::identity::onramp_identity_mismatch(screening.policy(), onramp_payer, &kyc_names);
    let facts = PaymentFacts {
        amount,
        list_price,
        payer_is_verified_wallet: buyer == Some(payer),
        sanctions_hit: hit.is_some(),
        kyc_level: kyc_level(&history.kyc_level),
        account_age_days: u32::try_from(history.account_age_days).unwrap_or(0),
        previous_payments: u32::try_from(history.previous_payments).unwrap_or(u32::MAX),
        days_since_last_activity: history.days_since_last_payment.and_then(|d| u32::try_from(d).ok()),
        recent_amounts: history.recent_amounts.iter().filter_map(|a| a.parse().ok()).collect(),
        payments_last_24h: u32::try_from(history.payments_last_24h).unwrap_or(u32::MAX),
        jurisdiction_risk: jurisdictions,
        onramp_identity_mismatch,
        buyer_is_provider: history.buyer_is_provider,
        refunds_last_30d: u32::try_from(history.refunds_last_30d).unwrap_or(u32::MAX),
        pep_match: attune_db::screening::organization_pep_match(conn, payment.organization_id).await?,
        organization_on_hold: attune_db::screening::organization_on_hold(conn, payment.organization_id).await?,
    };
    let decision = match shadow {
        Some(shadow) => aml::evaluate_with_shadow(aml, shadow, &facts),
        None => aml::evaluate(aml, &facts),
    };
    Ok(match decision.outcome {
        Outcome::Block => Screening::Block(hit, decision),
        Outcome::Clear => Screening::Clear(decision),
        Outcome::Review | Outcome::Hold => Screening::Review(decision),
    })
}

/// The AML rules on linking a wallet (no amount moves): the organisation's own risk — a high-risk
/// jurisdiction, refund loops, a politically exposed person, a screening hold — can put a new
/// wallet under review even when its address is not listed.
pub fn screen_wallet_link(org: &OrgRiskFacts, sanctions_hit: bool, aml: &AmlPolicy) -> AmlDecision {
    let facts = PaymentFacts {
        amount: 0,
        list_price: 0,
        payer_is_verified_wallet: true,
        sanctions_hit,
        kyc_level: kyc_level(&org.kyc_level),
        account_age_days: u32::try_from(org.account_age_days).unwrap_or(0),
        previous_payments: 0,
        days_since_last_activity: None,
        recent_amounts: Vec::new(),
        payments_last_24h: 0,
        jurisdiction_risk: vec![org.country.clone()],
        onramp_identity_mismatch: false,
        buyer_is_provider: false,
        refunds_last_30d: u32::try_from(org.refunds_last_30d).unwrap_or(u32::MAX),
        pep_match: org.pep_match,
        organization_on_hold: org.screening_hold.is_some(),
    };
    aml::evaluate(aml, &facts)
}

/// The organisation's KYC level as the AML rules read it; anything not approved counts as none.
fn kyc_level(stored: &str) -> KycLevel {
    match stored {
        "enhanced" => KycLevel::Enhanced,
        "basic" => KycLevel::Basic,
        _ => KycLevel::None,
    }
}
