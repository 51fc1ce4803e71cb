//! Address screening: exact match after normalisation against every listed digital currency address.

use std::collections::HashMap;

use crate::sanctions::ListEntity;

/// A listed address that a looked-up address matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressHit {
    pub entity_id: String,
    /// The currency the list gives for the address (`ETH`, `USDT`, `XBT`…).
    pub currency: String,
    /// The address as the list writes it.
    pub listed_address: String,
}

/// Every listed address, keyed by its normalised form.
#[derive(Debug, Clone, Default)]
pub struct AddressIndex {
    by_address: HashMap<String, AddressHit>,
}

fn is_evm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 42 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') && b[2..].iter().all(u8::is_ascii_hexdigit)
}

/// EVM addresses (`0x` + 40 hex, any case, EIP-55 checksums accepted) become lower-case; any other
/// address is only trimmed (Bitcoin bech32/base58 and the like are case-sensitive or fixed-case).
pub fn normalize_address(raw: &str) -> String {
    let trimmed = raw.trim();
    if is_evm(trimmed) { trimmed.to_ascii_lowercase() } else { trimmed.to_owned() }
}

impl AddressIndex {
    pub fn build<'a>(entities: impl IntoIterator<Item = &'a ListEntity>) -> AddressIndex {
        let mut by_address = HashMap::new();
        for entity in entities {
            for (currency, address) in &entity.addresses {
                let key = normalize_address(address);
                if key.is_empty() {
                    continue;
                }
                by_address.entry(key).or_insert_with(|| AddressHit {
                    entity_id: entity.entity_id.clone(),
                    currency: currency.trim().to_owned(),
                    listed_address: address.trim().to_owned(),
                });
            }
        }
        AddressIndex { by_address }
    }

    /// The listed entry of this address, if any (the first entity listing it).
    pub fn lookup(&self, raw: &str) -> Option<&AddressHit> {
        let trimmed = raw.trim();
        if is_evm(trimmed) {
            let mut buf = [0u8; 42];
            for (dst, src) in buf.iter_mut().zip(trimmed.as_bytes()) {
                *dst = src.to_ascii_lowercase();
            }
            let key = std::str::from_utf8(&buf).ok()?;
            self.by_address.get(key)
        } else {
            self.by_address.get(trimmed)
        }
    }

    pub fn len(&self) -> usize {
        self.by_address.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }
}
