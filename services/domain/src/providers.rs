//! KYC and onramp providers as the marketplace sees them: what a verified webhook says, whatever the
//! provider's wire format, and the trait each provider's adapter implements (the adapters — the
//! sandbox, a Sumsub-shaped and a MoonPay-shaped one — live in attune-integrations).

use uuid::Uuid;

use crate::webhook_signature::SignatureError;

/// How old (or how far ahead) a webhook's timestamp may be.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// A request header by its lower-case name.
pub type Headers<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Why a webhook was refused before anything was applied.
#[derive(Debug, thiserror::Error)]
pub enum WebhookRejection {
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("the event is not one this endpoint understands: {0}")]
    Unreadable(String),
}

/// A provider's identity decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KycDecision {
    Approved,
    Rejected,
    /// A retryable rejection: the person may try again.
    Retry,
}

impl KycDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            KycDecision::Approved => "approved",
            KycDecision::Rejected => "rejected",
            KycDecision::Retry => "retry",
        }
    }
}

/// A KYC provider's review of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KycReview {
    /// The provider's id of this event (replays are refused by it).
    pub event_id: String,
    pub session_id: Uuid,
    pub decision: KycDecision,
    pub full_name: Option<String>,
    pub country: Option<String>,
    pub birth_year: Option<u16>,
}

/// An onramp provider's word on one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnrampDelivery {
    pub event_id: String,
    pub order_id: Uuid,
    /// The provider delivered the crypto (otherwise the order failed).
    pub completed: bool,
    /// Base units of USDC, as a decimal string.
    pub amount: Option<String>,
    pub destination: Option<String>,
    pub tx_hash: Option<String>,
    /// The provider's own id of the transaction.
    pub provider_ref: Option<String>,
    /// Who the provider says paid (the identity it verified), for the AML identity rule.
    pub payer_name: Option<String>,
}

/// A KYC provider's webhooks: verified over the raw body, then read.
pub trait KycProvider: Send + Sync {
    /// Its name in `/webhooks/kyc/{name}`.
    fn name(&self) -> &'static str;
    fn read_webhook(&self, headers: Headers<'_>, raw_body: &[u8], now: i64) -> Result<KycReview, WebhookRejection>;
}

/// An onramp provider's webhooks: verified over the raw body, then read.
pub trait OnrampProvider: Send + Sync {
    /// Its name in `/webhooks/onramp/{name}`.
    fn name(&self) -> &'static str;
    fn read_webhook(&self, headers: Headers<'_>, raw_body: &[u8], now: i64) -> Result<OnrampDelivery, WebhookRejection>;
}
