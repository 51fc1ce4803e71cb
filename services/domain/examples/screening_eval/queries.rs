//! The queries of a split: perturbed listed names (each with its perturbation class and expected
//! entity) and clean names (persons, ordinary companies, look-alike companies) that are not listed.

use std::collections::HashSet;

use attune_domain::sanctions::screening::NameQuery;

use crate::companies;
use crate::list::{List, Shape};
use crate::names::{self, Culture, Order, Pools};
use crate::perturb as p;
use crate::pools_companies::{COMPANY_COUNTRIES, ORDINARY_COUNTRIES};
use crate::rng::Rng;
use crate::text::{Canon, plain_lower};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    DropMiddle,
    DropWord,
    LegalForm,
    Typo,
    Translit,
    Diacritics,
    WordOrder,
    /// A dropped name part together with a typo: reported beside the seven classes of the issue,
    /// not counted in the overall recall.
    Combined,
}

impl Class {
    pub const ALL: [Class; 7] =
        [Class::DropMiddle, Class::DropWord, Class::LegalForm, Class::Typo, Class::Translit, Class::Diacritics, Class::WordOrder];

    pub fn label(self) -> &'static str {
        match self {
            Class::DropMiddle => "dropped middle name / patronymic / second surname",
            Class::DropWord => "dropped word of a company name",
            Class::LegalForm => "legal-form variant (respelled, changed, removed, added)",
            Class::Typo => "typos (1 edit, 2 for names over 15 letters)",
            Class::Translit => "transliteration variant",
            Class::Diacritics => "diacritics added or removed",
            Class::WordOrder => "word order (surname first, comma form)",
            Class::Combined => "dropped name part and a typo together (info, not in the overall recall)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CleanKind {
    Person,
    Ordinary,
    LookAlike,
}

impl CleanKind {
    pub const ALL: [CleanKind; 3] = [CleanKind::Person, CleanKind::Ordinary, CleanKind::LookAlike];

    pub fn label(self) -> &'static str {
        match self {
            CleanKind::Person => "clean persons",
            CleanKind::Ordinary => "ordinary companies",
            CleanKind::LookAlike => "look-alike companies",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Truth {
    /// A perturbed name of the listed entity at this index.
    Listed {
        class: Class,
        entity: usize,
    },
    Clean(CleanKind),
}

#[derive(Debug, Clone)]
pub struct Query {
    pub query: NameQuery,
    pub truth: Truth,
    pub culture: Option<Culture>,
    /// A clean person sharing all but one name part with a listed person.
    pub near_namesake: bool,
}

fn perturb(shape: &Shape, class: Class, rng: &mut Rng) -> Option<String> {
    match shape {
        Shape::Person { name, order, .. } => {
            let order = *order;
            match class {
                Class::DropMiddle => p::drop_middle(name, rng).map(|q| q.render(order)),
                Class::Typo => p::typo_person(name, order, rng).map(|q| q.render(order)),
                Class::Translit => p::translit_person(name, rng).map(|q| q.render(order)),
                Class::Diacritics => p::diacritics_person(name, rng).map(|q| q.render(order)),
                Class::WordOrder => Some(name.render(p::other_order(order, rng))),
                Class::Combined => p::drop_middle(name, rng).and_then(|q| p::typo_person(&q, order, rng)).map(|q| q.render(order)),
                Class::DropWord | Class::LegalForm => None,
            }
        }
        Shape::Company(company) => match class {
            Class::DropWord => p::drop_word(company, rng).map(|q| q.render()),
            Class::LegalForm => Some(p::legal_variant(company, rng).render()),
            Class::Typo => p::typo_company(company, rng).map(|q| q.render()),
            Class::Translit => p::translit_company(company, rng).map(|q| q.render()),
            Class::DropMiddle | Class::Diacritics | Class::WordOrder | Class::Combined => None,
        },
    }
}

/// `total` perturbed listed names, spread evenly over the seven classes, each entity used once.
/// A query never equals (lower-cased) a listed name, nor reads as another entity's name up to
/// order, spelling variants and legal form.
pub fn listed(list: &List, canon: &Canon, rng: &mut Rng, total: usize) -> Vec<Query> {
    let wanted = |k: usize| total / Class::ALL.len() + usize::from(k < total % Class::ALL.len());
    perturbed(list, canon, rng, Class::ALL.iter().enumerate().map(|(k, &class)| (class, wanted(k))))
}

/// `total` listed persons with a name part dropped and a typo (drawn after the clean names, so
/// that the seven classes and the clean names stay as they were before this class was added).
pub fn combined(list: &List, canon: &Canon, rng: &mut Rng, total: usize) -> Vec<Query> {
    perturbed(list, canon, rng, std::iter::once((Class::Combined, total)))
}

fn perturbed(list: &List, canon: &Canon, rng: &mut Rng, classes: impl Iterator<Item = (Class, usize)>) -> Vec<Query> {
    let mut used: HashSet<usize> = HashSet::new();
    let mut out = Vec::new();
    for (class, wanted) in classes {
        let mut made = 0;
        for _ in 0..wanted * 400 {
            if made == wanted {
                break;
            }
            let person = match class {
                Class::DropMiddle | Class::Diacritics | Class::WordOrder | Class::Combined => true,
                Class::DropWord | Class::LegalForm => false,
                Class::Typo | Class::Translit => rng.chance(0.6),
            };
            let entity = *rng.pick(if person { &list.persons } else { &list.companies });
            if used.contains(&entity) {
                continue;
            }
            let Some(text) = perturb(&list.shapes[entity], class, rng) else { continue };
            let lower = text.to_lowercase();
            // Never one of the entity's own names, nor another listed name (that query would be ambiguous).
            if text.trim().is_empty() || list.lower_names.contains(&lower) || list.ambiguous(&text, entity, canon) {
                continue;
            }
            used.insert(entity);
            made += 1;
            let e = &list.entities[entity];
            let mut query = NameQuery::name(text);
            if rng.chance(0.3) {
                query.country = e.countries.first().cloned();
            }
            let mut culture = None;
            if let Shape::Person { name, year, .. } = &list.shapes[entity] {
                culture = Some(name.culture);
                if rng.chance(0.3) {
                    query.birth_year = Some(*year);
                }
            }
            out.push(Query { query, truth: Truth::Listed { class, entity }, culture, near_namesake: false });
        }
    }
    out
}

/// `total` clean names: half persons (same cultures and pools as the list, but no listed identity),
/// a quarter ordinary companies, a quarter look-alike companies (listed templates and sector
/// words, brand words that are not on the list).
pub fn clean(list: &List, pools: &Pools, canon: &Canon, rng: &mut Rng, total: usize) -> Vec<Query> {
    let persons = total / 2;
    let lookalikes = (total - persons) / 2;
    let ordinary = total - persons - lookalikes;
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(total);
    let fresh = |text: &str, seen: &mut HashSet<String>| {
        let lower = text.to_lowercase();
        !list.lower_names.contains(&lower) && seen.insert(lower)
    };
    while out.len() < persons {
        let culture = Culture::ALL[rng.weighted(&Culture::WEIGHTS)];
        let name = names::person(culture, pools, 0.45, rng);
        let order = if rng.chance(0.8) { Order::Natural } else { Order::Comma };
        let text = name.render(order);
        let (key, written) = (name.key(canon), canon.key(&text));
        if list.collides(&key) || list.collides(&written) || !fresh(&text, &mut seen) {
            continue;
        }
        let near_namesake = list.near_namesake(&key) || list.near_namesake(&written);
        let mut query = NameQuery::name(text);
        if rng.chance(0.3) {
            query.country = Some((*rng.pick(culture.countries())).to_owned());
        }
        if rng.chance(0.3) {
            query.birth_year = Some(1945 + rng.below(60) as u16);
        }
        out.push(Query { query, truth: Truth::Clean(CleanKind::Person), culture: Some(culture), near_namesake });
    }
    while out.len() < persons + ordinary {
        let text = companies::ordinary(pools, rng).render();
        if !fresh(&text, &mut seen) {
            continue;
        }
        let mut query = NameQuery::name(text);
        if rng.chance(0.3) {
            query.country = Some((*rng.pick(ORDINARY_COUNTRIES)).to_owned());
        }
        out.push(Query { query, truth: Truth::Clean(CleanKind::Ordinary), culture: None, near_namesake: false });
    }
    while out.len() < total {
        let company = companies::company(&pools.lookalike_brands, &pools.generic, rng);
        let text = company.render();
        let unlisted_brands = company
            .brand
            .iter()
            .flat_map(|b| plain_lower(b).split_whitespace().map(|t| canon.token(t)).collect::<Vec<_>>())
            .all(|t| !list.tokens.contains(&t));
        if !unlisted_brands || !fresh(&text, &mut seen) {
            continue;
        }
        let mut query = NameQuery::name(text);
        if rng.chance(0.3) {
            query.country = Some((*rng.pick(COMPANY_COUNTRIES)).to_owned());
        }
        out.push(Query { query, truth: Truth::Clean(CleanKind::LookAlike), culture: None, near_namesake: false });
    }
    out
}
