//! A real HTTP server for "the outside web" in tests: serves fixed bytes at paths, redirects, 404s.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

pub struct FileServer {
    pub base: String,
    _handle: actix_web::dev::ServerHandle,
}

/// `files`: path → body. `redirects`: path → location.
pub async fn serve(files: HashMap<String, Vec<u8>>, redirects: HashMap<String, String>) -> FileServer {
    let files = Arc::new(files);
    let redirects = Arc::new(redirects);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind file server");
    let port = listener.local_addr().expect("addr").port();
    let server = HttpServer::new(move || {
        let files = files.clone();
        let redirects = redirects.clone();
        App::new().default_service(web::to(move |req: HttpRequest| {
            let files = files.clone();
            let redirects = redirects.clone();
            async move {
                let path = req.path().to_string();
                if let Some(to) = redirects.get(&path) {
                    return HttpResponse::Found().insert_header(("location", to.clone())).finish();
                }
                match files.get(&path) {
                    Some(bytes) => HttpResponse::Ok().content_type("application/octet-stream").body(bytes.clone()),
                    None => HttpResponse::NotFound().finish(),
                }
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    FileServer { base: format!("http://127.0.0.1:{port}"), _handle: handle }
}
