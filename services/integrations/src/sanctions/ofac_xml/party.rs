//! A party's details resolved from what was read: its birth date from its parts, its owners from
//! `ProfileRelationship`s, and its kind from the party type reference tables.

use attune_domain::sanctions::{EntityKind, Owner};
use quick_xml::events::BytesStart;

use super::{State, attr};
use crate::sanctions::Result;

/// A birth date from its `From` (and `To`) parts: `1970-01-12`, `1970-01`, `1970`, or a range of
/// years `1968 to 1969`.
pub(super) fn birth_date(from: [Option<u32>; 3], to: [Option<u32>; 3]) -> Option<String> {
    let date = match from {
        [Some(y), Some(m), Some(d)] => format!("{y:04}-{m:02}-{d:02}"),
        [Some(y), Some(m), None] => format!("{y:04}-{m:02}"),
        [Some(y), ..] => format!("{y:04}"),
        _ => return None,
    };
    match (from[0], to[0]) {
        (Some(a), Some(b)) if b != a => Some(format!("{a:04} to {b:04}")),
        _ => Some(date),
    }
}

impl State {
    /// A `ProfileRelationship` whose type says owned or controlled: `From` is owned or controlled by
    /// `To`. Relations to a profile not in the file, and other relations (associates, agents), are
    /// not ownership and are dropped.
    pub(super) fn relate(&mut self, e: &BytesStart<'_>, line: u64) -> Result<()> {
        let relation = attr(e, "RelationTypeID", line)?.and_then(|id| self.relation_types.get(&id).cloned()).unwrap_or_default();
        let lower = relation.to_lowercase();
        if !(lower.contains("owned") || lower.contains("controlled")) {
            return Ok(());
        }
        let (Some(from), Some(to)) = (attr(e, "From-ProfileID", line)?, attr(e, "To-ProfileID", line)?) else { return Ok(()) };
        let (Some(&owned), Some(&owner)) = (self.by_profile.get(&from), self.by_profile.get(&to)) else { return Ok(()) };
        let owner_id = self.entities[owner].entity_id.clone();
        let link = Owner { owner_id, share_bp: None, relation };
        if owned != owner && !self.entities[owned].owners.contains(&link) {
            self.entities[owned].owners.push(link);
        }
        Ok(())
    }

    /// `PartySubType` "Vessel"/"Aircraft", else by its `PartyType` ("Individual"/"Entity"); OFAC's
    /// fixed ids (1 vessel, 2 aircraft, 3 entity, 4 individual) when the reference sets are absent.
    pub(super) fn kind(&self, subtype_id: &str) -> EntityKind {
        let Some((subtype, party_type)) = self.party_subtypes.get(subtype_id) else {
            return match subtype_id {
                "1" => EntityKind::Vessel,
                "2" => EntityKind::Aircraft,
                "3" => EntityKind::Organization,
                "4" => EntityKind::Person,
                _ => EntityKind::Other,
            };
        };
        match subtype.as_str() {
            "Vessel" => EntityKind::Vessel,
            "Aircraft" => EntityKind::Aircraft,
            _ => match self.party_types.get(party_type).map(String::as_str) {
                Some("Individual") => EntityKind::Person,
                Some("Entity") => EntityKind::Organization,
                _ => EntityKind::Other,
            },
        }
    }
}
