//! attune-integrations: the world outside the marketplace — the machine's PostgreSQL binaries for
//! the embedded database, and mail transports. Later: chain, KYC/onramp providers, list fetchers.

pub mod chain;
pub mod embedded_postgres;
pub mod fetch;
pub mod mail;
pub mod optout_scanner;
pub mod providers;
pub mod sanctions;

/// Installs rustls' process-wide crypto provider (ring) once: every HTTP client (reqwest, alloy's
/// transport) needs it before it is built. Safe to call any number of times.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
