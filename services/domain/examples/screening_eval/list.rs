//! The synthetic sanctions list of one split: about 18,000 entities (60 % persons, 40 %
//! organisations) and 40,000 names with aliases (order variants, transliterations, weak aliases,
//! short forms, legal-form variants, former names, acronyms), with countries and birth dates.

use std::collections::{HashMap, HashSet};

use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};

use crate::companies::{self, CompanyName};
use crate::names::{self, Culture, Order, PersonName, Pools};
use crate::perturb::{drop_middle, legal_variant, other_order, translit_company, translit_person};
use crate::pools_companies::LEGAL_FAMILIES;
use crate::rng::Rng;
use crate::text::{Canon, fold, plain_lower};

#[derive(Debug, Clone)]
pub enum Shape {
    Person { name: PersonName, order: Order, year: u16 },
    Company(CompanyName),
}

#[derive(Debug)]
pub struct List {
    pub entities: Vec<ListEntity>,
    pub shapes: Vec<Shape>,
    pub persons: Vec<usize>,
    pub companies: Vec<usize>,
    /// Every listed name, lower-cased.
    pub lower_names: HashSet<String>,
    /// Canonical form of every token of every listed name.
    pub tokens: HashSet<String>,
    /// Identity keys of listed persons: the primary name's structure, and every name as written.
    keys: Vec<Vec<String>>,
    key_index: HashMap<String, Vec<u32>>,
    /// Key of every listed name (legal form stripped) to the entities bearing it.
    name_keys: HashMap<Vec<String>, Vec<u32>>,
}

/// A name without its trailing legal form (any spelling of `LEGAL_FAMILIES`).
pub fn strip_legal(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut best = lower.len();
    for form in LEGAL_FAMILIES.iter().flat_map(|f| f.iter()) {
        let form = form.to_lowercase();
        if let Some(stem) = lower.strip_suffix(&form)
            && stem.ends_with(' ')
        {
            best = best.min(stem.len());
        }
    }
    lower[..best].trim().to_owned()
}

const PROGRAMS: &[&str] = &["SDGT", "IRAN", "RUSSIA-EO14024", "UKRAINE-EO13660", "DPRK3", "SDNTK", "CYBER2", "NPWMD", "IRGC", "SYRIA"];

fn birth_dates(year: u16, rng: &mut Rng) -> Vec<String> {
    let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
    match rng.weighted(&[40, 40, 10, 10]) {
        0 => vec![year.to_string()],
        1 => vec![format!("{year}-{month:02}-{day:02}")],
        2 => vec![format!("circa {year}")],
        _ => vec![year.to_string(), (year + 2).to_string()],
    }
}

fn weak_alias(p: &PersonName, pools: &Pools, rng: &mut Rng) -> Option<String> {
    let text = match p.culture {
        Culture::Arabic => {
            let mut kunya = format!("Abu {}", rng.pick(&pools.ar_m));
            if rng.chance(0.5) {
                let family =
                    if rng.chance(0.5) { p.surname[0].trim_start_matches("al-").to_owned() } else { (*rng.pick(&pools.ar_fam)).to_owned() };
                kunya.push_str(&format!(" al-{family}"));
            }
            kunya
        }
        Culture::Hispanic => format!("El {}", rng.pick(&pools.es_nick)),
        Culture::Chinese => format!("{} {}", rng.pick(&pools.zh_en), p.surname[0]),
        Culture::Persian => format!("Haj {}", p.given_words().join(" ")),
        _ => return None,
    };
    Some(if p.plain { fold(&text) } else { text })
}

fn person_aliases(p: &PersonName, order: Order, pools: &Pools, rng: &mut Rng) -> Vec<String> {
    let count = rng.weighted(&[20, 35, 30, 15]);
    let primary = p.render(order).to_lowercase();
    let mut out: Vec<String> = Vec::new();
    for _ in 0..count * 6 {
        if out.len() == count {
            break;
        }
        let alias = match rng.weighted(&[30, 35, 25, 10]) {
            0 => Some(p.render(other_order(order, rng))),
            1 => translit_person(p, rng).map(|q| q.render(if rng.chance(0.7) { order } else { other_order(order, rng) })),
            2 => weak_alias(p, pools, rng),
            _ => drop_middle(p, rng).map(|q| q.render(order)),
        };
        let Some(alias) = alias else { continue };
        let lower = alias.to_lowercase();
        if lower != primary && !out.iter().any(|o| o.to_lowercase() == lower) {
            out.push(alias);
        }
    }
    out
}

fn company_aliases(c: &CompanyName, pools: &Pools, rng: &mut Rng) -> Vec<String> {
    let count = rng.weighted(&[30, 45, 20, 5]);
    let primary = c.render().to_lowercase();
    let mut out: Vec<String> = Vec::new();
    for _ in 0..count * 6 {
        if out.len() == count {
            break;
        }
        let words: Vec<&String> = c.brand.iter().chain(&c.generic).collect();
        let alias = match rng.weighted(&[30, 25, 25, 12, 8]) {
            0 => Some(legal_variant(c, rng).render()),
            1 => translit_company(c, rng).map(|q| q.render()),
            2 => {
                let mut former = companies::company(&pools.brands, &pools.generic, rng);
                former.brand = c.brand.clone();
                Some(former.render())
            }
            3 if words.len() >= 3 => {
                let initials: String = words.iter().flat_map(|w| w.split_whitespace()).filter_map(|w| w.chars().next()).collect();
                Some(format!("{} {}", initials.to_uppercase(), c.legal.clone().unwrap_or_default()).trim().to_owned())
            }
            4 if c.brand.len() >= 2 => Some(c.brand.join(" ")),
            _ => None,
        };
        let Some(alias) = alias else { continue };
        let lower = alias.to_lowercase();
        if lower != primary && !out.iter().any(|o| o.to_lowercase() == lower) {
            out.push(alias);
        }
    }
    out
}

impl List {
    pub fn build(pools: &Pools, canon: &Canon, rng: &mut Rng, prefix: &str, persons: usize, companies: usize) -> List {
        let mut list = List {
            entities: Vec::with_capacity(persons + companies),
            shapes: Vec::with_capacity(persons + companies),
            persons: Vec::new(),
            companies: Vec::new(),
            lower_names: HashSet::new(),
            tokens: HashSet::new(),
            keys: Vec::new(),
            key_index: HashMap::new(),
            name_keys: HashMap::new(),
        };
        let mut identities: HashSet<Vec<String>> = HashSet::new();
        while list.persons.len() < persons {
            let culture = Culture::ALL[rng.weighted(&Culture::WEIGHTS)];
            let name = names::person(culture, pools, 0.15, rng);
            let key = name.key(canon);
            if !identities.insert(key.clone()) {
                continue;
            }
            let order = if rng.chance(0.65) { Order::Natural } else { Order::Comma };
            let year = 1945 + rng.below(56) as u16;
            let aliases = person_aliases(&name, order, pools, rng);
            let mut countries = vec![(*rng.pick(culture.countries())).to_owned()];
            if rng.chance(0.2) {
                let second = (*rng.pick(culture.countries())).to_owned();
                if second != countries[0] {
                    countries.push(second);
                }
            }
            list.add_key(key);
            let entity = ListEntity {
                source: ListSource::OfacSdn,
                entity_id: format!("{prefix}-{:05}", list.entities.len() + 1),
                kind: EntityKind::Person,
                name: name.render(order),
                aliases,
                programs: vec![(*rng.pick(PROGRAMS)).to_owned()],
                countries,
                birth_dates: birth_dates(year, rng),
                addresses: Vec::new(),
                identifiers: Vec::new(),
                remarks: String::new(),
                topics: Some(vec!["sanction".to_owned()]),
                owners: Vec::new(),
            };
            for written in std::iter::once(&entity.name).chain(&entity.aliases) {
                list.add_key(canon.key(written));
            }
            list.persons.push(list.entities.len());
            list.push(entity, Shape::Person { name, order, year }, canon);
        }
        let mut seen: HashSet<String> = HashSet::new();
        while list.companies.len() < companies {
            let name = companies::company(&pools.brands, &pools.generic, rng);
            if !seen.insert(name.render().to_lowercase()) {
                continue;
            }
            let mut countries = vec![(*rng.pick(crate::pools_companies::COMPANY_COUNTRIES)).to_owned()];
            if rng.chance(0.15) {
                countries.push((*rng.pick(crate::pools_companies::COMPANY_COUNTRIES)).to_owned());
                countries.dedup();
            }
            let entity = ListEntity {
                source: ListSource::OfacSdn,
                entity_id: format!("{prefix}-{:05}", list.entities.len() + 1),
                kind: EntityKind::Organization,
                name: name.render(),
                aliases: company_aliases(&name, pools, rng),
                programs: vec![(*rng.pick(PROGRAMS)).to_owned()],
                countries,
                birth_dates: Vec::new(),
                addresses: Vec::new(),
                identifiers: Vec::new(),
                remarks: String::new(),
                topics: Some(vec!["sanction".to_owned()]),
                owners: Vec::new(),
            };
            list.companies.push(list.entities.len());
            list.push(entity, Shape::Company(name), canon);
        }
        list
    }

    fn push(&mut self, entity: ListEntity, shape: Shape, canon: &Canon) {
        let index = u32::try_from(self.entities.len()).unwrap_or(u32::MAX);
        for name in std::iter::once(&entity.name).chain(&entity.aliases) {
            let owners = self.name_keys.entry(canon.key(&strip_legal(name))).or_default();
            if !owners.contains(&index) {
                owners.push(index);
            }
            self.lower_names.insert(name.to_lowercase());
            for token in plain_lower(name).split_whitespace() {
                self.tokens.insert(canon.token(token));
            }
        }
        self.entities.push(entity);
        self.shapes.push(shape);
    }

    fn add_key(&mut self, key: Vec<String>) {
        let Ok(id) = u32::try_from(self.keys.len()) else { return };
        for token in &key {
            self.key_index.entry(token.clone()).or_default().push(id);
        }
        self.keys.push(key);
    }

    /// Whether a query for `entity` reads, up to order, spelling variants and a legal form, as a
    /// name of another listed entity (such a query is ambiguous and is not used).
    pub fn ambiguous(&self, text: &str, entity: usize, canon: &Canon) -> bool {
        self.name_keys.get(&canon.key(&strip_legal(text))).is_some_and(|owners| owners.iter().any(|&o| o as usize != entity))
    }

    pub fn name_count(&self) -> usize {
        self.entities.iter().map(|e| 1 + e.aliases.len()).sum()
    }

    fn related(&self, key: &[String]) -> impl Iterator<Item = &Vec<String>> {
        key.iter().filter_map(|t| self.key_index.get(t)).flatten().map(|&id| &self.keys[id as usize])
    }

    /// Whether a person key equals, contains or is contained in a listed identity (so the name
    /// could be a listed person with a part dropped or added, in any order or spelling variant).
    pub fn collides(&self, key: &[String]) -> bool {
        let subset = |a: &[String], b: &[String]| a.iter().all(|t| b.contains(t));
        self.related(key).any(|listed| subset(listed, key) || subset(key, listed))
    }

    /// Whether a (non-colliding) person key shares all but one name part, and at least two, with a
    /// listed identity: a namesake who differs in one given name, patronymic or surname.
    pub fn near_namesake(&self, key: &[String]) -> bool {
        self.related(key).any(|listed| {
            let shared = key.iter().filter(|t| listed.contains(t)).count();
            shared >= 2 && shared + 1 >= key.len().max(listed.len())
        })
    }
}
