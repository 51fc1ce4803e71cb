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
    pub const ALL: [PaymentStatus; 8] = [
        PaymentStatus::Awaiting,
        PaymentStatus::Confirming,
        PaymentStatus::Review,
        PaymentStatus::Cleared,
        PaymentStatus::Blocked,
        PaymentStatus::Frozen,
        PaymentStatus::Released,
        PaymentStatus::Refunded,
    ];

    pub fn parse(raw: &str) -> Option<PaymentStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The statuses this one may move to. The chain is the truth: an escrow event that happened moves
    /// the payment even from a state where we would not have asked for it (a reclaim while a case was
    /// open), so those moves are here too; what we ask for ourselves is narrower and checked by callers.
    pub fn successors(self) -> &'static [PaymentStatus] {
        use PaymentStatus::*;
        match self {
            // `Funded` seen (confirming), or applied at once when already deep enough.
            Awaiting => &[Confirming, Cleared, Review, Blocked],
            // Deep enough: screening decides; or the block that held it was reorged away.
            Confirming => &[Awaiting, Cleared, Review, Blocked],
            // An admin clears, rejects (refund on chain), blocks; the escrow may be frozen or reclaimed.
            Review => &[Cleared, Blocked, Frozen, Refunded],
            // Paid out, refunded (cancel) or reclaimed, frozen (a later hit); back to review when the
            // funding was reorged out or a payee is listed before release; blocked by an admin.
            Cleared => &[Released, Refunded, Frozen, Review, Blocked],
            // The freeze is on its way; a reclaim may still beat it on chain.
            Blocked => &[Frozen, Refunded, Review],
            // Unfrozen after a delisting: a human looks again. Never refunded while frozen.
            Frozen => &[Review],
            Released | Refunded => &[],
        }
    }

    pub fn can_move_to(self, next: PaymentStatus) -> bool {
        self.successors().contains(&next)
    }

    /// Funds sit in the escrow for the job (as far as our tables know).
    pub fn holds_funds(self) -> bool {
        matches!(self, PaymentStatus::Review | PaymentStatus::Cleared | PaymentStatus::Blocked | PaymentStatus::Frozen)
    }

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

/// Parses a decimal amount as a provider writes it (`"50.12"`, `50.120000`, `"50"`) into integer
/// base units with `decimals` places — digit by digit, never through a float. More fractional
/// digits than the token has (other than trailing zeros), signs, exponents and empty parts are refused.
pub fn parse_decimal_units(text: &str, decimals: u32) -> Result<u128, String> {
    let t = text.trim().trim_matches('"');
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (t.contains('.') && !digits(fraction)) {
        return Err(format!("{text:?} is not a plain decimal amount"));
    }
    let fraction = fraction.trim_end_matches('0');
    let places = usize::try_from(decimals).map_err(|_| "too many decimals".to_string())?;
    if fraction.len() > places {
        return Err(format!("{text:?} has more than {decimals} decimal places"));
    }
    let scale = 10u128.checked_pow(decimals).ok_or("too many decimals")?;
    let whole: u128 = whole.parse().map_err(|_| format!("{text:?} is too large"))?;
    let padded = format!("{fraction:0<places$}");
    let fraction: u128 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| format!("{text:?} is not a decimal"))? };
    whole.checked_mul(scale).and_then(|w| w.checked_add(fraction)).ok_or_else(|| format!("{text:?} is too large"))
}

/// How deep an escrow event must be before it is applied on a chain we are configured for, when
/// no number is set: past the depth at which that chain's blocks are final (Ethereum and its test
/// networks: two epochs, 64 blocks) or, for rollups whose L2 blocks rarely reorganise but whose
/// batches settle on L1 later, a depth well past the sequencer's unsafe head. Local development
/// chains (anvil, hardhat: 31337, 1337) take 1. An unknown chain gets Ethereum's depth.
pub fn safe_confirmations(chain_id: u64) -> u64 {
    match chain_id {
        31337 | 1337 => 1,
        // Ethereum mainnet, Sepolia, Holesky, Hoodi: finalised after two epochs.
        1 | 11_155_111 | 17_000 | 560_048 => 64,
        // OP Stack and Arbitrum (Optimism, Base, Arbitrum One, their Sepolia networks).
        10 | 8453 | 42_161 | 11_155_420 | 84_532 | 421_614 => 20,
        // Polygon PoS: deeper reorganisations have happened there.
        137 | 80_002 => 128,
        _ => 64,
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
    fn only_development_chains_apply_an_event_on_its_own_block() {
        assert_eq!(safe_confirmations(31337), 1);
        assert!(safe_confirmations(1) >= 12, "Ethereum mainnet waits for finality");
        assert!(safe_confirmations(8453) > 1);
        assert_eq!(safe_confirmations(999_999), safe_confirmations(1), "an unknown chain is treated like Ethereum");
    }

    #[test]
    fn decimal_amounts_become_base_units_without_a_float() {
        assert_eq!(parse_decimal_units("50.12", 6), Ok(50_120_000));
        assert_eq!(parse_decimal_units("\"0.000001\"", 6), Ok(1));
        assert_eq!(parse_decimal_units("25", 6), Ok(25_000_000));
        assert_eq!(parse_decimal_units("25.100000000", 6), Ok(25_100_000), "trailing zeros are no precision");
        // 0.1 + 0.2 in f64 is 0.30000000000000004; digits stay digits here.
        assert_eq!(parse_decimal_units("1234567.890123", 6), Ok(1_234_567_890_123));
        for bad in ["", ".5", "5.", "-1", "1e6", "1.0000001", "12a", "1.2.3", "NaN"] {
            assert!(parse_decimal_units(bad, 6).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn payment_statuses_round_trip_and_money_that_left_never_comes_back() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
        }
        assert!(PaymentStatus::Released.successors().is_empty());
        assert!(PaymentStatus::Refunded.successors().is_empty());
        assert!(!PaymentStatus::Frozen.can_move_to(PaymentStatus::Refunded), "frozen funds are never returned");
        assert!(!PaymentStatus::Awaiting.can_move_to(PaymentStatus::Released));
        assert!(!PaymentStatus::Review.can_move_to(PaymentStatus::Released), "only cleared money is paid out");
        assert!(PaymentStatus::Cleared.can_move_to(PaymentStatus::Review), "a reorged funding goes back to review");
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
