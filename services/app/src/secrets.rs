//! The server's secret key and the keys derived from it. Every replica that shares the secret derives
//! the same sandbox keys, so a webhook signed for one verifies on all.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Digest;

use crate::Settings;

/// `ATTUNE_SECRET_KEY`, or the key kept in `<data_dir>/secret-key` (created on first start, mode
/// 0600) so a restart keeps forms and sandbox webhooks valid.
pub fn server_secret(settings: &Settings) -> anyhow::Result<SecretSlice<u8>> {
    Ok(match &settings.secret_key {
        Some(key) => SecretSlice::from(key.expose_secret().as_bytes().to_vec()),
        None => SecretSlice::from(load_or_create(&settings.data_dir)?),
    })
}

/// A key for one purpose: SHA-256 over the purpose's label and the server secret.
pub fn derive(secret: &SecretSlice<u8>, label: &[u8]) -> Vec<u8> {
    let mut h = sha2::Sha256::new();
    h.update(label);
    h.update(secret.expose_secret());
    h.finalize().to_vec()
}

/// Webhook keys from a comma-separated setting (several while a provider rotates them).
pub fn key_list(setting: Option<&secrecy::SecretString>) -> Vec<Vec<u8>> {
    setting
        .map(|s| s.expose_secret().split(',').map(|k| k.trim().as_bytes().to_vec()).filter(|k| !k.is_empty()).collect())
        .unwrap_or_default()
}

fn load_or_create(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("failed to create {}", data_dir.display()))?;
    let path = data_dir.join("secret-key");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().as_bytes().to_vec()),
        _ => {
            let key = crate::tokens::new_token();
            write_private_file(&path, key.as_bytes())?;
            Ok(key.into_bytes())
        }
    }
}

/// Writes a file only its owner can read (mode 0600).
pub fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("failed to write {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("failed to write {}", path.display()))
}
