//! Name normalisation: transliteration to ASCII, case, punctuation, joined initials, legal forms
//! (single words and phrases), honorifics, particles and spelling-variant folding; generic company
//! words marked; plus a small consonant-skeleton phonetic key.

use std::collections::{HashMap, HashSet};

use smallvec::SmallVec;

use super::policy::{NormalizeRules, SkeletonVersion};

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
    /// For a part written joined to its neighbours by hyphens (Xi-peng, Mohammad-Taghi), the
    /// index of its hyphenated word in the name: one name written in parts.
    pub compound: Option<u8>,
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
    skeleton: SkeletonVersion,
}

impl Normalizer {
    pub fn new(rules: &NormalizeRules) -> Self {
        let mut out = Self::default();
        for word in rules.honorifics.iter().chain(&rules.particles) {
            out.drop.insert(word.trim().to_ascii_lowercase());
        }
        out.join_initials = rules.join_initials;
        out.skeleton = rules.skeleton;
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
            } else if c == '-' {
                cleaned.push('-');
            } else {
                cleaned.push(' ');
            }
        }
        // Tokens with the index of the word (between spaces) they were written in.
        let mut raw_tokens: Vec<(String, usize)> = cleaned
            .split_whitespace()
            .enumerate()
            .flat_map(|(word, w)| w.split('-').filter(|t| !t.is_empty()).map(move |t| (t.to_owned(), word)))
            .collect();
        if self.join_initials {
            raw_tokens = join_initials(raw_tokens);
        }
        let texts: Vec<&str> = raw_tokens.iter().map(|t| t.0.as_str()).collect();
        // (token, is a legal form, spelling before variant folding, word)
        let mut marked: Vec<(String, bool, Option<String>, usize)> = Vec::with_capacity(raw_tokens.len());
        let mut i = 0;
        while i < raw_tokens.len() {
            let word = raw_tokens[i].1;
            if let Some(phrase) = self.legal_phrases.iter().find(|p| texts.get(i..i + p.len()).is_some_and(|t| t.iter().eq(p.iter()))) {
                marked.push((phrase.join(" "), true, None, word));
                i += phrase.len();
                continue;
            }
            if let Some(next) = raw_tokens.get(i + 1)
                && let Some(canonical) = self.pairs.get(&(raw_tokens[i].0.clone(), next.0.clone()))
            {
                marked.push((canonical.clone(), false, None, word));
                i += 2;
                continue;
            }
            let token = &raw_tokens[i].0;
            i += 1;
            if self.drop.contains(token) {
                continue;
            }
            let (token, original) = match self.single.get(token) {
                Some(canonical) => (canonical.clone(), Some(token.clone())),
                None => (token.clone(), None),
            };
            let legal = self.legal_forms.contains(&token);
            marked.push((token, legal, original, word));
        }
        // Legal forms go only while another token remains ("AG" alone stays a name).
        if marked.iter().any(|t| !t.1) {
            marked.retain(|t| !t.1);
        }
        let in_word = |word: usize| marked.iter().filter(|t| t.3 == word).count();
        let words: Vec<Option<u8>> = marked.iter().map(|t| (in_word(t.3) > 1).then(|| u8::try_from(t.3).unwrap_or(u8::MAX))).collect();
        let parts: Vec<Part> = marked
            .into_iter()
            .zip(words)
            .map(|((text, _, original, _), compound)| Part {
                phonetic: phonetic_skeleton(&text, self.skeleton),
                generic: self.generic.contains(&text),
                compound,
                original: original.map(|o| {
                    let skeleton = phonetic_skeleton(&o, self.skeleton);
                    (o, skeleton)
                }),
                text,
            })
            .collect();
        let joined = parts
            .windows(2)
            .map(|w| {
                let text = format!("{}{}", w[0].text, w[1].text);
                Part {
                    phonetic: phonetic_skeleton(&text, self.skeleton),
                    generic: w[0].generic && w[1].generic,
                    compound: None,
                    original: None,
                    text,
                }
            })
            .collect();
        let tokens: Vec<String> = parts.iter().map(|p| p.text.clone()).collect();
        let mut sorted = tokens.clone();
        sorted.sort_unstable();
        let phonetic = sorted.iter().map(|t| phonetic_key(t)).collect();
        NormalizedName { literal: tokens.join(" "), fingerprint: sorted.join(" "), tokens, sorted, phonetic, parts, joined }
    }
}

/// Runs of two or more single-letter tokens joined into one ("o o o" -> "ooo"), in the word of
/// the run's first letter.
fn join_initials(tokens: Vec<(String, usize)>) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::with_capacity(tokens.len());
    let mut run: Option<(String, usize)> = None;
    for (token, word) in tokens {
        if token.len() == 1 {
            run.get_or_insert_with(|| (String::new(), word)).0.push_str(&token);
        } else {
            out.extend(run.take());
            out.push((token, word));
        }
    }
    out.extend(run);
    out
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// A consonant-skeleton phonetic key (in the spirit of Soundex/Metaphone, tuned for transliterated
/// names): digraphs folded (kh→h, ph→f, sh/ch/zh…), soft letters merged (c/k/q, s/z, v/w), vowels and
/// `h` dropped after the first letter, repeats collapsed; at most six letters.
pub fn phonetic_key(token: &str) -> String {
    skeleton(token, PHONETIC_KEY_LEN, SkeletonVersion::V2)
}

/// The phonetic key's length.
pub const PHONETIC_KEY_LEN: usize = 6;

/// The whole consonant skeleton of a token (the phonetic key without its length limit), with
/// read as `version` says.
pub fn phonetic_skeleton(token: &str, version: SkeletonVersion) -> String {
    skeleton(token, usize::MAX, version)
}

/// A token's letters with digraphs and soft letters folded (kh -> h, ph -> f, sh -> s, c -> k, …;
/// for `V3` also gh -> k, tch -> s, a final ff -> v, an initial ye -> e).
fn fold(token: &str, version: SkeletonVersion) -> SmallVec<[u8; 32]> {
    let b = token.as_bytes();
    let v3 = version == SkeletonVersion::V3;
    let mut folded: SmallVec<[u8; 32]> = SmallVec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        let (out, step) = match (c, next) {
            (b'g', b'h') if v3 => (b'k', 2),
            (b't', b'c') if v3 && b.get(i + 2) == Some(&b'h') => (b's', 3),
            (b'f', b'f') if v3 && i + 2 == b.len() => (b'v', 2),
            (b'y', b'e') if v3 && i == 0 => (b'e', 2),
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
    folded
}

/// A token spelled as its sound: consonants folded as for the skeleton, vowel digraphs read as
/// one vowel (ee, ii, iy -> i; oo, ou, uu -> u; aa -> a), a final `y` after a consonant as `i`, and
/// doubled letters once (Mahdee / Mahdi -> mahdi, Ziyad / Zeead -> siad, Yoo / Yu -> yu).
pub fn sound_spelling(token: &str) -> SmallVec<[u8; 32]> {
    let folded = fold(token, SkeletonVersion::V3);
    let mut out: SmallVec<[u8; 32]> = SmallVec::with_capacity(folded.len());
    let mut i = 0;
    while i < folded.len() {
        let (c, next) = (folded[i], folded.get(i + 1).copied().unwrap_or(0));
        let (letter, step) = match (c, next) {
            (b'e', b'e') | (b'i', b'i') | (b'i', b'y') => (b'i', 2),
            (b'o', b'o') | (b'o', b'u') | (b'u', b'u') => (b'u', 2),
            (b'y', 0) if i > 0 && !is_vowel(folded[i - 1]) => (b'i', 1),
            _ => (c, 1),
        };
        if out.last() != Some(&letter) {
            out.push(letter);
        }
        i += step;
    }
    out
}

fn skeleton(token: &str, max_len: usize, version: SkeletonVersion) -> String {
    let folded = fold(token, version);
    let mut key = String::with_capacity(6);
    let mut last = 0u8;
    for (pos, &c) in folded.iter().enumerate() {
        let keep = if pos == 0 {
            if is_vowel(c) && c != b'y' { b'a' } else { c }
        } else if is_vowel(c) || c == b'h' {
            if version == SkeletonVersion::V3 {
                // A vowel between two equal consonants keeps both (Tamimi -> tmm, Mahmoud -> mmd).
                last = 0;
            }
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{SkeletonVersion, phonetic_key, phonetic_skeleton, sound_spelling};
    use crate::sanctions::screening::ScreeningPolicy;
    use crate::sanctions::screening::normalize::Normalizer;

    #[test]
    fn the_v3_skeleton_keeps_consonants_apart_and_reads_romanisations_alike() {
        let v3 = |t: &str| phonetic_skeleton(t, SkeletonVersion::V3);
        let v2 = |t: &str| phonetic_skeleton(t, SkeletonVersion::V2);
        // A vowel between equal consonants keeps both in v3 only.
        assert_eq!((v2("mahmoud").as_str(), v3("mahmoud").as_str()), ("md", "mmd"));
        assert_eq!(v3("hassan"), "hsn");
        // gh reads as q, tch as ch, a final ff as v, an initial ye as e.
        assert_eq!(v3("sadegh"), v3("sadeq"));
        assert_ne!(v3("ghasemi"), v3("hashemi"));
        assert_eq!(v2("ghasemi"), v2("hashemi"));
        assert_eq!(v3("romanovitch"), v3("romanovich"));
        assert_eq!(v3("romanoff"), v3("romanov"));
        assert_eq!(v3("yegor"), v3("egor"));
        // The index's key is the v2 reading, whatever the policy.
        assert_eq!(phonetic_key("mahmoud"), "md");
    }

    #[test]
    fn sound_spellings_read_vowel_digraphs_as_one_vowel() {
        let same = |a: &str, b: &str| sound_spelling(a) == sound_spelling(b);
        assert!(same("mahdee", "mahdi"));
        assert!(same("zeead", "ziyad"));
        assert!(same("yoo", "yu"));
        assert!(same("nakheel", "nakhil"));
        assert!(!same("suad", "saeed"));
        assert!(!same("tan", "tian"));
        assert!(!same("sara", "zahra"));
    }

    #[test]
    fn hyphenated_parts_are_marked_as_one_word() {
        let policy = ScreeningPolicy::current().unwrap();
        let n = Normalizer::new(policy.normalize_rules());
        let name = n.normalize("Tan Xi-peng");
        let words: Vec<Option<u8>> = name.parts.iter().map(|p| p.compound).collect();
        assert_eq!(words, vec![None, Some(1), Some(1)]);
        // A particle dropped from a hyphenated word leaves a single part.
        let name = n.normalize("Mundhir al-Tunisi");
        assert!(name.parts.iter().all(|p| p.compound.is_none()), "{name:?}");
        // Initials are still joined.
        assert_eq!(n.normalize("Sigma O.O.O.").tokens, vec!["sigma"]);
    }

    #[test]
    fn phonetic_keys_fold_transliterations() {
        assert_eq!(phonetic_key("muhammad"), phonetic_key("mukhammad"));
        assert_eq!(phonetic_key("yusuf"), phonetic_key("iusuf"));
        assert_eq!(phonetic_key("alexander"), phonetic_key("aleksander"));
        assert_ne!(phonetic_key("petrov"), phonetic_key("ivanov"));
    }
}
