//! The automatic provenance checks of a base-model listing, each stored as `{name, ok, detail}`.

use attune_domain::evm::{Address, recover_personal_sign};
use attune_domain::provenance::{ModelFile, training_summary_gaps};
use attune_integrations::fetch::SafeFetcher;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One automatic check, as stored and shown: `{name, ok, detail}`, and `pending` while it has not
/// run yet (the files check runs in the background after listing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

impl Check {
    pub(crate) fn new(name: &str, ok: bool, detail: impl Into<String>) -> Self {
        Self { name: name.into(), ok, detail: detail.into(), pending: false }
    }

    /// The files check before the background step has fetched the files.
    pub(crate) fn files_pending() -> Self {
        Self { pending: true, ..Self::new("files", false, "pending: the files are being fetched and re-hashed") }
    }
}

/// Whether declared training compute presumes systemic risk under the current policy (Art. 51(2));
/// an unreadable policy flags the model, the cautious answer.
pub fn presumes_systemic_risk(training_flops: f64) -> bool {
    attune_domain::compliance::Policy::current().map_or(true, |p| p.presumes_systemic_risk(training_flops))
}

/// The licence check, from the versioned policy's SPDX table.
pub(crate) fn licence_check(spdx: &str) -> Check {
    match attune_domain::compliance::Policy::current() {
        Ok(policy) => {
            let verdict = policy.licence_allows_commercial_finetuning(spdx);
            // A known licence passes; whether a job may be commercial is decided per job from the
            // same table (a non-commercial licence serves non-commercial deployments only).
            let ok = verdict.known;
            let detail = if !verdict.known {
                format!("{spdx} is not a licence the policy knows; list it with an SPDX id the policy covers. {}", verdict.note)
            } else if verdict.commercial_finetuning {
                format!("{spdx} allows commercial fine-tuning. {}", verdict.note)
            } else {
                format!("{spdx} does not allow commercial fine-tuning: non-commercial deployments only. {}", verdict.note)
            };
            Check::new("licence", ok, detail.trim().to_string())
        }
        Err(e) => Check::new("licence", false, format!("the licence policy could not be loaded: {e}")),
    }
}

pub(crate) fn summary_check(summary: &serde_json::Value) -> Check {
    let gaps = training_summary_gaps(summary);
    if gaps.is_empty() {
        Check::new("training_summary", true, "every section of the training content summary is filled")
    } else {
        Check::new("training_summary", false, format!("missing or empty sections: {}", gaps.join(", ")))
    }
}

pub(crate) fn flops_check(flops: Option<f64>) -> Check {
    match flops {
        None => Check::new("training_flops", false, "training compute is not declared; declare the base model's training FLOPs"),
        Some(f) if presumes_systemic_risk(f) => Check::new(
            "training_flops",
            true,
            format!("declared {f:.3e} FLOPs, above 1e25: a GPAI model with systemic risk (AI Act Art. 51(2)); flagged"),
        ),
        Some(0.0) => Check::new(
            "training_flops",
            true,
            "declared 0 FLOPs: the weights were generated, never trained (the substantial-modification threshold then comes from the policy's fallback)",
        ),
        Some(f) => Check::new("training_flops", true, format!("declared {f:.3e} FLOPs")),
    }
}

pub(crate) fn card_check(card: &str) -> Check {
    if card.trim().len() >= 40 {
        Check::new("model_card", true, "model card present")
    } else {
        Check::new("model_card", false, "the model card is missing or too short to be useful")
    }
}

/// Fetches every file (a few at a time, each within `timeout`) and compares size and SHA-256
/// with the listing.
pub(crate) async fn files_check(fetcher: &SafeFetcher, files: &[ModelFile], timeout: std::time::Duration) -> Check {
    let results: Vec<(String, Result<(), String>)> = futures_util::stream::iter(files.iter().cloned())
        .map(|f| async move {
            let outcome = match tokio::time::timeout(timeout, fetcher.digest(&f.uri, f.size)).await {
                Err(_) => Err(format!("timed out after {} s", timeout.as_secs())),
                Ok(Ok(d)) if d.size != f.size => Err(format!("size {} bytes, listed as {}", d.size, f.size)),
                Ok(Ok(d)) if d.sha256 != f.sha256 => Err(format!("sha256 {} does not match the listed {}", d.sha256, f.sha256)),
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
            };
            (f.path, outcome)
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let failures: Vec<String> = results.iter().filter_map(|(p, r)| r.as_ref().err().map(|e| format!("{p}: {e}"))).collect();
    if failures.is_empty() {
        let bytes: u64 = files.iter().map(|f| f.size).sum();
        Check::new("files", true, format!("{} file(s), {bytes} bytes: fetched and re-hashed, every size and sha256 matches", files.len()))
    } else {
        Check::new("files", false, failures.join("; "))
    }
}

/// Recovers the signer of `manifest_sha256` and checks it is an active wallet of the owner.
pub(crate) async fn signature_check(
    conn: &mut sqlx::PgConnection,
    owner: Uuid,
    manifest_sha256: &str,
    signature: Option<&str>,
) -> anyhow::Result<(Check, Option<Address>)> {
    let Some(signature) = signature else {
        return Ok((
            Check::new("signature", false, "not signed yet: sign manifest_sha256 with a verified wallet of your organisation"),
            None,
        ));
    };
    let signer = match recover_personal_sign(manifest_sha256, signature) {
        Ok(a) => a,
        Err(e) => return Ok((Check::new("signature", false, format!("the signature {e}")), None)),
    };
    let wallet = attune_db::wallets::find_active(conn, owner, &signer.to_lower_hex()).await?;
    let check = match wallet {
        Some(_) => Check::new("signature", true, format!("manifest signed by {}, a verified wallet of the provider", signer.checksummed())),
        None => Check::new(
            "signature",
            false,
            format!("signed by {}, which is not a verified wallet of the provider's organisation", signer.checksummed()),
        ),
    };
    Ok((check, Some(signer)))
}

/// The checks that need nothing but the listing itself, in display order after files and signature.
pub(crate) fn listing_checks(licence: &str, summary: &serde_json::Value, flops: Option<f64>, card: &str) -> [Check; 4] {
    [licence_check(licence), summary_check(summary), flops_check(flops), card_check(card)]
}
