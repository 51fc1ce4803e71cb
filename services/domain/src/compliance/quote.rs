//! The price of a job, in integer base units only: the escrow splits exactly these numbers, so the
//! lines must add up to the total to the last base unit.

use super::assessment::{Payee, PayeeRole, Quote, QuoteLine};
use super::policy::Pricing;
use crate::pools::AuditFee;

const FLOPS_PER_PFLOP: u128 = 1_000_000_000_000_000;
const BPS_PER_WHOLE: u128 = 10_000;

/// Compute is charged per started PFLOP (never below the minimum); the platform fee is a share of
/// licence fee plus compute, rounded up; the audit fee passes through at cost: the buyer's pool's
/// (`audit_pool`), the platform's own review (`platform_review`), or without a priced fee the
/// policy's flat one. `None` only when the total does not fit in 128 bits.
pub(crate) fn price(
    pricing: &Pricing,
    exact_flops: u128,
    licence_fee: u128,
    audit_required: bool,
    audit_fee: Option<&AuditFee>,
) -> Option<Quote> {
    let pflops = exact_flops.div_ceil(FLOPS_PER_PFLOP);
    let compute = pflops.checked_mul(u128::from(pricing.compute_price_per_pflop))?.max(u128::from(pricing.minimum_compute_charge));
    let subtotal = licence_fee.checked_add(compute)?;
    let platform = subtotal.checked_mul(u128::from(pricing.platform_fee_bps))?.div_ceil(BPS_PER_WHOLE);
    let audit = match (audit_required, audit_fee) {
        (false, _) => 0,
        (true, Some(fee)) => fee.amount,
        (true, None) => u128::from(pricing.audit_pool_fee),
    };
    let reviewer = if audit_fee.is_some_and(|f| !f.pooled()) { Payee::PlatformReview } else { Payee::AuditPool };

    let lines = [
        (Payee::Provider, PayeeRole::LicenceFee, licence_fee),
        (Payee::Compute, PayeeRole::Compute, compute),
        (Payee::Platform, PayeeRole::PlatformFee, platform),
        (reviewer, PayeeRole::AuditFee, audit),
    ];
    let mut amount: u128 = 0;
    let mut breakdown = Vec::with_capacity(lines.len());
    for (payee, role, line_amount) in lines {
        // A zero share would only add an escrow payee that receives nothing.
        if line_amount > 0 {
            amount = amount.checked_add(line_amount)?;
            breakdown.push(QuoteLine { payee, role, amount: line_amount });
        }
    }
    Some(Quote { token: pricing.token.clone(), amount, breakdown })
}
