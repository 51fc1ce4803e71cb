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
//!
//! This file walks the stream: the event loop, the reading `State` and attribute reading. What each
//! element's start and end do, the text captured and where it goes, and a party's resolved details
//! (kind, birth date, owners) each have their own file.

mod capture;
mod elements;
mod party;

use std::collections::HashMap;
use std::io::BufRead;

use attune_domain::sanctions::{ListEntity, ListSource};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{ImportError, ImportedList, Result, TrackingReader, storable, version_from_sha};
use capture::Capture;

const FILE: &str = "SDN_ADVANCED.XML";

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sanctions::sha256_hex;
    use attune_domain::sanctions::{EntityKind, Owner};

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
