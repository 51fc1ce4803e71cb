//! Name cultures, the per-split pools (disjoint halves of every name pool), and person and company
//! names as structures that render to strings in a given order.

use crate::pools_companies as pc;
use crate::pools_persons as p1;
use crate::pools_persons2 as p2;
use crate::rng::Rng;
use crate::text::{Canon, PARTICLES, cap, fold};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Culture {
    Arabic,
    Slavic,
    Chinese,
    Hispanic,
    Persian,
    Korean,
    Turkish,
}

impl Culture {
    pub const ALL: [Culture; 7] =
        [Culture::Arabic, Culture::Slavic, Culture::Chinese, Culture::Hispanic, Culture::Persian, Culture::Korean, Culture::Turkish];
    /// Share of listed (and clean) persons per culture, in percent.
    pub const WEIGHTS: [u32; 7] = [22, 20, 14, 16, 12, 8, 8];

    pub fn label(self) -> &'static str {
        match self {
            Culture::Arabic => "Arabic",
            Culture::Slavic => "Russian/Ukrainian",
            Culture::Chinese => "Chinese",
            Culture::Hispanic => "Hispanic",
            Culture::Persian => "Persian",
            Culture::Korean => "Korean",
            Culture::Turkish => "Turkish",
        }
    }

    pub fn countries(self) -> &'static [&'static str] {
        match self {
            Culture::Arabic => &["SY", "IQ", "YE", "LB", "SA", "AE", "LY", "SD", "JO", "EG", "KW", "QA", "OM", "PS", "DZ", "TN"],
            Culture::Slavic => &["RU", "UA", "BY", "KZ", "MD", "CY", "LV"],
            Culture::Chinese => &["CN", "HK", "TW", "SG", "MY", "MO"],
            Culture::Hispanic => &["VE", "CO", "MX", "CU", "NI", "PA", "ES", "PE", "EC", "GT", "HN", "SV"],
            Culture::Persian => &["IR", "AF", "TJ", "IQ", "AE"],
            Culture::Korean => &["KP", "KR", "CN"],
            Culture::Turkish => &["TR", "AZ", "CY", "DE", "NL"],
        }
    }

    /// Surname written first in the natural order.
    pub fn east_asian(self) -> bool {
        matches!(self, Culture::Chinese | Culture::Korean)
    }
}

/// How the two parts of a compound given name are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joint {
    Joined,
    Hyphen,
    Space,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Given first (surname first for Chinese and Korean).
    Natural,
    /// The other way round, no comma.
    Reversed,
    /// `SURNAME, Given Middle`.
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonName {
    pub culture: Culture,
    /// Given names; for a compound given name (Chinese, Korean, Persian) its two parts.
    pub given: Vec<String>,
    pub compound: bool,
    pub joint: Joint,
    /// Father's name with `bin`, patronymic.
    pub middle: Vec<String>,
    /// Surnames (paternal and maternal for Hispanic names).
    pub surname: Vec<String>,
    /// Render with diacritics folded to ASCII.
    pub plain: bool,
}

impl PersonName {
    pub fn given_words(&self) -> Vec<String> {
        if !self.compound || self.given.len() != 2 {
            return self.given.clone();
        }
        let (a, b) = (&self.given[0], &self.given[1]);
        let second = if self.culture.east_asian() { b.to_lowercase() } else { b.clone() };
        match self.joint {
            Joint::Joined => vec![format!("{a}{}", b.to_lowercase())],
            Joint::Hyphen => vec![format!("{a}-{second}")],
            Joint::Space => vec![a.clone(), b.clone()],
        }
    }

    pub fn render(&self, order: Order) -> String {
        let given = self.given_words();
        let east = self.culture.east_asian();
        let mut words: Vec<String> = Vec::new();
        match order {
            Order::Natural if east => {
                words.extend(self.surname.iter().cloned());
                words.extend(given);
            }
            Order::Natural => {
                words.extend(given);
                words.extend(self.middle.iter().cloned());
                words.extend(self.surname.iter().cloned());
            }
            Order::Reversed if east => {
                words.extend(given);
                words.extend(self.surname.iter().cloned());
            }
            Order::Reversed => {
                words.extend(self.surname.iter().cloned());
                words.extend(given);
                words.extend(self.middle.iter().cloned());
            }
            Order::Comma => {
                words.push(format!("{},", self.surname.join(" ").to_uppercase()));
                words.extend(given);
                words.extend(self.middle.iter().cloned());
            }
        }
        let text = words.join(" ");
        if self.plain { fold(&text) } else { text }
    }

    /// Identity key: canonical tokens, a compound given name as one token, particles dropped.
    pub fn key(&self, canon: &Canon) -> Vec<String> {
        let mut out = Vec::new();
        if self.compound {
            out.push(canon.token(&self.given.concat()));
        } else {
            out.extend(self.given.iter().map(|g| canon.token(g)));
        }
        for word in self.middle.iter().chain(&self.surname) {
            out.extend(canon.key(word));
        }
        out.retain(|t| !t.is_empty() && !PARTICLES.contains(&t.as_str()));
        out.sort();
        out
    }
}

/// One split's pools: every person pool and the brand, generic and ordinary pools cut to the
/// split's half (even indices for dev, odd for heldout). Legal forms and countries are shared.
#[derive(Debug)]
pub struct Pools {
    pub ar_m: Vec<&'static str>,
    pub ar_f: Vec<&'static str>,
    pub ar_fam: Vec<&'static str>,
    pub ru_m: Vec<(&'static str, &'static str, &'static str)>,
    pub ru_f: Vec<&'static str>,
    pub ru_sur: Vec<&'static str>,
    pub ua_m: Vec<(&'static str, &'static str, &'static str)>,
    pub ua_f: Vec<&'static str>,
    pub ua_sur: Vec<&'static str>,
    pub zh_sur: Vec<&'static str>,
    pub zh_syl: Vec<&'static str>,
    pub zh_en: Vec<&'static str>,
    pub es_m: Vec<&'static str>,
    pub es_f: Vec<&'static str>,
    pub es_sur: Vec<&'static str>,
    pub es_nick: Vec<&'static str>,
    pub fa_m: Vec<&'static str>,
    pub fa_f: Vec<&'static str>,
    pub fa_head: Vec<&'static str>,
    pub fa_sur: Vec<&'static str>,
    pub ko_sur: Vec<&'static str>,
    pub ko_syl: Vec<&'static str>,
    pub tr_m: Vec<&'static str>,
    pub tr_f: Vec<&'static str>,
    pub tr_sur: Vec<&'static str>,
    /// Brand words of listed companies.
    pub brands: Vec<&'static str>,
    /// Brand words kept off the list, for look-alike clean companies.
    pub lookalike_brands: Vec<&'static str>,
    pub generic: Vec<&'static str>,
    pub ordinary_brands: Vec<&'static str>,
    pub ordinary_sectors: Vec<&'static str>,
}

/// Deduplicate, then keep the even (dev) or odd (heldout) positions.
pub fn half<T: Copy + PartialEq>(pool: &[T], odd: bool) -> Vec<T> {
    let mut unique: Vec<T> = Vec::with_capacity(pool.len());
    for &item in pool {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    unique.into_iter().enumerate().filter(|(i, _)| (i % 2 == 1) == odd).map(|(_, item)| item).collect()
}

impl Pools {
    pub fn for_split(heldout: bool, rng: &mut Rng) -> Pools {
        let h = |pool: &[&'static str]| half(pool, heldout);
        let mut brands = h(pc::BRANDS);
        rng.shuffle(&mut brands);
        let lookalike_brands = brands.split_off(brands.len() * 4 / 5);
        let all_brands: Vec<String> = pc::BRANDS.iter().map(|b| b.to_lowercase()).collect();
        let ordinary_brands = h(pc::ORDINARY_BRANDS).into_iter().filter(|b| !all_brands.contains(&b.to_lowercase())).collect();
        Pools {
            ar_m: h(p1::AR_GIVEN_M),
            ar_f: h(p1::AR_GIVEN_F),
            ar_fam: h(p1::AR_FAMILY),
            ru_m: half(p1::RU_GIVEN_M, heldout),
            ru_f: h(p1::RU_GIVEN_F),
            ru_sur: h(p1::RU_SURNAME),
            ua_m: half(p1::UA_GIVEN_M, heldout),
            ua_f: h(p1::UA_GIVEN_F),
            ua_sur: h(p1::UA_SURNAME),
            zh_sur: h(p1::ZH_SURNAME),
            zh_syl: h(p1::ZH_SYLLABLE),
            zh_en: h(p1::ZH_ENGLISH),
            es_m: h(p1::ES_GIVEN_M),
            es_f: h(p1::ES_GIVEN_F),
            es_sur: h(p1::ES_SURNAME),
            es_nick: h(p1::ES_NICK),
            fa_m: h(p2::FA_GIVEN_M),
            fa_f: h(p2::FA_GIVEN_F),
            fa_head: h(p2::FA_COMPOUND_HEAD),
            fa_sur: h(p2::FA_SURNAME),
            ko_sur: h(p2::KO_SURNAME),
            ko_syl: h(p2::KO_SYLLABLE),
            tr_m: h(p2::TR_GIVEN_M),
            tr_f: h(p2::TR_GIVEN_F),
            tr_sur: h(p2::TR_SURNAME),
            brands,
            lookalike_brands,
            generic: h(pc::GENERIC),
            ordinary_brands,
            ordinary_sectors: h(pc::ORDINARY_SECTORS),
        }
    }
}

/// The female form of a Russian or Ukrainian surname.
pub fn female_surname(male: &str) -> String {
    if let Some(stem) = male.strip_suffix("skiy") {
        format!("{stem}skaya")
    } else if male.ends_with("ov") || male.ends_with("ev") || male.ends_with("in") || male.ends_with("yn") {
        format!("{male}a")
    } else {
        male.to_owned()
    }
}

fn pick(rng: &mut Rng, pool: &[&'static str]) -> String {
    (*rng.pick(pool)).to_owned()
}

fn joint(rng: &mut Rng) -> Joint {
    [Joint::Joined, Joint::Hyphen, Joint::Space][rng.weighted(&[4, 3, 3])]
}

/// A person of `culture`; `female_rate` is the share of women.
pub fn person(culture: Culture, pools: &Pools, female_rate: f64, rng: &mut Rng) -> PersonName {
    let female = rng.chance(female_rate);
    let mut name = PersonName {
        culture,
        given: Vec::new(),
        compound: false,
        joint: Joint::Space,
        middle: Vec::new(),
        surname: Vec::new(),
        plain: true,
    };
    match culture {
        Culture::Arabic => {
            name.given.push(pick(rng, if female { &pools.ar_f } else { &pools.ar_m }));
            let roll = rng.below(100);
            if roll < 30 {
                name.middle.push(if female { "bint" } else { "bin" }.to_owned());
            }
            if roll < 85 {
                name.middle.push(pick(rng, &pools.ar_m));
            }
            if (70..85).contains(&roll) {
                name.middle.push(pick(rng, &pools.ar_m));
            }
            let family = pick(rng, &pools.ar_fam);
            name.surname.push(if rng.chance(0.6) { format!("al-{family}") } else { family });
        }
        Culture::Slavic => {
            let ukrainian = rng.chance(0.3);
            let (men, women, surnames) =
                if ukrainian { (&pools.ua_m, &pools.ua_f, &pools.ua_sur) } else { (&pools.ru_m, &pools.ru_f, &pools.ru_sur) };
            let father = *rng.pick(men);
            name.given.push(if female { pick(rng, women) } else { rng.pick(men).0.to_owned() });
            if rng.chance(0.9) {
                name.middle.push(if female { father.2 } else { father.1 }.to_owned());
            }
            let surname = pick(rng, surnames);
            name.surname.push(if female { female_surname(&surname) } else { surname });
        }
        Culture::Chinese | Culture::Korean => {
            let (surnames, syllables) =
                if culture == Culture::Chinese { (&pools.zh_sur, &pools.zh_syl) } else { (&pools.ko_sur, &pools.ko_syl) };
            name.surname.push(pick(rng, surnames));
            let two = culture == Culture::Korean || rng.chance(0.7);
            let first = *rng.pick(syllables.as_slice());
            name.given.push(cap(first));
            if two {
                let mut second = *rng.pick(syllables.as_slice());
                while cap(second) == name.given[0] {
                    second = *rng.pick(syllables.as_slice());
                }
                name.given.push(cap(second));
                name.compound = true;
                name.joint = joint(rng);
            }
        }
        Culture::Hispanic | Culture::Turkish => {
            let (men, women, surnames) = if culture == Culture::Hispanic {
                (&pools.es_m, &pools.es_f, &pools.es_sur)
            } else {
                (&pools.tr_m, &pools.tr_f, &pools.tr_sur)
            };
            let given_pool = if female { women } else { men };
            name.given.push(pick(rng, given_pool));
            if rng.chance(if culture == Culture::Hispanic { 0.35 } else { 0.3 }) {
                let second = pick(rng, given_pool);
                if second != name.given[0] {
                    name.given.push(second);
                }
            }
            name.surname.push(pick(rng, surnames));
            if culture == Culture::Hispanic && rng.chance(0.85) {
                let maternal = pick(rng, surnames);
                if maternal != name.surname[0] {
                    name.surname.push(maternal);
                }
            }
            name.plain = rng.chance(0.55);
        }
        Culture::Persian => {
            if !female && rng.chance(0.25) {
                name.given.push(pick(rng, &pools.fa_head));
                // The second half is a simple name, not itself a compound ("Alireza", "Nasrollah").
                let simple = |g: &String| *g != name.given[0] && !g.ends_with("reza") && !g.ends_with("ollah");
                let mut second = pick(rng, &pools.fa_m);
                while !simple(&second) {
                    second = pick(rng, &pools.fa_m);
                }
                name.given.push(second);
                name.compound = true;
                name.joint = joint(rng);
            } else {
                name.given.push(pick(rng, if female { &pools.fa_f } else { &pools.fa_m }));
            }
            name.surname.push(pick(rng, &pools.fa_sur));
        }
    }
    name
}
