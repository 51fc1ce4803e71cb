//! Text helpers of the harness: diacritic folding, capitalisation, and a canonical token form used
//! only to keep clean names away from listed identities (never by the screener).

use std::collections::HashMap;

use crate::variants;

/// Particles that carry no identity ("bin", "al-", "de la").
pub const PARTICLES: &[&str] = &["al", "el", "bin", "bint", "ibn", "de", "del", "la", "las", "los", "y"];

/// Fold the diacritics this harness produces to ASCII (`José` → `Jose`, `Şahin` → `Sahin`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mapped = match c {
            'á' | 'â' | 'ā' | 'à' | 'ä' => "a",
            'Á' | 'Â' | 'Ā' | 'À' | 'Ä' => "A",
            'é' | 'ê' | 'ē' | 'è' => "e",
            'É' | 'Ê' | 'Ē' | 'È' => "E",
            'í' | 'î' | 'ī' | 'ı' | 'ì' => "i",
            'Í' | 'Î' | 'Ī' | 'İ' | 'Ì' => "I",
            'ó' | 'ô' | 'ō' | 'ö' | 'ò' => "o",
            'Ó' | 'Ô' | 'Ō' | 'Ö' | 'Ò' => "O",
            'ú' | 'û' | 'ū' | 'ü' | 'ù' => "u",
            'Ú' | 'Û' | 'Ū' | 'Ü' | 'Ù' => "U",
            'ñ' => "n",
            'Ñ' => "N",
            'ş' | 'ṣ' | 'š' => "s",
            'Ş' | 'Ṣ' | 'Š' => "S",
            'ç' => "c",
            'Ç' => "C",
            'ğ' => "g",
            'Ğ' => "G",
            'ḥ' => "h",
            'Ḥ' => "H",
            'ḍ' => "d",
            'Ḍ' => "D",
            'ṭ' => "t",
            'Ṭ' => "T",
            'ẓ' => "z",
            'Ẓ' => "Z",
            'ʿ' | 'ʾ' => "",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(mapped);
    }
    out
}

pub fn has_marks(s: &str) -> bool {
    !s.is_ascii()
}

/// Upper-case the first letter.
pub fn cap(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Capitalise each space- or hyphen-separated part of a lower-case token, particles excepted
/// (`al-tikriti` → `al-Tikriti`, `abd al-rahman` → `Abd al-Rahman`).
pub fn title(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    for (i, word) in lower.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let parts: Vec<&str> = word.split('-').collect();
        for (j, part) in parts.iter().enumerate() {
            if j > 0 {
                out.push('-');
            }
            if PARTICLES.contains(part) && (j + 1 < parts.len() || i > 0) {
                out.push_str(part);
            } else {
                out.push_str(&cap(part));
            }
        }
    }
    out
}

/// Lower-case after folding, punctuation to spaces.
pub fn plain_lower(s: &str) -> String {
    fold(s).to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect()
}

/// Canonical token forms: spelling variants (this harness's own variant rules) collapse to one form.
#[derive(Debug, Default)]
pub struct Canon {
    words: HashMap<String, String>,
}

const SUBSTITUTIONS: &[(&str, &str)] = &[
    ("shch", "sh"),
    ("tsch", "ch"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("dh", "d"),
    ("th", "t"),
    ("dj", "j"),
    ("zh", "j"),
    ("ck", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("w", "v"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("oe", "o"),
    ("ue", "u"),
    ("ey", "ei"),
    ("ay", "ai"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("yo", "io"),
    ("ye", "ie"),
    ("iy", "i"),
    ("ii", "i"),
    ("y", "i"),
    ("ff", "v"),
];

impl Canon {
    pub fn new() -> Self {
        let mut words = HashMap::new();
        for (root, variant) in variants::word_variants() {
            words.insert((*variant).to_owned(), (*root).to_owned());
        }
        Self { words }
    }

    pub fn token(&self, raw: &str) -> String {
        let lower: String = fold(raw).to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let mut s = self.words.get(&lower).cloned().unwrap_or(lower);
        for (from, to) in SUBSTITUTIONS {
            if s.contains(from) {
                s = s.replace(from, to);
            }
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if !out.ends_with(c) {
                out.push(c);
            }
        }
        out
    }

    /// The identity key of a free-text name: canonical tokens (hyphenated parts apart), particles
    /// dropped, sorted.
    pub fn key(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = fold(name)
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
            .filter(|p| !p.is_empty() && !PARTICLES.contains(p))
            .map(|p| self.token(p))
            .filter(|t| !t.is_empty())
            .collect();
        out.sort();
        out
    }
}
