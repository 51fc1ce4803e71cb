//! Building and running the server. `Application::build` lives in the library so tests start the
//! real server in-process on port 0.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpMessage, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use attune_app::accounts::AccountPolicy;
use attune_app::database::{self, Database};
use attune_app::dataset_scan::DatasetScanning;
use attune_app::outbox::OutboxDelivery;
use attune_app::{Settings, accounts};
use attune_domain::data_policy::DataPolicy;
use attune_domain::documents::DocumentTemplates;
use attune_integrations::fetch::SafeFetcher;
use attune_integrations::mail::Mailer;
use attune_integrations::optout_scanner::{OptoutScanner, ScannerSettings};
use secrecy::{ExposeSecret, SecretSlice};
use sqlx::PgPool;
use tokio::sync::watch;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::state::AppState;
use crate::{api, pages, problem};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    database: Database,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The in-process worker, stopped before the HTTP server so it can hand its lease back.
    worker: Option<tokio::task::JoinHandle<()>>,
}

/// What the bootstrap step did about the first admin.
pub enum BootstrapAdmin {
    AlreadyPresent,
    FromSettings { email: String },
    Generated { email: String, password_file: std::path::PathBuf },
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let demo_model = settings.demo_model.unwrap_or(settings.is_embedded_database() && settings.chain_rpc_url.is_none());
        if demo_model && settings.model_file_root.is_none() {
            // The demo model's files are listed as file:// URIs under this root.
            let root = settings.data_dir.join("models");
            std::fs::create_dir_all(&root).with_context(|| format!("failed to create {}", root.display()))?;
            settings.model_file_root = Some(root);
        }
        let database = database::open(&settings).await?;
        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("failed to bind {}", settings.bind))?;
        let address = listener.local_addr().context("failed to read the bound address")?;
        let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{address}")).trim_end_matches('/').to_string();
        let mailer = match &settings.smtp_url {
            Some(url) => Mailer::smtp(url.expose_secret())?,
            None => Mailer::file(settings.outbox_dir())?,
        };
        let csrf_key = match &settings.secret_key {
            Some(key) => SecretSlice::from(key.expose_secret().as_bytes().to_vec()),
            None => SecretSlice::from(load_or_create_secret(&settings.data_dir)?),
        };
        let policy = AccountPolicy {
            session_ttl: chrono::Duration::hours(settings.session_ttl_hours),
            verification_ttl: chrono::Duration::hours(settings.email_verification_ttl_hours),
            login_max_failures: settings.login_max_failures,
            login_window: chrono::Duration::minutes(settings.login_window_minutes),
            public_url,
        };
        let trusted_proxies = crate::client_addr::TrustedProxies::parse(settings.trusted_proxies.as_deref().unwrap_or(""))
            .map_err(|e| anyhow::anyhow!("ATTUNE_TRUSTED_PROXIES: {e}"))?;
        let fetcher = SafeFetcher::new(
            settings.allow_private_networks,
            settings.model_file_root.clone(),
            concat!("AttuneBot/", env!("CARGO_PKG_VERSION")),
        )?;
        let chain = attune_app::chain::Chain::open(&settings).await?;
        if let Some(chain) = &chain {
            attune_app::operator_txs::backfill_anchors(&database.pool).await?;
            tracing::info!(chain_id = chain.client.deployment.chain_id, escrow = %chain.client.deployment.escrow, "settlement chain ready");
        }
        let screening = Arc::new(attune_app::screening::ScreeningService::load(&database.pool).await?);
        let data_policy = Arc::new(DataPolicy::current().map_err(|e| anyhow::anyhow!(e))?);
        let templates = Arc::new(DocumentTemplates::current().map_err(|e| anyhow::anyhow!(e))?);
        let mut scan_settings = scanner_settings(&settings);
        scan_settings.recheck_after = chrono::Duration::days(i64::from(data_policy.optout().recheck_after_days));
        let scanner = OptoutScanner::new(
            scan_settings,
            data_policy.optout().ai_user_agents.clone(),
            data_policy.optout().noai_directives.clone(),
            &format!("{}/{} (+{}/bot)", settings.scanner_bot_name, env!("CARGO_PKG_VERSION"), policy.public_url),
        )?;
        let scanning = Arc::new(DatasetScanning::new(database.pool.clone(), scanner, data_policy.clone()));
        let model_checks = Arc::new(attune_app::models::ModelFileChecking::new(
            database.pool.clone(),
            fetcher.clone(),
            attune_app::models::ModelFileLimits {
                max_files: settings.model_max_files,
                max_total_bytes: settings.model_max_total_bytes,
                fetch_timeout: std::time::Duration::from_secs(settings.model_fetch_timeout_secs.max(1)),
            },
        ));
        let queue =
            Arc::new(attune_app::shard_queue::ShardQueue::new(database.pool.clone(), &settings).map_err(|e| anyhow::anyhow!("{e}"))?);
        let delivery = Arc::new(OutboxDelivery { mailer, mail_from: settings.mail_from.clone(), max_attempts: settings.mail_max_attempts });
        let state = web::Data::new(AppState {
            pool: database.pool.clone(),
            chain: chain.clone(),
            screening: screening.clone(),
            kyc: Arc::new(kyc_providers(&settings, &policy.public_url, &csrf_key)),
            onramp: Arc::new(onramp_providers(&settings, &policy.public_url, &csrf_key)?),
            settings,
            policy,
            trusted_proxies,
            delivery,
            fetcher,
            csrf_key,
            data_policy,
            templates,
            scanning,
            model_checks,
            queue,
            aggregation: Arc::new(attune_app::aggregation::Aggregation::new(database.pool.clone(), screening.clone())),
        });
        let server = run(listener, state.clone())?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        // Every replica screens against the newest lists, background tasks or not.
        tasks.push(tokio::spawn(attune_app::screening::follow_imports(state.pool.clone(), state.screening.clone(), shutdown_rx.clone())));
        // Every replica wakes its own long-polling workers.
        tasks.push(tokio::spawn(attune_app::shard_reaper::follow_notifications(
            state.pool.clone(),
            state.queue.wake(),
            shutdown_rx.clone(),
        )));
        if state.settings.background_tasks {
            let delivery = OutboxDelivery {
                mailer: state.delivery.mailer.clone(),
                mail_from: state.delivery.mail_from.clone(),
                max_attempts: state.delivery.max_attempts,
            };
            tasks.push(tokio::spawn(delivery.run(state.pool.clone(), shutdown_rx.clone())));
            tasks.push(tokio::spawn(state.scanning.clone().run(shutdown_rx.clone())));
            tasks.push(tokio::spawn(state.model_checks.clone().run(shutdown_rx.clone())));
            tasks.push(tokio::spawn(state.queue.clone().run_reaper(shutdown_rx.clone())));
            tasks.push(tokio::spawn(state.aggregation.clone().run(shutdown_rx.clone())));
            if let Some(raw) = &state.settings.sanctions_feeds {
                let feeds = attune_app::sanctions_refresh::parse_feeds(raw).map_err(|e| anyhow::anyhow!("ATTUNE_SANCTIONS_FEEDS: {e}"))?;
                let every = std::time::Duration::from_secs(state.settings.sanctions_refresh_hours.max(1) * 3600);
                tasks.push(tokio::spawn(attune_app::sanctions_refresh::run(
                    state.pool.clone(),
                    state.screening.clone(),
                    state.fetcher.client().clone(),
                    feeds,
                    every,
                    shutdown_rx.clone(),
                )));
            }
            if let Some(chain) = &state.chain {
                let shadow = match &state.settings.aml_shadow_policy {
                    Some(path) => {
                        let text = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
                        Some(attune_domain::aml::AmlPolicy::parse(&text).map_err(|e| anyhow::anyhow!("the shadow AML policy: {e}"))?)
                    }
                    None => None,
                };
                let watcher = attune_app::chain_watch::ChainWatcher::new(state.pool.clone(), chain.clone(), state.screening.clone())?
                    .with_shadow(shadow);
                tasks.push(tokio::spawn(watcher.run(shutdown_rx.clone())));
                let desk = attune_app::operator_txs::OperatorDesk::new(state.pool.clone(), chain.clone());
                tasks.push(tokio::spawn(desk.run(shutdown_rx.clone())));
            }
            tasks.push(tokio::spawn(session_sweeper(state.pool.clone(), shutdown_rx.clone())));
            tasks.push(tokio::spawn(attune_app::graduated_transition::run_upkeep(
                state.pool.clone(),
                std::time::Duration::from_secs(3600),
                shutdown_rx.clone(),
            )));
        }
        if demo_model {
            let wallet = alloy::signers::local::PrivateKeySigner::from_slice(&crate::training_setup::derive_key(
                &state.csrf_key,
                b"attune demo catalogue wallet\0",
            ))
            .map_err(|e| anyhow::anyhow!("could not derive the demo catalogue's wallet key: {e}"))?;
            tasks.push(tokio::spawn(crate::training_setup::list_demo_model(state.clone(), wallet)));
        }
        let worker = if state.settings.in_process_worker {
            Some(crate::training_setup::start_in_process_worker(&state, address, shutdown_rx).await?)
        } else {
            None
        };
        Ok(Self { port: address.port(), server, state, database, shutdown, tasks, worker })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &PgPool {
        &self.state.pool
    }

    pub fn public_url(&self) -> &str {
        &self.state.policy.public_url
    }

    pub fn screening(&self) -> Arc<attune_app::screening::ScreeningService> {
        self.state.screening.clone()
    }

    /// The chain, when settlement is on.
    pub fn chain(&self) -> Option<Arc<attune_app::chain::Chain>> {
        self.state.chain.clone()
    }

    /// The dataset scan step, for tests that drive background work one step at a time.
    pub fn scanning(&self) -> Arc<DatasetScanning> {
        self.state.scanning.clone()
    }

    /// The model files check step, for tests that drive background work one step at a time.
    pub fn model_checks(&self) -> Arc<attune_app::models::ModelFileChecking> {
        self.state.model_checks.clone()
    }

    /// Aggregation, for tests that drive it one job at a time.
    pub fn aggregation(&self) -> Arc<attune_app::aggregation::Aggregation> {
        self.state.aggregation.clone()
    }

    /// The shard-run queue, for tests that drive its reaper one step at a time.
    pub fn shard_queue(&self) -> Arc<attune_app::shard_queue::ShardQueue> {
        self.state.queue.clone()
    }

    pub fn outbox(&self) -> Arc<OutboxDelivery> {
        self.state.delivery.clone()
    }

    pub fn database_location(&self) -> &str {
        &self.database.location
    }

    /// Who trains: the in-process worker (and its trainer), or workers elsewhere.
    pub fn training_description(&self) -> String {
        if self.worker.is_some() {
            format!(
                "one in-process worker ({} trainer); add more with attune-worker --server URL --token-file FILE",
                self.state.settings.in_process_trainer
            )
        } else {
            "no in-process worker (ATTUNE_IN_PROCESS_WORKER=false): run attune-worker --server URL --token-file FILE".into()
        }
    }

    pub fn mail_description(&self) -> String {
        self.state.delivery.mailer.describe()
    }

    /// Creates the first admin when none exists: from `ATTUNE_BOOTSTRAP_ADMIN_*`, or with a random
    /// password written to `<data_dir>/admin-password` (mode 0600).
    pub async fn bootstrap_admin(&self) -> anyhow::Result<BootstrapAdmin> {
        let settings = &self.state.settings;
        if accounts::admin_exists(&self.state.pool).await? {
            return Ok(BootstrapAdmin::AlreadyPresent);
        }
        let email = settings.bootstrap_admin_email.clone().unwrap_or_else(|| "admin@attune.localhost".to_string());
        let (password, generated) = match &settings.bootstrap_admin_password {
            Some(p) => (p.expose_secret().to_string(), false),
            None => (attune_app::tokens::new_token()[..24].to_string(), true),
        };
        accounts::create_admin(&self.state.pool, "system:bootstrap", &email, &password, "Administrator")
            .await
            .map_err(|e| anyhow::anyhow!("could not create the bootstrap admin: {e}"))?;
        if generated {
            let path = settings.data_dir.join("admin-password");
            write_private_file(&path, format!("{password}\n").as_bytes())?;
            Ok(BootstrapAdmin::Generated { email, password_file: path })
        } else {
            Ok(BootstrapAdmin::FromSettings { email })
        }
    }

    /// Serves until SIGINT/SIGTERM, then stops background tasks, closes the pool and stops the
    /// embedded PostgreSQL if this process started it.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = self.server;
        let result = tokio::select! {
            r = &mut server => r,
            _ = stop_signal() => {
                tracing::info!("stopping: background tasks first, then the HTTP server");
                let _ = self.shutdown.send(true);
                if let Some(worker) = self.worker {
                    // It finishes its slice, uploads the checkpoint and hands the lease back over HTTP.
                    if tokio::time::timeout(std::time::Duration::from_secs(300), worker).await.is_err() {
                        tracing::warn!("the in-process worker did not stop in time; its lease will expire and be retried");
                    }
                }
                tracing::info!("stopping the HTTP server");
                // The server future runs the server's command loop: poll it while the stop is asked.
                let (_, r) = tokio::join!(handle.stop(true), server);
                r
            }
        };
        let _ = self.shutdown.send(true);
        tracing::info!("waiting for background tasks");
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(chain) = &self.state.chain {
            tracing::info!("stopping the chain");
            chain.stop().await?;
        }
        self.state.pool.close().await;
        if let Some(pg) = &self.database.embedded
            && pg.started_here()
        {
            tracing::info!("stopping the embedded PostgreSQL cluster");
            pg.stop().await?;
        }
        result.context("the HTTP server failed")
    }
}

/// SIGINT or SIGTERM.
async fn stop_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! { _ = term.recv() => {}, _ = tokio::signal::ctrl_c() => {} }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The KYC providers' webhook keys: the sandbox's is derived from the server's secret key (so every
/// replica agrees); the Sumsub-shaped adapter's come from `ATTUNE_SUMSUB_WEBHOOK_SECRETS`.
fn kyc_providers(settings: &Settings, public_url: &str, secret: &SecretSlice<u8>) -> attune_app::kyc::KycProviders {
    use sha2::Digest;
    let mut derived = sha2::Sha256::new();
    derived.update(b"attune kyc sandbox webhook key\0");
    derived.update(secret.expose_secret());
    let sumsub = settings
        .sumsub_webhook_secrets
        .as_ref()
        .map(|s| s.expose_secret().split(',').map(|k| k.trim().as_bytes().to_vec()).filter(|k| !k.is_empty()).collect())
        .unwrap_or_default();
    attune_app::kyc::KycProviders {
        public_url: public_url.to_owned(),
        sandbox_secrets: vec![derived.finalize().to_vec()],
        sumsub_secrets: sumsub,
    }
}

/// The onramp providers: the sandbox's webhook key and treasury key are derived from the server's
/// secret; the MoonPay-shaped adapter's keys come from `ATTUNE_MOONPAY_WEBHOOK_SECRETS`.
fn onramp_providers(
    settings: &Settings,
    public_url: &str,
    secret: &SecretSlice<u8>,
) -> anyhow::Result<attune_app::onramp::OnrampProviders> {
    use sha2::Digest;
    let derive = |label: &[u8]| {
        let mut h = sha2::Sha256::new();
        h.update(label);
        h.update(secret.expose_secret());
        h.finalize().to_vec()
    };
    let treasury = alloy::signers::local::PrivateKeySigner::from_slice(&derive(b"attune onramp sandbox treasury\0"))
        .map_err(|e| anyhow::anyhow!("could not derive the sandbox treasury key: {e}"))?;
    let moonpay = settings
        .moonpay_webhook_secrets
        .as_ref()
        .map(|s| s.expose_secret().split(',').map(|k| k.trim().as_bytes().to_vec()).filter(|k| !k.is_empty()).collect())
        .unwrap_or_default();
    Ok(attune_app::onramp::OnrampProviders {
        public_url: public_url.to_owned(),
        sandbox_secrets: vec![derive(b"attune onramp sandbox webhook key\0")],
        sandbox_treasury: treasury,
        moonpay_secrets: moonpay,
    })
}

fn scanner_settings(settings: &Settings) -> ScannerSettings {
    let mut s = ScannerSettings::new(&settings.scanner_bot_name, settings.allow_private_networks);
    s.request_timeout = std::time::Duration::from_secs(settings.scanner_timeout_secs.max(1));
    s.per_origin_concurrency = settings.scanner_per_origin_concurrency.max(1);
    s.global_concurrency = settings.scanner_global_concurrency.max(1);
    s.origin_ttl = std::time::Duration::from_secs(settings.scanner_origin_ttl_secs);
    s
}

async fn session_sweeper(pool: PgPool, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Ok(mut conn) = pool.acquire().await {
            if let Err(e) = attune_db::sessions::delete_expired(&mut conn).await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
            let cutoff = chrono::Utc::now() - chrono::Duration::days(30);
            if let Err(e) = attune_db::sessions::prune_login_attempts(&mut conn, cutoff).await {
                tracing::warn!(error = %e, "login-attempt cleanup failed");
            }
            if let Err(e) = attune_db::sessions::prune_registration_attempts(&mut conn, cutoff).await {
                tracing::warn!(error = %e, "registration-attempt cleanup failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("failed to write {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("failed to write {}", path.display()))
}

/// The MAC key for CSRF tokens: kept in `<data_dir>/secret-key` so restarts keep forms valid.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("failed to create {}", data_dir.display()))?;
    let path = data_dir.join("secret-key");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().as_bytes().to_vec()),
        _ => {
            let key = attune_app::tokens::new_token();
            write_private_file(&path, key.as_bytes())?;
            Ok(key.into_bytes())
        }
    }
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"))
        .add((HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
}

/// A service endpoint asked with another method than GET: 405 naming GET.
async fn get_only(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    crate::problem::ApiError::method_not_allowed(req.method(), Some(crate::allow::Methods::GET)).error_response()
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let metrics = PrometheusMetricsBuilder::new("attune")
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNMATCHED")
        .build()
        .map_err(|e| anyhow::anyhow!("failed to set up metrics: {e}"))?;
    let max_body = state.settings.max_body_bytes;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(crate::guards::reject_nul))
            .wrap(actix_web::middleware::from_fn(crate::guards::registration_limit))
            .wrap(security_headers())
            .wrap(metrics.clone())
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                let fut = actix_web::dev::Service::call(srv, req);
                async move {
                    let mut res = fut.await?;
                    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        res.headers_mut().insert(HeaderName::from_static("x-request-id"), id);
                    }
                    Ok(res)
                }
            })
            .wrap(TracingLogger::default())
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .service(web::resource("/healthz").route(web::get().to(api::service::healthz)).default_service(web::to(get_only)))
            .service(web::resource("/registry.csv").route(web::get().to(api::registry::csv)).default_service(web::to(get_only)))
            .service(web::resource("/readyz").route(web::get().to(api::service::readyz)).default_service(web::to(get_only)))
            // The metrics middleware answers GET itself; any other method is a 405 here.
            .service(web::resource("/metrics").default_service(web::to(get_only)))
            .service(
                web::scope("/api")
                    .wrap(actix_web::middleware::from_fn(crate::guards::api_same_origin))
                    .wrap(ErrorHandlers::new().default_handler(problem::problemize))
                    .service(web::scope("/v1").configure(api::configure))
                    .default_service(web::to(|req: actix_web::HttpRequest| async move {
                        Err::<actix_web::HttpResponse, _>(crate::allow::unmatched(req.method(), req.path()))
                    })),
            )
            .configure(api::kyc::configure_outside)
            .configure(api::onramp::configure_outside)
            .configure(pages::configure)
            .default_service(web::to(pages::not_found))
    })
    .shutdown_timeout(10)
    .disable_signals()
    .listen(listener)
    .context("failed to listen")?
    .run();
    Ok(server)
}
