//! Sanctions screening (DESIGN.md §4): name normalisation, fuzzy name matching with explanations,
//! the candidate index and address matching.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod address;
mod index;
mod names;
mod normalize;
mod parts;
mod v3;

use attune_domain::sanctions::screening::{NameMatch, NameQuery, Screener, ScreeningPolicy};
use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};

pub fn policy() -> ScreeningPolicy {
    ScreeningPolicy::current().unwrap()
}

pub fn entity(id: &str, kind: EntityKind, name: &str, aliases: &[&str]) -> ListEntity {
    let mut e = ListEntity::new(ListSource::OfacSdn, id, kind, name);
    e.aliases = aliases.iter().map(|a| (*a).to_owned()).collect();
    e.programs = vec!["SDGT".to_owned()];
    e.topics = Some(vec!["sanction".to_owned()]);
    e
}

pub fn person(id: &str, name: &str) -> ListEntity {
    entity(id, EntityKind::Person, name, &[])
}

/// A small list with people of several cultures and some companies.
pub fn list() -> Vec<ListEntity> {
    let mut yusuf = person("1001", "Muhammad Yusuf");
    yusuf.countries = vec!["SY".to_owned()];
    yusuf.birth_dates = vec!["1970-03-02".to_owned(), "circa 1971".to_owned()];
    vec![
        yusuf,
        person("1002", "Ivan Sergeyevich Petrov"),
        person("1003", "José Luis García López"),
        entity("1004", EntityKind::Organization, "Acme Trading LLC", &["Acme Trading Company"]),
        person("1005", "Ali Hassan Al-Tikriti"),
        person("1006", "Wang Xiaoming"),
        person("1007", "Jürgen Müller"),
        entity("1008", EntityKind::Organization, "Golden Crescent Shipping Ltd", &[]),
        person("1009", "Hussein Abd al-Rahman Al-Baghdadi"),
    ]
}

pub fn screen(screener: &Screener, name: &str) -> Vec<NameMatch> {
    screener.screen_name(&NameQuery::name(name), &policy())
}

pub fn top(screener: &Screener, name: &str) -> Option<NameMatch> {
    screen(screener, name).into_iter().next()
}

pub fn screener() -> Screener {
    Screener::build(&list(), &policy())
}
