//! The `attune` command line end to end: `serve` on the embedded PostgreSQL (first start, reuse,
//! graceful stop), `migrate`, `admin create`, `audit verify`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_attune");

/// The command with every setting cleared, as on a machine with nothing configured.
fn attune() -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("ATTUNE_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd.env("ATTUNE_LOG_FORMAT", "json");
    cmd
}

struct Served {
    child: Child,
    base: String,
    stdout: Vec<String>,
}

/// Starts `attune serve --bind 127.0.0.1:0` and waits for its `listening on` line.
fn serve(data_dir: &Path) -> Served {
    let mut child = attune()
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .current_dir(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn attune serve");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "attune serve did not start: {lines:?}");
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("attune serve exited before listening: {lines:?} (status {:?})", child.wait());
        }
        lines.push(line.trim_end().to_string());
        if line.contains("Stop with Ctrl-C") {
            break;
        }
    }
    let listening = lines.iter().find_map(|l| l.strip_prefix("listening on ")).expect("a `listening on` line").to_string();
    assert!(listening.starts_with("http://127.0.0.1:"), "{listening}");
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    Served { child, base: listening, stdout: lines }
}

fn stop(mut served: Served) {
    kill(Pid::from_raw(served.child.id() as i32), Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            assert!(status.success(), "attune serve exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "attune serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The demo model as a signed-in user's catalogue shows it (listed by a start-up step: polled).
async fn demo_model(http: &reqwest::Client, base: &str, email: &str) -> Value {
    let login =
        http.post(format!("{base}/api/v1/auth/login")).json(&json!({"email": email, "password": common::PASSWORD})).send().await.unwrap();
    let token = login.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let list: Value =
            http.get(format!("{base}/api/v1/models?verified=true")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        let demos: Vec<&Value> = list["items"].as_array().unwrap().iter().filter(|m| m["name"] == "attune-demo-llama-3m").collect();
        if let [one] = demos.as_slice() {
            return (*one).clone();
        }
        assert!(demos.len() <= 1, "listed twice: {list}");
        assert!(Instant::now() < deadline, "the demo model was not listed: {list}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn serve_runs_on_a_private_postgres_keeps_its_data_and_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let http = common::http_client();

    let first = serve(data.path());
    assert!(first.stdout.iter().any(|l| l.contains("embedded PostgreSQL cluster in")), "{:?}", first.stdout);
    let admin_line = first.stdout.iter().find(|l| l.contains("admin:")).expect("the bootstrap admin is printed");
    assert!(admin_line.contains("admin@attune.localhost") && admin_line.contains("admin-password"), "{admin_line}");
    let password_file = data.path().join("admin-password");
    assert_eq!(std::fs::metadata(&password_file).unwrap().permissions().mode() & 0o777, 0o600);
    let admin_password = std::fs::read_to_string(&password_file).unwrap().trim().to_string();

    assert_eq!(http.get(format!("{}/healthz", first.base)).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{}/readyz", first.base)).send().await.unwrap().status(), 200);
    let res = http
        .post(format!("{}/api/v1/auth/register", first.base))
        .json(&json!({"email": "persist@example.org", "password": common::PASSWORD, "name": "P", "organization": {"name": "P Ltd", "country": "FR", "kind": "research"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let admin_login = http
        .post(format!("{}/api/v1/auth/login", first.base))
        .json(&json!({"email": "admin@attune.localhost", "password": admin_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(admin_login.status(), 200);
    let roles = admin_login.json::<Value>().await.unwrap()["user"]["roles"].clone();
    assert_eq!(roles, json!(["admin"]));
    // The embedded setup trains in-process and lists its demo model, verified, for a first job.
    assert!(first.stdout.iter().any(|l| l.contains("training: one in-process worker")), "{:?}", first.stdout);
    let demo = demo_model(&http, &first.base, "persist@example.org").await;
    assert_eq!(demo["provenance"]["status"], "verified", "{demo}");
    assert_eq!(demo["provider"], "Attune demo models");
    let pid_file = data.path().join("pg").join("postmaster.pid");
    assert!(pid_file.exists(), "the private cluster runs under the data dir");
    // The embedded chain: anvil with the contracts deployed and the development accounts funded.
    assert!(first.stdout.iter().any(|l| l.contains("embedded anvil")), "{:?}", first.stdout);
    let chain: Value = http.get(format!("{}/api/v1/chain", first.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(chain["chain_id"], 31337);
    let rpc = chain["rpc_url"].as_str().unwrap().to_string();
    let balance_of_account_1 = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{
        "to": chain["token"]["address"],
        "data": "0x70a0823100000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"}, "latest"]});
    let answer: Value = http.post(&rpc).json(&balance_of_account_1).send().await.unwrap().json().await.unwrap();
    assert_eq!(u128::from_str_radix(answer["result"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap(), 1_000_000_000_000);
    stop(first);
    assert!(http.post(&rpc).json(&balance_of_account_1).send().await.is_err(), "SIGTERM stops the chain too");
    assert!(!pid_file.exists(), "SIGTERM stops the private cluster too");

    // A second start reuses the same cluster and data, and does not make another admin.
    let second = serve(data.path());
    assert!(!second.stdout.iter().any(|l| l.contains("admin:")), "{:?}", second.stdout);
    let res = http
        .post(format!("{}/api/v1/auth/login", second.base))
        .json(&json!({"email": "persist@example.org", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the user registered before the restart can log in");
    let listed_again = demo_model(&http, &second.base, "persist@example.org").await;
    assert_eq!(listed_again["id"], demo["id"], "listed once, not again at every start");
    let again: Value = http.get(format!("{}/api/v1/chain", second.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["escrow_address"], chain["escrow_address"], "the restarted chain kept its contracts");
    let rpc = again["rpc_url"].as_str().unwrap().to_string();
    let answer: Value = http.post(&rpc).json(&balance_of_account_1).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        u128::from_str_radix(answer["result"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap(),
        1_000_000_000_000,
        "and its balances"
    );
    stop(second);

    // The audit log written across both runs is intact.
    let out = attune().args(["audit", "verify", "--data-dir"]).arg(data.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit log intact"));
    assert!(!pid_file.exists(), "a command that started the cluster stops it again");
}

#[test]
fn without_postgres_binaries_the_error_says_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let out = attune()
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("ATTUNE_PG_BIN_DIR", data.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no PostgreSQL server binaries")
            && stderr.contains("apt-get install postgresql")
            && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );
}

fn admin_create(database_url: &str, email: &str, password: &str) -> std::process::Output {
    admin_create_with(database_url, &["--email", email, "--password-stdin"], password)
}

fn admin_create_with(database_url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut child = attune()
        .args(["admin", "create"])
        .args(args)
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn audit_verify(database_url: &str) -> std::process::Output {
    attune().args(["audit", "verify"]).env("DATABASE_URL", database_url).output().unwrap()
}

#[tokio::test]
async fn admin_create_and_audit_verify_catch_an_edited_row() {
    let url = common::fresh_database().await;
    let migrate = attune().arg("migrate").env("DATABASE_URL", &url).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));

    let out = admin_create(&url, "root@example.org", "short");
    assert!(!out.status.success(), "a weak password is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    for email in ["root@example.org", "second@example.org"] {
        let out = admin_create(&url, email, common::PASSWORD);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("created admin"));
    }
    // An address that already has an account is refused without an explicit --promote-existing.
    let out = admin_create(&url, "ROOT@example.org", common::PASSWORD);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already exists") && stderr.contains("--promote-existing"), "{stderr}");

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let out = audit_verify(&url);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 entries verified"), "{}", String::from_utf8_lossy(&out.stdout));
    admin_create_refuses_someone_elses_account(&url, &pool).await;

    let out = audit_verify(&url);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 entries verified"), "{}", String::from_utf8_lossy(&out.stdout));

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_append_only").execute(&mut *tx).await.unwrap();
    sqlx::query("update audit_log set actor = 'cli-forged' where seq = 2").execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_append_only").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    let out = audit_verify(&url);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("audit entry 2 is not intact"), "{stderr}");
}

async fn roles_of(pool: &sqlx::PgPool, email: &str) -> Vec<String> {
    sqlx::query_scalar::<_, String>("select r.role from user_role r join app_user u on u.id = r.user_id where lower(u.email) = lower($1)")
        .bind(email)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Someone registers `boss@example.org` before the operator makes that address an admin: a plain
/// `admin create` refuses, `--promote-existing` refuses while the address is unverified, and
/// promotes once it is verified.
async fn admin_create_refuses_someone_elses_account(url: &str, pool: &sqlx::PgPool) {
    let policy = attune_app::accounts::AccountPolicy {
        session_ttl: chrono::Duration::hours(1),
        verification_ttl: chrono::Duration::hours(1),
        login_max_failures: 5,
        login_window: chrono::Duration::minutes(15),
        public_url: "http://localhost".into(),
    };
    let input = attune_app::accounts::RegisterInput {
        email: "boss@example.org".into(),
        password: common::PASSWORD.into(),
        name: "Not The Operator".into(),
        organization_name: "Squatters Ltd".into(),
        organization_country: "DE".into(),
        organization_kind: "sme".into(),
    };
    let screening = attune_app::screening::ScreeningService::load(pool).await.unwrap();
    attune_app::accounts::register(pool, &policy, &screening, input).await.map_err(|e| e.to_string()).unwrap();

    let out = admin_create(url, "boss@example.org", "another strong passphrase here");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--promote-existing"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(roles_of(pool, "boss@example.org").await.is_empty(), "a plain create never hands over the role");

    let out = admin_create_with(url, &["--email", "boss@example.org", "--promote-existing"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not verified"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(roles_of(pool, "boss@example.org").await.is_empty(), "an unverified account is never promoted");

    sqlx::query("update app_user set email_verified_at = now() where email = 'boss@example.org'").execute(pool).await.unwrap();
    let out = admin_create_with(url, &["--email", "boss@example.org", "--promote-existing"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already existed and is now an admin"));
    assert_eq!(roles_of(pool, "boss@example.org").await, vec!["admin".to_string()]);
}

#[test]
fn chain_deploy_puts_the_contracts_on_a_configured_chain() {
    let anvil = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    let anvil = alloy::node_bindings::Anvil::new().path(anvil).spawn();
    let out = attune()
        .args(["chain", "deploy"])
        .env("ATTUNE_CHAIN_RPC_URL", anvil.endpoint())
        .env("ATTUNE_OPERATOR_KEY", format!("0x{}", hex::encode(anvil.keys()[0].to_bytes())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in ["ATTUNE_TOKEN_ADDRESS=0x", "ATTUNE_ESCROW_ADDRESS=0x", "ATTUNE_REGISTRY_ADDRESS=0x"] {
        assert!(stdout.contains(name), "{stdout}");
    }
}
