//! What each element's start and end do to the reading [`State`]: which text to capture, which
//! reference, location or document opens and closes, and when a party is complete.

use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};
use quick_xml::events::BytesStart;

use super::capture::Capture;
use super::party::birth_date;
use super::{FILE, State, attr, required};
use crate::sanctions::{ImportError, Result, push_unique, push_unique_str};

/// Feature types whose location is a country of the party.
const COUNTRY_FEATURES: &[&str] = &["Nationality Country", "Citizenship Country", "Location"];

impl State {
    pub(super) fn start(&mut self, e: &BytesStart<'_>, line: u64) -> Result<Option<Capture>> {
        Ok(match e.local_name().as_ref() {
            b"FeatureType" => Some(Capture::FeatureType(required(e, "ID", line)?)),
            b"Country" => Some(Capture::Country { id: required(e, "ID", line)?, iso2: attr(e, "ISO2", line)? }),
            b"IDRegDocType" => Some(Capture::DocType(required(e, "ID", line)?)),
            b"RelationType" => Some(Capture::RelationType(required(e, "ID", line)?)),
            b"Location" if self.party.is_none() => {
                self.location = Some(required(e, "ID", line)?);
                None
            }
            b"LocationCountry" => {
                let country = attr(e, "CountryID", line)?.and_then(|id| self.country_iso2.get(&id).cloned());
                if let (Some(location), Some(iso2)) = (self.location.clone(), country) {
                    self.location_country.insert(location, iso2);
                }
                None
            }
            b"Value" if self.location.is_some() => Some(Capture::LocationValue),
            b"IDRegDocument" => {
                let kind = attr(e, "IDRegDocTypeID", line)?
                    .and_then(|id| self.doc_types.get(&id).cloned())
                    .unwrap_or_else(|| "Document".to_owned());
                self.document = Some((required(e, "IdentityID", line)?, kind));
                None
            }
            b"IDRegistrationNo" if self.document.is_some() => Some(Capture::DocNumber),
            b"Identity" if self.party.is_some() => {
                if let Some(id) = attr(e, "ID", line)? {
                    self.identities.push(id);
                }
                None
            }
            b"Start" if self.feature_type == "Birthdate" => {
                self.in_start = true;
                None
            }
            b"To" if self.in_start => {
                self.in_to = true;
                None
            }
            b"Year" if self.in_start => Some(Capture::BirthPart("Year")),
            b"Month" if self.in_start => Some(Capture::BirthPart("Month")),
            b"Day" if self.in_start => Some(Capture::BirthPart("Day")),
            b"VersionLocation" if COUNTRY_FEATURES.contains(&self.feature_type.as_str()) => {
                let country = attr(e, "LocationID", line)?.and_then(|id| self.location_country.get(&id).cloned());
                if let (Some(p), Some(iso2)) = (self.party.as_mut(), country) {
                    push_unique_str(&mut p.countries, &iso2);
                }
                None
            }
            b"ProfileRelationship" => {
                self.relate(e, line)?;
                None
            }
            b"PartySubType" => {
                Some(Capture::PartySubType { id: required(e, "ID", line)?, party_type: attr(e, "PartyTypeID", line)?.unwrap_or_default() })
            }
            b"PartyType" => Some(Capture::PartyType(required(e, "ID", line)?)),
            b"SanctionsType" => Some(Capture::SanctionsType(required(e, "ID", line)?)),
            b"DateOfIssue" => {
                self.in_date_of_issue = true;
                None
            }
            b"Year" if self.in_date_of_issue => Some(Capture::DatePart("Year")),
            b"Month" if self.in_date_of_issue => Some(Capture::DatePart("Month")),
            b"Day" if self.in_date_of_issue => Some(Capture::DatePart("Day")),
            b"DistinctParty" => {
                let fixed_ref = required(e, "FixedRef", line)?;
                let mut party = ListEntity::new(ListSource::OfacSdn, fixed_ref, EntityKind::Other, String::new());
                party.topics = Some(vec!["sanction".to_owned()]);
                self.party = Some(party);
                None
            }
            b"Profile" if self.party.is_some() => {
                self.profile_id = attr(e, "ID", line)?;
                let kind = attr(e, "PartySubTypeID", line)?.map(|id| self.kind(&id)).unwrap_or(EntityKind::Other);
                if let Some(p) = self.party.as_mut() {
                    p.kind = kind;
                }
                None
            }
            b"Alias" => {
                self.alias_primary = attr(e, "Primary", line)?.as_deref() == Some("true");
                None
            }
            b"DocumentedName" => {
                self.name_parts.clear();
                None
            }
            b"NamePartValue" if self.party.is_some() => Some(Capture::NamePart),
            b"Feature" if self.party.is_some() => {
                let type_id = attr(e, "FeatureTypeID", line)?.unwrap_or_default();
                self.feature_currency = self.feature_currencies.get(&type_id).cloned();
                self.feature_type = self.feature_types.get(&type_id).cloned().unwrap_or_default();
                self.birth_from = [None; 3];
                self.birth_to = [None; 3];
                None
            }
            b"VersionDetail" if self.feature_currency.is_some() => Some(Capture::Address),
            b"SanctionsEntry" => {
                self.entry_profile = attr(e, "ProfileID", line)?;
                None
            }
            b"SanctionsMeasure" => {
                let type_id = attr(e, "SanctionsTypeID", line)?.unwrap_or_default();
                self.program_measure = self.sanctions_types.get(&type_id).is_some_and(|t| t.eq_ignore_ascii_case("Program"));
                None
            }
            b"Comment" if self.program_measure => Some(Capture::Program),
            _ => None,
        })
    }

    pub(super) fn end(&mut self, name: &[u8], line: u64) -> Result<()> {
        match name {
            b"DateOfIssue" => self.in_date_of_issue = false,
            b"DocumentedName" => {
                let full = std::mem::take(&mut self.name_parts).join(" ");
                if let (Some(p), false) = (self.party.as_mut(), full.is_empty()) {
                    if self.alias_primary && p.name.is_empty() {
                        p.name = full;
                    } else if full != p.name {
                        push_unique_str(&mut p.aliases, &full);
                    }
                }
            }
            b"Alias" => self.alias_primary = false,
            b"Feature" => {
                self.feature_currency = None;
                self.feature_type.clear();
            }
            b"Start" if self.in_start => {
                self.in_start = false;
                if let (Some(p), Some(date)) = (self.party.as_mut(), birth_date(self.birth_from, self.birth_to)) {
                    push_unique_str(&mut p.birth_dates, &date);
                }
            }
            b"To" => self.in_to = false,
            b"Location" => self.location = None,
            b"IDRegDocument" => self.document = None,
            b"DistinctParty" => {
                if let Some(mut p) = self.party.take() {
                    if p.name.is_empty() {
                        if p.aliases.is_empty() {
                            return Err(ImportError::record(FILE, line, format!("DistinctParty {} has no name", p.entity_id)));
                        }
                        p.name = p.aliases.remove(0);
                    }
                    for identity in std::mem::take(&mut self.identities) {
                        for doc in self.documents.remove(&identity).unwrap_or_default() {
                            push_unique(&mut p.identifiers, doc);
                        }
                    }
                    let profile = self.profile_id.take().unwrap_or_else(|| p.entity_id.clone());
                    self.by_profile.insert(profile, self.entities.len());
                    self.entities.push(p);
                }
            }
            b"SanctionsEntry" => self.entry_profile = None,
            b"SanctionsMeasure" => self.program_measure = false,
            _ => {}
        }
        Ok(())
    }
}
