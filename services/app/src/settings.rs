//! One layered settings struct: code defaults (the embedded setup) → optional `attune.toml` →
//! `ATTUNE_*` environment variables (and `DATABASE_URL`). Tests build the struct directly.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Where the embedded state lives (database cluster, outbox, secrets).
    pub data_dir: PathBuf,
    /// The URL users reach the marketplace at, for links in e-mails. Default: derived from `bind`.
    pub public_url: Option<String>,
    /// An external PostgreSQL; unset → the private cluster under `<data_dir>/pg`.
    pub database_url: Option<SecretString>,
    /// Directory holding initdb/pg_ctl for the embedded cluster (default: searched for).
    pub pg_bin_dir: Option<PathBuf>,
    pub database_max_connections: u32,
    /// SMTP server for mail; unset → `.eml` files in `<data_dir>/outbox`.
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    pub bootstrap_admin_email: Option<String>,
    pub bootstrap_admin_password: Option<SecretString>,
    /// Lets outbound fetchers reach loopback and private addresses (off by default: SSRF guard).
    pub allow_private_networks: bool,
    /// Directory under which model files may be given as `file://` URIs (unset: none may).
    pub model_file_root: Option<PathBuf>,
    /// Most files one listing may ask the platform to fetch and re-hash.
    pub model_max_files: usize,
    /// Most bytes, all files of one listing together.
    pub model_max_total_bytes: u64,
    /// Seconds one model file may take to fetch before its check fails.
    pub model_fetch_timeout_secs: u64,
    /// Sandbox KYC/onramp providers; default: on in embedded mode.
    pub sandbox: Option<bool>,
    pub log_format: LogFormat,
    /// The operator's RPC endpoint (may carry an API key: never shown to users).
    pub chain_rpc_url: Option<String>,
    /// The RPC URL wallets are told to use (`GET /api/v1/chain`); default: the embedded anvil's
    /// URL in embedded mode, none with a configured chain.
    pub chain_public_rpc_url: Option<String>,
    pub operator_key: Option<SecretString>,
    /// Key for CSRF tokens and other MACs. Unset → generated once into `<data_dir>/secret-key`.
    pub secret_key: Option<SecretString>,
    pub session_ttl_hours: i64,
    pub email_verification_ttl_hours: i64,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    pub login_max_failures: i64,
    pub login_window_minutes: i64,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers name the client, as a
    /// comma-separated list of addresses or CIDR ranges (unset: the TCP peer is the client).
    pub trusted_proxies: Option<String>,
    /// Registrations one client address may attempt per window.
    pub registration_max_per_window: i64,
    pub registration_window_minutes: i64,
    /// Run the background tasks (outbox mailer, session cleanup). Tests drive them step by step.
    pub background_tasks: bool,
    pub mail_max_attempts: u32,
    /// Largest NDJSON dataset upload (streamed, constant memory), in bytes.
    pub dataset_max_bytes: usize,
    /// Largest `application/json` dataset upload (held in memory while parsed), in bytes.
    pub dataset_json_max_bytes: usize,
    /// Our crawler's product token: robots.txt groups for it count as reservations too.
    pub scanner_bot_name: String,
    /// Seconds one opt-out fetch may take before the verdict fails closed to `unknown`.
    pub scanner_timeout_secs: u64,
    /// Politeness: requests in flight to one origin at a time.
    pub scanner_per_origin_concurrency: usize,
    pub scanner_global_concurrency: usize,
    /// How long an origin's robots.txt, ai.txt and tdmrep.json are reused.
    pub scanner_origin_ttl_secs: u64,
    /// Settlement on chain: off runs the marketplace without payments (some tests).
    pub chain_enabled: bool,
    /// Blocks on top of an event's block before it counts (1: the event's own block suffices).
    /// Unset: the embedded anvil takes 1, a configured chain its safe depth
    /// ([`attune_domain::settlement::safe_confirmations`]).
    pub chain_confirmations: Option<u64>,
    /// How often the chain watcher asks for a new head, in milliseconds.
    pub chain_poll_ms: u64,
    /// With `chain_rpc_url`: the deployed contracts.
    pub token_address: Option<String>,
    pub escrow_address: Option<String>,
    pub registry_address: Option<String>,
    /// The anvil binary for the embedded chain (default: `node_modules/@foundry-rs/anvil-linux-amd64`).
    pub anvil_path: Option<PathBuf>,
    /// Where the platform's, compute and audit-pool shares are paid (default: the operator's address).
    pub treasury_address: Option<String>,
    /// How long a signed payment quote stays valid.
    pub quote_ttl_hours: i64,
    /// Webhook keys of the Sumsub-shaped KYC adapter, comma-separated (several during rotation).
    pub sumsub_webhook_secrets: Option<SecretString>,
    /// Webhook keys of the MoonPay-shaped onramp adapter, comma-separated.
    pub moonpay_webhook_secrets: Option<SecretString>,
    /// A candidate AML policy file run in shadow: its decisions are recorded beside the enforced ones.
    pub aml_shadow_policy: Option<PathBuf>,
    /// Sanctions lists to refresh on a schedule: `opensanctions=URL;ofac_sdn_xml=URL;ofac_sdn_csv=BASE_URL`.
    pub sanctions_feeds: Option<String>,
    pub sanctions_refresh_hours: u64,
    /// Overrides the dispatch policy's lease length (seconds) for shard runs (tests, slow networks).
    pub dispatch_lease_secs: Option<u32>,
    /// Overrides the dispatch policy's retry backoff (seconds, every attempt) for shard runs.
    pub dispatch_backoff_secs: Option<u32>,
    /// Largest artifact a worker may upload, in bytes.
    pub artifact_max_bytes: u64,
    /// Where artifacts are kept: `s3://bucket[/prefix]` (with the `AWS_*` variables) or
    /// `file:///dir`; unset: `<data_dir>/artifacts`.
    pub artifact_store_url: Option<String>,
    /// Run one training worker inside `attune serve` (the embedded setup's); off for servers whose
    /// workers run elsewhere.
    pub in_process_worker: bool,
    /// The in-process worker's trainer: `builtin` or `command:PROGRAM [ARGS…]`.
    pub in_process_trainer: String,
    /// List the demo base model from the platform's own provider organisation on first start
    /// (default: in the embedded setup).
    pub demo_model: Option<bool>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from(".attune"),
            public_url: None,
            database_url: None,
            pg_bin_dir: None,
            database_max_connections: 20,
            smtp_url: None,
            mail_from: "Attune <no-reply@attune.localhost>".into(),
            bootstrap_admin_email: None,
            bootstrap_admin_password: None,
            allow_private_networks: false,
            model_file_root: None,
            model_max_files: 64,
            model_max_total_bytes: 100 * 1024 * 1024 * 1024,
            model_fetch_timeout_secs: 60,
            sandbox: None,
            log_format: LogFormat::Pretty,
            chain_rpc_url: None,
            chain_public_rpc_url: None,
            operator_key: None,
            secret_key: None,
            session_ttl_hours: 24 * 7,
            email_verification_ttl_hours: 48,
            max_body_bytes: 2 * 1024 * 1024,
            login_max_failures: 5,
            login_window_minutes: 15,
            trusted_proxies: None,
            registration_max_per_window: 20,
            registration_window_minutes: 60,
            background_tasks: true,
            mail_max_attempts: 8,
            dataset_max_bytes: 1024 * 1024 * 1024,
            dataset_json_max_bytes: 32 * 1024 * 1024,
            scanner_bot_name: "AttuneBot".into(),
            scanner_timeout_secs: 5,
            scanner_per_origin_concurrency: 4,
            scanner_global_concurrency: 64,
            scanner_origin_ttl_secs: 3600,
            chain_enabled: true,
            chain_confirmations: None,
            chain_poll_ms: 100,
            token_address: None,
            escrow_address: None,
            registry_address: None,
            anvil_path: None,
            treasury_address: None,
            quote_ttl_hours: 24 * 7,
            sumsub_webhook_secrets: None,
            moonpay_webhook_secrets: None,
            aml_shadow_policy: None,
            sanctions_feeds: None,
            sanctions_refresh_hours: 24,
            dispatch_lease_secs: None,
            dispatch_backoff_secs: None,
            artifact_max_bytes: 16 * 1024 * 1024 * 1024,
            artifact_store_url: None,
            in_process_worker: true,
            in_process_trainer: "builtin".into(),
            demo_model: None,
        }
    }
}

impl Settings {
    /// Loads defaults, then `config_file` (or `./attune.toml` if present), then the environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let file = config_file.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("attune.toml"));
        Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed("ATTUNE_").ignore(&["ATTUNE_CONFIG"]))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .extract::<Settings>()
            .map(Settings::without_blanks)
            .map_err(Box::new)
    }

    /// An empty variable (`ATTUNE_SMTP_URL=` in a compose file) means "unset", not "empty".
    fn without_blanks(mut self) -> Self {
        fn blank(s: &Option<SecretString>) -> bool {
            s.as_ref().is_some_and(|v| v.expose_secret().trim().is_empty())
        }
        for secret in [
            &mut self.database_url,
            &mut self.smtp_url,
            &mut self.bootstrap_admin_password,
            &mut self.operator_key,
            &mut self.secret_key,
            &mut self.sumsub_webhook_secrets,
        ] {
            if blank(secret) {
                *secret = None;
            }
        }
        for text in [
            &mut self.public_url,
            &mut self.bootstrap_admin_email,
            &mut self.chain_rpc_url,
            &mut self.chain_public_rpc_url,
            &mut self.token_address,
            &mut self.escrow_address,
            &mut self.registry_address,
            &mut self.treasury_address,
            &mut self.artifact_store_url,
        ] {
            if text.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *text = None;
            }
        }
        self
    }

    pub fn is_embedded_database(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn sandbox_enabled(&self) -> bool {
        self.sandbox.unwrap_or(self.chain_rpc_url.is_none())
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Where workers' artifacts are kept (see `artifact_store`).
    pub fn artifacts_dir(&self) -> PathBuf {
        self.data_dir.join("artifacts")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err, reason = "figment's Jail closure returns its own large error type")]
    fn the_environment_overrides_the_file_and_blanks_mean_unset() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "attune.toml",
                "bind = \"0.0.0.0:9000\"\nmail_from = \"From File <f@example.org>\"\nlogin_max_failures = 7\n",
            )?;
            jail.set_env("ATTUNE_BIND", "127.0.0.1:0");
            jail.set_env("ATTUNE_SMTP_URL", "");
            jail.set_env("ATTUNE_LOG_FORMAT", "json");
            jail.set_env("DATABASE_URL", "postgres://u@db/attune");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.bind, "127.0.0.1:0");
            assert_eq!(s.mail_from, "From File <f@example.org>");
            assert_eq!(s.login_max_failures, 7);
            assert_eq!(s.log_format, LogFormat::Json);
            assert!(s.smtp_url.is_none());
            assert!(!s.is_embedded_database());
            assert!(format!("{s:?}").contains("[REDACTED]") && !format!("{s:?}").contains("postgres://u@db"), "secrets never print");
            Ok(())
        });
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let s = Settings::default();
        assert!(s.is_embedded_database() && s.smtp_url.is_none() && s.sandbox_enabled() && !s.allow_private_networks);
        assert_eq!(s.outbox_dir(), PathBuf::from(".attune/outbox"));
    }
}
