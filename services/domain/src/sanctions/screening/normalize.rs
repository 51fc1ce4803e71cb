//! Name normalisation: transliteration to ASCII, case, punctuation, legal forms, honorifics,
//! particles and spelling-variant folding; plus a small consonant-skeleton phonetic key.

use std::collections::{HashMap, HashSet};

use super::policy::NormalizeRules;

/// A name reduced to comparable tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedName {
    /// Folded tokens in the name's own order.
    pub tokens: Vec<String>,
    /// The same tokens sorted (order-free comparison).
    pub sorted: Vec<String>,
    /// Phonetic key of each token of `sorted`.
    pub phonetic: Vec<String>,
    /// `tokens` joined by a space.
    pub literal: String,
    /// `sorted` joined by a space.
    pub fingerprint: String,
}

impl NormalizedName {
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// The normalisation tables of a policy, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    drop: HashSet<String>,
    legal_forms: HashSet<String>,
    single: HashMap<String, String>,
    pairs: HashMap<(String, String), String>,
}

impl Normalizer {
    pub fn new(rules: &NormalizeRules) -> Self {
        let mut out = Self::default();
        for word in rules.honorifics.iter().chain(&rules.particles) {
            out.drop.insert(word.trim().to_ascii_lowercase());
        }
        out.legal_forms = rules.legal_forms.iter().map(|w| w.trim().to_ascii_lowercase()).collect();
        for variant in &rules.variants {
            let canonical = variant.canonical.trim().to_ascii_lowercase();
            for form in &variant.forms {
                let parts: Vec<String> = form.split_whitespace().map(str::to_ascii_lowercase).collect();
                match parts.as_slice() {
                    [one] => {
                        out.single.insert(one.clone(), canonical.clone());
                    }
                    [a, b] => {
                        out.pairs.insert((a.clone(), b.clone()), canonical.clone());
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// Normalise one name.
    pub fn normalize(&self, raw: &str) -> NormalizedName {
        let ascii = deunicode::deunicode(raw);
        let mut cleaned = String::with_capacity(ascii.len());
        for c in ascii.chars() {
            if c.is_ascii_alphanumeric() {
                cleaned.push(c.to_ascii_lowercase());
            } else if c == '\'' || c == '`' || c == '\u{2019}' {
                // O'Brien -> obrien; Abdul'-Rakhman -> abdul rakhman
            } else {
                cleaned.push(' ');
            }
        }
        let raw_tokens: Vec<&str> = cleaned.split_whitespace().collect();
        let mut tokens: Vec<String> = Vec::with_capacity(raw_tokens.len());
        let mut i = 0;
        while i < raw_tokens.len() {
            if let Some(next) = raw_tokens.get(i + 1)
                && let Some(canonical) = self.pairs.get(&(raw_tokens[i].to_owned(), (*next).to_owned()))
            {
                tokens.push(canonical.clone());
                i += 2;
                continue;
            }
            let token = raw_tokens[i];
            i += 1;
            if self.drop.contains(token) {
                continue;
            }
            tokens.push(self.single.get(token).cloned().unwrap_or_else(|| token.to_owned()));
        }
        // Legal forms go only while another token remains ("AG" alone stays a name).
        if tokens.iter().any(|t| !self.legal_forms.contains(t)) {
            tokens.retain(|t| !self.legal_forms.contains(t));
        }
        let mut sorted = tokens.clone();
        sorted.sort_unstable();
        let phonetic = sorted.iter().map(|t| phonetic_key(t)).collect();
        NormalizedName { literal: tokens.join(" "), fingerprint: sorted.join(" "), tokens, sorted, phonetic }
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// A consonant-skeleton phonetic key (in the spirit of Soundex/Metaphone, tuned for transliterated
/// names): digraphs folded (kh→h, ph→f, sh/ch/zh…), soft letters merged (c/k/q, s/z, v/w), vowels and
/// `h` dropped after the first letter, repeats collapsed; at most six letters.
pub fn phonetic_key(token: &str) -> String {
    let b = token.as_bytes();
    let mut folded: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        let (out, step) = match (c, next) {
            (b'k', b'h') | (b'g', b'h') => (b'h', 2),
            (b'p', b'h') => (b'f', 2),
            (b't', b'h') => (b't', 2),
            (b's', b'h') | (b'z', b'h') | (b'c', b'h') => (b's', 2),
            (b'd', b'z') | (b'd', b'j') => (b'j', 2),
            (b't', b's') | (b't', b'z') => (b's', 2),
            (b'c', b'k') => (b'k', 2),
            (b'c', b'e') | (b'c', b'i') | (b'c', b'y') => (b's', 1),
            (b'c', _) | (b'q', _) => (b'k', 1),
            (b'x', _) => {
                folded.push(b'k');
                (b's', 1)
            }
            (b'z', _) => (b's', 1),
            (b'w', _) => (b'v', 1),
            (b'j', _) if i == 0 && is_vowel(next) => (b'y', 1),
            (b'i', _) if i == 0 && matches!(next, b'a' | b'u' | b'o' | b'e') => (b'y', 1),
            _ => (c, 1),
        };
        folded.push(out);
        i += step;
    }
    let mut key = String::with_capacity(6);
    let mut last = 0u8;
    for (pos, &c) in folded.iter().enumerate() {
        let keep = if pos == 0 {
            if is_vowel(c) && c != b'y' { b'a' } else { c }
        } else if is_vowel(c) || c == b'h' {
            0
        } else {
            c
        };
        if keep != 0 && keep != last {
            key.push(keep as char);
            last = keep;
        }
        if key.len() >= 6 {
            break;
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::phonetic_key;

    #[test]
    fn phonetic_keys_fold_transliterations() {
        assert_eq!(phonetic_key("muhammad"), phonetic_key("mukhammad"));
        assert_eq!(phonetic_key("yusuf"), phonetic_key("iusuf"));
        assert_eq!(phonetic_key("alexander"), phonetic_key("aleksander"));
        assert_ne!(phonetic_key("petrov"), phonetic_key("ivanov"));
    }
}
