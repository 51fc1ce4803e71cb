//! Base models as the product makes them: listed with real weight files (under the test app's
//! model file root), signed by the provider's verified wallet, and verified by an admin. Jobs need
//! a verified model, so every test that creates one starts here.

use alloy_signer_local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::wallet::{address_of, personal_sign};
use super::{TestApp, TestUser};

/// A listing with every field the automatic checks need; `files` are filled in by [`TestApp::list_model`].
pub fn model_listing(licence: &str, licence_fee: &str, parameter_count: u64, intended_uses: Value, training_flops: Value) -> Value {
    let name = format!("base-{}", &Uuid::new_v4().simple().to_string()[..8]);
    json!({
        "name": name, "version": "1.0", "architecture": "llama", "parameter_count": parameter_count,
        "training_flops": training_flops, "intended_uses": intended_uses, "licence": licence,
        "files": [],
        "card_markdown": format!("# {name}\n\nA base model listed by the test suite."),
        "training_summary": {"data_sources": ["licensed", "public_domain"], "top_domains": [], "opt_out_policy": "robots.txt, ai.txt and TDMRep reservations honoured", "personal_data": "filtered"},
        "lineage": {"base_model_id": null, "relation": null},
        "pricing": {"licence_fee": licence_fee}
    })
}

impl TestApp {
    /// Lists `listing` with a real weights file under the app's model file root; returns the created body.
    pub async fn list_model(&self, provider: &TestUser, mut listing: Value) -> Value {
        let dir = self.data_dir.path().join("weights").join(Uuid::new_v4().simple().to_string());
        std::fs::create_dir_all(&dir).expect("weights dir");
        let weights: Vec<u8> = (0..4_096u32).flat_map(|i| i.to_le_bytes()).collect();
        let path = dir.join("model.safetensors");
        std::fs::write(&path, &weights).expect("write weights");
        listing["files"] = json!([{"path": "model.safetensors", "size": weights.len(), "sha256": hex::encode(Sha256::digest(&weights)),
                                   "uri": format!("file://{}", path.display())}]);
        let res = self.post_json("/api/v1/models", &listing, Some(&provider.token)).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let created: Value = res.json().await.expect("json");
        // The weights are fetched and hashed by a background step; run it, then read the listing back.
        self.check_model_files().await;
        let id = created["id"].as_str().expect("id");
        self.get(&format!("/api/v1/models/{id}"), Some(&provider.token)).await.json().await.expect("json")
    }

    /// Lists, signs with `signer` (a verified wallet of the provider's organisation) and has an
    /// admin verify the model; returns its id.
    pub async fn verified_model(&self, provider: &TestUser, signer: &PrivateKeySigner, listing: Value) -> String {
        let created = self.list_model(provider, listing).await;
        let id = created["id"].as_str().expect("id").to_string();
        let digest = created["provenance"]["manifest_sha256"].as_str().expect("manifest").to_string();
        let res = self
            .post_json(
                &format!("/api/v1/models/{id}/signature"),
                &json!({"signer_address": address_of(signer), "signature": personal_sign(signer, &digest)}),
                Some(&provider.token),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let admin = self.new_admin().await;
        let res = self
            .post_json(
                &format!("/api/v1/admin/models/{id}/decision"),
                &json!({"decision": "verify", "notes": "evidence reviewed by the test suite"}),
                Some(&admin.token),
            )
            .await;
        let status = res.status();
        assert_eq!(status, StatusCode::OK, "verification refused: {}", res.text().await.unwrap_or_default());
        if self.chain.is_some() {
            // The operator's sender anchors the verified manifest, as the server's background task would.
            self.send_operator_txs().await;
        }
        id
    }

    /// A verified Apache-2.0 model of the provider, who links a fresh wallet to sign it; returns
    /// (model id, the provider's wallet key).
    pub async fn provider_with_verified_model(
        &self,
        provider: &TestUser,
        parameter_count: u64,
        licence_fee: &str,
    ) -> (String, PrivateKeySigner) {
        let key = self.link_wallet(provider).await;
        let listing = model_listing("Apache-2.0", licence_fee, parameter_count, json!(["general", "customer_service"]), json!(8.4e22));
        (self.verified_model(provider, &key, listing).await, key)
    }
}
