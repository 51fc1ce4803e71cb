//! attune-integrations: the world outside the marketplace — the machine's PostgreSQL binaries for
//! the embedded database, and mail transports. Later: chain, KYC/onramp providers, list fetchers.

pub mod chain;
pub mod embedded_postgres;
pub mod fetch;
pub mod mail;
pub mod optout_scanner;
