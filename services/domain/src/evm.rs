//! EVM addresses and EIP-191 `personal_sign` signatures.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{Address as AlloyAddress, Signature};

/// A 20-byte EVM address. Parsed from `0x` + 40 hex digits: all lower-case, all upper-case, or a
/// mixed-case EIP-55 checksum (which must then be right). Stored and compared as lower-case hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address(AlloyAddress);

impl Address {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let hex = raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")).ok_or("must start with 0x")?;
        if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("must be 0x followed by 40 hexadecimal digits".into());
        }
        let mixed = hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
        let address = if mixed {
            AlloyAddress::parse_checksummed(format!("0x{hex}"), None)
                .map_err(|_| "has an invalid EIP-55 checksum (check for a typo)".to_string())?
        } else {
            AlloyAddress::from_str(&format!("0x{}", hex.to_ascii_lowercase())).map_err(|e| e.to_string())?
        };
        Ok(Self(address))
    }

    /// `0x` + 40 lower-case hex digits: the form we store and screen.
    pub fn to_lower_hex(&self) -> String {
        format!("{:#x}", self.0)
    }

    /// The EIP-55 checksummed form, for people.
    pub fn checksummed(&self) -> String {
        self.0.to_checksum(None)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_lower_hex())
    }
}

/// Recovers the address that signed `message` with EIP-191 `personal_sign`
/// (`"\x19Ethereum Signed Message:\n" + len + message`, keccak-256, secp256k1).
pub fn recover_personal_sign(message: &str, signature_hex: &str) -> Result<Address, String> {
    let hex = signature_hex.trim().trim_start_matches("0x");
    let bytes = hex::decode(hex).map_err(|_| "must be hex".to_string())?;
    if bytes.len() != 65 {
        return Err(format!("must be a 65-byte signature (r, s, v), got {} bytes", bytes.len()));
    }
    let signature = Signature::try_from(bytes.as_slice()).map_err(|e| format!("is not a valid signature: {e}"))?;
    signature.recover_address_from_msg(message.as_bytes()).map(Address).map_err(|e| format!("does not recover to an address: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_accept_lower_upper_and_valid_checksums() {
        let lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        assert_eq!(Address::parse(lower).map(|a| a.to_lower_hex()), Ok(lower.to_string()));
        assert_eq!(Address::parse("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").map(|a| a.to_lower_hex()), Ok(lower.to_string()));
        let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(Address::parse(checksummed).map(|a| a.checksummed()), Ok(checksummed.to_string()));
        assert!(Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").is_err(), "a wrong checksum is refused");
        for bad in ["", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x123", "0xzzaeb6053f3e94c9b9a09f33669435e7ef1beaed"] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_signatures_are_refused() {
        assert!(recover_personal_sign("hello", "0x1234").is_err());
        assert!(recover_personal_sign("hello", "not hex").is_err());
    }
}
