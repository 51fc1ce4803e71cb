//! Name normalisation: transliteration to ASCII, case, punctuation, joined initials, legal forms
//! (single words and phrases), honorifics, particles and spelling-variant folding; generic company
//! words marked; plus a small consonant-skeleton phonetic key.

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
    /// `tokens` as parts, with their consonant skeletons and whether each is a generic company word.
    pub parts: Vec<Part>,
    /// Each two adjacent parts written as one (`joined[i]` joins `parts[i]` and `parts[i + 1]`).
    pub joined: Vec<Part>,
}

/// One part of a normalised name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    /// The spelling before variant folding and its skeleton, when folding changed it (a typo is
    /// measured on both).
    pub original: Option<(String, String)>,
    pub phonetic: String,
    /// A generic company word (policy `generic_words`): context, not identity.
    pub generic: bool,
}

impl NormalizedName {
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// The normalisation tables of a policy, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    join_initials: bool,
    drop: HashSet<String>,
    legal_forms: HashSet<String>,
    /// Multi-word legal forms, longest first.
    legal_phrases: Vec<Vec<String>>,
    generic: HashSet<String>,
    single: HashMap<String, String>,
    pairs: HashMap<(String, String), String>,
}

impl Normalizer {
    pub fn new(rules: &NormalizeRules) -> Self {
        let mut out = Self::default();
        for word in rules.honorifics.iter().chain(&rules.particles) {
            out.drop.insert(word.trim().to_ascii_lowercase());
        }
        out.join_initials = rules.join_initials;
        out.legal_forms = rules.legal_forms.iter().map(|w| w.trim().to_ascii_lowercase()).collect();
        out.legal_phrases = rules
            .legal_form_phrases
            .iter()
            .map(|p| p.split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect();
        out.legal_phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
        out.generic = rules.generic_words.iter().map(|w| w.trim().to_ascii_lowercase()).collect();
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
        let mut raw_tokens: Vec<String> = cleaned.split_whitespace().map(str::to_owned).collect();
        if self.join_initials {
            raw_tokens = join_initials(raw_tokens);
        }
        // (token, is a legal form, spelling before variant folding)
        let mut marked: Vec<(String, bool, Option<String>)> = Vec::with_capacity(raw_tokens.len());
        let mut i = 0;
        while i < raw_tokens.len() {
            if let Some(phrase) = self.legal_phrases.iter().find(|p| raw_tokens.get(i..i + p.len()) == Some(p.as_slice())) {
                marked.push((phrase.join(" "), true, None));
                i += phrase.len();
                continue;
            }
            if let Some(next) = raw_tokens.get(i + 1)
                && let Some(canonical) = self.pairs.get(&(raw_tokens[i].clone(), next.clone()))
            {
                marked.push((canonical.clone(), false, None));
                i += 2;
                continue;
            }
            let token = &raw_tokens[i];
            i += 1;
            if self.drop.contains(token) {
                continue;
            }
            let (token, original) = match self.single.get(token) {
                Some(canonical) => (canonical.clone(), Some(token.clone())),
                None => (token.clone(), None),
            };
            let legal = self.legal_forms.contains(&token);
            marked.push((token, legal, original));
        }
        // Legal forms go only while another token remains ("AG" alone stays a name).
        if marked.iter().any(|t| !t.1) {
            marked.retain(|t| !t.1);
        }
        let parts: Vec<Part> = marked
            .into_iter()
            .map(|(text, _, original)| Part {
                phonetic: phonetic_skeleton(&text),
                generic: self.generic.contains(&text),
                original: original.map(|o| {
                    let skeleton = phonetic_skeleton(&o);
                    (o, skeleton)
                }),
                text,
            })
            .collect();
        let joined = parts
            .windows(2)
            .map(|w| {
                let text = format!("{}{}", w[0].text, w[1].text);
                Part { phonetic: phonetic_skeleton(&text), generic: w[0].generic && w[1].generic, original: None, text }
            })
            .collect();
        let tokens: Vec<String> = parts.iter().map(|p| p.text.clone()).collect();
        let mut sorted = tokens.clone();
        sorted.sort_unstable();
        let phonetic = sorted.iter().map(|t| phonetic_key(t)).collect();
        NormalizedName { literal: tokens.join(" "), fingerprint: sorted.join(" "), tokens, sorted, phonetic, parts, joined }
    }
}

/// Runs of two or more single-letter tokens joined into one ("o o o" -> "ooo").
fn join_initials(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut run = String::new();
    for token in tokens {
        if token.len() == 1 {
            run.push_str(&token);
        } else {
            if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
            out.push(token);
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// A consonant-skeleton phonetic key (in the spirit of Soundex/Metaphone, tuned for transliterated
/// names): digraphs folded (kh→h, ph→f, sh/ch/zh…), soft letters merged (c/k/q, s/z, v/w), vowels and
/// `h` dropped after the first letter, repeats collapsed; at most six letters.
pub fn phonetic_key(token: &str) -> String {
    skeleton(token, PHONETIC_KEY_LEN)
}

/// The phonetic key's length.
pub const PHONETIC_KEY_LEN: usize = 6;

/// The whole consonant skeleton of a token (the phonetic key without its length limit).
pub fn phonetic_skeleton(token: &str) -> String {
    skeleton(token, usize::MAX)
}

fn skeleton(token: &str, max_len: usize) -> String {
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
        if key.len() >= max_len {
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
