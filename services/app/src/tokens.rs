//! Random bearer secrets (session tokens, verification links). Clients hold the token; the
//! database holds only its SHA-256, so a leaked table grants nothing.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh 256-bit token, hex encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_sha256(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
