//! The OFAC SDN CSV set: `SDN.CSV`, `ALT.CSV`, `ADD.CSV` and optionally `SDN_COMMENTS.CSV`.
//!
//! No header rows; `-0-` (often padded, `-0- `) means null; text fields quoted with `"`; the files end
//! with a Ctrl-Z (0x1A) line. Digital currency addresses, dates of birth, nationalities and identity
//! documents live in the free-text Remarks (`…; Digital Currency Address - XBT 1A1z…; DOB 12 Jan 1970;
//! nationality Iran; …`), which OFAC cuts at 1,000 characters; `SDN_COMMENTS.CSV` holds the rest,
//! joined here before anything is extracted.

use std::collections::HashMap;

use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};
use sha2::{Digest, Sha256};

use super::{ImportError, ImportedList, Result, country_code, push_unique, push_unique_str, storable, version_from_sha};

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

/// Parses a header-less OFAC CSV file into `(line, fields)`, skipping blank and Ctrl-Z lines. Bytes
/// that are not UTF-8 are read as Latin-1.
fn records(file: &'static str, bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut lines = LineCounter::default();
    let mut out = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| lines.line_at(bytes, p.byte())).unwrap_or(0);
            ImportError::record(file, line, e.to_string())
        })?;
        let line = record.position().map(|p| lines.line_at(bytes, p.byte())).unwrap_or(0);
        let fields: Vec<String> = record.iter().map(decode).collect();
        if fields.iter().all(|f| f.trim().trim_matches('\u{1a}').is_empty()) {
            continue;
        }
        out.push((line, fields));
    }
    Ok(out)
}

/// Line numbers from csv byte offsets (csv's own line counter lags a line behind with CRLF endings: the
/// `\n` of a record's CRLF is consumed with the next record). Offsets only grow, so counting is linear.
#[derive(Default)]
struct LineCounter {
    byte: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], byte: u64) -> u64 {
        let mut target = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // A record "starts" at the line break ending the previous one: skip it.
        while target < bytes.len() && matches!(bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        if target >= self.byte {
            self.newlines += bytes[self.byte..target].iter().filter(|b| **b == b'\n').count() as u64;
            self.byte = target;
            self.newlines + 1
        } else {
            bytes[..target].iter().filter(|b| **b == b'\n').count() as u64 + 1
        }
    }
}

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The trimmed field, `None` when missing, empty or OFAC's `-0-` null.
fn field(fields: &[String], i: usize) -> Option<&str> {
    let value = fields.get(i)?.trim();
    (!value.is_empty() && value != "-0-").then_some(value)
}

fn ent_num(file: &'static str, line: u64, fields: &[String]) -> Result<String> {
    let raw = fields.first().map(|f| f.trim()).unwrap_or_default();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ImportError::record(file, line, format!("ent_num {raw:?} is not a number")));
    }
    Ok(raw.to_owned())
}

/// `SDGT] [IRGC` (OFAC joins programmes with `] [`) → `["SDGT", "IRGC"]`.
fn split_programs(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in raw.split("] [") {
        push_unique_str(&mut out, p.trim().trim_start_matches('[').trim_end_matches(']'));
    }
    out
}

/// Identity documents OFAC writes into Remarks as `<type> <value> (<country>)`.
const IDENTIFIER_PREFIXES: &[&str] = &[
    "Passport",
    "National ID No.",
    "Tax ID No.",
    "Registration Number",
    "Registration ID",
    "Identification Number",
    "Vessel Registration Identification",
    "MMSI",
    "SWIFT/BIC",
    "Cedula No.",
];

/// Extracts digital currency addresses, birth dates, nationalities/citizenships and identity documents
/// from the (joined) remarks.
fn apply_remarks(entity: &mut ListEntity) {
    let remarks = std::mem::take(&mut entity.remarks);
    for segment in remarks.split(';') {
        let s = segment.trim();
        let s = s.strip_suffix('.').unwrap_or(s).trim();
        let s = strip_prefix_ci(s, "alt. ").map(str::trim).unwrap_or(s);
        if let Some(rest) = s.strip_prefix("Digital Currency Address - ") {
            let mut parts = rest.split_whitespace();
            if let (Some(currency), Some(address)) = (parts.next(), parts.next()) {
                let address = address.trim_end_matches(['.', ',']);
                push_unique(&mut entity.addresses, (currency.to_ascii_uppercase(), address.to_owned()));
            }
        } else if let Some(rest) = strip_prefix_ci(s, "DOB ") {
            push_unique_str(&mut entity.birth_dates, &normalise_date(rest.trim()));
        } else if let Some(rest) = strip_prefix_ci(s, "nationality ").or_else(|| strip_prefix_ci(s, "citizen ")) {
            if let Some(code) = country_code(rest) {
                push_unique_str(&mut entity.countries, code);
            }
        } else if let Some((kind, rest)) = IDENTIFIER_PREFIXES.iter().find_map(|p| s.strip_prefix(p).map(|rest| (*p, rest))) {
            let value = rest.split(" (").next().unwrap_or_default().trim();
            if let Some(imo) = value.strip_prefix("IMO ") {
                push_unique(&mut entity.identifiers, ("IMO".to_owned(), imo.trim().to_owned()));
            } else if !value.is_empty() {
                push_unique(&mut entity.identifiers, (kind.to_owned(), value.to_owned()));
            }
        }
    }
    entity.remarks = remarks;
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// `12 Jan 1970` → `1970-01-12`, `Jan 1970` → `1970-01`; anything else (`1970`, `circa 1970`,
/// `1970 to 1972`) as given.
fn normalise_date(raw: &str) -> String {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let month = |m: &str| MONTHS.iter().position(|x| m.len() >= 3 && x.eq_ignore_ascii_case(&m[..3])).map(|i| i + 1);
    let year = |y: &str| (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())).then(|| y.to_owned());
    let parts: Vec<&str> = raw.split_whitespace().collect();
    match parts.as_slice() {
        [d, m, y] => match (d.parse::<u32>().ok().filter(|d| (1..=31).contains(d)), m.get(..3).and(month(m)), year(y)) {
            (Some(d), Some(m), Some(y)) => format!("{y}-{m:02}-{d:02}"),
            _ => raw.to_owned(),
        },
        [m, y] => match (m.get(..3).and(month(m)), year(y)) {
            (Some(m), Some(y)) => format!("{y}-{m:02}"),
            _ => raw.to_owned(),
        },
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../../tests/fixtures/sanctions/ofac_csv/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap()
    }

    fn import() -> ImportedList {
        import_ofac_csv(&fixture("SDN.CSV"), &fixture("ALT.CSV"), &fixture("ADD.CSV"), Some(&fixture("SDN_COMMENTS.CSV"))).unwrap()
    }

    fn get<'a>(list: &'a ImportedList, id: &str) -> &'a ListEntity {
        list.entities.iter().find(|e| e.entity_id == id).unwrap()
    }

    #[test]
    fn imports_every_entity_in_file_order_skipping_the_ctrl_z_line() {
        let list = import();
        let ids: Vec<&str> = list.entities.iter().map(|e| e.entity_id.as_str()).collect();
        assert_eq!(ids, ["36", "7140", "32001", "32002", "15036"]);
        assert_eq!(list.source, ListSource::OfacSdn);
        assert_eq!(list.sha256.len(), 64);
        assert_eq!(list.version, format!("sha256:{}", &list.sha256[..16]));
    }

    #[test]
    fn individual_with_two_akas_dob_and_nationality() {
        let list = import();
        let e = get(&list, "7140");
        assert_eq!(e.kind, EntityKind::Person);
        assert_eq!(e.name, "TESTOVIC, Ivan Petrovich");
        assert_eq!(e.aliases, ["TESTOVICH, Ivan", "TESTOV, Vanya"]);
        assert_eq!(e.programs, ["CYBER2", "RUSSIA-EO14024"]);
        assert_eq!(e.birth_dates, ["1970-01-12", "1971"]);
        assert_eq!(e.countries, ["RU", "CY"]);
        assert_eq!(e.identifiers, [("Passport".to_owned(), "7512345678".to_owned())]);
        assert_eq!(e.addresses, [("XBT".to_owned(), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".to_owned())]);
    }

    #[test]
    fn nulls_become_empty_and_entity_type_null_is_an_organization() {
        let list = import();
        let e = get(&list, "36");
        assert_eq!(e.kind, EntityKind::Organization);
        assert_eq!(e.name, "AEROCARIBBEAN AIRLINES");
        assert_eq!(e.programs, ["CUBA"]);
        assert_eq!(e.remarks, "");
        assert!(e.identifiers.is_empty() && e.addresses.is_empty() && e.aliases.is_empty());
        assert_eq!(e.countries, ["CU"]);
    }

    #[test]
    fn entity_with_eth_and_xbt_addresses_and_address_country() {
        let list = import();
        let e = get(&list, "32001");
        assert_eq!(e.kind, EntityKind::Organization);
        assert_eq!(
            e.addresses,
            [
                ("ETH".to_owned(), "0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353C".to_owned()),
                ("XBT".to_owned(), "bc1qsjpt3yv2nlzv8k6nurl2ygrqh0cnyj4jq5tu9v".to_owned()),
            ]
        );
        assert_eq!(e.programs, ["CYBER2", "SDGT", "IRGC"]);
        assert_eq!(e.countries, ["AE"]);
        assert_eq!(e.aliases, ["EXAMPLE COIN EXCHANGE"]);
    }

    #[test]
    fn remarks_cut_at_1000_chars_are_joined_with_sdn_comments_before_extraction() {
        let sdn = fixture("SDN.CSV");
        let text = String::from_utf8(sdn).unwrap();
        let line = text.lines().find(|l| l.starts_with("32002,")).unwrap();
        let remarks = line.rsplit(",\"").next().unwrap().trim_end_matches('"');
        assert_eq!(remarks.chars().count(), 1000, "fixture remark is cut at exactly 1,000 characters");

        let list = import();
        let e = get(&list, "32002");
        assert_eq!(
            e.addresses,
            [
                ("ETH".to_owned(), "0x7F367cC41522cE07553e823bf3be79A889DEbe1B".to_owned()),
                ("USDT".to_owned(), "TQ5NMZ3L7bL8FdPyC4g2vUXnEp4UePyjgS".to_owned()),
                ("XBT".to_owned(), "3Ez6q8xeXBZ6Dx8JL3fYt2rW5mXwNcGvbe".to_owned()),
            ]
        );
        assert!(e.remarks.len() > 1000);
        assert!(e.remarks.ends_with("Organization Established Date 2019."));

        // Without SDN_COMMENTS.CSV the split address is lost (and its cut fragment is kept as listed).
        let without = import_ofac_csv(&fixture("SDN.CSV"), &fixture("ALT.CSV"), &fixture("ADD.CSV"), None).unwrap();
        let e = get(&without, "32002");
        assert_eq!(e.addresses.len(), 2);
        assert_ne!(e.addresses[1].1, "TQ5NMZ3L7bL8FdPyC4g2vUXnEp4UePyjgS");
    }

    #[test]
    fn vessel_with_call_sign_flag_and_imo() {
        let list = import();
        let e = get(&list, "15036");
        assert_eq!(e.kind, EntityKind::Vessel);
        assert_eq!(e.programs, ["IRAN", "SDGT"]);
        assert_eq!(
            e.identifiers,
            [
                ("Call Sign".to_owned(), "9BQX2".to_owned()),
                ("Vessel Flag".to_owned(), "Iran".to_owned()),
                ("IMO".to_owned(), "9187629".to_owned()),
                ("MMSI".to_owned(), "422031900".to_owned()),
            ]
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let sdn = b"36,\"GOOD\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\nX12,\"BAD\",-0- ,\"CUBA\"\r\n";
        let err = import_ofac_csv(sdn, b"", b"", None).unwrap_err();
        assert_eq!((err.file(), err.line()), ("SDN.CSV", 2));
        assert!(err.to_string().starts_with("SDN.CSV: line 2: ent_num \"X12\""), "{err}");

        let sdn = b"36,\"GOOD\",\"spaceship\",\"CUBA\",-0- \r\n";
        let err = import_ofac_csv(sdn, b"", b"", None).unwrap_err();
        assert_eq!(err.to_string(), "SDN.CSV: line 1: unknown SDN_Type \"spaceship\"");

        let alt = b"36,1,\"aka\",\"X\",-0- \r\n36,2,\"aka\",-0- ,-0- \r\n";
        let err = import_ofac_csv(b"36,\"GOOD\",-0- ,\"CUBA\"\r\n", alt, b"", None).unwrap_err();
        assert_eq!((err.file(), err.line()), ("ALT.CSV", 2));

        let add = b"36,1,-0- ,\"Havana\",\"Cuba\",-0- \r\n\r\n36x,2\r\n";
        let err = import_ofac_csv(b"36,\"GOOD\",-0- ,\"CUBA\"\r\n", b"", add, None).unwrap_err();
        assert_eq!((err.file(), err.line()), ("ADD.CSV", 3));
    }

    #[test]
    fn lf_line_endings_and_broken_quotes_name_the_line() {
        let sdn = b"1,\"A\",-0-,\"X\"\n2,\"B\",-0-,\"X\"\nthree,\"C\",-0-,\"X\"\n";
        let err = import_ofac_csv(sdn, b"", b"", None).unwrap_err();
        assert_eq!((err.file(), err.line()), ("SDN.CSV", 3));
    }

    #[test]
    fn diff_of_two_imports_sees_the_joined_comments_as_a_change() {
        let without = import_ofac_csv(&fixture("SDN.CSV"), &fixture("ALT.CSV"), &fixture("ADD.CSV"), None).unwrap();
        let d = crate::sanctions::diff(&without, &import());
        assert_eq!(d.changed, ["32002"]);
        assert!(d.added.is_empty() && d.removed.is_empty());
        let sdn = String::from_utf8(fixture("SDN.CSV")).unwrap();
        let first_two: String = sdn.split_inclusive("\r\n").take(2).collect();
        let fewer = import_ofac_csv(first_two.as_bytes(), &fixture("ALT.CSV"), &fixture("ADD.CSV"), None).unwrap();
        let d = crate::sanctions::diff(&fewer, &import());
        assert_eq!(d.added, ["15036", "32001", "32002"]);
        assert!(d.removed.is_empty() && d.changed.is_empty());
    }

    #[test]
    fn a_cut_right_after_a_space_keeps_the_space() {
        let sdn = b"5,\"CUT CO\",-0- ,\"CYBER2\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"Website x.test; Digital Currency Address - \"\r\n";
        let comments = b"5,\"XBT 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa; alt. Digital Currency Address - ETH 0xabc.\"\r\n";
        let list = import_ofac_csv(sdn, b"", b"", Some(comments)).unwrap();
        let e = &list.entities[0];
        assert_eq!(
            e.addresses,
            [("XBT".to_owned(), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".to_owned()), ("ETH".to_owned(), "0xabc".to_owned())]
        );
        assert_eq!(
            e.remarks,
            "Website x.test; Digital Currency Address - XBT 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa; alt. Digital Currency Address - ETH 0xabc."
        );
    }

    #[test]
    fn dates_are_normalised_when_exact() {
        assert_eq!(normalise_date("12 Jan 1970"), "1970-01-12");
        assert_eq!(normalise_date("Feb 1965"), "1965-02");
        assert_eq!(normalise_date("1970"), "1970");
        assert_eq!(normalise_date("circa 1970"), "circa 1970");
        assert_eq!(normalise_date("1970 to 1972"), "1970 to 1972");
    }

    #[test]
    fn latin1_bytes_are_decoded() {
        let sdn = b"1,\"JOS\xc9 GARC\xcdA\",\"individual\",\"SDNT\"\r\n";
        let list = import_ofac_csv(sdn, b"", b"", None).unwrap();
        assert_eq!(list.entities[0].name, "JOSÉ GARCÍA");
    }
}
