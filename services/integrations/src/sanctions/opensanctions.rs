//! OpenSanctions FollowTheMoney entities as JSON lines (`entities.ftm.json`): one entity a line,
//! `{"id", "schema", "properties": {"name": [...], ...}}`, every property a list of strings.
//!
//! `Person` → Person; `Organization`, `Company`, `LegalEntity`, `PublicBody` → Organization; `Vessel`
//! → Vessel; `Airplane` → Aircraft. A `CryptoWallet` becomes an address of its `holder` when the holder
//! is in the file (joined after reading: the order is arbitrary), else an entity of its own (Wallet).
//! A `Sanction` adds its `program`/`programId` to its `entity`; an `Ownership` adds its `owner` (with
//! its `percentage`) to its `asset`'s owners. Every entity keeps its `topics` (sanction, role.pep,
//! crime, …), which decide what a match on it means; one without topics is read as sanctioned unless
//! marked `"target": false` (a related party only). Other schemas are skipped.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use attune_domain::sanctions::{EntityKind, ListEntity, ListSource, Owner};
use serde::Deserialize;

use super::{ImportError, ImportedList, Result, TrackingReader, push_unique, push_unique_str, storable, version_from_sha};

const FILE: &str = "FtM JSON lines";

#[derive(Deserialize)]
struct FtmEntity {
    id: String,
    schema: String,
    #[serde(default)]
    properties: HashMap<String, Vec<serde_json::Value>>,
    /// OpenSanctions marks the entities a list targets `true` and related parties (owners, assets)
    /// `false`.
    #[serde(default)]
    target: Option<bool>,
}

impl FtmEntity {
    /// The entity's topics; `None` (read as sanctioned) when it has none and is not marked as a
    /// related party only (`"target": false`): a feed that leaves topics out fails closed.
    fn topics(&self) -> Option<Vec<String>> {
        let topics: Vec<String> = self.values("topics").map(str::to_owned).collect();
        if topics.is_empty() && self.target != Some(false) { None } else { Some(topics) }
    }
}

impl FtmEntity {
    /// The string values of a property (nested entities and other non-strings are ignored).
    fn values<'a>(&'a self, prop: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.properties.get(prop).into_iter().flatten().filter_map(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty())
    }
}

struct Wallet {
    id: String,
    name: Option<String>,
    currency: String,
    keys: Vec<String>,
    holders: Vec<String>,
    programs: Vec<String>,
    countries: Vec<String>,
    topics: Vec<String>,
    listed_topics: Option<Vec<String>>,
}

const IDENTIFIER_PROPS: &[&str] =
    &["idNumber", "passportNumber", "registrationNumber", "taxNumber", "innCode", "ogrnCode", "leiCode", "swiftBic", "imoNumber", "mmsi"];

/// Imports FtM JSON lines, streamed line by line. `version` is `sha256:` + 16 hex digits of the input.
pub fn import_opensanctions(reader: impl BufRead) -> Result<ImportedList> {
    let mut reader = TrackingReader::new(reader);
    let mut entities: Vec<ListEntity> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut wallets: Vec<Wallet> = Vec::new();
    let mut sanctions: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    // (asset id, its owner)
    let mut ownerships: Vec<(String, Owner)> = Vec::new();
    let mut line = String::new();

    loop {
        let line_no = reader.line();
        line.clear();
        let n = reader.read_line(&mut line).map_err(|source| ImportError::Io { file: FILE, line: line_no, source })?;
        if n == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let ftm: FtmEntity = serde_json::from_str(&line).map_err(|e| ImportError::record(FILE, line_no, e.to_string()))?;
        let kind = match ftm.schema.as_str() {
            "Person" => EntityKind::Person,
            "Organization" | "Company" | "LegalEntity" | "PublicBody" => EntityKind::Organization,
            "Vessel" => EntityKind::Vessel,
            "Airplane" => EntityKind::Aircraft,
            "CryptoWallet" => {
                wallets.push(Wallet {
                    id: ftm.id.clone(),
                    name: ftm.values("name").next().map(str::to_owned),
                    currency: ftm.values("currency").next().unwrap_or_default().to_ascii_uppercase(),
                    keys: ftm.values("publicKey").map(str::to_owned).collect(),
                    holders: ftm.values("holder").map(str::to_owned).collect(),
                    programs: programs(&ftm),
                    countries: countries(&ftm),
                    topics: ftm.values("topics").map(str::to_owned).collect(),
                    listed_topics: ftm.topics(),
                });
                continue;
            }
            "Sanction" => {
                sanctions.push((ftm.values("entity").map(str::to_owned).collect(), programs(&ftm)));
                continue;
            }
            "Ownership" => {
                let share_bp = ftm.values("percentage").next().and_then(percent_bp);
                let relation = ftm.values("role").chain(ftm.values("ownershipType")).next().unwrap_or("ownership").to_owned();
                for asset in ftm.values("asset") {
                    for owner in ftm.values("owner") {
                        ownerships.push((asset.to_owned(), Owner { owner_id: owner.to_owned(), share_bp, relation: relation.clone() }));
                    }
                }
                continue;
            }
            _ => continue,
        };
        let mut names = ftm.values("name");
        let Some(name) = names.next() else {
            return Err(ImportError::record(FILE, line_no, format!("{} {} has no name", ftm.schema, ftm.id)));
        };
        let mut aliases = Vec::new();
        for alias in names.chain(ftm.values("alias")).chain(ftm.values("weakAlias")).chain(ftm.values("previousName")) {
            if alias != name {
                push_unique_str(&mut aliases, alias);
            }
        }
        let mut identifiers = Vec::new();
        for prop in IDENTIFIER_PROPS {
            for value in ftm.values(prop) {
                push_unique(&mut identifiers, ((*prop).to_owned(), value.to_owned()));
            }
        }
        let topics: Vec<&str> = ftm.values("topics").collect();
        let mut remarks: Vec<String> = ftm.values("notes").map(str::to_owned).collect();
        if !topics.is_empty() {
            remarks.push(format!("topics: {}", topics.join(", ")));
        }
        let entity = ListEntity {
            source: ListSource::OpenSanctions,
            entity_id: ftm.id.clone(),
            kind,
            name: name.to_owned(),
            aliases,
            programs: programs(&ftm),
            countries: countries(&ftm),
            birth_dates: ftm.values("birthDate").map(str::to_owned).collect(),
            addresses: Vec::new(),
            identifiers,
            remarks: remarks.join("\n"),
            topics: ftm.topics(),
            owners: Vec::new(),
        };
        if index.insert(ftm.id.clone(), entities.len()).is_some() {
            return Err(ImportError::record(FILE, line_no, format!("duplicate entity id {}", ftm.id)));
        }
        entities.push(entity);
    }
    let sha256 = reader.finish().map_err(|source| ImportError::Io { file: FILE, line: 0, source })?;

    for (targets, programs) in sanctions {
        for target in targets {
            if let Some(&i) = index.get(&target) {
                for p in &programs {
                    push_unique_str(&mut entities[i].programs, p);
                }
            }
        }
    }

    // Ownership links join after reading (the order is arbitrary); a link to an asset not in the
    // file is dropped, one whose owner is not in the file is kept (it counts for nothing).
    for (asset, owner) in ownerships {
        if let Some(&i) = index.get(&asset)
            && !entities[i].owners.contains(&owner)
        {
            entities[i].owners.push(owner);
        }
    }

    for wallet in wallets {
        let held_by: HashSet<usize> = wallet.holders.iter().filter_map(|h| index.get(h).copied()).collect();
        let addresses: Vec<(String, String)> = wallet.keys.iter().map(|k| (wallet.currency.clone(), k.clone())).collect();
        if held_by.is_empty() {
            let Some(name) = wallet.name.or_else(|| wallet.keys.first().cloned()) else { continue };
            let mut remarks = Vec::new();
            if !wallet.holders.is_empty() {
                remarks.push(format!("holder: {}", wallet.holders.join(", ")));
            }
            if !wallet.topics.is_empty() {
                remarks.push(format!("topics: {}", wallet.topics.join(", ")));
            }
            entities.push(ListEntity {
                source: ListSource::OpenSanctions,
                entity_id: wallet.id,
                kind: EntityKind::Wallet,
                name,
                aliases: Vec::new(),
                programs: wallet.programs,
                countries: wallet.countries,
                birth_dates: Vec::new(),
                addresses,
                identifiers: Vec::new(),
                remarks: remarks.join("\n"),
                topics: wallet.listed_topics,
                owners: Vec::new(),
            });
        } else {
            let mut held_by: Vec<usize> = held_by.into_iter().collect();
            held_by.sort_unstable();
            for i in held_by {
                for address in &addresses {
                    push_unique(&mut entities[i].addresses, address.clone());
                }
            }
        }
    }

    storable(FILE, ImportedList { source: ListSource::OpenSanctions, version: version_from_sha(&sha256), sha256, entities })
}

fn programs(ftm: &FtmEntity) -> Vec<String> {
    let mut out = Vec::new();
    for p in ftm.values("programId").chain(ftm.values("program")) {
        push_unique_str(&mut out, p);
    }
    // A politically exposed person (or a close associate) carries its role topic with its
    // programmes: the review policy reads it as a PEP, a risk factor, not a sanctions match.
    for t in ftm.values("topics").filter(|t| t.starts_with("role.pep") || *t == "role.rca") {
        push_unique_str(&mut out, t);
    }
    out
}

/// An FtM percentage ("50", "50.5", "33.33%") in basis points; `None` when unreadable or outside 0–100.
fn percent_bp(text: &str) -> Option<u32> {
    let value: f64 = text.trim().trim_end_matches('%').trim().parse().ok()?;
    if !(0.0..=100.0).contains(&value) {
        return None;
    }
    // In [0, 10,000]: the cast cannot truncate.
    Some((value * 100.0).round() as u32)
}

/// FtM country codes are ISO 3166-1 alpha-2, lower-case; historical codes (`suhh`) are skipped.
fn countries(ftm: &FtmEntity) -> Vec<String> {
    let mut out = Vec::new();
    for c in ftm.values("nationality").chain(ftm.values("citizenship")).chain(ftm.values("country")).chain(ftm.values("jurisdiction")) {
        if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
            push_unique_str(&mut out, &c.to_ascii_uppercase());
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sanctions::sha256_hex;

    fn fixture() -> Vec<u8> {
        std::fs::read(format!("{}/../../tests/fixtures/sanctions/opensanctions/entities.ftm.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn get<'a>(list: &'a ImportedList, id: &str) -> &'a ListEntity {
        list.entities.iter().find(|e| e.entity_id == id).unwrap()
    }

    #[test]
    fn imports_people_companies_and_skips_other_schemas() {
        let bytes = fixture();
        let list = import_opensanctions(&bytes[..]).unwrap();
        let ids: Vec<&str> = list.entities.iter().map(|e| e.entity_id.as_str()).collect();
        assert_eq!(ids, ["NK-person1", "NK-company1", "NK-org1", "NK-wallet2"]);
        assert_eq!(list.sha256, sha256_hex(&bytes));
        assert_eq!(list.version, format!("sha256:{}", &list.sha256[..16]));
        assert_eq!(list.source, ListSource::OpenSanctions);

        let p = get(&list, "NK-person1");
        assert_eq!(p.kind, EntityKind::Person);
        assert_eq!(p.name, "Ivan Petrovich Testovic");
        assert_eq!(p.aliases, ["Иван Петрович Тестович", "Vanya Testov", "The Tester"]);
        assert_eq!(p.birth_dates, ["1970-01-12"]);
        assert_eq!(p.countries, ["RU", "CY"]);
        assert_eq!(p.programs, ["US-CYBER", "CYBER2"]);
        assert_eq!(p.identifiers, [("passportNumber".to_owned(), "7512345678".to_owned())]);
        assert_eq!(p.remarks, "topics: sanction");

        let c = get(&list, "NK-company1");
        assert_eq!(c.kind, EntityKind::Organization);
        assert_eq!(c.countries, ["AE"]);
        assert_eq!(c.identifiers, [("registrationNumber".to_owned(), "DXB-12345".to_owned())]);
        assert!(c.addresses.is_empty());
        assert_eq!(get(&list, "NK-org1").kind, EntityKind::Organization);

        // Topics are kept as the list gives them; an Ownership joins its asset.
        assert_eq!(p.topics.as_deref(), Some(&["sanction".to_owned()][..]));
        assert_eq!(get(&list, "NK-org1").topics.as_deref(), Some(&["sanction".to_owned(), "crime.terror".to_owned()][..]));
        assert_eq!(c.owners, [Owner { owner_id: "NK-person1".into(), share_bp: Some(10_000), relation: "ownership".into() }]);
        assert!(p.owners.is_empty());
    }

    #[test]
    fn an_entity_without_topics_is_read_as_sanctioned_unless_marked_a_related_party() {
        let input = concat!(
            "{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A\"]}}\n",
            "{\"id\":\"b\",\"schema\":\"Company\",\"target\":false,\"properties\":{\"name\":[\"B\"]}}\n",
            "{\"id\":\"c\",\"schema\":\"Person\",\"target\":false,\"properties\":{\"name\":[\"C\"],\"topics\":[\"role.pep\"]}}\n",
        );
        let list = import_opensanctions(input.as_bytes()).unwrap();
        assert_eq!(get(&list, "a").topics, None);
        assert_eq!(get(&list, "b").topics, Some(Vec::new()));
        assert_eq!(get(&list, "c").topics, Some(vec!["role.pep".to_owned()]));
    }

    #[test]
    fn percentages_read_as_basis_points() {
        assert_eq!(percent_bp("50"), Some(5_000));
        assert_eq!(percent_bp("33.33%"), Some(3_333));
        assert_eq!(percent_bp(" 0.5 "), Some(50));
        assert_eq!(percent_bp("120"), None);
        assert_eq!(percent_bp("half"), None);
    }

    #[test]
    fn wallet_held_by_a_listed_person_becomes_its_address_even_when_it_comes_first() {
        let list = import_opensanctions(&fixture()[..]).unwrap();
        let p = get(&list, "NK-person1");
        assert_eq!(
            p.addresses,
            [
                ("ETH".to_owned(), "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c".to_owned()),
                ("XBT".to_owned(), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".to_owned())
            ]
        );
        assert!(list.entities.iter().all(|e| e.entity_id != "NK-wallet1" && e.entity_id != "NK-wallet3"));
    }

    #[test]
    fn wallet_of_an_unknown_holder_is_its_own_entity() {
        let list = import_opensanctions(&fixture()[..]).unwrap();
        let w = get(&list, "NK-wallet2");
        assert_eq!(w.kind, EntityKind::Wallet);
        assert_eq!(w.name, "TQ5NMZ3L7bL8FdPyC4g2vUXnEp4UePyjgS");
        assert_eq!(w.addresses, [("USDT".to_owned(), "TQ5NMZ3L7bL8FdPyC4g2vUXnEp4UePyjgS".to_owned())]);
        assert_eq!(w.programs, ["CYBER2"]);
        assert_eq!(w.remarks, "holder: NK-not-in-file\ntopics: sanction");
    }

    #[test]
    fn errors_name_the_line() {
        let input = "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"]}}\n\n{\"id\":\"b\",\"schema\":\"Person\",\"properties\":{\"name\":[\"B\"]}\n";
        let err = import_opensanctions(input.as_bytes()).unwrap_err();
        assert_eq!(err.line(), 3);
        assert!(err.to_string().starts_with("FtM JSON lines: line 3: "), "{err}");

        let input = "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{}}\n";
        let err = import_opensanctions(input.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "FtM JSON lines: line 1: Person a has no name");
    }

    #[test]
    fn a_nul_anywhere_in_an_entity_is_refused_before_it_could_be_stored() {
        let input = "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\\u0000B\"]}}\n";
        let err = import_opensanctions(input.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "FtM JSON lines: entity a: name holds the NUL character (U+0000), which cannot be stored");
        assert_eq!(err.line(), 0);
    }
}
