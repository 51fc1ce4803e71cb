//! Settlement arithmetic and vocabulary (DESIGN.md §4), pure: the escrow's job reference for a job,
//! the payees' shares in basis points that the escrow splits by, and the payment's states.

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The escrow's `jobRef` for a job: its UUID, left-padded to 32 bytes (readable back from logs).
pub fn job_ref(job_id: Uuid) -> B256 {
    B256::left_padding_from(job_id.as_bytes())
}

/// The job a `jobRef` names, when it is one of ours.
pub fn job_id_of(job_ref: B256) -> Option<Uuid> {
    let bytes = job_ref.as_slice();
    if bytes[..16].iter().any(|b| *b != 0) {
        return None;
    }
    Uuid::from_slice(&bytes[16..]).ok()
}

/// One payee of a release with its share of the escrowed amount in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub payee: Address,
    pub bps: u16,
}

/// Turns the quote's lines (payee address, amount) into shares that sum to exactly 10,000: lines
/// paid to the same address are merged, each share is rounded down and the last payee takes the
/// remainder — the escrow splits the same way, so the parts always add up to the amount.
pub fn shares(lines: &[(Address, u128)]) -> Result<Vec<Share>, String> {
    let mut merged: Vec<(Address, u128)> = Vec::new();
    for (payee, amount) in lines {
        if *amount == 0 {
            continue;
        }
        match merged.iter_mut().find(|(a, _)| a == payee) {
            Some(entry) => entry.1 += amount,
            None => merged.push((*payee, *amount)),
        }
    }
    let total: u128 = merged.iter().map(|(_, a)| a).sum();
    if total == 0 {
        return Err("a payment needs a positive amount".into());
    }
    if merged.iter().any(|(a, _)| *a == Address::ZERO) {
        return Err("a payee has no address".into());
    }
    let mut out: Vec<Share> = merged
        .iter()
        .map(|(payee, amount)| Share { payee: *payee, bps: u16::try_from(amount * 10_000 / total).unwrap_or(10_000) })
        .collect();
    let given: u32 = out.iter().map(|s| u32::from(s.bps)).sum();
    if let Some(last) = out.last_mut() {
        last.bps += u16::try_from(10_000 - given).map_err(|_| "shares exceed the whole".to_string())?;
    }
    Ok(out)
}

/// What the escrow pays each share of `amount` (the contract's own rule: the last takes the rest).
pub fn split(amount: u128, shares: &[Share]) -> Vec<u128> {
    let mut parts: Vec<u128> = shares.iter().map(|s| amount * u128::from(s.bps) / 10_000).collect();
    let paid: u128 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += amount - paid;
    }
    parts
}

/// The payment's state as API.md names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Quote issued, nothing on chain yet.
    Awaiting,
    /// A `Funded` event was seen but is not yet deep enough.
    Confirming,
    /// Held for a human (payer ≠ verified wallet, screening).
    Review,
    Cleared,
    Blocked,
    Frozen,
    Released,
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Awaiting => "awaiting",
            PaymentStatus::Confirming => "confirming",
            PaymentStatus::Review => "review",
            PaymentStatus::Cleared => "cleared",
            PaymentStatus::Blocked => "blocked",
            PaymentStatus::Frozen => "frozen",
            PaymentStatus::Released => "released",
            PaymentStatus::Refunded => "refunded",
        }
    }
}

/// The escrow's `escrowOf` states.
pub fn escrow_state_name(state: u8) -> &'static str {
    match state {
        0 => "none",
        1 => "funded",
        2 => "released",
        3 => "refunded",
        4 => "frozen",
        5 => "reclaimed",
        _ => "unknown",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn addr(n: u8) -> Address {
        Address::with_last_byte(n)
    }

    #[test]
    fn job_refs_round_trip_and_foreign_refs_are_not_ours() {
        let id = Uuid::now_v7();
        assert_eq!(job_id_of(job_ref(id)), Some(id));
        assert_eq!(job_id_of(B256::repeat_byte(7)), None);
    }

    #[test]
    fn shares_merge_payees_and_sum_to_the_whole() {
        let s = shares(&[(addr(1), 25_000_000), (addr(2), 3_333_333), (addr(3), 1_000_000), (addr(2), 1)]).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.iter().map(|x| u32::from(x.bps)).sum::<u32>(), 10_000);
        let amount = 29_333_334u128;
        let parts = split(amount, &s);
        assert_eq!(parts.iter().sum::<u128>(), amount, "the parts add up exactly");
        assert!(shares(&[]).is_err());
        assert!(shares(&[(Address::ZERO, 5)]).is_err());
    }
}
