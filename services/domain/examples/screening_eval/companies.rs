//! Company names: listed-style templates (brand words + sector/generic words + legal form),
//! and ordinary businesses for the clean queries.

use crate::names::Pools;
use crate::pools_companies as pc;
use crate::rng::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct CompanyName {
    pub brand: Vec<String>,
    /// Sector and generic words (one entry may hold two words, "Import Export").
    pub generic: Vec<String>,
    pub legal: Option<String>,
}

impl CompanyName {
    pub fn render(&self) -> String {
        let mut words: Vec<&str> = self.brand.iter().chain(&self.generic).map(String::as_str).collect();
        if let Some(legal) = &self.legal {
            words.push(legal);
        }
        words.join(" ")
    }
}

fn pick(rng: &mut Rng, pool: &[&'static str]) -> String {
    (*rng.pick(pool)).to_owned()
}

/// A company of the listed-style templates: brand word(s), sector/generic word(s), a legal form.
pub fn company(brands: &[&'static str], generic: &[&'static str], rng: &mut Rng) -> CompanyName {
    // (brand words, generic words, with a legal form)
    const TEMPLATES: [(usize, usize, bool); 5] = [(1, 1, true), (2, 1, true), (1, 2, true), (1, 1, false), (2, 2, true)];
    let (nb, ng, legal) = TEMPLATES[rng.weighted(&[30, 20, 25, 10, 15])];
    let mut name = CompanyName { brand: Vec::new(), generic: Vec::new(), legal: None };
    while name.brand.len() < nb {
        let b = pick(rng, brands);
        if !name.brand.contains(&b) {
            name.brand.push(b);
        }
    }
    while name.generic.len() < ng {
        let g = pick(rng, generic);
        if !name.generic.contains(&g) {
            name.generic.push(g);
        }
    }
    if legal {
        name.legal = Some(legal_form(rng));
    }
    name
}

/// A legal form drawn with the listed-style weights; the family's first spelling is the most usual.
pub fn legal_form(rng: &mut Rng) -> String {
    let family = pc::LEGAL_FAMILIES[rng.weighted(pc::LEGAL_WEIGHTS)];
    let form = if family.len() > 1 && rng.chance(0.4) { family[1 + rng.below(family.len() - 1)] } else { family[0] };
    form.to_owned()
}

/// An ordinary business: its own brand word (one in five borrowed from the listed brands), other
/// sector words, an ordinary legal form.
pub fn ordinary(pools: &Pools, rng: &mut Rng) -> CompanyName {
    let brand = if rng.chance(0.2) { pick(rng, &pools.brands) } else { pick(rng, &pools.ordinary_brands) };
    let mut name = CompanyName { brand: vec![brand], generic: vec![pick(rng, &pools.ordinary_sectors)], legal: None };
    if rng.chance(0.25) {
        let second = pick(rng, &pools.ordinary_sectors);
        if !name.generic.contains(&second) {
            name.generic.push(second);
        }
    }
    if rng.chance(0.7) {
        name.legal = Some(pick(rng, pc::ORDINARY_LEGAL));
    }
    name
}
