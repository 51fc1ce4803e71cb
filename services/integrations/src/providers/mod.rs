//! The KYC and onramp providers' adapters: the sandbox (test mode, the same signed-webhook protocol
//! as a real provider, delivered over HTTP), a Sumsub-shaped KYC adapter and a MoonPay-shaped onramp
//! adapter. Each verifies its webhooks over the raw body and reads them into the marketplace's terms
//! (`attune_domain::providers`); replay protection and applying them are the marketplace's.

pub mod kyc;
pub mod onramp;
mod webhooks;

pub use webhooks::SANDBOX_SIGNATURE_HEADER;
