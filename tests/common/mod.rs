//! Shared black-box test support: `spawn_app()` starts the real server in-process on port 0 with
//! a fresh PostgreSQL database, and helpers act as users over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod chain;
pub mod files;
pub mod models;
pub mod pages;
pub mod smtp;
pub mod training;
pub mod wallet;
pub mod web;

use std::sync::Arc;

use attune_app::Settings;
use attune_app::outbox::OutboxDelivery;
use attune_web::Application;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

/// reqwest's rustls needs a process-wide crypto provider; the server installs ring, and so must a
/// test that makes requests before (or without) starting one.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Idle connections are dropped before the server's keep-alive (5 s) would close them, so a
    // request never goes out on a connection the server is closing (hyper's IncompleteMessage).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client")
}

/// The server the per-test databases are created on (the machine's PostgreSQL by default).
pub fn test_server_url() -> String {
    std::env::var("ATTUNE_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Creates an empty database with a unique name and returns its URL.
pub async fn fresh_database() -> String {
    let server = test_server_url();
    let mut conn = PgConnection::connect(&server).await.expect("connect to the test PostgreSQL server (set ATTUNE_TEST_DATABASE_URL)");
    let name = format!("attune_test_{}", Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&mut conn).await.expect("create test database");
    let (base, _) = server.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub pool: PgPool,
    pub database_url: String,
    pub outbox: Arc<OutboxDelivery>,
    pub scanning: Arc<attune_app::dataset_scan::DatasetScanning>,
    pub model_checks: Arc<attune_app::models::ModelFileChecking>,
    pub chain: Option<Arc<attune_app::chain::Chain>>,
    pub screening: Arc<attune_app::screening::ScreeningService>,
    /// The shard-run queue (its reaper step).
    pub queue: Arc<attune_app::shard_queue::ShardQueue>,
    /// Aggregation (one job per step).
    pub aggregation: Arc<attune_app::aggregation::Aggregation>,
    pub data_dir: tempfile::TempDir,
    /// A client without cookies (API calls with bearer tokens).
    pub api: reqwest::Client,
}

pub struct TestUser {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub password: String,
    pub token: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with settings changed by `configure` (after the test defaults).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(fresh_database().await, configure).await
}

/// Starts the app on an existing database (a second server of the same marketplace, or a restart).
/// Settlement is off unless `configure` turns it on (`chain_enabled`): most tests need no chain.
pub async fn spawn_app_on(database_url: String, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        database_url: Some(SecretString::from(database_url.clone())),
        database_max_connections: 5,
        background_tasks: false,
        in_process_worker: false,
        chain_enabled: false,
        secret_key: Some(SecretString::from(Uuid::new_v4().to_string())),
        // Test weights are files under the app's own data dir (see `common::models`).
        model_file_root: Some(data_dir.path().to_path_buf()),
        ..Settings::default()
    };
    configure(&mut settings);
    let app = Application::build(settings).await.expect("build the application");
    let port = app.port();
    let pool = app.pool().clone();
    let outbox = app.outbox();
    let scanning = app.scanning();
    let model_checks = app.model_checks();
    let chain = app.chain();
    let screening = app.screening();
    let queue = app.shard_queue();
    let aggregation = app.aggregation();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        pool,
        database_url,
        outbox,
        scanning,
        model_checks,
        chain,
        screening,
        queue,
        aggregation,
        data_dir,
        api: http_client(),
    }
}

impl Drop for TestApp {
    /// The server task never returns in a test, so its embedded anvil would outlive the test process.
    fn drop(&mut self) {
        if let Some(chain) = &self.chain {
            chain.kill_embedded_now();
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut req = self.api.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.api.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn register(&self, email: &str, org_name: &str) -> reqwest::Response {
        self.register_kind(email, org_name, "sme").await
    }

    pub async fn register_kind(&self, email: &str, org_name: &str, kind: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "password": PASSWORD, "name": "Test User", "organization": {"name": org_name, "country": "DE", "kind": kind}}),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/api/v1/auth/login", &json!({"email": email, "password": password}), None).await
    }

    /// Registers a new organisation with one user and logs them in.
    pub async fn new_user(&self) -> TestUser {
        self.new_user_of_kind("sme").await
    }

    /// As `new_user`, for an organisation of `kind` (as the sign-up form says; nobody verified it).
    pub async fn new_user_of_kind(&self, kind: &str) -> TestUser {
        let email = format!("user-{}@example.org", Uuid::new_v4().simple());
        let res = self.register_kind(&email, &format!("Org {}", &email[5..13]), kind).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.expect("json");
        let token = self.token_for(&email, PASSWORD).await;
        TestUser {
            id: body["user"]["id"].as_str().expect("id").parse().expect("uuid"),
            organization_id: body["organization"]["id"].as_str().expect("org id").parse().expect("uuid"),
            email,
            password: PASSWORD.into(),
            token,
        }
    }

    /// A platform admin, created the way the command line does it.
    pub async fn new_admin(&self) -> TestUser {
        let email = format!("admin-{}@example.org", Uuid::new_v4().simple());
        let created = attune_app::accounts::create_admin(&self.pool, "test", &email, PASSWORD, "Test Admin").await.expect("create admin");
        let id = match created {
            attune_app::accounts::AdminCreated::Created(id) | attune_app::accounts::AdminCreated::Promoted(id) => id,
        };
        let token = self.token_for(&email, PASSWORD).await;
        let me: Value = self.get("/api/v1/me", Some(&token)).await.json().await.expect("json");
        TestUser {
            id,
            organization_id: me["user"]["organization_id"].as_str().expect("org").parse().expect("uuid"),
            email,
            password: PASSWORD.into(),
            token,
        }
    }

    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), StatusCode::OK, "login of {email} failed");
        let body: Value = res.json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    /// Fetches and re-hashes the files of every listing waiting for it (the background step, driven by hand).
    pub async fn check_model_files(&self) -> usize {
        self.model_checks.check_all_waiting().await.expect("check model files")
    }

    /// Runs the opt-out scan of every dataset waiting for one (the background step, driven by hand).
    pub async fn scan_datasets(&self) -> usize {
        self.scanning.scan_all_waiting().await.expect("scan datasets")
    }

    /// Delivers every due outbox item, as the background task would.
    pub async fn deliver_outbox(&self) -> usize {
        self.outbox.deliver_all_due(&self.pool).await.expect("outbox delivery")
    }

    /// The organisation-scoping contract every organisation-owned resource must keep: its owner
    /// can read it; a user of another organisation gets exactly the 404 an unknown id gets.
    /// `path_for(id)` builds the resource's URL; `id` is the owned resource.
    pub async fn assert_org_scoped(&self, owner: &TestUser, id: Uuid, path_for: impl Fn(Uuid) -> String) {
        let own = self.get(&path_for(id), Some(&owner.token)).await;
        assert_eq!(own.status(), StatusCode::OK, "the owner must see {}", path_for(id));
        let stranger = self.new_user().await;
        let foreign = self.get(&path_for(id), Some(&stranger.token)).await;
        assert_eq!(foreign.status(), StatusCode::NOT_FOUND, "another organisation must get 404 for {}", path_for(id));
        assert_problem(&foreign);
        let foreign_body: Value = foreign.json().await.expect("json");
        let unknown: Value = self.get(&path_for(Uuid::new_v4()), Some(&stranger.token)).await.json().await.expect("json");
        assert_eq!(foreign_body, unknown, "another organisation's resource must be indistinguishable from an unknown one");
    }
}

pub fn assert_problem(res: &reqwest::Response) {
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(ct.starts_with("application/problem+json"), "expected problem+json, got {ct:?} ({})", res.status());
}

/// Extracts the first `http…` link from a mail body, undoing quoted-printable soft breaks.
pub fn link_in_mail(raw: &str) -> String {
    let unfolded = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = unfolded.find("http://").expect("a link in the mail");
    unfolded[start..].split_whitespace().next().expect("link").to_string()
}
