use attune_domain::dataset::{DatasetRecord, LicenceKind, MAX_TEXT_BYTES, ManifestHasher, RecordContent, parse_record};
use attune_domain::provenance::sha256_hex;
use serde_json::{Value, json};

fn fields(value: &Value, prefix: &str) -> Vec<String> {
    parse_record(value, prefix).unwrap_err().0.into_iter().map(|e| e.field).collect()
}

fn messages(value: &Value) -> Vec<String> {
    parse_record(value, "r").unwrap_err().0.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect()
}

fn web_text() -> Value {
    json!({"id": "a1", "text": "Hello, world!", "source_url": "https://WWW.Example.org/page", "licence": {"kind": "web"}, "pii_subject_ids": []})
}

#[test]
fn a_text_record_is_hashed_and_counted() {
    let record = parse_record(&web_text(), "records[0]").unwrap();
    assert_eq!(record.content, RecordContent::Text("Hello, world!".into()));
    assert_eq!(record.content_hash, sha256_hex(b"Hello, world!"));
    assert_eq!(record.tokens, 4, "cl100k_base: Hello , world !");
    assert_eq!(record.domain().as_deref(), Some("example.org"));
    assert!(!record.has_personal_data());
    assert_eq!(record.licence.kind, LicenceKind::Web);
}

#[test]
fn a_given_hash_is_normalised_and_checked() {
    let hash = sha256_hex(b"Hello, world!");
    for given in [hash.clone(), hash.to_uppercase(), format!("sha256:{hash}")] {
        let mut v = web_text();
        v["content_hash"] = json!(given);
        assert_eq!(parse_record(&v, "r").unwrap().content_hash, hash);
    }
    let mut v = web_text();
    v["content_hash"] = json!("0".repeat(64));
    assert_eq!(messages(&v), ["r.content_hash: does not match the sha256 of text"]);
    v["content_hash"] = json!("sha256:abc");
    assert_eq!(fields(&v, "r"), ["r.content_hash"]);
}

#[test]
fn a_uri_record_declares_hash_and_tokens() {
    let hash = "ab".repeat(32);
    let v = json!({"id": "u", "uri": "s3://bucket/key.txt", "content_hash": format!("sha256:{hash}"), "tokens": 120,
        "licence": {"kind": "licensed", "ref": "CC-BY-4.0"}, "pii_subject_ids": ["subject-1"]});
    let record = parse_record(&v, "line 1").unwrap();
    assert_eq!(record.content, RecordContent::Uri("s3://bucket/key.txt".into()));
    assert_eq!((record.content_hash.as_str(), record.tokens), (hash.as_str(), 120));
    assert!(record.has_personal_data());
    assert_eq!(record.domain(), None);

    let bare = json!({"id": "u", "uri": "gs://b/k", "licence": {"kind": "own"}});
    let mut got = fields(&bare, "line 7");
    got.sort();
    assert_eq!(got, ["line 7.content_hash", "line 7.tokens"]);
    assert!(messages(&bare).iter().any(|m| m == "r.content_hash: uri records must give the sha256 of their content"));
}

#[test]
fn all_errors_of_a_record_are_reported_with_the_prefix() {
    let v = json!({"id": "", "text": "x", "uri": "https://e.org/x", "licence": {"kind": "borrowed", "extra": 1},
        "pii_subject_ids": [""], "tokens": -1, "colour": "red"});
    let mut got = fields(&v, "records[3]");
    got.sort();
    let expected = [
        "records[3].colour",
        "records[3].id",
        "records[3].licence.extra",
        "records[3].licence.kind",
        "records[3].pii_subject_ids",
        "records[3].text",
        "records[3].tokens",
    ];
    assert_eq!(got, expected);
    assert!(messages(&v).iter().any(|m| m.starts_with("r.colour: unknown field \"colour\"")));
}

#[test]
fn the_rules_table() {
    let big = "a".repeat(MAX_TEXT_BYTES + 1);
    let hash = "c".repeat(64);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("not an object", json!([1]), "r"),
        ("neither text nor uri", json!({"id": "a", "licence": {"kind": "own"}}), "r.text"),
        ("empty text", json!({"id": "a", "text": "", "licence": {"kind": "own"}}), "r.text"),
        ("text over 1 MiB", json!({"id": "a", "text": big, "licence": {"kind": "own"}}), "r.text"),
        ("id with a control char", json!({"id": "a\u{7}", "text": "t", "licence": {"kind": "own"}}), "r.id"),
        ("id too long", json!({"id": "i".repeat(201), "text": "t", "licence": {"kind": "own"}}), "r.id"),
        ("missing id", json!({"text": "t", "licence": {"kind": "own"}}), "r.id"),
        ("ftp uri", json!({"id": "a", "uri": "ftp://h/x", "content_hash": hash, "tokens": 1, "licence": {"kind": "own"}}), "r.uri"),
        ("relative uri", json!({"id": "a", "uri": "x/y", "content_hash": hash, "tokens": 1, "licence": {"kind": "own"}}), "r.uri"),
        ("web without source_url", json!({"id": "a", "text": "t", "licence": {"kind": "web"}}), "r.source_url"),
        ("non-http source_url", json!({"id": "a", "text": "t", "source_url": "file:///x", "licence": {"kind": "web"}}), "r.source_url"),
        ("licensed without ref", json!({"id": "a", "text": "t", "licence": {"kind": "licensed", "ref": " "}}), "r.licence.ref"),
        ("ref too long", json!({"id": "a", "text": "t", "licence": {"kind": "own", "ref": "x".repeat(501)}}), "r.licence.ref"),
        ("missing licence", json!({"id": "a", "text": "t"}), "r.licence"),
        ("tokens on a text record", json!({"id": "a", "text": "t", "tokens": 1, "licence": {"kind": "own"}}), "r.tokens"),
        (
            "too many subjects",
            json!({"id": "a", "text": "t", "licence": {"kind": "own"}, "pii_subject_ids": vec!["s"; 1001]}),
            "r.pii_subject_ids",
        ),
        (
            "subject too long",
            json!({"id": "a", "text": "t", "licence": {"kind": "own"}, "pii_subject_ids": ["s".repeat(201)]}),
            "r.pii_subject_ids",
        ),
    ];
    for (name, value, field) in cases {
        assert_eq!(fields(&value, "r"), [field], "{name}");
    }
    let licensed = json!({"id": "a", "text": "t", "licence": {"kind": "licensed", "ref": " CC0 "}});
    assert_eq!(parse_record(&licensed, "r").unwrap().licence.reference.as_deref(), Some("CC0"));
    assert_eq!(
        messages(&json!({"id": "a", "text": "t", "licence": {"kind": "licensed"}})),
        ["r.licence.ref: a licensed record names its licence"]
    );
}

fn record(id: &str, text: &str) -> DatasetRecord {
    parse_record(&json!({"id": id, "text": text, "licence": {"kind": "licensed", "ref": "L"}}), "r").unwrap()
}

#[test]
fn the_manifest_entry_is_canonical_json() {
    let a = record("a", "hello");
    let entry = String::from_utf8(a.manifest_entry()).unwrap();
    let expected = format!(
        r#"{{"content_hash":"{}","id":"a","licence":{{"kind":"licensed","ref":"L"}},"pii_subject_ids":[],"tokens":1}}"#,
        sha256_hex(b"hello")
    );
    assert_eq!(entry, expected);
    let web = parse_record(&web_text(), "r").unwrap();
    let entry = String::from_utf8(web.manifest_entry()).unwrap();
    assert!(
        entry.contains(r#""licence":{"kind":"web"},"pii_subject_ids":[],"source_url":"https://www.example.org/page","tokens":4"#),
        "{entry}"
    );
    assert!(!entry.contains("Hello"), "the text itself is represented by its hash");
}

#[test]
fn the_manifest_hash_is_incremental_and_order_sensitive() {
    let (a, b) = (record("a", "one"), record("b", "two"));
    let mut hasher = ManifestHasher::new();
    hasher.push(&a);
    hasher.push(&b);
    assert_eq!(hasher.count(), 2);
    let digest = hasher.finish();
    let mut bytes = a.manifest_entry();
    bytes.push(b'\n');
    bytes.extend(b.manifest_entry());
    bytes.push(b'\n');
    assert_eq!(digest, sha256_hex(&bytes));
    let mut reversed = ManifestHasher::new();
    reversed.push(&b);
    reversed.push(&a);
    assert_ne!(reversed.finish(), digest);
    assert_eq!(ManifestHasher::new().finish(), sha256_hex(b""));
}

#[test]
fn licence_kinds_round_trip() {
    for kind in LicenceKind::ALL {
        assert_eq!(LicenceKind::parse(kind.as_str()), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
    }
    assert!("Web".parse::<LicenceKind>().is_err());
}

/// GDPR Art. 9(1): a record declares the special categories it reveals; they are personal data, so
/// the record names its subjects; the manifest commits to them (and an ordinary record's entry is
/// unchanged).
#[test]
fn special_categories_are_declared_from_the_art9_vocabulary() {
    let ok = parse_record(
        &json!({"id": "p", "text": "t", "licence": {"kind": "own"}, "pii_subject_ids": ["s1"], "special_categories": ["health", "genetic", "health"]}),
        "r",
    )
    .unwrap();
    assert_eq!(ok.special_categories, ["genetic", "health"]);
    assert!(String::from_utf8(ok.manifest_entry()).unwrap().contains(r#""special_categories":["genetic","health"]"#));
    assert!(!String::from_utf8(record("a", "hello").manifest_entry()).unwrap().contains("special_categories"));
    assert_eq!(
        messages(&json!({"id": "p", "text": "t", "licence": {"kind": "own"}, "special_categories": ["health"]})),
        ["r.pii_subject_ids: special-category data is personal data: name the data subjects it is about"]
    );
    let bad = messages(
        &json!({"id": "p", "text": "t", "licence": {"kind": "own"}, "pii_subject_ids": ["s"], "special_categories": ["star_sign"]}),
    );
    assert!(bad[0].starts_with("r.special_categories: entry 0 must be one of racial_or_ethnic_origin"), "{bad:?}");
}
