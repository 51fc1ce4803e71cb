//! Building and running the server. `Application::build` lives in the library so tests start the
//! real server in-process on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpMessage, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use attune_app::Settings;
pub use attune_app::bootstrap::BootstrapAdmin;
use attune_app::dataset_scan::DatasetScanning;
use attune_app::marketplace::Marketplace;
use attune_app::outbox::OutboxDelivery;
use tokio::sync::watch;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::state::AppState;
use crate::{api, pages, problem};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The in-process worker, stopped before the HTTP server so it can hand its lease back.
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("failed to bind {}", settings.bind))?;
        let address = listener.local_addr().context("failed to read the bound address")?;
        let trusted_proxies = crate::client_addr::TrustedProxies::parse(settings.trusted_proxies.as_deref().unwrap_or(""))
            .map_err(|e| anyhow::anyhow!("ATTUNE_TRUSTED_PROXIES: {e}"))?;
        let market = Marketplace::open(settings, address).await?;
        let state = web::Data::new(AppState { market, trusted_proxies });
        let server = run(listener, state.clone())?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut tasks = attune_app::tasks::spawn(&state, &shutdown_rx)?;
        if state.demo_model {
            tasks.push(tokio::spawn(crate::training_setup::list_demo_model(state.clone())));
        }
        let worker = if state.settings.in_process_worker {
            Some(crate::training_setup::start_in_process_worker(&state, address, shutdown_rx).await?)
        } else {
            None
        };
        Ok(Self { port: address.port(), server, state, shutdown, tasks, worker })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &attune_app::Pool {
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
        self.state.database_location()
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

    /// Creates the first admin when none exists.
    pub async fn bootstrap_admin(&self) -> anyhow::Result<BootstrapAdmin> {
        attune_app::bootstrap::first_admin(&self.state).await
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
        self.state.close().await?;
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
