//! Why a name scores what it does against one listed entity: the normalised parts of both sides
//! and the score's features and costs under a screening policy.
//!
//! Run: `cargo run --release -p attune-domain --example screening_explain -- [--org] [--policy VERSION|FILE]
//! QUERY LISTED_NAME [ALIAS …]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use attune_domain::sanctions::screening::{NameQuery, Screener, ScreeningPolicy};
use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};

fn main() {
    let mut kind = EntityKind::Person;
    let mut policy = ScreeningPolicy::current().expect("the compiled-in screening policy parses");
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--org" => kind = EntityKind::Organization,
            "--policy" => {
                let p = args.next().expect("--policy VERSION|FILE");
                policy = ScreeningPolicy::by_version(&p).unwrap_or_else(|| {
                    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
                    ScreeningPolicy::parse(&text).unwrap_or_else(|e| panic!("{p}: {e}"))
                })
            }
            _ => names.push(arg),
        }
    }
    if names.len() < 2 {
        eprintln!("usage: screening_explain [--org] [--policy VERSION|FILE] QUERY LISTED_NAME [ALIAS …]");
        std::process::exit(2);
    }
    let query = names.remove(0);
    let mut entity = ListEntity::new(ListSource::Custom, "E1", kind, names.remove(0));
    entity.aliases = names;
    let screener = Screener::build(std::slice::from_ref(&entity), &policy);
    let show = |raw: &str| {
        let n = screener.normalize(raw);
        let parts: Vec<String> =
            n.parts.iter().map(|p| format!("{}[{}]{}", p.text, p.phonetic, if p.generic { "*" } else { "" })).collect();
        println!("  {raw:?} → {}", parts.join(" "));
    };
    println!("policy {}", policy.reference().version);
    show(&query);
    show(&entity.name);
    for alias in &entity.aliases {
        show(alias);
    }
    match screener.explain(&NameQuery::name(query.clone()), "E1", &policy) {
        Some(m) => {
            println!("best name {:?}: score {:.3}", m.matched_name, m.score);
            for (name, value) in &m.features {
                println!("  feature {name} {value:.3}");
            }
            for (name, value) in &m.penalties {
                println!("  cost {name} {value:.3}");
            }
        }
        None => println!("no name of the entity scores"),
    }
}
