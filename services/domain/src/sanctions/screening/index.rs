//! The candidate index: an inverted index from token keys (phonetic key, short prefix) to names, so
//! that a query scores only the names sharing a key with it, rarest keys first.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::{NormalizedName, PHONETIC_KEY_LEN};
use super::policy::IndexRules;

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

/// Tokens this long or longer get one-deletion keys.
pub const DELETION_KEYS_FROM: usize = 4;

fn key_of(tag: u8, text: &str) -> u64 {
    key_of_bytes(tag, text.as_bytes())
}

fn key_of_bytes(tag: u8, bytes: &[u8]) -> u64 {
    let mut h = FastHasher::default();
    h.write(&[tag]);
    h.write(bytes);
    h.finish()
}

/// The index keys of a normalised name: per token its phonetic key, its first `prefix_len` letters
/// and, when the policy asks for them, for tokens of `DELETION_KEYS_FROM` letters or more, the
/// token and each spelling of it with one letter deleted (two spellings one edit apart share one).
pub fn name_keys(name: &NormalizedName, rules: &IndexRules) -> Vec<u64> {
    let prefix_len = rules.prefix_len;
    let mut keys = Vec::with_capacity(name.parts.len() * 10);
    let mut buf: Vec<u8> = Vec::with_capacity(32);
    for part in &name.parts {
        let (token, phonetic) = (&part.text, &part.phonetic);
        if !phonetic.is_empty() {
            keys.push(key_of(b'p', phonetic.get(..PHONETIC_KEY_LEN).unwrap_or(phonetic)));
        }
        let prefix = token.get(..prefix_len.min(token.len())).unwrap_or(token);
        keys.push(key_of(b'x', prefix));
        let bytes = token.as_bytes();
        if rules.deletion_keys && bytes.len() >= DELETION_KEYS_FROM && bytes.len() <= 32 {
            keys.push(key_of(b'd', token));
            for skip in 0..bytes.len() {
                buf.clear();
                buf.extend_from_slice(&bytes[..skip]);
                buf.extend_from_slice(&bytes[skip + 1..]);
                keys.push(key_of_bytes(b'd', &buf));
            }
        }
    }
    // Two adjacent parts written as one ("Cheng Wen" / "Chengwen") share the joined spelling's key.
    if rules.deletion_keys {
        for pair in name.parts.windows(2) {
            buf.clear();
            buf.extend_from_slice(pair[0].text.as_bytes());
            buf.extend_from_slice(pair[1].text.as_bytes());
            keys.push(key_of_bytes(b'd', &buf));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[derive(Debug, Clone, Default)]
pub struct CandidateIndex {
    postings: FastMap<u64, Vec<u32>>,
    names: usize,
    rules: IndexRules,
}

impl CandidateIndex {
    /// Index names by position (`names[i]` gets id `i`).
    pub fn build<'a>(names: impl IntoIterator<Item = &'a NormalizedName>, rules: IndexRules) -> Self {
        let mut postings: FastMap<u64, Vec<u32>> = FastMap::default();
        let mut count = 0usize;
        for (id, name) in names.into_iter().enumerate() {
            count += 1;
            let Ok(id) = u32::try_from(id) else { break };
            for key in name_keys(name, &rules) {
                postings.entry(key).or_default().push(id);
            }
        }
        Self { postings, names: count, rules }
    }

    pub fn rules(&self) -> &IndexRules {
        &self.rules
    }

    /// Name ids sharing at least one key with `query`, at most `max_candidates`, the best by the summed
    /// inverse frequency of the shared keys. Keys held by more than `max_posting_len` names are only
    /// read while the rarer keys gave fewer than `max_candidates` names.
    pub fn candidates(&self, query: &NormalizedName, max_candidates: usize, max_posting_len: usize) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = name_keys(query, &self.rules).iter().filter_map(|k| self.postings.get(k)).collect();
        lists.sort_unstable_by_key(|l| l.len());
        let total = self.names.max(1) as f32;
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.reset(self.names);
            for list in lists {
                if list.len() > max_posting_len && scratch.touched.len() >= max_candidates {
                    continue;
                }
                let weight = (1.0 + total / list.len() as f32).ln();
                for &id in list {
                    scratch.add(id, weight);
                }
            }
            let mut ranked: Vec<(u32, f32)> = scratch.touched.iter().map(|&id| (id, scratch.score(id))).collect();
            if ranked.len() > max_candidates {
                ranked.select_nth_unstable_by(max_candidates, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                ranked.truncate(max_candidates);
            }
            ranked.into_iter().map(|(id, _)| id).collect()
        })
    }
}

/// Per-thread accumulator of candidate weights: a dense array stamped with the query's generation,
/// so a query neither allocates a map nor clears the array.
#[derive(Default)]
struct Scratch {
    generation: u32,
    /// (generation, weight) per name id.
    slots: Vec<(u32, f32)>,
    touched: Vec<u32>,
}

impl Scratch {
    fn reset(&mut self, names: usize) {
        if self.slots.len() < names {
            self.slots.resize(names, (0, 0.0));
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|s| *s = (0, 0.0));
            self.generation = 1;
        }
        self.touched.clear();
    }

    fn add(&mut self, id: u32, weight: f32) {
        let Some(slot) = self.slots.get_mut(id as usize) else { return };
        if slot.0 == self.generation {
            slot.1 += weight;
        } else {
            *slot = (self.generation, weight);
            self.touched.push(id);
        }
    }

    fn score(&self, id: u32) -> f32 {
        self.slots.get(id as usize).map_or(0.0, |s| s.1)
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
