//! A wallet the platform holds for itself (the demo catalogue's provider organisation): it signs
//! EIP-191 messages as any provider's wallet would.

use alloy::primitives::Address;
use alloy::signers::Signer;
use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;

pub struct PlatformWallet(PrivateKeySigner);

impl PlatformWallet {
    /// From a 32-byte key.
    pub fn from_key(key: &[u8]) -> anyhow::Result<Self> {
        Ok(Self(PrivateKeySigner::from_slice(key).map_err(|e| anyhow::anyhow!("not a private key: {e}"))?))
    }

    pub fn address(&self) -> Address {
        self.0.address()
    }

    /// `personal_sign` of `message`: the 65-byte signature, 0x hex.
    pub async fn personal_sign(&self, message: &[u8]) -> anyhow::Result<String> {
        let signature = self.0.sign_message(message).await.context("failed to sign")?;
        Ok(format!("0x{}", hex::encode(signature.as_bytes())))
    }
}
