//! OFAC `SDN_ADVANCED.XML`, streamed with quick-xml (the tree is never built).
//!
//! Extracted: the list date (`DateOfIssue`), each `DistinctParty` (`FixedRef` = the CSV's `ent_num`)
//! with its kind (`Profile/@PartySubTypeID` through `PartySubTypeValues`/`PartyTypeValues`), its names
//! (`Alias/DocumentedName/DocumentedNamePart/NamePartValue`, parts joined by a space; the first name of
//! the `Primary="true"` alias is the name, the rest are aliases), its digital currency addresses
//! (`Feature` whose `FeatureType` is `Digital Currency Address - <currency code>`, e.g. `- ETH`, value in
//! `FeatureVersion/VersionDetail`) and its programmes (`SanctionsEntry/SanctionsMeasure` of type
//! `Program`, the code in `Comment`); its birth dates (`Birthdate` features' `DatePeriod/Start`, a
//! range as `1968 to 1969`); its countries — nationality, citizenship and address locations, each a
//! `VersionLocation` resolved through `<Locations>` to its `LocationCountry` or, for a nationality, to
//! the country its only part names, then to the country's `ISO2`; its identity documents
//! (`<IDRegDocuments>` linked by `IdentityID` to the party's `Identity`, as `(type, number)`); and who
//! owns or controls it (`ProfileRelationship`s whose type says owned or controlled, `From` owned by
//! `To`). Every SDN entry is a sanctions listing (topic `sanction`). Not extracted: remarks.

use std::collections::HashMap;
use std::io::BufRead;

use attune_domain::sanctions::{EntityKind, ListEntity, ListSource, Owner};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{ImportError, ImportedList, Result, TrackingReader, push_unique, push_unique_str, storable, version_from_sha};

const FILE: &str = "SDN_ADVANCED.XML";
const DCA_PREFIX: &str = "Digital Currency Address - ";

/// What the text being read belongs to.
#[derive(Clone, PartialEq, Eq)]
enum Capture {
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
    fn element(&self) -> &'static [u8] {
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

#[derive(Default)]
struct State {
    // Reference value sets, locations and documents (they precede the parties in the file).
    feature_currencies: HashMap<String, String>,
    feature_types: HashMap<String, String>,
    /// Country id → ISO2, and country name (lower case) → ISO2.
    country_iso2: HashMap<String, String>,
    country_by_name: HashMap<String, String>,
    doc_types: HashMap<String, String>,
    relation_types: HashMap<String, String>,
    /// Location id → ISO2 of its country.
    location_country: HashMap<String, String>,
    location: Option<String>,
    /// Identity id → its documents `(type, number)`.
    documents: HashMap<String, Vec<(String, String)>>,
    document: Option<(String, String)>,
    party_subtypes: HashMap<String, (String, String)>,
    party_types: HashMap<String, String>,
    sanctions_types: HashMap<String, String>,
    date: [Option<u32>; 3],
    in_date_of_issue: bool,
    // The party being read.
    party: Option<ListEntity>,
    profile_id: Option<String>,
    alias_primary: bool,
    name_parts: Vec<String>,
    feature_currency: Option<String>,
    feature_type: String,
    identities: Vec<String>,
    /// The birth date being read: `DatePeriod/Start` `From` and `To` parts (year, month, day).
    in_start: bool,
    in_to: bool,
    birth_from: [Option<u32>; 3],
    birth_to: [Option<u32>; 3],
    // The sanctions entry being read.
    entry_profile: Option<String>,
    program_measure: bool,
    // Output.
    entities: Vec<ListEntity>,
    by_profile: HashMap<String, usize>,
}

/// Feature types whose location is a country of the party.
const COUNTRY_FEATURES: &[&str] = &["Nationality Country", "Citizenship Country", "Location"];

/// Imports `SDN_ADVANCED.XML`. `version` is the `DateOfIssue` (`2024-01-05`), else `sha256:` + 16 hex
/// digits of the input.
pub fn import_ofac_advanced(reader: impl BufRead) -> Result<ImportedList> {
    let mut xml = Reader::from_reader(TrackingReader::new(reader));
    xml.config_mut().trim_text(true);
    // `<VersionLocation LocationID="…"/>`, `<LocationCountry …/>`, `<ProfileRelationship …/>` are
    // empty elements: read as a start and an end.
    xml.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut st = State::default();
    let mut capture: Option<Capture> = None;
    let mut text = String::new();
    let mut seen_root = false;

    loop {
        let event = xml.read_event_into(&mut buf).map_err(|e| ImportError::record(FILE, xml.get_ref().line(), e.to_string()))?;
        // quick-xml consumes the input up to the end of the event: this is the line the event ends on.
        let line = xml.get_ref().line();
        match event {
            Event::Start(e) => {
                if !seen_root {
                    if e.local_name().as_ref() != b"Sanctions" {
                        let root = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                        return Err(ImportError::record(FILE, line, format!("root element is <{root}>, not <Sanctions>")));
                    }
                    seen_root = true;
                }
                if let Some(c) = st.start(&e, line)? {
                    capture = Some(c);
                    text.clear();
                }
            }
            Event::Text(t) if capture.is_some() => {
                let s = t.unescape().map_err(|e| ImportError::record(FILE, line, e.to_string()))?;
                text.push_str(&s);
            }
            Event::CData(c) if capture.is_some() => text.push_str(&String::from_utf8_lossy(&c)),
            Event::End(e) => {
                let name = e.local_name();
                if let Some(c) = capture.take_if(|c| c.element() == name.as_ref()) {
                    st.commit(c, text.trim(), line)?;
                    text.clear();
                }
                st.end(name.as_ref(), line)?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !seen_root {
        return Err(ImportError::record(FILE, xml.get_ref().line(), "no <Sanctions> element"));
    }
    let sha256 = xml.into_inner().finish().map_err(|source| ImportError::Io { file: FILE, line: 0, source })?;
    let version = match st.date {
        [Some(y), Some(m), Some(d)] => format!("{y:04}-{m:02}-{d:02}"),
        _ => version_from_sha(&sha256),
    };
    storable(FILE, ImportedList { source: ListSource::OfacSdn, version, sha256, entities: st.entities })
}

/// A birth date from its `From` (and `To`) parts: `1970-01-12`, `1970-01`, `1970`, or a range of
/// years `1968 to 1969`.
fn birth_date(from: [Option<u32>; 3], to: [Option<u32>; 3]) -> Option<String> {
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

fn attr(e: &BytesStart<'_>, name: &str, line: u64) -> Result<Option<String>> {
    match e.try_get_attribute(name) {
        Ok(Some(a)) => {
            let v = a.unescape_value().map_err(|err| ImportError::record(FILE, line, err.to_string()))?;
            Ok(Some(v.into_owned()))
        }
        Ok(None) => Ok(None),
        Err(err) => Err(ImportError::record(FILE, line, err.to_string())),
    }
}

fn required(e: &BytesStart<'_>, name: &str, line: u64) -> Result<String> {
    attr(e, name, line)?.ok_or_else(|| {
        let element = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        ImportError::record(FILE, line, format!("<{element}> has no {name} attribute"))
    })
}

impl State {
    fn start(&mut self, e: &BytesStart<'_>, line: u64) -> Result<Option<Capture>> {
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

    fn commit(&mut self, capture: Capture, text: &str, line: u64) -> Result<()> {
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

    fn end(&mut self, name: &[u8], line: u64) -> Result<()> {
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

    /// A `ProfileRelationship` whose type says owned or controlled: `From` is owned or controlled by
    /// `To`. Relations to a profile not in the file, and other relations (associates, agents), are
    /// not ownership and are dropped.
    fn relate(&mut self, e: &BytesStart<'_>, line: u64) -> Result<()> {
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
    fn kind(&self, subtype_id: &str) -> EntityKind {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sanctions::sha256_hex;

    fn fixture() -> Vec<u8> {
        std::fs::read(format!("{}/../../tests/fixtures/sanctions/ofac_xml/SDN_ADVANCED.XML", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn imports_a_party_with_names_addresses_kind_and_programs() {
        let bytes = fixture();
        let list = import_ofac_advanced(&bytes[..]).unwrap();
        assert_eq!(list.version, "2024-11-20");
        assert_eq!(list.sha256, sha256_hex(&bytes));
        assert_eq!(list.entities.len(), 2);
        let e = &list.entities[0];
        assert_eq!(e.source, ListSource::OfacSdn);
        assert_eq!(e.entity_id, "7140");
        assert_eq!(e.kind, EntityKind::Person);
        assert_eq!(e.name, "TESTOVIC Ivan Petrovich");
        assert_eq!(e.aliases, ["TESTOVICH Ivan", "ТЕСТОВИЧ Иван", "TESTOV & SONS Vanya"]);
        assert_eq!(
            e.addresses,
            [
                ("XBT".to_owned(), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".to_owned()),
                ("ETH".to_owned(), "0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353C".to_owned()),
            ]
        );
        assert_eq!(e.programs, ["CYBER2", "RUSSIA-EO14024"]);
        assert_eq!(e.topics.as_deref(), Some(&["sanction".to_owned()][..]));
    }

    #[test]
    fn imports_the_full_record_birth_dates_countries_documents_and_owners() {
        let list = import_ofac_advanced(&fixture()[..]).unwrap();
        let person = &list.entities[0];
        assert_eq!(person.birth_dates, ["1970-01-12", "1968 to 1969"]);
        // The nationality location names its country; resolved through CountryValues.
        assert_eq!(person.countries, ["RU"]);
        assert_eq!(person.identifiers, [("Passport".to_owned(), "720000001".to_owned())]);
        // Its "Associate Of" relation is no ownership.
        assert!(person.owners.is_empty());

        let company = &list.entities[1];
        assert_eq!(company.entity_id, "7141");
        assert_eq!(company.kind, EntityKind::Organization);
        // An address location with its LocationCountry; the undetermined one has no ISO2.
        assert_eq!(company.countries, ["CY"]);
        assert_eq!(company.identifiers, [("Registration Number".to_owned(), "HE 123456".to_owned())]);
        // Owned or controlled by the person; the link to a profile not in the file is dropped.
        assert_eq!(company.owners, [Owner { owner_id: "7140".into(), share_bp: None, relation: "Owned or Controlled By".into() }]);
        assert_eq!(company.programs, ["RUSSIA-EO14024"]);
    }

    #[test]
    fn errors_name_the_line() {
        let xml = "<?xml version=\"1.0\"?>\n<Sanctions>\n<DistinctParties>\n<DistinctParty FixedRef=\"1\">\n</Profile>\n</DistinctParty>\n</DistinctParties>\n</Sanctions>\n";
        let err = import_ofac_advanced(xml.as_bytes()).unwrap_err();
        assert_eq!(err.file(), "SDN_ADVANCED.XML");
        assert_eq!(err.line(), 5, "{err}");

        let xml = "<Sanctions>\n<DistinctParties>\n<DistinctParty>\n</DistinctParty>\n</DistinctParties>\n</Sanctions>\n";
        let err = import_ofac_advanced(xml.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "SDN_ADVANCED.XML: line 3: <DistinctParty> has no FixedRef attribute");

        let xml = "<Sanctions>\n<DistinctParties>\n<DistinctParty FixedRef=\"9\">\n<Profile ID=\"9\" PartySubTypeID=\"3\"/>\n</DistinctParty>\n</DistinctParties>\n</Sanctions>\n";
        let err = import_ofac_advanced(xml.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "SDN_ADVANCED.XML: line 5: DistinctParty 9 has no name");

        let err = import_ofac_advanced(&b"<html>\n</html>"[..]).unwrap_err();
        assert_eq!(err.to_string(), "SDN_ADVANCED.XML: line 1: root element is <html>, not <Sanctions>");
    }
}
