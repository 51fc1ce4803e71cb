use std::collections::HashMap;

use alloy_signer_local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::files::{FileServer, serve};
use crate::common::wallet::{address_of, personal_sign};
use crate::common::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Two weight files on a real local HTTP server; `tamper` serves other bytes for the second.
async fn weights(tamper: bool) -> (FileServer, Value) {
    let config = br#"{"hidden_size": 64, "num_layers": 2}"#.to_vec();
    let weights: Vec<u8> = (0..40_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let served = if tamper { weights.iter().map(|b| b ^ 1).collect() } else { weights.clone() };
    let server = serve(
        HashMap::from([("/m/config.json".to_string(), config.clone()), ("/m/model.safetensors".to_string(), served)]),
        HashMap::new(),
    )
    .await;
    let files = json!([
        {"path": "config.json", "size": config.len(), "sha256": sha(&config), "uri": format!("{}/m/config.json", server.base)},
        {"path": "model.safetensors", "size": weights.len(), "sha256": sha(&weights), "uri": format!("{}/m/model.safetensors", server.base)},
    ]);
    (server, files)
}

fn listing(files: &Value, version: &str) -> Value {
    json!({
        "name": "tiny-llama", "version": version, "architecture": "llama", "parameter_count": 7_000_000_000u64,
        "training_flops": 8.4e22, "intended_uses": ["customer_service", "software"], "licence": "Apache-2.0",
        "files": files,
        "card_markdown": "# tiny-llama\n\nA small causal language model for demos and tests.",
        "training_summary": {"data_sources": ["licensed", "public_domain"], "top_domains": [], "opt_out_policy": "robots.txt, ai.txt and TDMRep reservations honoured", "personal_data": "filtered"},
        "lineage": {"base_model_id": null, "relation": null},
        "pricing": {"licence_fee": "25000000"}
    })
}

fn check<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["provenance"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {body}"))
}

/// Lists a model and runs the background files check; returns the listing as it then reads.
async fn list_and_check(app: &TestApp, provider: &TestUser, body: &Value) -> Value {
    let res = app.post_json("/api/v1/models", body, Some(&provider.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(check(&created, "files")["pending"], true, "the files are fetched in the background");
    assert_eq!(app.check_model_files().await, 1);
    app.get(&format!("/api/v1/models/{}", created["id"].as_str().unwrap()), Some(&provider.token)).await.json().await.unwrap()
}

async fn list_and_sign(app: &TestApp, provider: &TestUser, signer: &PrivateKeySigner, files: &Value) -> Value {
    let created = list_and_check(app, provider, &listing(files, "1.0")).await;
    let id = created["id"].as_str().unwrap().to_string();
    let digest = created["provenance"]["manifest_sha256"].as_str().unwrap().to_string();
    let res = app
        .post_json(
            &format!("/api/v1/models/{id}/signature"),
            &json!({"signer_address": address_of(signer), "signature": personal_sign(signer, &digest)}),
            Some(&provider.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_provider_lists_signs_and_an_admin_verifies() {
    let app = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    let signer = app.link_wallet(&provider).await;
    let (_server, files) = weights(false).await;

    let res = app.post_json("/api/v1/models", &listing(&files, "1.0"), Some(&provider.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["provenance"]["status"], "pending");
    for name in ["licence", "training_summary", "training_flops", "model_card"] {
        assert_eq!(check(&created, name)["ok"], true, "{name}: {}", check(&created, name));
    }
    // The files are fetched by a background step; until it has run the check is pending.
    let files_check = check(&created, "files");
    assert_eq!((files_check["ok"].clone(), files_check["pending"].clone()), (json!(false), json!(true)), "{files_check}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(app.check_model_files().await, 1);
    assert_eq!(app.check_model_files().await, 0, "checked once");
    let created: Value = app.get(&format!("/api/v1/models/{id}"), Some(&provider.token)).await.json().await.unwrap();
    let files_check = check(&created, "files");
    assert_eq!((files_check["ok"].clone(), files_check["pending"].clone()), (json!(true), json!(false)), "{files_check}");
    assert_eq!(check(&created, "signature")["ok"], false, "not signed yet");
    let id = created["id"].as_str().unwrap().to_string();
    let digest = created["provenance"]["manifest_sha256"].as_str().unwrap().to_string();

    // The manifest endpoint serves exactly the bytes that are hashed and signed.
    let res = app.get(&format!("/api/v1/models/{id}/manifest"), Some(&provider.token)).await;
    let manifest = res.bytes().await.unwrap();
    assert_eq!(sha(&manifest), digest);
    let parsed: Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(parsed["files"][0]["path"], "config.json");
    assert!(parsed["files"][0].get("uri").is_none(), "locations are not part of the manifest");

    let buyer = app.new_user().await;
    let admin = app.new_admin().await;
    let early = app.post_json(&format!("/api/v1/admin/models/{id}/decision"), &json!({"decision": "verify"}), Some(&admin.token)).await;
    assert_eq!(early.status(), StatusCode::CONFLICT, "unsigned listings cannot be verified");
    assert!(early.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("signature"));

    let res = app
        .post_json(
            &format!("/api/v1/models/{id}/signature"),
            &json!({"signer_address": address_of(&signer), "signature": personal_sign(&signer, &digest)}),
            Some(&provider.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed: Value = res.json().await.unwrap();
    assert_eq!(check(&signed, "signature")["ok"], true, "{}", check(&signed, "signature"));

    let forbidden = app.post_json(&format!("/api/v1/admin/models/{id}/decision"), &json!({"decision": "verify"}), Some(&buyer.token)).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_json(
            &format!("/api/v1/admin/models/{id}/decision"),
            &json!({"decision": "verify", "notes": "evidence reviewed"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let verified: Value = res.json().await.unwrap();
    assert_eq!(verified["provenance"]["status"], "verified");
    assert!(verified["provenance"]["anchor"].is_null(), "not anchored until the operator's transaction is mined");
    let again = app.post_json(&format!("/api/v1/admin/models/{id}/decision"), &json!({"decision": "reject"}), Some(&admin.token)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The catalogue, seen by a buyer.
    let list: Value = app.get("/api/v1/models?verified=true&q=llama&licence=apache-2.0", Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["pricing"]["licence_fee"], "25000000");
    let none: Value = app.get("/api/v1/models?verified=false", Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(none["items"], json!([]));
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where subject = $1 order by seq")
        .bind(format!("model:{id}"))
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(actions, ["model.listed", "model.files_checked", "model.signed", "model.verified"]);
}

#[tokio::test]
async fn bytes_that_do_not_match_their_digest_fail_the_files_check() {
    let app = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    let signer = app.link_wallet(&provider).await;
    let (_server, files) = weights(true).await;
    let signed = list_and_sign(&app, &provider, &signer, &files).await;
    let files_check = check(&signed, "files");
    assert_eq!(files_check["ok"], false);
    let detail = files_check["detail"].as_str().unwrap();
    assert!(detail.contains("model.safetensors") && detail.contains("does not match"), "{detail}");
    let admin = app.new_admin().await;
    let res = app
        .post_json(
            &format!("/api/v1/admin/models/{}/decision", signed["id"].as_str().unwrap()),
            &json!({"decision": "verify"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_problem(&res);
    assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("files"));
}

#[tokio::test]
async fn a_signature_over_a_changed_manifest_fails_the_signature_check() {
    let app = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    let signer = app.link_wallet(&provider).await;
    let (_server, files) = weights(false).await;
    let first: Value = app.post_json("/api/v1/models", &listing(&files, "1.0"), Some(&provider.token)).await.json().await.unwrap();
    // The provider changes the listing (a new version) but submits the signature of the old manifest.
    let changed: Value = app.post_json("/api/v1/models", &listing(&files, "1.0.1"), Some(&provider.token)).await.json().await.unwrap();
    let old_signature = personal_sign(&signer, first["provenance"]["manifest_sha256"].as_str().unwrap());
    let res = app
        .post_json(
            &format!("/api/v1/models/{}/signature", changed["id"].as_str().unwrap()),
            &json!({"signer_address": address_of(&signer), "signature": old_signature}),
            Some(&provider.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let sig = check(&body, "signature");
    assert_eq!(sig["ok"], false);
    assert!(sig["detail"].as_str().unwrap().contains("changed after signing"), "{sig}");
}

#[tokio::test]
async fn a_signer_that_is_not_a_verified_wallet_of_the_provider_fails() {
    let app = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    app.link_wallet(&provider).await;
    let stranger_key = PrivateKeySigner::random();
    let (_server, files) = weights(false).await;
    let signed = list_and_sign(&app, &provider, &stranger_key, &files).await;
    let sig = check(&signed, "signature");
    assert_eq!(sig["ok"], false);
    assert!(sig["detail"].as_str().unwrap().contains("not a verified wallet"), "{sig}");
}

#[tokio::test]
async fn private_addresses_are_refused_by_default() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let (_server, files) = weights(false).await;
    let created = list_and_check(&app, &provider, &listing(&files, "1.0")).await;
    let files_check = check(&created, "files");
    assert_eq!(files_check["ok"], false);
    assert!(files_check["detail"].as_str().unwrap().contains("not a public address"), "{files_check}");
}

#[tokio::test]
async fn file_uris_work_only_under_the_configured_root() {
    let root = tempfile::tempdir().unwrap();
    let inside = root.path().join("weights.bin");
    std::fs::write(&inside, b"weights").unwrap();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), b"weights").unwrap();
    let root_path = root.path().to_path_buf();
    let app = spawn_app_with(move |s| s.model_file_root = Some(root_path)).await;
    let provider = app.new_user().await;
    let ok_files = json!([{"path": "weights.bin", "size": 7, "sha256": sha(b"weights"), "uri": format!("file://{}", inside.display())}]);
    let created = list_and_check(&app, &provider, &listing(&ok_files, "1.0")).await;
    assert_eq!(check(&created, "files")["ok"], true, "{}", check(&created, "files"));
    // Outside the root — an existing file, one that does not exist, and a way out through `..` —
    // all get the same answer: the path is refused before the file system is asked anything, so
    // a lister cannot probe which files exist.
    let missing = root.path().parent().unwrap().join(format!("no-such-{}", uuid::Uuid::new_v4().simple()));
    let dotdot = format!("{}/../{}", root.path().display(), outside.path().file_name().unwrap().to_str().unwrap());
    for (i, path) in [outside.path().display().to_string(), missing.display().to_string(), dotdot].iter().enumerate() {
        let bad_files = json!([{"path": "weights.bin", "size": 7, "sha256": sha(b"weights"), "uri": format!("file://{path}")}]);
        let created = list_and_check(&app, &provider, &listing(&bad_files, &format!("2.{i}"))).await;
        let detail = check(&created, "files")["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("outside the allowed file root") && !detail.contains("No such file"), "{path}: {detail}");
    }
}

#[tokio::test]
async fn listings_over_the_file_limits_are_refused() {
    let app = spawn_app_with(|s| {
        s.model_max_files = 2;
        s.model_max_total_bytes = 1000;
    })
    .await;
    let provider = app.new_user().await;
    let file = |i: usize, size: u64| json!({"path": format!("w{i}.bin"), "size": size, "sha256": "0".repeat(64), "uri": "https://weights.invalid/w"});
    for files in [json!([file(0, 1), file(1, 1), file(2, 1)]), json!([file(0, 600), file(1, 600)]), json!([file(0, u64::MAX), file(1, 2)])]
    {
        let res = app.post_json("/api/v1/models", &listing(&files, "1.0"), Some(&provider.token)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "files", "{problem}");
    }
    let res = app.post_json("/api/v1/models", &listing(&json!([file(0, 500), file(1, 500)]), "1.0"), Some(&provider.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_file_that_takes_too_long_fails_its_check_with_a_timeout() {
    let app = spawn_app_with(|s| {
        s.allow_private_networks = true;
        s.model_fetch_timeout_secs = 1;
    })
    .await;
    let provider = app.new_user().await;
    let site = crate::common::web::serve_site(vec![(
        "/slow.bin",
        crate::common::web::Page::ok("application/octet-stream", b"weights".to_vec()).delayed(std::time::Duration::from_secs(5)),
    )])
    .await;
    let files = json!([{"path": "slow.bin", "size": 7, "sha256": sha(b"weights"), "uri": site.url("/slow.bin")}]);
    let created = list_and_check(&app, &provider, &listing(&files, "1.0")).await;
    let files_check = check(&created, "files");
    assert_eq!(files_check["ok"], false);
    assert!(files_check["detail"].as_str().unwrap().contains("timed out"), "{files_check}");
}

#[tokio::test]
async fn listings_are_validated_field_by_field() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let mut body = listing(&json!([{"path": "../x", "size": 1, "sha256": "nothex", "uri": ""}]), "1.0");
    body["intended_uses"] = json!(["customer_service", "astrology"]);
    body["lineage"] = json!({"base_model_id": uuid::Uuid::new_v4(), "relation": null});
    body["pricing"]["licence_fee"] = json!("12.5");
    body["name"] = json!("");
    let res = app.post_json("/api/v1/models", &body, Some(&provider.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["name", "intended_uses[1]", "files[0].path", "files[0].sha256", "files[0].uri", "lineage.relation", "pricing.licence_fee"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn another_organisation_cannot_sign_and_the_same_version_is_409() {
    let app = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    let (_server, files) = weights(false).await;
    let created: Value = app.post_json("/api/v1/models", &listing(&files, "1.0"), Some(&provider.token)).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let stranger = app.new_user().await;
    let key = app.link_wallet(&stranger).await;
    let digest = created["provenance"]["manifest_sha256"].as_str().unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/models/{id}/signature"),
            &json!({"signer_address": address_of(&key), "signature": personal_sign(&key, digest)}),
            Some(&stranger.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let dup = app.post_json("/api/v1/models", &listing(&files, "1.0"), Some(&provider.token)).await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    assert_eq!(app.get(&format!("/api/v1/models/{}", uuid::Uuid::new_v4()), Some(&provider.token)).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_model_declared_at_1e25_flops_carries_the_systemic_risk_flag() {
    let app = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    let (_server, files) = weights(false).await;
    let mut body = listing(&files, "1.0");
    body["training_flops"] = json!(2e25);
    let created: Value = app.post_json("/api/v1/models", &body, Some(&provider.token)).await.json().await.unwrap();
    assert!(check(&created, "training_flops")["detail"].as_str().unwrap().contains("systemic risk"));
    let model: Value =
        app.get(&format!("/api/v1/models/{}", created["id"].as_str().unwrap()), Some(&provider.token)).await.json().await.unwrap();
    assert_eq!(model["systemic_risk"], true);
    body["version"] = json!("2.0");
    body["training_flops"] = Value::Null;
    body["licence"] = json!("CC-BY-NC-4.0");
    let created: Value = app.post_json("/api/v1/models", &body, Some(&provider.token)).await.json().await.unwrap();
    assert_eq!(check(&created, "training_flops")["ok"], false);
    let licence = check(&created, "licence");
    assert_eq!(licence["ok"], true, "a known licence passes: it serves non-commercial jobs");
    assert!(licence["detail"].as_str().unwrap().contains("non-commercial deployments only"), "{licence}");
}

#[tokio::test]
async fn verified_manifests_are_anchored_including_those_verified_before_the_chain() {
    // Verified on a server without a chain …
    let before = spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = before.new_user().await;
    let signer = before.link_wallet(&provider).await;
    let (_server, files) = weights(false).await;
    let signed = list_and_sign(&before, &provider, &signer, &files).await;
    let id = signed["id"].as_str().unwrap().to_string();
    let admin = before.new_admin().await;
    let res = before.post_json(&format!("/api/v1/admin/models/{id}/decision"), &json!({"decision": "verify"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);

    // … a server with the chain back-fills the anchor at start.
    let app = crate::common::spawn_app_on(before.database_url.clone(), |s| {
        s.chain_enabled = true;
        s.allow_private_networks = true;
    })
    .await;
    assert_eq!(app.send_operator_txs().await, 1);
    assert_eq!(app.send_operator_txs().await, 0, "anchored once");
    let model: Value = app.get(&format!("/api/v1/models/{id}"), Some(&provider.token)).await.json().await.unwrap();
    let anchor = &model["provenance"]["anchor"];
    assert!(anchor["tx_hash"].as_str().unwrap().starts_with("0x") && anchor["block"].as_i64().unwrap() > 0, "{model}");
    let digest: alloy::primitives::B256 = format!("0x{}", model["provenance"]["manifest_sha256"].as_str().unwrap()).parse().unwrap();
    let registry =
        attune_integrations::chain::bindings::ProvenanceRegistry::new(app.chain().client.deployment.registry, app.operator().clone());
    let on_chain = registry.anchorOf(digest).call().await.unwrap();
    assert_eq!(on_chain.kind, 1, "kind 1: a model manifest");
}
