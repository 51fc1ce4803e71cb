//! The OFAC SDN CSV set: `SDN.CSV`, `ALT.CSV`, `ADD.CSV` and optionally `SDN_COMMENTS.CSV`.
//!
//! No header rows; `-0-` (often padded, `-0- `) means null; text fields quoted with `"`; the files end
//! with a Ctrl-Z (0x1A) line. Digital currency addresses, dates of birth, nationalities and identity
//! documents live in the free-text Remarks (`…; Digital Currency Address - XBT 1A1z…; DOB 12 Jan 1970;
//! nationality Iran; …`), which OFAC cuts at 1,000 characters; `SDN_COMMENTS.CSV` holds the rest,
//! joined here before anything is extracted.
//!
//! This file builds the entities from the four files; reading their records and fields, and what the
//! Remarks hold, have their own files.

mod records;
mod remarks;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use std::collections::HashMap;

use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};
use sha2::{Digest, Sha256};

use super::{ImportError, ImportedList, Result, country_code, push_unique, push_unique_str, storable, version_from_sha};
use records::{ent_num, field, records, split_programs};
use remarks::apply_remarks;

const SDN: &str = "SDN.CSV";
const ALT: &str = "ALT.CSV";
const ADD: &str = "ADD.CSV";
const COMMENTS: &str = "SDN_COMMENTS.CSV";

/// Imports the OFAC CSV set. `version` is `sha256:` + 16 hex digits of the set's hash (the CSV files
/// carry no publication date).
pub fn import_ofac_csv(sdn: &[u8], alt: &[u8], add: &[u8], comments: Option<&[u8]>) -> Result<ImportedList> {
    let mut entities: Vec<ListEntity> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();

    for (line, fields) in records(SDN, sdn)? {
        let ent_num = ent_num(SDN, line, &fields)?;
        if fields.len() < 4 {
            return Err(ImportError::record(SDN, line, format!("expected 12 fields, found {}", fields.len())));
        }
        let name = field(&fields, 1).ok_or_else(|| ImportError::record(SDN, line, "SDN_Name is empty"))?;
        let kind = match field(&fields, 2).map(|t| t.to_ascii_lowercase()).as_deref() {
            None => EntityKind::Organization,
            Some("individual") => EntityKind::Person,
            Some("vessel") => EntityKind::Vessel,
            Some("aircraft") => EntityKind::Aircraft,
            Some(other) => return Err(ImportError::record(SDN, line, format!("unknown SDN_Type {other:?}"))),
        };
        let mut entity = ListEntity {
            source: ListSource::OfacSdn,
            entity_id: ent_num.clone(),
            kind,
            name: name.to_owned(),
            aliases: Vec::new(),
            programs: field(&fields, 3).map(split_programs).unwrap_or_default(),
            countries: Vec::new(),
            birth_dates: Vec::new(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            // Untrimmed: OFAC's 1,000-character cut may fall right after a space.
            remarks: field(&fields, 11).and(fields.get(11)).map(|r| r.trim_start().to_owned()).unwrap_or_default(),
            // Every SDN entry is a sanctions listing.
            topics: Some(vec!["sanction".to_owned()]),
            owners: Vec::new(),
        };
        if let Some(call_sign) = field(&fields, 5) {
            push_unique(&mut entity.identifiers, ("Call Sign".to_owned(), call_sign.to_owned()));
        }
        if let Some(flag) = field(&fields, 9) {
            push_unique(&mut entity.identifiers, ("Vessel Flag".to_owned(), flag.to_owned()));
        }
        if index.insert(ent_num.clone(), entities.len()).is_some() {
            return Err(ImportError::record(SDN, line, format!("duplicate ent_num {ent_num}")));
        }
        entities.push(entity);
    }

    if let Some(comments) = comments {
        for (line, fields) in records(COMMENTS, comments)? {
            let ent_num = ent_num(COMMENTS, line, &fields)?;
            if let (Some(&i), Some(extra)) = (index.get(&ent_num), fields.get(1)) {
                // The continuation picks up exactly where the 1,000-character cut left off.
                entities[i].remarks.push_str(extra);
            }
        }
    }
    for entity in &mut entities {
        entity.remarks = entity.remarks.trim().to_owned();
        apply_remarks(entity);
    }

    for (line, fields) in records(ALT, alt)? {
        let ent_num = ent_num(ALT, line, &fields)?;
        let Some(&i) = index.get(&ent_num) else { continue };
        let name = field(&fields, 3).ok_or_else(|| ImportError::record(ALT, line, "alt_name is empty"))?;
        let entity = &mut entities[i];
        if name != entity.name {
            push_unique_str(&mut entity.aliases, name);
        }
    }

    for (line, fields) in records(ADD, add)? {
        let ent_num = ent_num(ADD, line, &fields)?;
        let Some(&i) = index.get(&ent_num) else { continue };
        if let Some(code) = field(&fields, 4).and_then(country_code) {
            push_unique_str(&mut entities[i].countries, code);
        }
    }

    let mut hasher = Sha256::new();
    for bytes in [sdn, alt, add, comments.unwrap_or_default()] {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    let sha256 = hex::encode(hasher.finalize());
    storable(SDN, ImportedList { source: ListSource::OfacSdn, version: version_from_sha(&sha256), sha256, entities })
}
