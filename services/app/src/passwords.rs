//! argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1), hashed off the async runtime.

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let hash = hasher()?.hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("failed to hash password: {e}"))?;
        Ok(hash.to_string())
    })
    .await
    .context("password hashing task failed")?
}

/// Verifies `password` against a stored PHC string. A missing account is verified against a
/// dummy hash so both paths take the same time and answer the same way.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let hasher = hasher()?;
        let (target, real) = match stored {
            Some(hash) => (hash, true),
            None => (dummy_hash(&hasher)?, false),
        };
        let ok = hasher.verify_password(password.as_bytes(), target.as_str()).is_ok();
        Ok(ok && real)
    })
    .await
    .context("password verification task failed")?
}

/// An argon2id hash, with the same parameters, of a random string nobody knows; made once.
fn dummy_hash(hasher: &Argon2<'_>) -> anyhow::Result<String> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let hash = hasher
        .hash_password(crate::tokens::new_token().as_bytes())
        .map_err(|e| anyhow::anyhow!("failed to hash password: {e}"))?
        .to_string();
    Ok(DUMMY.get_or_init(|| hash).clone())
}
