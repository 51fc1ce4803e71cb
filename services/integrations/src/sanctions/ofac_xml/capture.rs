//! What the text being read belongs to ([`Capture`]), and where it goes when its element ends: the
//! reference tables (feature, country, document, relation, party and sanctions types), locations,
//! documents, the list date, and the party's names, birth date parts, addresses and programmes.

use super::{FILE, State};
use crate::sanctions::{ImportError, Result, push_unique, push_unique_str};

const DCA_PREFIX: &str = "Digital Currency Address - ";

/// What the text being read belongs to.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Capture {
    FeatureType(String),
    Country { id: String, iso2: Option<String> },
    DocType(String),
    RelationType(String),
    LocationValue,
    DocNumber,
    BirthPart(&'static str),
    PartySubType { id: String, party_type: String },
    PartyType(String),
    SanctionsType(String),
    DatePart(&'static str),
    NamePart,
    Address,
    Program,
}

impl Capture {
    /// The element whose end commits the capture.
    pub(super) fn element(&self) -> &'static [u8] {
        match self {
            Self::FeatureType(_) => b"FeatureType",
            Self::Country { .. } => b"Country",
            Self::DocType(_) => b"IDRegDocType",
            Self::RelationType(_) => b"RelationType",
            Self::LocationValue => b"Value",
            Self::DocNumber => b"IDRegistrationNo",
            Self::BirthPart(name) => name.as_bytes(),
            Self::PartySubType { .. } => b"PartySubType",
            Self::PartyType(_) => b"PartyType",
            Self::SanctionsType(_) => b"SanctionsType",
            Self::DatePart(name) => name.as_bytes(),
            Self::NamePart => b"NamePartValue",
            Self::Address => b"VersionDetail",
            Self::Program => b"Comment",
        }
    }
}

impl State {
    pub(super) fn commit(&mut self, capture: Capture, text: &str, line: u64) -> Result<()> {
        match capture {
            Capture::FeatureType(id) => {
                if let Some(currency) = text.strip_prefix(DCA_PREFIX) {
                    self.feature_currencies.insert(id.clone(), currency.trim().to_ascii_uppercase());
                }
                self.feature_types.insert(id, text.to_owned());
            }
            Capture::Country { id, iso2 } => {
                if let Some(iso2) = iso2.filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())) {
                    let iso2 = iso2.to_ascii_uppercase();
                    self.country_by_name.insert(text.to_lowercase(), iso2.clone());
                    self.country_iso2.insert(id, iso2);
                }
            }
            Capture::DocType(id) => {
                self.doc_types.insert(id, text.to_owned());
            }
            Capture::RelationType(id) => {
                self.relation_types.insert(id, text.to_owned());
            }
            Capture::LocationValue => {
                // A location that names a country (a nationality) and has no LocationCountry.
                if let (Some(location), Some(iso2)) = (self.location.clone(), self.country_by_name.get(&text.to_lowercase()).cloned()) {
                    self.location_country.entry(location).or_insert(iso2);
                }
            }
            Capture::DocNumber => {
                if let (Some((identity, kind)), false) = (self.document.as_ref(), text.is_empty()) {
                    let docs = self.documents.entry(identity.clone()).or_default();
                    push_unique(docs, (kind.clone(), text.to_owned()));
                }
            }
            Capture::BirthPart(part) => {
                let n = text.parse::<u32>().map_err(|_| ImportError::record(FILE, line, format!("Birthdate {part} {text:?}")))?;
                let i = match part {
                    "Year" => 0,
                    "Month" => 1,
                    _ => 2,
                };
                if self.in_to {
                    self.birth_to[i] = Some(n);
                } else {
                    self.birth_from[i] = Some(n);
                }
            }
            Capture::PartySubType { id, party_type } => {
                self.party_subtypes.insert(id, (text.to_owned(), party_type));
            }
            Capture::PartyType(id) => {
                self.party_types.insert(id, text.to_owned());
            }
            Capture::SanctionsType(id) => {
                self.sanctions_types.insert(id, text.to_owned());
            }
            Capture::DatePart(part) => {
                let n = text.parse::<u32>().map_err(|_| ImportError::record(FILE, line, format!("DateOfIssue {part} {text:?}")))?;
                let i = match part {
                    "Year" => 0,
                    "Month" => 1,
                    _ => 2,
                };
                self.date[i] = Some(n);
            }
            Capture::NamePart => {
                if !text.is_empty() {
                    self.name_parts.push(text.to_owned());
                }
            }
            Capture::Address => {
                if let (Some(p), Some(currency), false) = (self.party.as_mut(), self.feature_currency.as_ref(), text.is_empty()) {
                    push_unique(&mut p.addresses, (currency.clone(), text.to_owned()));
                }
            }
            Capture::Program if !text.is_empty() => {
                if let Some(&i) = self.entry_profile.as_ref().and_then(|id| self.by_profile.get(id)) {
                    push_unique_str(&mut self.entities[i].programs, text);
                }
            }
            Capture::Program => {}
        }
        Ok(())
    }
}
