//! Where workers' artifacts (adapters, checkpoints) are kept: a local directory under the data dir
//! for now, `<data_dir>/artifacts/<run>/<lease>/<name>`. One small interface (`put` streams in,
//! hashes and checks the digest) so an `object_store` backend (S3-compatible) can replace it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

#[derive(Debug)]
pub enum PutError {
    /// The body's sha256 is not the declared one (nothing is kept).
    DigestMismatch {
        actual: String,
    },
    TooLarge,
    Body(String),
    Unexpected(anyhow::Error),
}

pub struct Stored {
    pub sha256: String,
    pub size: u64,
    pub location: String,
}

#[derive(Debug, Clone)]
pub struct LocalArtifactStore {
    root: PathBuf,
    max_bytes: u64,
}

/// Artifact names: a file name, no paths (`adapter.safetensors`, `checkpoint-2.safetensors`).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.contains("..")
}

impl LocalArtifactStore {
    pub fn new(root: PathBuf, max_bytes: u64) -> Self {
        Self { root, max_bytes }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of a stored artifact's `location` (`<run>/<lease>/<name>`, as `put` answered).
    pub fn path_of(&self, location: &str) -> Result<PathBuf, crate::error::AppError> {
        let parts: Vec<&str> = location.split('/').collect();
        let ok = parts.len() == 3 && Uuid::parse_str(parts[0]).is_ok() && Uuid::parse_str(parts[1]).is_ok() && valid_name(parts[2]);
        if !ok {
            return Err(crate::error::AppError::Unexpected(anyhow::anyhow!("a stored artifact location is malformed: {location}")));
        }
        Ok(self.root.join(parts[0]).join(parts[1]).join(parts[2]))
    }

    /// Streams `body` to its place, hashing it on the way; kept only when its sha256 is `declared`.
    pub async fn put<S, B, E>(&self, run_id: Uuid, lease_id: Uuid, name: &str, declared: &str, body: S) -> Result<Stored, PutError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let dir = self.root.join(run_id.to_string()).join(lease_id.to_string());
        tokio::fs::create_dir_all(&dir)
            .await
            .with_context(|| format!("failed to create {}", dir.display()))
            .map_err(PutError::Unexpected)?;
        let partial = dir.join(format!(".{}.partial", Uuid::new_v4().simple()));
        let result = self.write(&partial, body).await;
        let (sha256, size) = match result {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(e);
            }
        };
        if sha256 != declared {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(PutError::DigestMismatch { actual: sha256 });
        }
        let path = dir.join(name);
        tokio::fs::rename(&partial, &path).await.context("failed to keep an artifact").map_err(PutError::Unexpected)?;
        let location = format!("{run_id}/{lease_id}/{name}");
        Ok(Stored { sha256, size, location })
    }

    async fn write<S, B, E>(&self, path: &Path, mut body: S) -> Result<(String, u64), PutError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let mut file = tokio::fs::File::create(path).await.context("failed to create an artifact file").map_err(PutError::Unexpected)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| PutError::Body(e.to_string()))?;
            let bytes = chunk.as_ref();
            size += bytes.len() as u64;
            if size > self.max_bytes {
                return Err(PutError::TooLarge);
            }
            hasher.update(bytes);
            file.write_all(bytes).await.context("failed to write an artifact").map_err(PutError::Unexpected)?;
        }
        file.flush().await.context("failed to flush an artifact").map_err(PutError::Unexpected)?;
        file.sync_all().await.context("failed to sync an artifact").map_err(PutError::Unexpected)?;
        Ok((hex::encode(hasher.finalize()), size))
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn artifact_names_are_plain_file_names() {
        assert!(valid_name("adapter.safetensors"));
        assert!(valid_name("checkpoint-2.safetensors"));
        for bad in ["", "../x", "a/b", ".hidden", "a..b", "a b", &"x".repeat(129)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
