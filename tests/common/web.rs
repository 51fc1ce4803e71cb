//! A real HTTP server playing "the outside web" for the opt-out scanner: per path a status,
//! headers, a body and an optional delay; it counts the requests each path received.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Clone, Default)]
pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}

impl Page {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self { status: 200, headers: vec![("content-type".into(), content_type.into())], body: body.into(), delay: None }
    }
    pub fn html(body: &str) -> Self {
        Self::ok("text/html; charset=utf-8", body)
    }
    pub fn text(body: &str) -> Self {
        Self::ok("text/plain", body)
    }
    pub fn json(body: &str) -> Self {
        Self::ok("application/json", body)
    }
    pub fn status(status: u16) -> Self {
        Self { status, ..Self::default() }
    }
    pub fn redirect(to: &str) -> Self {
        Self { status: 302, headers: vec![("location".into(), to.into())], ..Self::default() }
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn delayed(mut self, by: Duration) -> Self {
        self.delay = Some(by);
        self
    }
}

pub struct Site {
    pub base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    _handle: actix_web::dev::ServerHandle,
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// Serves `pages` (path → page; any other path is 404) on a fresh loopback port.
pub async fn serve_site(pages: Vec<(&str, Page)>) -> Site {
    let pages: Arc<HashMap<String, Page>> = Arc::new(pages.into_iter().map(|(p, page)| (p.to_string(), page)).collect());
    let hits = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind site");
    let port = listener.local_addr().expect("addr").port();
    let counted = hits.clone();
    let server = HttpServer::new(move || {
        let pages = pages.clone();
        let hits = counted.clone();
        App::new().default_service(web::to(move |req: HttpRequest| {
            let pages = pages.clone();
            let hits = hits.clone();
            async move {
                let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                *hits.lock().unwrap().entry(req.path().to_string()).or_default() += 1;
                let page = pages.get(&path).or_else(|| pages.get(req.path())).cloned().unwrap_or_else(|| Page::status(404));
                if let Some(delay) = page.delay {
                    tokio::time::sleep(delay).await;
                }
                let mut res = HttpResponse::build(StatusCode::from_u16(page.status).expect("status"));
                for (name, value) in &page.headers {
                    res.append_header((name.as_str(), value.as_str()));
                }
                res.body(page.body)
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Site { base: format!("http://127.0.0.1:{port}"), hits, _handle: handle }
}
