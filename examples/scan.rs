//! Opt-out scanner throughput on loopback: `--urls` URLs (default 10,000) over `--origins` origins
//! (default 500), each origin a separate port of a local server with its own robots.txt, ai.txt and
//! tdmrep.json, pages with TDMRep headers, meta tags and X-Robots-Tag. It scans concurrently, then
//! sequentially with a fresh scanner, and checks that the verdicts are identical.
//!
//! Run: `cargo run --release --example scan -- --per-origin 4 --global 256`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use attune_domain::data_policy::DataPolicy;
use attune_integrations::optout_scanner::{OptoutScanner, ScannerSettings, UrlVerdict};

struct Args {
    urls: usize,
    origins: usize,
    per_origin: usize,
    global: usize,
}

fn args() -> Args {
    let mut a = Args { urls: 10_000, origins: 500, per_origin: 4, global: 256 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<usize>().ok()).expect("a number after each flag");
        match flag.as_str() {
            "--urls" => a.urls = value.clamp(1, 1_000_000),
            "--origins" => a.origins = value.clamp(1, 2_000),
            "--per-origin" => a.per_origin = value.max(1),
            "--global" => a.global = value.max(1),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// What an origin serves depends on its port, so the origins differ the way real sites do.
async fn respond(req: HttpRequest) -> HttpResponse {
    let port = req.app_config().local_addr().port();
    let path = req.path();
    match (path, port % 5) {
        ("/robots.txt", 0) => HttpResponse::Ok().content_type("text/plain").body("User-agent: GPTBot\nDisallow: /p/1\n\nUser-agent: *\nAllow: /\n"),
        ("/robots.txt", 1) => HttpResponse::Ok().content_type("text/plain").body("User-agent: CCBot\nDisallow: /*.pdf$\n"),
        ("/robots.txt", _) => HttpResponse::NotFound().finish(),
        ("/ai.txt", 2) => HttpResponse::Ok().content_type("text/plain").body("User-Agent: *\nDisallow: /p/2\n"),
        ("/.well-known/tdmrep.json", 3) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"[{"location": "/p/3", "tdm-reservation": 1, "tdm-policy": "https://example.org/policy"}, {"location": "/", "tdm-reservation": 0}]"#),
        (p, _) if p.starts_with("/p/") => {
            let n: usize = p[3..].parse().unwrap_or(0);
            let mut res = HttpResponse::Ok();
            res.content_type("text/html");
            if n % 7 == 4 {
                res.insert_header(("tdm-reservation", "1"));
            }
            if n % 11 == 5 {
                res.insert_header(("x-robots-tag", "noai"));
            }
            let meta = if n % 13 == 6 { r#"<meta name="tdm-reservation" content="0">"# } else { "" };
            res.body(format!("<html><head><title>{n}</title>{meta}</head><body>page {n}</body></html>"))
        }
        _ => HttpResponse::NotFound().finish(),
    }
}

fn scanner(per_origin: usize, global: usize) -> OptoutScanner {
    let policy = DataPolicy::current().unwrap();
    let mut settings = ScannerSettings::new("AttuneBot", true);
    settings.per_origin_concurrency = per_origin;
    settings.global_concurrency = global;
    settings.request_timeout = Duration::from_secs(10);
    OptoutScanner::new(settings, policy.optout().ai_user_agents.clone(), policy.optout().noai_directives.clone(), "AttuneBot/bench")
        .unwrap()
}

fn comparable(v: &[UrlVerdict]) -> Vec<String> {
    v.iter().map(|v| format!("{} {} {}", v.url, v.status.as_str(), serde_json::to_string(&v.signals).unwrap())).collect()
}

#[actix_web::main]
async fn main() {
    let a = args();
    let mut server = HttpServer::new(|| App::new().default_service(web::to(respond))).workers(1).backlog(4096).max_connections(100_000);
    let mut ports = Vec::with_capacity(a.origins);
    for _ in 0..a.origins {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        ports.push(listener.local_addr().unwrap().port());
        server = server.listen(listener).unwrap();
    }
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    let urls: Vec<String> = (0..a.urls).map(|i| format!("http://127.0.0.1:{}/p/{}", ports[i % a.origins], i / a.origins)).collect();
    let requests = a.urls + 3 * a.origins;

    // Warm-up (DNS-free loopback, but lets the runtime and allocator settle); a fresh scanner follows.
    let _ = scanner(a.per_origin, a.global).check_many(urls.iter().take(100).cloned().collect()).await;

    let concurrent = scanner(a.per_origin, a.global);
    let started = Instant::now();
    let fast = concurrent.check_many(urls.clone()).await;
    let wall = started.elapsed();
    println!(
        "concurrent: {} URLs over {} origins in {:.3} s — {:.0} URLs/s, {:.0} HTTP requests/s (per-origin {}, global {})",
        a.urls,
        a.origins,
        wall.as_secs_f64(),
        a.urls as f64 / wall.as_secs_f64(),
        requests as f64 / wall.as_secs_f64(),
        a.per_origin,
        a.global
    );

    let sequential = scanner(1, 1);
    let started = Instant::now();
    let slow = sequential.check_many(urls.clone()).await;
    let wall_seq = started.elapsed();
    println!("sequential: {:.3} s ({:.0} URLs/s)", wall_seq.as_secs_f64(), a.urls as f64 / wall_seq.as_secs_f64());

    let (f, s) = (comparable(&fast), comparable(&slow));
    let differing = f.iter().zip(&s).filter(|(x, y)| x != y).count();
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    for v in &fast {
        *tally.entry(v.status.as_str()).or_default() += 1;
    }
    println!("verdicts: {tally:?}; identical to the sequential run: {}", differing == 0);
    assert_eq!(differing, 0, "{differing} verdicts differ between the concurrent and the sequential run");
    handle.stop(false).await;
}
