//! The worker's base-model cache: every file kept once under `blobs/<sha256>` (downloaded from
//! the marketplace, checked, and re-hashed before each reuse) and linked into a model directory by
//! the listing's paths, which the trainer reads as a Hugging Face model directory.

use std::path::{Path, PathBuf};

use crate::client::{Client, ClientError, Grant};

pub(crate) enum CacheError {
    Client(ClientError),
    /// The listing's file list cannot be used (not retryable).
    Invalid(String),
    Io(std::io::Error),
}

/// The base model's files, fetched once per sha256 into the cache and verified, linked into a
/// directory by the listing's paths.
pub(crate) async fn base_model(client: &Client, cache_dir: &Path, grant: &Grant) -> Result<PathBuf, CacheError> {
    use sha2::{Digest, Sha256};
    let files = &grant.base_model.files;
    if files.is_empty() {
        return Err(CacheError::Invalid("the base model lists no files".into()));
    }
    let mut key = Sha256::new();
    for f in files {
        key.update(f.path.as_bytes());
        key.update([0]);
        key.update(f.sha256.to_ascii_lowercase().as_bytes());
        key.update([0]);
    }
    let model_dir = cache_dir.join("models").join(&hex::encode(key.finalize())[..32]);
    for f in files {
        let sha = f.sha256.to_ascii_lowercase();
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CacheError::Invalid(format!("{}: not a sha256", f.path)));
        }
        let rel = Path::new(&f.path);
        if f.path.is_empty() || rel.is_absolute() || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(CacheError::Invalid(format!("{}: not a relative file path", f.path)));
        }
        let blob = cache_dir.join("blobs").join(&sha);
        if !cached(&blob, &sha, f.size).await {
            client
                .download(&f.download_url, Some(&grant.lease_id), &blob, &sha, Some(f.size), &f.path)
                .await
                .map_err(CacheError::Client)?;
        }
        let link = model_dir.join(rel);
        if let Some(parent) = link.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(CacheError::Io)?;
        }
        // Workers sharing a cache see the same directory: a link that is already right stays.
        if tokio::fs::read_link(&link).await.is_ok_and(|target| target == blob) {
            continue;
        }
        if tokio::fs::symlink_metadata(&link).await.is_ok() {
            tokio::fs::remove_file(&link).await.map_err(CacheError::Io)?;
        }
        tokio::fs::symlink(&blob, &link).await.map_err(CacheError::Io)?;
    }
    Ok(model_dir)
}

/// A cached blob is used only when it still hashes to its name.
async fn cached(blob: &Path, sha: &str, size: u64) -> bool {
    match tokio::fs::metadata(blob).await {
        Ok(m) if m.len() == size => {}
        _ => return false,
    }
    let path = blob.to_path_buf();
    let sha = sha.to_owned();
    tokio::task::spawn_blocking(move || crate::trainer::sha256_file(&path).is_ok_and(|s| s == sha)).await.unwrap_or(false)
}
