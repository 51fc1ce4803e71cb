use alloy_signer_local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::wallet::{address_of, personal_sign};
use crate::common::{assert_problem, spawn_app};

#[tokio::test]
async fn a_signed_challenge_links_the_wallet_once() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let signer = PrivateKeySigner::random();
    let checksummed = signer.address().to_checksum(None);
    let res = app.post_json("/api/v1/wallets/challenge", &json!({"address": checksummed}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let challenge: Value = res.json().await.unwrap();
    let message = challenge["message"].as_str().unwrap();
    assert!(message.contains(&checksummed) && message.contains(challenge["nonce"].as_str().unwrap()), "{message}");
    let signature = personal_sign(&signer, message);

    let res = app.post_json("/api/v1/wallets", &json!({"address": checksummed, "signature": signature}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let wallet: Value = res.json().await.unwrap();
    assert_eq!(wallet["address"], address_of(&signer));
    assert_eq!(wallet["status"], "active");
    assert_eq!(wallet["proof"], "eip191_personal_sign");

    // The challenge is single-use.
    let again = app.post_json("/api/v1/wallets", &json!({"address": checksummed, "signature": signature}), Some(&user.token)).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&again);
    assert_eq!(again.json::<Value>().await.unwrap()["type"], "/problems/challenge-used");

    let list: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let stranger = app.new_user().await;
    let theirs: Value = app.get("/api/v1/wallets", Some(&stranger.token)).await.json().await.unwrap();
    assert_eq!(theirs["items"], json!([]), "wallets are scoped to their organisation");
    let logged: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'wallet.linked'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn a_signature_by_another_key_or_on_an_expired_challenge_is_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let owner = PrivateKeySigner::random();
    let address = address_of(&owner);
    let challenge: Value =
        app.post_json("/api/v1/wallets/challenge", &json!({"address": address}), Some(&user.token)).await.json().await.unwrap();
    let message = challenge["message"].as_str().unwrap();

    let impostor = PrivateKeySigner::random();
    let res = app
        .post_json("/api/v1/wallets", &json!({"address": address, "signature": personal_sign(&impostor, message)}), Some(&user.token))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "/problems/signature-mismatch");
    assert_eq!(body["errors"][0]["field"], "signature");

    let res = app.post_json("/api/v1/wallets", &json!({"address": address, "signature": "0x1234"}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    sqlx::query("update wallet_challenge set expires_at = now() - interval '1 second'").execute(&app.pool).await.unwrap();
    let res = app
        .post_json("/api/v1/wallets", &json!({"address": address, "signature": personal_sign(&owner, message)}), Some(&user.token))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "/problems/challenge-expired");
}

#[tokio::test]
async fn addresses_are_validated_and_belong_to_one_organisation() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for bad in ["0x123", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"] {
        let res = app.post_json("/api/v1/wallets/challenge", &json!({"address": bad}), Some(&user.token)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "address");
    }
    let signer = app.link_wallet(&user).await;
    let other = app.new_user().await;
    let address = address_of(&signer);
    let challenge: Value =
        app.post_json("/api/v1/wallets/challenge", &json!({"address": address}), Some(&other.token)).await.json().await.unwrap();
    let res = app
        .post_json(
            "/api/v1/wallets",
            &json!({"address": address, "signature": personal_sign(&signer, challenge["message"].as_str().unwrap())}),
            Some(&other.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.get("/api/v1/wallets", None).await.status(), StatusCode::UNAUTHORIZED);
}
