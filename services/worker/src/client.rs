//! The Worker API client (API.md "Workers"): a bearer worker token, JSON calls, and streamed,
//! sha256-checked downloads. Every call made under a lease sends its id back as `X-Lease-Id`, so a
//! call from a lease this worker no longer holds is refused by the server (409) and changes nothing.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// What a call can end in.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// 409: the lease is no longer this worker's (expired, reaped, or another attempt's).
    #[error("the lease was lost")]
    LeaseLost,
    /// 401/403: the token is not a worker token (or was revoked).
    #[error("the server refused the worker token ({0})")]
    Unauthorized(u16),
    /// Any other answer that is not a success.
    #[error("{method} {path}: HTTP {status}: {body}")]
    Status { method: &'static str, path: String, status: u16, body: String },
    /// A download's bytes are not the sha256 they were listed with.
    #[error("{what}: the download's sha256 is {actual}, not {expected}")]
    Digest { what: String, expected: String, actual: String },
    #[error("network: {0}")]
    Network(#[from] reqwest::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// Network trouble and server errors are worth another try; the rest are not.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Network(_) | ClientError::Io(_) => true,
            ClientError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// A file of the leased job's base model; `download_url` is served by the marketplace (it streams
/// local files and redirects to the listed `uri` otherwise).
#[derive(Debug, Clone, Deserialize)]
pub struct BaseFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub download_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BaseModel {
    pub files: Vec<BaseFile>,
}

/// A checkpoint file of an earlier attempt to resume from.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckpointFile {
    pub name: String,
    pub sha256: String,
    pub size: u64,
    pub download_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Grant {
    pub run_id: String,
    pub job_id: String,
    pub shard_index: u32,
    pub shards: u32,
    pub slices: u32,
    pub resume_from_slice: u32,
    #[serde(default)]
    pub resume_checkpoint: Vec<CheckpointFile>,
    pub attempt: u32,
    pub lease_id: String,
    pub base_model: BaseModel,
    pub hyperparameters: serde_json::Value,
    pub trainer: String,
    pub lease_expires_at: String,
}

/// One line of `GET /worker/runs/{id}/records`.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordLine {
    pub id: String,
    pub slice: u32,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Heartbeat {
    pub slice: u32,
    pub slice_done: bool,
    pub step: u64,
    pub loss: Option<f64>,
    pub tokens: u64,
    pub flops: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HeartbeatAnswer {
    pub lease_expires_at: String,
    pub cancel: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactRef {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    pub artifacts: Vec<ArtifactRef>,
    pub flops: f64,
    pub tokens: u64,
    pub metrics: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub error: String,
    pub retryable: bool,
    /// A graceful hand-back (shutdown): requeued at once, not counted against the attempts.
    pub handed_back: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    pub status: String,
    pub job_status: String,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).field("token", &"<redacted>").finish()
    }
}

impl Client {
    /// `server` is the marketplace's base URL (`http://127.0.0.1:8080`).
    pub fn new(server: &str, token: &str) -> Result<Self, ClientError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("attune-worker/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self { http, base: server.trim_end_matches('/').to_owned(), token: token.trim().to_owned() })
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") { path.to_owned() } else { format!("{}{path}", self.base) }
    }

    fn request(&self, method: reqwest::Method, path: &str, lease: Option<&str>) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(&self.token);
        if let Some(lease) = lease {
            req = req.header("X-Lease-Id", lease);
        }
        req
    }

    async fn check(method: &'static str, path: &str, resp: reqwest::Response) -> Result<reqwest::Response, ClientError> {
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            return Ok(resp);
        }
        if status == 409 {
            return Err(ClientError::LeaseLost);
        }
        if status == 401 || status == 403 {
            return Err(ClientError::Unauthorized(status));
        }
        let mut body = resp.text().await.unwrap_or_default();
        body.truncate(2000);
        Err(ClientError::Status { method, path: path.to_owned(), status, body })
    }

    /// Leases a shard run, long-polling up to `wait_s`; `None` when nothing was queued.
    pub async fn lease(&self, capabilities: &serde_json::Value, wait_s: u64) -> Result<Option<Grant>, ClientError> {
        let path = "/api/v1/worker/lease";
        let resp = self
            .request(reqwest::Method::POST, path, None)
            .timeout(Duration::from_secs(wait_s + 30))
            .json(&serde_json::json!({"capabilities": capabilities, "wait_s": wait_s}))
            .send()
            .await?;
        let resp = Self::check("POST", path, resp).await?;
        if resp.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        Ok(Some(resp.json().await?))
    }

    pub async fn records(&self, grant: &Grant) -> Result<Vec<RecordLine>, ClientError> {
        let path = format!("/api/v1/worker/runs/{}/records", grant.run_id);
        let resp = self.request(reqwest::Method::GET, &path, Some(&grant.lease_id)).send().await?;
        let text = Self::check("GET", &path, resp).await?.text().await?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| ClientError::Status {
                    method: "GET",
                    path: path.clone(),
                    status: 200,
                    body: format!("a record line is not {{id, slice, text}}: {e}"),
                })
            })
            .collect()
    }

    pub async fn heartbeat(&self, grant: &Grant, h: &Heartbeat) -> Result<HeartbeatAnswer, ClientError> {
        let path = format!("/api/v1/worker/runs/{}/heartbeat", grant.run_id);
        let resp =
            self.request(reqwest::Method::POST, &path, Some(&grant.lease_id)).timeout(Duration::from_secs(30)).json(h).send().await?;
        Ok(Self::check("POST", &path, resp).await?.json().await?)
    }

    /// Uploads a file as an artifact of the run; answers its reference (name, sha256, size).
    pub async fn put_artifact(&self, grant: &Grant, name: &str, file: &Path) -> Result<ArtifactRef, ClientError> {
        let bytes = tokio::fs::read(file).await?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        let path = format!("/api/v1/worker/runs/{}/artifacts/{name}", grant.run_id);
        let resp = self
            .request(reqwest::Method::PUT, &path, Some(&grant.lease_id))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header("X-Content-Sha256", &sha256)
            .body(bytes)
            .send()
            .await?;
        Self::check("PUT", &path, resp).await?;
        Ok(ArtifactRef { name: name.to_owned(), sha256, size })
    }

    pub async fn complete(&self, grant: &Grant, c: &Completion) -> Result<Outcome, ClientError> {
        let path = format!("/api/v1/worker/runs/{}/complete", grant.run_id);
        let resp = self.request(reqwest::Method::POST, &path, Some(&grant.lease_id)).json(c).send().await?;
        Ok(Self::check("POST", &path, resp).await?.json().await?)
    }

    pub async fn fail(&self, grant: &Grant, f: &Failure) -> Result<Outcome, ClientError> {
        let path = format!("/api/v1/worker/runs/{}/fail", grant.run_id);
        let resp = self.request(reqwest::Method::POST, &path, Some(&grant.lease_id)).json(f).send().await?;
        Ok(Self::check("POST", &path, resp).await?.json().await?)
    }

    /// Streams `url` (relative to the server, or absolute) to `dest`, checking its sha256 and size;
    /// nothing is left at `dest` unless both match.
    pub async fn download(
        &self,
        url: &str,
        lease: Option<&str>,
        dest: &Path,
        sha256: &str,
        size: Option<u64>,
        what: &str,
    ) -> Result<(), ClientError> {
        let resp = self.request(reqwest::Method::GET, url, lease).send().await?;
        let mut resp = Self::check("GET", url, resp).await?;
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let partial = dest.with_extension(format!("partial-{}", std::process::id()));
        let mut file = tokio::fs::File::create(&partial).await?;
        let mut hasher = Sha256::new();
        let mut got = 0u64;
        let result: Result<(), ClientError> = async {
            while let Some(chunk) = resp.chunk().await? {
                got += chunk.len() as u64;
                if size.is_some_and(|s| got > s) {
                    break;
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            Ok(())
        }
        .await;
        drop(file);
        let actual = hex::encode(hasher.finalize());
        let fail = |e: ClientError| async {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        };
        if let Err(e) = result {
            return fail(e).await;
        }
        if !actual.eq_ignore_ascii_case(sha256) || size.is_some_and(|s| s != got) {
            return fail(ClientError::Digest { what: what.to_owned(), expected: sha256.to_owned(), actual }).await;
        }
        tokio::fs::rename(&partial, dest).await?;
        Ok(())
    }
}
