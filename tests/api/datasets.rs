//! Datasets: JSON and streamed NDJSON uploads, per-record errors naming the line or index, the
//! manifest digest, the gate after the opt-out scan, and reviewers' decisions.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::web::{Page, Site, serve_site};
use crate::common::{TestApp, TestUser, spawn_app_with};

pub async fn scanning_app() -> TestApp {
    spawn_app_with(|s| {
        s.allow_private_networks = true;
        s.scanner_timeout_secs = 1;
    })
    .await
}

/// A site with one open page (`/open/…`), one reserved by robots.txt for GPTBot (`/closed/…`) and
/// one that fails (`/broken`, 500).
pub async fn outside_web() -> Site {
    serve_site(vec![
        ("/robots.txt", Page::text("User-agent: GPTBot\nDisallow: /closed/\n")),
        ("/open/1", Page::html("<p>one</p>")),
        ("/open/2", Page::html("<p>two</p>")),
        ("/closed/1", Page::html("<p>three</p>")),
        ("/broken", Page::status(500)),
    ])
    .await
}

pub fn web_record(id: &str, url: &str) -> Value {
    json!({"id": id, "text": format!("web text of {id}"), "source_url": url, "licence": {"kind": "web"}, "pii_subject_ids": []})
}

pub fn own_record(id: &str) -> Value {
    json!({"id": id, "text": format!("our own text {id}"), "licence": {"kind": "own"}, "pii_subject_ids": []})
}

pub async fn upload(app: &TestApp, user: &TestUser, name: &str, records: Vec<Value>) -> reqwest::Response {
    app.post_json("/api/v1/datasets", &json!({"name": name, "records": records}), Some(&user.token)).await
}

/// Uploads, scans, and returns the dataset as `GET` shows it.
pub async fn ready_dataset(app: &TestApp, user: &TestUser, records: Vec<Value>) -> Value {
    let res = upload(app, user, "corpus", records).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    app.scan_datasets().await;
    let id = created["id"].as_str().unwrap();
    app.get(&format!("/api/v1/datasets/{id}"), Some(&user.token)).await.json().await.unwrap()
}

pub async fn ndjson(app: &TestApp, user: &TestUser, name: &str, body: String) -> reqwest::Response {
    app.api
        .post(app.url(&format!("/api/v1/datasets?name={name}")))
        .bearer_auth(&user.token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_json_upload_is_gated_after_the_scan_with_reasons_and_evidence() {
    let app = scanning_app().await;
    let web = outside_web().await;
    let user = app.new_user().await;
    let records = vec![
        own_record("a"),
        json!({"id": "b", "text": "licensed text", "licence": {"kind": "licensed", "ref": "contract-42"}, "pii_subject_ids": ["subject-1"]}),
        web_record("c", &web.url("/open/1")),
        web_record("d", &web.url("/closed/1")),
        web_record("e", &web.url("/broken")),
    ];
    let res = upload(&app, &user, "support tickets", records).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "scanning");
    assert_eq!(created["counts"]["total"], 5);
    assert_eq!(created["counts"]["review"], 3, "web records wait for the scanner");

    assert_eq!(app.scan_datasets().await, 1);
    let id = created["id"].as_str().unwrap();
    let d: Value = app.get(&format!("/api/v1/datasets/{id}"), Some(&user.token)).await.json().await.unwrap();
    assert_eq!(d["status"], "ready");
    assert_eq!(d["counts"], json!({"total": 5, "allowed": 3, "blocked": 1, "review": 1}));
    assert_eq!(d["pii_records"], 1);
    assert_eq!(d["manifest_sha256"].as_str().unwrap().len(), 64);
    let domains = d["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 1);
    assert_eq!(domains[0]["records"], 3);
    assert_eq!(domains[0]["share"], 1.0);

    let blocked: Value = app.get(&format!("/api/v1/datasets/{id}/records?gate=blocked"), Some(&user.token)).await.json().await.unwrap();
    let items = blocked["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], "d");
    assert_eq!(items[0]["reasons"][0]["code"], "EU_TDM_OPTOUT");
    assert_eq!(items[0]["optout"]["status"], "reserved");
    let robots = items[0]["optout"]["evidence"].as_array().unwrap().iter().find(|e| e["signal"] == "robots_txt").unwrap().clone();
    assert_eq!(robots["sha256"], hex::encode(Sha256::digest(b"User-agent: GPTBot\nDisallow: /closed/\n")));

    let review: Value = app.get(&format!("/api/v1/datasets/{id}/records?gate=review"), Some(&user.token)).await.json().await.unwrap();
    assert_eq!(review["items"][0]["id"], "e");
    assert_eq!(review["items"][0]["reasons"][0]["code"], "OPTOUT_UNKNOWN");
}

#[tokio::test]
async fn a_bad_record_names_its_index_or_line_and_nothing_is_stored() {
    let app = scanning_app().await;
    let user = app.new_user().await;
    let res = upload(
        &app,
        &user,
        "bad",
        vec![own_record("a"), json!({"id": "b", "text": "x", "licence": {"kind": "stolen"}, "pii_subject_ids": []})],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == "records[1].licence.kind"), "{p}");

    let lines = [
        own_record("a").to_string(),
        json!({"id": "b", "text": "x", "licence": {"kind": "web"}, "pii_subject_ids": []}).to_string(),
        "{not json".to_string(),
        own_record("a").to_string(),
    ]
    .join("\n");
    let res = ndjson(&app, &user, "lines", lines).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"line 2.source_url"), "a web record needs its source URL: {fields:?}");
    assert!(fields.contains(&"line 3"), "{fields:?}");

    let dup = [own_record("a").to_string(), own_record("b").to_string(), own_record("a").to_string()].join("\n");
    let res = ndjson(&app, &user, "dups", dup).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "line 3.id", "{p}");

    let list: Value = app.get("/api/v1/datasets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "no failed upload left anything behind");
}

#[tokio::test]
async fn ndjson_streams_and_gives_the_same_manifest_as_json() {
    let app = scanning_app().await;
    let user = app.new_user().await;
    let records: Vec<Value> = (0..1200).map(|i| own_record(&format!("r{i}"))).collect();
    let body = records.iter().map(Value::to_string).collect::<Vec<_>>().join("\n") + "\n";
    let res = ndjson(&app, &user, "big", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let streamed: Value = res.json().await.unwrap();
    assert_eq!(streamed["status"], "ready", "no web records: nothing to scan");
    assert_eq!(streamed["counts"]["allowed"], 1200);
    let res = upload(&app, &user, "big-json", records).await;
    let json_upload: Value = res.json().await.unwrap();
    assert_eq!(streamed["manifest_sha256"], json_upload["manifest_sha256"]);
    assert!(streamed["tokens"].as_i64().unwrap() > 1200, "tokens are counted");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_leaves_nothing() {
    let app = spawn_app_with(|s| {
        s.dataset_max_bytes = 4096;
        s.dataset_json_max_bytes = 4096;
    })
    .await;
    let user = app.new_user().await;
    let body = (0..200).map(|i| own_record(&format!("r{i}")).to_string()).collect::<Vec<_>>().join("\n");
    let res = ndjson(&app, &user, "huge", body).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let records: Vec<Value> = (0..200).map(|i| own_record(&format!("r{i}"))).collect();
    assert_eq!(upload(&app, &user, "huge", records).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let list: Value = app.get("/api/v1/datasets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn reviewers_settle_unknown_records_and_buyers_cannot() {
    let app = scanning_app().await;
    let web = outside_web().await;
    let buyer = app.new_user().await;
    let d = ready_dataset(&app, &buyer, vec![web_record("e", &web.url("/broken")), own_record("o")]).await;
    let id = d["id"].as_str().unwrap();
    let path = format!("/api/v1/datasets/{id}/records/e/review");
    let res = app.post_json(&path, &json!({"decision": "allow", "notes": "licensed by e-mail"}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let admin = app.new_admin().await;
    let queue: Value = app.get("/api/v1/admin/dataset-reviews", Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(queue["items"][0]["record_id"], "e");
    let res = app.post_json(&path, &json!({"decision": "maybe"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app.post_json(&path, &json!({"decision": "allow", "notes": "publisher confirmed in writing"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let record: Value = res.json().await.unwrap();
    assert_eq!(record["gate"], "allowed");
    assert_eq!(record["reasons"][0]["code"], "REVIEWED_ALLOW");
    assert_eq!(record["review"]["decision"], "allow");
    let res = app.post_json(&path, &json!({"decision": "block"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a decided record is not decided twice");
    let res = app.post_json(&format!("/api/v1/datasets/{id}/records/o/review"), &json!({"decision": "block"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "only records awaiting review are reviewed");
    let d: Value = app.get(&format!("/api/v1/datasets/{id}"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(d["counts"]["review"], 0);
}

#[tokio::test]
async fn the_review_queue_pages_with_a_cursor_oldest_dataset_first() {
    let app = scanning_app().await;
    let web = outside_web().await;
    let buyer = app.new_user().await;
    let broken = |id: &str| web_record(id, &web.url("/broken"));
    let first = ready_dataset(&app, &buyer, vec![broken("a1"), broken("a2"), broken("a3")]).await;
    let second = ready_dataset(&app, &buyer, vec![broken("b1"), own_record("o"), broken("b2"), broken("b3")]).await;
    let admin = app.new_admin().await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/admin/dataset-reviews?limit=4".to_string();
    let mut pages = 0;
    loop {
        let page: Value = app.get(&url, Some(&admin.token)).await.json().await.unwrap();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push((item["dataset_id"].as_str().unwrap().to_string(), item["record_id"].as_str().unwrap().to_string()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/admin/dataset-reviews?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let (a, b) = (first["id"].as_str().unwrap().to_string(), second["id"].as_str().unwrap().to_string());
    let expected: Vec<(String, String)> = [(&a, "a1"), (&a, "a2"), (&a, "a3"), (&b, "b1"), (&b, "b2"), (&b, "b3")]
        .iter()
        .map(|(d, r)| ((*d).clone(), (*r).to_string()))
        .collect();
    assert_eq!(seen, expected, "every record once, in order, across pages");
    let res = app.get("/api/v1/admin/dataset-reviews?cursor=not-ours", Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn another_organisations_dataset_is_not_found() {
    let app = scanning_app().await;
    let owner = app.new_user().await;
    let d = ready_dataset(&app, &owner, vec![own_record("a")]).await;
    let id: uuid::Uuid = d["id"].as_str().unwrap().parse().unwrap();
    app.assert_org_scoped(&owner, id, |id| format!("/api/v1/datasets/{id}")).await;
    app.assert_org_scoped(&owner, id, |id| format!("/api/v1/datasets/{id}/records")).await;
}

#[tokio::test]
async fn the_dataset_list_pages_with_a_cursor_newest_first() {
    let app = scanning_app().await;
    let user = app.new_user().await;
    let mut made = Vec::new();
    for i in 0..3 {
        let res = upload(&app, &user, &format!("set {i}"), vec![own_record("a")]).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        made.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let first: Value = app.get("/api/v1/datasets?limit=2", Some(&user.token)).await.json().await.unwrap();
    let ids = |page: &Value| page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(&first), vec![made[2].clone(), made[1].clone()], "newest first");
    let cursor = first["next_cursor"].as_str().expect("a cursor while more remain");
    let second: Value = app.get(&format!("/api/v1/datasets?limit=2&cursor={cursor}"), Some(&user.token)).await.json().await.unwrap();
    assert_eq!(ids(&second), vec![made[0].clone()]);
    assert!(second["next_cursor"].is_null(), "the last page has no cursor: {second}");
    // Another organisation's datasets are not in anyone else's pages.
    let other = app.new_user().await;
    let theirs: Value = app.get("/api/v1/datasets", Some(&other.token)).await.json().await.unwrap();
    assert!(ids(&theirs).is_empty());
    let res = app.get("/api/v1/datasets?cursor=not-ours", Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "cursor");
}
