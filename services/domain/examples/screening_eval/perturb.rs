//! The perturbations a screening request applies to a listed name: dropped parts, legal-form
//! variants, typos, transliteration, diacritics and word order.

use crate::companies::{CompanyName, legal_form};
use crate::names::{Culture, Joint, Order, PersonName};
use crate::pools_companies::LEGAL_FAMILIES;
use crate::rng::Rng;
use crate::text::{fold, has_marks, title};
use crate::variants::{self as v, Rule};

/// Apply one randomly chosen matching rule to a lower-case token.
pub fn apply_rule(lower: &str, rules: &[Rule], rng: &mut Rng) -> Option<String> {
    let mut options: Vec<(usize, usize)> = Vec::new();
    for (i, (from, _, at_end)) in rules.iter().enumerate() {
        if *at_end {
            if lower.len() > from.len() && lower.ends_with(from) {
                options.push((i, lower.len() - from.len()));
            }
        } else {
            // A single vowel does not grow at the start of a word.
            options.extend(lower.match_indices(from).filter(|(pos, _)| *pos > 0 || from.len() > 1).map(|(pos, _)| (i, pos)));
        }
    }
    if options.is_empty() {
        return None;
    }
    let (rule, pos) = *rng.pick(&options);
    let (from, to, _) = rules[rule];
    Some(format!("{}{}{}", &lower[..pos], to, &lower[pos + from.len()..]))
}

/// A whole-word variant of a lower-case token, in either direction.
pub fn word_variant(lower: &str, table: &[(&str, &str)], rng: &mut Rng) -> Option<String> {
    let options: Vec<&str> = table
        .iter()
        .filter_map(|(a, b)| {
            if *a == lower {
                Some(*b)
            } else if *b == lower {
                Some(*a)
            } else {
                None
            }
        })
        .collect();
    if options.is_empty() { None } else { Some((*rng.pick(&options)).to_owned()) }
}

fn translit_token(culture: Culture, lower: &str, is_surname: bool, rng: &mut Rng) -> Option<String> {
    let (words, rules): (&[(&str, &str)], &[Rule]) = match culture {
        Culture::Arabic => (v::ARABIC_WORDS, v::ARABIC_RULES),
        Culture::Persian => (v::PERSIAN_WORDS, v::PERSIAN_RULES),
        Culture::Slavic => (v::SLAVIC_WORDS, v::SLAVIC_RULES),
        Culture::Chinese => (if is_surname { v::CHINESE_WORDS } else { &[] }, v::CHINESE_RULES),
        Culture::Korean => (v::KOREAN_WORDS, &[]),
        Culture::Hispanic | Culture::Turkish => return None,
    };
    // Cantonese surname forms are a different system altogether: drawn less often.
    let word_chance = if culture == Culture::Chinese { 0.3 } else { 0.6 };
    if rng.chance(word_chance)
        && let Some(word) = word_variant(lower, words, rng)
    {
        return Some(word);
    }
    apply_rule(lower, rules, rng).or_else(|| word_variant(lower, words, rng))
}

fn turkish_letters(p: &PersonName, rng: &mut Rng) -> Option<PersonName> {
    let table = if rng.chance(0.5) { v::TURKISH_GERMAN } else { v::TURKISH_ENGLISH };
    let mut q = p.clone();
    let mut changed = false;
    for token in q.given.iter_mut().chain(q.surname.iter_mut()) {
        if has_marks(token) {
            changed = true;
            *token = token.chars().map(|c| table.iter().find(|(t, _)| *t == c).map_or(c.to_string(), |(_, s)| (*s).to_owned())).collect();
        }
    }
    if !changed {
        let token = q.given.first_mut()?;
        let lower = token.to_lowercase();
        let respelled = apply_rule(&lower, &[("c", "dj", false), ("c", "j", false), ("k", "q", false)], rng)?;
        *token = title(&respelled);
    }
    q.plain = true;
    Some(q)
}

/// Respell one or two name parts with the culture's transliteration rules (or rewrite a compound
/// given name joined / hyphenated / spaced).
pub fn translit_person(p: &PersonName, rng: &mut Rng) -> Option<PersonName> {
    if p.culture == Culture::Turkish {
        return turkish_letters(p, rng);
    }
    let mut q = p.clone();
    let slots = q.given.len() + q.middle.len() + q.surname.len();
    let wanted = if slots >= 3 && rng.chance(0.5) { 2 } else { 1 };
    let mut done = 0;
    for _ in 0..16 {
        if done == wanted {
            break;
        }
        if q.compound && rng.chance(0.2) {
            let joints = [Joint::Joined, Joint::Hyphen, Joint::Space];
            let other: Vec<Joint> = joints.into_iter().filter(|j| *j != q.joint).collect();
            q.joint = *rng.pick(&other);
            done += 1;
            continue;
        }
        let slot = rng.below(slots);
        let is_surname = slot >= q.given.len() + q.middle.len();
        let token = if slot < q.given.len() {
            &mut q.given[slot]
        } else if !is_surname {
            &mut q.middle[slot - q.given.len()]
        } else {
            &mut q.surname[slot - q.given.len() - q.middle.len()]
        };
        let lower = token.to_lowercase();
        if matches!(lower.as_str(), "bin" | "bint") {
            continue;
        }
        if let Some(new) = translit_token(p.culture, &lower, is_surname, rng).filter(|n| *n != lower) {
            *token = title(&new);
            done += 1;
        }
    }
    (done > 0).then_some(q)
}

fn add_mark(token: &str, culture: Culture, rng: &mut Rng) -> Option<String> {
    let marks: &[(char, char)] = if culture == Culture::Arabic {
        &[('a', 'ā'), ('i', 'ī'), ('u', 'ū'), ('h', 'ḥ'), ('s', 'ṣ'), ('d', 'ḍ'), ('t', 'ṭ'), ('z', 'ẓ')]
    } else {
        &[('a', 'ā'), ('i', 'ī'), ('u', 'ū')]
    };
    let chars: Vec<char> = token.chars().collect();
    let options: Vec<usize> = (1..chars.len()).filter(|&i| marks.iter().any(|(c, _)| *c == chars[i])).collect();
    if options.is_empty() {
        return None;
    }
    let mut out = chars.clone();
    for _ in 0..=usize::from(chars.len() > 6 && rng.chance(0.5)) {
        let i = *rng.pick(&options);
        if let Some((_, marked)) = marks.iter().find(|(c, _)| *c == chars[i]) {
            out[i] = *marked;
        }
    }
    let mut text: String = out.into_iter().collect();
    if text.contains("sh") && rng.chance(0.3) {
        text = text.replacen("sh", "š", 1);
    }
    if culture == Culture::Arabic && token.starts_with('A') && rng.chance(0.3) {
        text.insert(0, 'ʿ');
    }
    Some(text)
}

/// Diacritics removed (a list or query in ASCII) or added (Hispanic accents, Turkish letters,
/// Arabic and Persian scholarly transliteration marks).
pub fn diacritics_person(p: &PersonName, rng: &mut Rng) -> Option<PersonName> {
    let mut q = p.clone();
    match p.culture {
        Culture::Hispanic | Culture::Turkish => {
            let marked = p.given.iter().chain(&p.surname).any(|t| has_marks(t));
            if !marked {
                return None;
            }
            q.plain = !p.plain;
        }
        Culture::Arabic | Culture::Persian => {
            let mut changed = 0;
            let tokens: Vec<&mut String> = q.given.iter_mut().chain(q.middle.iter_mut()).chain(q.surname.iter_mut()).collect();
            for token in tokens {
                if token.len() > 3
                    && (changed == 0 || rng.chance(0.5))
                    && let Some(marked) = add_mark(token, p.culture, rng)
                {
                    *token = marked;
                    changed += 1;
                }
            }
            if changed == 0 {
                return None;
            }
            q.plain = false;
        }
        _ => return None,
    }
    Some(q)
}

/// Drop a middle name, a patronymic, a father's name (with its `bin`), a second surname or a
/// second given name.
pub fn drop_middle(p: &PersonName, rng: &mut Rng) -> Option<PersonName> {
    let mut q = p.clone();
    let mut options = Vec::new();
    if !p.middle.is_empty() {
        options.push(0);
    }
    if p.surname.len() >= 2 {
        options.push(1);
    }
    // Two given names, not the two syllables of one Chinese or Korean given name.
    if p.given.len() >= 2 && !p.culture.east_asian() && (!p.compound || p.joint == Joint::Space) {
        options.push(2);
    }
    if options.is_empty() {
        return None;
    }
    match *rng.pick(&options) {
        0 => {
            let named: Vec<usize> = (0..p.middle.len()).filter(|&i| !matches!(p.middle[i].as_str(), "bin" | "bint")).collect();
            if named.len() >= 2 && rng.chance(0.5) {
                q.middle.remove(named[named.len() - 1]);
            } else {
                q.middle.clear();
            }
        }
        1 => {
            q.surname.pop();
        }
        _ => {
            q.given.pop();
            q.compound = false;
        }
    }
    Some(q)
}

/// Another order than `order`.
pub fn other_order(order: Order, rng: &mut Rng) -> Order {
    let others: Vec<Order> = [Order::Natural, Order::Reversed, Order::Comma].into_iter().filter(|o| *o != order).collect();
    *rng.pick(&others)
}

const NEIGHBOURS: [&str; 26] = [
    "qwsz", "vghn", "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko", "huikmn", "jiolm", "kop", "njk", "bhjm", "iklp", "ol",
    "wa", "edft", "awedxz", "rfgy", "yhji", "cfgb", "qase", "zsdc", "tghu", "asx",
];

fn typo_char(c: char, rng: &mut Rng) -> char {
    let lower = c.to_ascii_lowercase();
    let replacement = if lower.is_ascii_lowercase() && rng.chance(0.6) {
        let near = NEIGHBOURS[(lower as u8 - b'a') as usize].as_bytes();
        near[rng.below(near.len())] as char
    } else {
        (b'a' + rng.below(26) as u8) as char
    };
    if c.is_uppercase() { replacement.to_ascii_uppercase() } else { replacement }
}

/// One edit (substitution, deletion, insertion or transposition) inside a token's letters.
fn edit(token: &str, rng: &mut Rng) -> Option<String> {
    let mut chars: Vec<char> = token.chars().collect();
    let letters: Vec<usize> = (0..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.len() < 2 {
        return None;
    }
    // The first letter is rarely mistyped.
    let start = usize::from(!rng.chance(0.1));
    let i = letters[start + rng.below(letters.len() - start)];
    match rng.below(4) {
        0 => chars[i] = typo_char(chars[i], rng),
        1 if letters.len() > 3 => {
            chars.remove(i);
        }
        2 => {
            let c = if rng.chance(0.4) { chars[i] } else { typo_char(chars[i], rng) };
            chars.insert(i + 1, c.to_lowercase().next().unwrap_or(c));
        }
        _ => {
            let j = i + 1;
            if j >= chars.len() || !chars[j].is_alphabetic() || chars[i] == chars[j] {
                return None;
            }
            chars.swap(i, j);
        }
    }
    let out: String = chars.into_iter().collect();
    (out != token).then_some(out)
}

/// `edits` typos in distinct tokens where possible.
pub fn typo_tokens(mut tokens: Vec<&mut String>, edits: usize, rng: &mut Rng) -> bool {
    tokens.retain(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !matches!(t.as_str(), "bin" | "bint" | "de" | "del" | "la"));
    if tokens.is_empty() {
        return false;
    }
    let mut order: Vec<usize> = (0..tokens.len()).collect();
    rng.shuffle(&mut order);
    let mut done = 0;
    for attempt in 0..edits * 8 {
        if done == edits {
            break;
        }
        let t = order[(done + attempt / 4) % order.len()];
        if let Some(new) = edit(tokens[t], rng) {
            *tokens[t] = new;
            done += 1;
        }
    }
    done == edits
}

/// One edit for names up to 15 letters, two for longer names.
pub fn edits_for(text: &str) -> usize {
    if text.chars().filter(|c| c.is_alphabetic()).count() > 15 { 2 } else { 1 }
}

pub fn typo_person(p: &PersonName, order: Order, rng: &mut Rng) -> Option<PersonName> {
    let mut q = p.clone();
    let edits = edits_for(&p.render(order));
    let tokens: Vec<&mut String> = q.given.iter_mut().chain(q.middle.iter_mut()).chain(q.surname.iter_mut()).collect();
    typo_tokens(tokens, edits, rng).then_some(q)
}

pub fn typo_company(c: &CompanyName, rng: &mut Rng) -> Option<CompanyName> {
    let mut q = c.clone();
    let edits = edits_for(&[c.brand.join(" "), c.generic.join(" ")].join(" "));
    let tokens: Vec<&mut String> = q.brand.iter_mut().chain(q.generic.iter_mut()).collect();
    typo_tokens(tokens, edits, rng).then_some(q)
}

pub fn translit_company(c: &CompanyName, rng: &mut Rng) -> Option<CompanyName> {
    let mut q = c.clone();
    let mut order: Vec<usize> = (0..q.brand.len()).collect();
    rng.shuffle(&mut order);
    for i in order {
        let lower = fold(&q.brand[i]).to_lowercase();
        if let Some(new) = apply_rule(&lower, v::COMPANY_RULES, rng) {
            q.brand[i] = title(&new);
            return Some(q);
        }
    }
    None
}

/// Drop one brand or sector word of a company name of at least three such words, keeping a brand.
pub fn drop_word(c: &CompanyName, rng: &mut Rng) -> Option<CompanyName> {
    if c.brand.len() + c.generic.len() < 3 {
        return None;
    }
    let mut q = c.clone();
    let slot = rng.below(c.brand.len() + c.generic.len());
    if slot < c.brand.len() {
        if c.brand.len() < 2 {
            q.generic.remove(rng.below(c.generic.len()));
        } else {
            q.brand.remove(slot);
        }
    } else {
        q.generic.remove(slot - c.brand.len());
    }
    Some(q)
}

/// Legal form respelled (Ltd → Limited), replaced by another form (Ltd → LLC), removed, or added.
pub fn legal_variant(c: &CompanyName, rng: &mut Rng) -> CompanyName {
    let mut q = c.clone();
    let Some(legal) = &c.legal else {
        q.legal = Some(legal_form(rng));
        return q;
    };
    let family = LEGAL_FAMILIES.iter().find(|f| f.contains(&legal.as_str())).copied().unwrap_or(&[]);
    let roll = rng.below(100);
    q.legal = if roll < 45 && family.len() > 1 {
        let others: Vec<&str> = family.iter().copied().filter(|f| f != legal).collect();
        Some((*rng.pick(&others)).to_owned())
    } else if roll < 70 {
        let mut other = legal_form(rng);
        while family.contains(&other.as_str()) {
            other = legal_form(rng);
        }
        Some(other)
    } else {
        None
    };
    q
}
