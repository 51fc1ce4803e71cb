//! The importer's tests, over the fixture CSV set and small inline files.

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
    assert_eq!(e.addresses, [("XBT".to_owned(), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".to_owned()), ("ETH".to_owned(), "0xabc".to_owned())]);
    assert_eq!(
        e.remarks,
        "Website x.test; Digital Currency Address - XBT 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa; alt. Digital Currency Address - ETH 0xabc."
    );
}

#[test]
fn latin1_bytes_are_decoded() {
    let sdn = b"1,\"JOS\xc9 GARC\xcdA\",\"individual\",\"SDNT\"\r\n";
    let list = import_ofac_csv(sdn, b"", b"", None).unwrap();
    assert_eq!(list.entities[0].name, "JOSÉ GARCÍA");
}
