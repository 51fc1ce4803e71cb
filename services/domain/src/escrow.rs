//! The escrow contract's vocabulary: the state `escrowOf` reports and the events its logs carry,
//! typed once here so the chain adapter decodes into them and the watcher applies them.

use std::str::FromStr;

use alloy_primitives::{Address, B256, U256};
use serde_json::{Value, json};

use crate::settlement::PaymentStatus;

/// An escrow's state as `escrowOf` reports it (the contract's `State` enum, in its order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EscrowState {
    /// Never funded.
    None = 0,
    /// Funded, awaiting release or refund.
    Funded = 1,
    /// Paid out to the payees (some perhaps as claimable balances).
    Released = 2,
    /// Returned to the payer by the operator.
    Refunded = 3,
    /// Held by compliance.
    Frozen = 4,
    /// Taken back by the payer after the deadline and the grace.
    Reclaimed = 5,
}

impl EscrowState {
    pub fn as_str(self) -> &'static str {
        match self {
            EscrowState::None => "none",
            EscrowState::Funded => "funded",
            EscrowState::Released => "released",
            EscrowState::Refunded => "refunded",
            EscrowState::Frozen => "frozen",
            EscrowState::Reclaimed => "reclaimed",
        }
    }

    /// The states the escrow of a payment in `status` may be in when the two agree; `None` for a
    /// payment the chain has no settled view of yet (awaiting, confirming, blocked).
    pub fn agreeing_with(status: PaymentStatus) -> Option<&'static [EscrowState]> {
        match status {
            PaymentStatus::Cleared | PaymentStatus::Review => Some(&[EscrowState::Funded]),
            PaymentStatus::Released => Some(&[EscrowState::Released]),
            PaymentStatus::Refunded => Some(&[EscrowState::Refunded, EscrowState::Reclaimed]),
            PaymentStatus::Frozen => Some(&[EscrowState::Frozen]),
            PaymentStatus::Awaiting | PaymentStatus::Confirming | PaymentStatus::Blocked => None,
        }
    }
}

impl TryFrom<u8> for EscrowState {
    type Error = u8;

    /// Fails with the unknown value.
    fn try_from(value: u8) -> Result<Self, u8> {
        Ok(match value {
            0 => Self::None,
            1 => Self::Funded,
            2 => Self::Released,
            3 => Self::Refunded,
            4 => Self::Frozen,
            5 => Self::Reclaimed,
            other => return Err(other),
        })
    }
}

/// An event of the escrow contract, as its log says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscrowEvent {
    Funded { job_ref: B256, payer: Address, token: Address, amount: U256, quote_id: B256 },
    Released { job_ref: B256, amount: U256 },
    Refunded { job_ref: B256, payer: Address, amount: U256 },
    Frozen { job_ref: B256 },
    Unfrozen { job_ref: B256 },
    Reclaimed { job_ref: B256, payer: Address, amount: U256 },
}

impl EscrowEvent {
    /// The name of a funding in the contract and the event log.
    pub const FUNDED: &'static str = "Funded";

    /// The event's name in the contract (and in the stored event log).
    pub fn name(&self) -> &'static str {
        match self {
            EscrowEvent::Funded { .. } => Self::FUNDED,
            EscrowEvent::Released { .. } => "Released",
            EscrowEvent::Refunded { .. } => "Refunded",
            EscrowEvent::Frozen { .. } => "Frozen",
            EscrowEvent::Unfrozen { .. } => "Unfrozen",
            EscrowEvent::Reclaimed { .. } => "Reclaimed",
        }
    }

    pub fn job_ref(&self) -> B256 {
        match self {
            EscrowEvent::Funded { job_ref, .. }
            | EscrowEvent::Released { job_ref, .. }
            | EscrowEvent::Refunded { job_ref, .. }
            | EscrowEvent::Frozen { job_ref }
            | EscrowEvent::Unfrozen { job_ref }
            | EscrowEvent::Reclaimed { job_ref, .. } => *job_ref,
        }
    }

    /// The event's arguments besides `jobRef`, as the event log stores them: addresses checksummed,
    /// amounts as decimal strings of base units.
    pub fn stored_data(&self) -> Value {
        match self {
            EscrowEvent::Funded { payer, token, amount, quote_id, .. } => json!({
                "payer": payer.to_checksum(None), "token": token.to_checksum(None),
                "amount": amount.to_string(), "quote_id": quote_id.to_string(),
            }),
            EscrowEvent::Released { amount, .. } => json!({"amount": amount.to_string()}),
            EscrowEvent::Refunded { payer, amount, .. } | EscrowEvent::Reclaimed { payer, amount, .. } => {
                json!({"payer": payer.to_checksum(None), "amount": amount.to_string()})
            }
            EscrowEvent::Frozen { .. } | EscrowEvent::Unfrozen { .. } => json!({}),
        }
    }

    /// Reads an event back from the event log (its name, job ref and [`stored_data`](Self::stored_data)).
    pub fn from_stored(name: &str, job_ref: &str, data: &Value) -> Result<Self, String> {
        let job_ref = B256::from_str(job_ref).map_err(|e| format!("job ref {job_ref:?}: {e}"))?;
        let text = |key: &str| data[key].as_str().ok_or_else(|| format!("{name} without {key}"));
        let address = |key: &str| text(key)?.parse::<Address>().map_err(|e| format!("{name}.{key}: {e}"));
        let amount = || {
            let raw = text("amount")?;
            if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{name}.amount {raw:?} is not a decimal amount"));
            }
            U256::from_str_radix(raw, 10).map_err(|e| format!("{name}.amount: {e}"))
        };
        Ok(match name {
            Self::FUNDED => EscrowEvent::Funded {
                job_ref,
                payer: address("payer")?,
                token: address("token")?,
                amount: amount()?,
                quote_id: B256::from_str(text("quote_id")?).map_err(|e| format!("Funded.quote_id: {e}"))?,
            },
            "Released" => EscrowEvent::Released { job_ref, amount: amount()? },
            "Refunded" => EscrowEvent::Refunded { job_ref, payer: address("payer")?, amount: amount()? },
            "Frozen" => EscrowEvent::Frozen { job_ref },
            "Unfrozen" => EscrowEvent::Unfrozen { job_ref },
            "Reclaimed" => EscrowEvent::Reclaimed { job_ref, payer: address("payer")?, amount: amount()? },
            other => return Err(format!("{other} is not an escrow event")),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn every_event() -> Vec<EscrowEvent> {
        let job_ref = B256::with_last_byte(7);
        let payer = Address::with_last_byte(1);
        let amount = U256::from(123_456_789_u64) * U256::from(10_u64).pow(U256::from(30_u64));
        vec![
            EscrowEvent::Funded { job_ref, payer, token: Address::with_last_byte(2), amount, quote_id: B256::with_last_byte(9) },
            EscrowEvent::Released { job_ref, amount },
            EscrowEvent::Refunded { job_ref, payer, amount },
            EscrowEvent::Frozen { job_ref },
            EscrowEvent::Unfrozen { job_ref },
            EscrowEvent::Reclaimed { job_ref, payer, amount },
        ]
    }

    #[test]
    fn every_event_reads_back_from_its_stored_form() {
        for event in every_event() {
            let back = EscrowEvent::from_stored(event.name(), &event.job_ref().to_string(), &event.stored_data()).unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn a_stored_event_that_lost_its_payer_or_amount_is_refused_not_zeroed() {
        let job_ref = B256::with_last_byte(7).to_string();
        assert!(EscrowEvent::from_stored("Refunded", &job_ref, &json!({"amount": "5"})).is_err());
        assert!(EscrowEvent::from_stored("Released", &job_ref, &json!({"amount": "-5"})).is_err());
        assert!(EscrowEvent::from_stored("Released", &job_ref, &json!({"amount": ""})).is_err());
        assert!(EscrowEvent::from_stored("Paid", &job_ref, &json!({})).is_err());
        assert!(EscrowEvent::from_stored("Frozen", "0x12", &json!({})).is_err());
    }

    #[test]
    fn escrow_states_read_from_their_numbers_and_back() {
        for n in 0..=5u8 {
            assert_eq!(EscrowState::try_from(n).unwrap() as u8, n);
        }
        assert_eq!(EscrowState::try_from(6), Err(6));
        assert_eq!(EscrowState::Reclaimed.as_str(), "reclaimed");
    }
}
