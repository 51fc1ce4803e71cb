//! The candidate index: an inverted index from token keys (phonetic key, short prefix) to names, so
//! that a query scores only the names sharing a key with it, rarest keys first.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::NormalizedName;

/// A small multiplicative hasher (FxHash-like) for integer and short-string keys; the keys are not
/// attacker-chosen in a way that matters (the list is ours; a query's keys only read postings).
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(SEED);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(SEED);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(SEED);
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

fn key_of(tag: u8, text: &str) -> u64 {
    let mut h = FastHasher::default();
    h.write(&[tag]);
    h.write(text.as_bytes());
    h.finish()
}

/// The index keys of a normalised name: per token its phonetic key and its first `prefix_len` letters.
pub fn name_keys(name: &NormalizedName, prefix_len: usize) -> Vec<u64> {
    let mut keys = Vec::with_capacity(name.sorted.len() * 2);
    for (token, phonetic) in name.sorted.iter().zip(&name.phonetic) {
        if !phonetic.is_empty() {
            keys.push(key_of(b'p', phonetic));
        }
        let prefix = token.get(..prefix_len.min(token.len())).unwrap_or(token);
        keys.push(key_of(b'x', prefix));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[derive(Debug, Clone, Default)]
pub struct CandidateIndex {
    postings: FastMap<u64, Vec<u32>>,
    names: usize,
    prefix_len: usize,
}

impl CandidateIndex {
    /// Index names by position (`names[i]` gets id `i`).
    pub fn build<'a>(names: impl IntoIterator<Item = &'a NormalizedName>, prefix_len: usize) -> Self {
        let mut postings: FastMap<u64, Vec<u32>> = FastMap::default();
        let mut count = 0usize;
        for (id, name) in names.into_iter().enumerate() {
            count += 1;
            let Ok(id) = u32::try_from(id) else { break };
            for key in name_keys(name, prefix_len) {
                postings.entry(key).or_default().push(id);
            }
        }
        Self { postings, names: count, prefix_len }
    }

    pub fn prefix_len(&self) -> usize {
        self.prefix_len
    }

    /// Name ids sharing at least one key with `query`, at most `max_candidates`, the best by the summed
    /// inverse frequency of the shared keys. Keys held by more than `max_posting_len` names are only
    /// read while the rarer keys gave fewer than `max_candidates` names.
    pub fn candidates(&self, query: &NormalizedName, max_candidates: usize, max_posting_len: usize) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = name_keys(query, self.prefix_len).iter().filter_map(|k| self.postings.get(k)).collect();
        lists.sort_unstable_by_key(|l| l.len());
        let total = self.names.max(1) as f32;
        let mut acc: FastMap<u32, f32> = FastMap::default();
        for list in lists {
            if list.len() > max_posting_len && acc.len() >= max_candidates {
                continue;
            }
            let weight = (1.0 + total / list.len() as f32).ln();
            for &id in list {
                *acc.entry(id).or_insert(0.0) += weight;
            }
        }
        let mut ranked: Vec<(u32, f32)> = acc.into_iter().collect();
        if ranked.len() > max_candidates {
            ranked.select_nth_unstable_by(max_candidates, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked.truncate(max_candidates);
        }
        ranked.into_iter().map(|(id, _)| id).collect()
    }
}
