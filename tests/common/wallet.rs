//! Real secp256k1 keys (alloy's local signer) acting as users' wallets.

use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{TestApp, TestUser};

pub fn personal_sign(signer: &PrivateKeySigner, message: &str) -> String {
    let sig = signer.sign_message_sync(message.as_bytes()).expect("sign");
    format!("0x{}", hex::encode(sig.as_bytes()))
}

pub fn address_of(signer: &PrivateKeySigner) -> String {
    format!("{:#x}", signer.address())
}

impl TestApp {
    /// Links a fresh wallet to the user's organisation through the API and returns its key.
    pub async fn link_wallet(&self, user: &TestUser) -> PrivateKeySigner {
        let signer = PrivateKeySigner::random();
        self.link_wallet_key(user, &signer).await;
        signer
    }

    /// Links the wallet of `signer` to the user's organisation through the API.
    pub async fn link_wallet_key(&self, user: &TestUser, signer: &PrivateKeySigner) {
        let address = signer.address().to_checksum(None);
        let challenge: Value =
            self.post_json("/api/v1/wallets/challenge", &json!({"address": address}), Some(&user.token)).await.json().await.expect("json");
        let signature = personal_sign(signer, challenge["message"].as_str().expect("message"));
        let res = self.post_json("/api/v1/wallets", &json!({"address": address, "signature": signature}), Some(&user.token)).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    }
}
