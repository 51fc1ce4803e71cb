//! Where workers' artifacts (adapters, checkpoints) are kept, through the `object_store` crate: a
//! local directory by default (`<data_dir>/artifacts`), or an S3-compatible bucket when
//! `ATTUNE_ARTIFACT_STORE_URL` is `s3://bucket/prefix` (credentials, region and endpoint from the
//! usual `AWS_*` variables). Objects are `<run>/<lease>/<name>`.
//!
//! An upload streams through a SHA-256 hasher into a temporary object and is renamed into place only
//! when its digest is the declared one, so a corrupt or short upload never becomes an artifact.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
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
pub struct ArtifactStore {
    store: Arc<dyn ObjectStore>,
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

/// Buffered in memory up to this size, then uploaded in parts.
const PART_BYTES: usize = 8 * 1024 * 1024;

impl ArtifactStore {
    /// `url`: `s3://bucket[/prefix]` or `file:///absolute/dir`; `None` keeps artifacts in `local_root`.
    pub fn open(url: Option<&str>, local_root: PathBuf, max_bytes: u64) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Arc::new(local(&local_root)?),
            Some(raw) => {
                let parsed = url::Url::parse(raw).with_context(|| format!("ATTUNE_ARTIFACT_STORE_URL is not a URL: {raw}"))?;
                match parsed.scheme() {
                    "file" => {
                        let dir = parsed.to_file_path().map_err(|_| anyhow::anyhow!("ATTUNE_ARTIFACT_STORE_URL: not a local path"))?;
                        Arc::new(local(&dir)?)
                    }
                    "s3" | "s3a" => {
                        let bucket = object_store::aws::AmazonS3Builder::from_env()
                            .with_url(raw)
                            .build()
                            .context("ATTUNE_ARTIFACT_STORE_URL: the S3 bucket's settings are incomplete")?;
                        let prefix = parsed.path().trim_matches('/');
                        if prefix.is_empty() { Arc::new(bucket) } else { Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix)) }
                    }
                    other => anyhow::bail!("ATTUNE_ARTIFACT_STORE_URL: unsupported scheme {other} (use s3:// or file://)"),
                }
            }
        };
        Ok(Self { store, max_bytes })
    }

    /// Streams `body` to its place, hashing it on the way; kept only when its sha256 is `declared`.
    pub async fn put<S, B, E>(&self, run_id: Uuid, lease_id: Uuid, name: &str, declared: &str, body: S) -> Result<Stored, PutError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let location = format!("{run_id}/{lease_id}/{name}");
        let partial = StorePath::from(format!("{run_id}/{lease_id}/.{}.partial", Uuid::new_v4().simple()));
        let mut writer = BufWriter::with_capacity(self.store.clone(), partial.clone(), PART_BYTES);
        let (sha256, size) = match self.write(&mut writer, body).await {
            Ok(done) => done,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(e);
            }
        };
        let unexpected = |e: object_store::Error, what: &str| PutError::Unexpected(anyhow::anyhow!("{what}: {e}"));
        writer.shutdown().await.map_err(|e| PutError::Unexpected(anyhow::anyhow!("failed to finish an artifact upload: {e}")))?;
        if sha256 != declared {
            let _ = self.store.delete(&partial).await;
            return Err(PutError::DigestMismatch { actual: sha256 });
        }
        self.store.rename(&partial, &StorePath::from(location.as_str())).await.map_err(|e| unexpected(e, "failed to keep an artifact"))?;
        Ok(Stored { sha256, size, location })
    }

    async fn write<S, B, E>(&self, writer: &mut BufWriter, mut body: S) -> Result<(String, u64), PutError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
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
            writer.write_all(bytes).await.context("failed to write an artifact").map_err(PutError::Unexpected)?;
        }
        Ok((hex::encode(hasher.finalize()), size))
    }

    /// Deletes a stored artifact; one already gone counts as deleted.
    pub async fn delete(&self, location: &str) -> anyhow::Result<()> {
        match self.store.delete(&StorePath::from(location)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::anyhow!("failed to delete an artifact: {e}")),
        }
    }

    /// The bytes of a stored artifact (`location` as `put` answered it).
    pub async fn open_stream(
        &self,
        location: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>, crate::error::AppError> {
        let parts: Vec<&str> = location.split('/').collect();
        let ok = parts.len() == 3 && Uuid::parse_str(parts[0]).is_ok() && Uuid::parse_str(parts[1]).is_ok() && valid_name(parts[2]);
        if !ok {
            return Err(crate::error::AppError::Unexpected(anyhow::anyhow!("a stored artifact location is malformed: {location}")));
        }
        let got = self
            .store
            .get(&StorePath::from(location))
            .await
            .map_err(|e| crate::error::AppError::Unexpected(anyhow::anyhow!("failed to read an artifact: {e}")))?;
        Ok(got.into_stream())
    }
}

fn local(dir: &std::path::Path) -> anyhow::Result<object_store::local::LocalFileSystem> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    object_store::local::LocalFileSystem::new_with_prefix(dir).with_context(|| format!("failed to open {}", dir.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_are_plain_file_names() {
        assert!(valid_name("adapter.safetensors"));
        assert!(valid_name("checkpoint-2.safetensors"));
        for bad in ["", "../x", "a/b", ".hidden", "a..b", "a b", &"x".repeat(129)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }

    fn body(parts: &[&'static [u8]]) -> impl Stream<Item = Result<&'static [u8], String>> + Unpin {
        futures_util::stream::iter(parts.iter().map(|p| Ok::<_, String>(*p)).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn an_upload_is_kept_only_with_its_declared_digest() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::open(None, dir.path().to_path_buf(), 1024).unwrap();
        let (run, lease) = (Uuid::new_v4(), Uuid::new_v4());
        let sha = hex::encode(Sha256::digest(b"hello world"));
        let stored = store.put(run, lease, "adapter.safetensors", &sha, body(&[b"hello ", b"world"])).await.unwrap();
        assert_eq!((stored.sha256.as_str(), stored.size), (sha.as_str(), 11));
        let read: Vec<Bytes> = store.open_stream(&stored.location).await.unwrap().map(|c| c.unwrap()).collect().await;
        assert_eq!(read.concat(), b"hello world");

        let wrong = store.put(run, lease, "other.bin", &sha, body(&[b"hello"])).await;
        assert!(matches!(wrong, Err(PutError::DigestMismatch { .. })));
        let too_big = store.put(run, lease, "big.bin", &sha, body(&[&[0u8; 1000], &[0u8; 1000]])).await;
        assert!(matches!(too_big, Err(PutError::TooLarge)));
        // Nothing but the one good artifact is left behind.
        let files: Vec<_> = std::fs::read_dir(dir.path().join(run.to_string()).join(lease.to_string())).unwrap().collect();
        assert_eq!(files.len(), 1);
    }
}
