//! The scheduled refresh of a sanctions list from a URL, against a real local HTTP server that
//! honours `If-None-Match`: an unchanged list is a 304 and no import; a changed one is a new version.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use attune_app::sanctions_refresh::{Feed, Refreshed, parse_feeds, refresh};
use serde_json::json;

use crate::common::spawn_app;

fn ftm(address: &str) -> String {
    [
        json!({"id": "NK-1", "schema": "Person", "properties": {"name": ["Ivan Testovic"], "nationality": ["ru"]}}).to_string(),
        json!({"id": "NK-w1", "schema": "CryptoWallet", "properties": {"publicKey": [address], "currency": ["ETH"], "holder": ["NK-1"]}})
            .to_string(),
    ]
    .join("\n")
}

#[tokio::test]
async fn an_unchanged_list_is_not_imported_again_and_a_changed_one_is() {
    let app = spawn_app().await;
    let current = Arc::new(Mutex::new((ftm("0x1111111111111111111111111111111111111111"), "\"v1\"".to_string())));
    let served = current.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let served = served.clone();
        App::new().route(
            "/ftm.json",
            web::get().to(move |req: HttpRequest| {
                let (body, etag) = served.lock().unwrap().clone();
                async move {
                    if req.headers().get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                        return HttpResponse::NotModified().finish();
                    }
                    HttpResponse::Ok().insert_header(("etag", etag)).body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);

    let feeds = parse_feeds(&format!("opensanctions=http://127.0.0.1:{port}/ftm.json")).unwrap();
    assert_eq!(feeds, vec![Feed { source: "opensanctions".into(), url: format!("http://127.0.0.1:{port}/ftm.json") }]);
    assert!(parse_feeds("nonsense=http://x").is_err());
    let client = attune_integrations::sanctions::feed::FeedClient::new(crate::common::http_client());
    let first = refresh(&app.pool, &app.screening, &client, &feeds[0]).await.unwrap();
    assert!(matches!(first, Refreshed::Imported { .. }));
    assert!(app.screening.screen_address("0x1111111111111111111111111111111111111111").is_some());
    assert_eq!(refresh(&app.pool, &app.screening, &client, &feeds[0]).await.unwrap(), Refreshed::Unchanged, "304 on the same ETag");

    *current.lock().unwrap() = (ftm("0x2222222222222222222222222222222222222222"), "\"v2\"".to_string());
    assert!(matches!(refresh(&app.pool, &app.screening, &client, &feeds[0]).await.unwrap(), Refreshed::Imported { .. }));
    assert!(app.screening.screen_address("0x2222222222222222222222222222222222222222").is_some());
    assert!(app.screening.screen_address("0x1111111111111111111111111111111111111111").is_none(), "the old version is replaced");
    let (imports,): (i64,) = sqlx::query_as("select count(*) from sanctions_import").fetch_one(&app.pool).await.unwrap();
    assert_eq!(imports, 2);
}
