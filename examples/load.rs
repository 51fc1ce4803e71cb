//! A bounded load harness for the API's hot paths. It starts the real server in-process on a fresh
//! database (like the tests), or targets `--url` of a running one (loopback only), then measures:
//!   - `GET /api/v1/me` with a bearer token (session lookup + one read of account, organisation and KYC),
//!   - the main lists a buyer reads: `GET /api/v1/models`, `/datasets`, `/jobs` and the public `/registry`,
//!   - `GET /healthz` (the framework floor),
//!   - `POST /api/v1/assessments` (model read + the compliance engine + quote),
//!   - the pages `GET /` (the signed-in home), `GET /assess` (the wizard) and `GET /models`;
//!   - `POST /api/v1/auth/login` (argon2id dominates, by design).
//!
//! Each phase runs `--concurrency` workers for `--seconds` (capped at 60) and prints throughput and
//! latency percentiles. Run: `cargo run --release --example load -- --seconds 10 --concurrency 16`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

struct Args {
    url: Option<String>,
    seconds: u64,
    concurrency: usize,
}

fn args() -> Args {
    let mut a = Args { url: None, seconds: 10, concurrency: 16 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--url" => a.url = it.next(),
            "--seconds" => a.seconds = it.next().and_then(|s| s.parse().ok()).unwrap_or(10).min(60),
            "--concurrency" => a.concurrency = it.next().and_then(|s| s.parse().ok()).unwrap_or(16).clamp(1, 256),
            other => panic!("unknown flag {other}"),
        }
    }
    if let Some(url) = &a.url {
        assert!(
            url.starts_with("http://127.") || url.starts_with("http://localhost") || url.starts_with("http://[::1]"),
            "loopback targets only"
        );
    }
    a
}

async fn phase<F, Fut>(name: &str, seconds: u64, concurrency: usize, request: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                if !request().await {
                    errors += 1;
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{name:<28} {:>8} req  {:>9.0} req/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  errors {errors}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.95),
        pct(0.99)
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    let (base, _app) = match &a.url {
        Some(url) => (url.trim_end_matches('/').to_string(), None),
        None => {
            let app = common::spawn_app_with(|s| {
                s.database_max_connections = 32;
                s.login_max_failures = i64::MAX;
            })
            .await;
            (app.address.clone(), Some(app))
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().pool_max_idle_per_host(a.concurrency).build().unwrap();
    let email = format!("load-{}@example.org", uuid::Uuid::new_v4().simple());
    let res = http
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": common::PASSWORD, "name": "Load", "organization": {"name": "Load Ltd", "country": "DE", "kind": "sme"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "register failed");
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": common::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    println!("target {base}, {} workers, {} s per phase", a.concurrency, a.seconds);

    let (h, b) = (http.clone(), base.clone());
    phase("GET /healthz", a.seconds, a.concurrency, move || {
        let (h, b) = (h.clone(), b.clone());
        async move { h.get(format!("{b}/healthz")).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    let (h, b, t) = (http.clone(), base.clone(), token.clone());
    phase("GET /api/v1/me (bearer)", a.seconds, a.concurrency, move || {
        let (h, b, t) = (h.clone(), b.clone(), t.clone());
        async move { h.get(format!("{b}/api/v1/me")).bearer_auth(t).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    let listing = json!({
        "name": "load-base", "version": "1", "architecture": "llama", "parameter_count": 7_000_000_000u64, "training_flops": 8.4e22,
        "intended_uses": ["general"], "licence": "Apache-2.0",
        "files": [{"path": "w.bin", "size": 1, "sha256": "0".repeat(64), "uri": "https://weights.invalid/w.bin"}],
        "card_markdown": "# load-base\n\nA listing for the load harness.",
        "training_summary": {"data_sources": ["licensed"], "top_domains": [], "opt_out_policy": "honoured", "personal_data": "none"},
        "lineage": {"base_model_id": null, "relation": null}, "pricing": {"licence_fee": "25000000"}
    });
    let model: serde_json::Value =
        http.post(format!("{base}/api/v1/models")).bearer_auth(&token).json(&listing).send().await.unwrap().json().await.unwrap();
    let assessment = json!({
        "base_model_id": model["id"], "method": "lora", "hyperparameters": {"epochs": 3, "tokens": 10_000_000},
        "deployment": {"purpose": "screen applicants", "sectors": ["employment"], "prohibited_practices": [], "jurisdictions": ["EU", "US-CO"],
            "expected_monthly_users": 50_000, "monthly_queries": 400_000, "autonomy": "human_on_the_loop", "vulnerable_groups": false,
            "public_facing": true, "profiles_natural_persons": true, "revenue_dependence": "medium"}
    });
    let (h, b, t) = (http.clone(), base.clone(), token.clone());
    phase("POST /api/v1/assessments", a.seconds, a.concurrency, move || {
        let (h, b, t, body) = (h.clone(), b.clone(), t.clone(), assessment.clone());
        async move { h.post(format!("{b}/api/v1/assessments")).bearer_auth(t).json(&body).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    let records: Vec<serde_json::Value> = (0..20)
        .map(|i| json!({"id": format!("r{i}"), "text": format!("our own text {i}"), "licence": {"kind": "own"}, "pii_subject_ids": []}))
        .collect();
    let res =
        http.post(format!("{base}/api/v1/datasets")).bearer_auth(&token).json(&json!({"name": "load", "records": records})).send().await;
    assert!(res.is_ok_and(|r| r.status() == 201), "dataset upload failed");
    for path in ["/api/v1/models?limit=50", "/api/v1/datasets", "/api/v1/jobs", "/api/v1/registry"] {
        let (h, b, t) = (http.clone(), base.clone(), token.clone());
        phase(&format!("GET {}", path.split('?').next().unwrap_or(path)), a.seconds, a.concurrency, move || {
            let (h, b, t) = (h.clone(), b.clone(), t.clone());
            async move { h.get(format!("{b}{path}")).bearer_auth(t).send().await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
    }
    // Pages: the signed-in home (one query per role section), the wizard (every vocabulary in words)
    // and the catalogue (numbers for people).
    for path in ["/", "/assess", "/models"] {
        let (h, b, t) = (http.clone(), base.clone(), token.clone());
        phase(&format!("GET {path} (page)"), a.seconds, a.concurrency, move || {
            let (h, b, t) = (h.clone(), b.clone(), t.clone());
            async move { h.get(format!("{b}{path}")).bearer_auth(t).send().await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
    }
    let (h, b) = (http.clone(), base.clone());
    phase("POST /api/v1/auth/login", a.seconds, a.concurrency.min(4), move || {
        let (h, b, e) = (h.clone(), b.clone(), email.clone());
        async move {
            h.post(format!("{b}/api/v1/auth/login"))
                .json(&json!({"email": e, "password": common::PASSWORD}))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
}
