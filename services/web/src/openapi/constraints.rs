//! What the server checks about a field, written into its schema so that a value the document
//! allows is a value the server takes (and the other way round): enums from the vocabularies, text
//! rules, address and signature shapes, bounds. Each entry names the component and property, and
//! the test below fails when one no longer exists.

use serde_json::{Value, json};

/// `bounded_text`: trimmed, not empty, no control characters. As a pattern: no control character
/// anywhere and at least one that is neither a control character nor white space.
const TEXT: &str =
    r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff][^\x00-\x1f\x7f-\x9f]*$";
/// A string that is not only white space (`trim()` leaves something).
const NOT_BLANK: &str = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]";
/// An address the server takes without a checksum: lower-case hex. A mixed-case address must carry
/// a valid EIP-55 checksum, which a pattern cannot say; it is accepted too.
const ADDRESS: &str = "^0x[0-9a-f]{40}$";
const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

fn text(max: u32) -> Value {
    json!({"pattern": TEXT, "maxLength": max})
}

/// (component schema, property, what to merge into the property's schema).
fn properties() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("RegisterRequest", "password", json!({"minLength": 12, "maxLength": 128})),
        ("RegisterRequest", "name", text(200)),
        ("OrganizationInput", "name", text(200)),
        ("OrganizationInput", "kind", json!({"enum": ["sme", "enterprise", "research", "public_body"]})),
        ("ChallengeRequest", "address", json!({"pattern": ADDRESS})),
        ("LinkRequest", "address", json!({"pattern": ADDRESS})),
        ("LinkRequest", "signature", json!({"pattern": "^0x[0-9a-fA-F]{130}$"})),
        ("SignatureRequest", "signer_address", json!({"pattern": ADDRESS})),
        ("SignatureRequest", "signature", json!({"pattern": "^0x[0-9a-fA-F]{130}$"})),
        (
            "CheckBody",
            "url",
            json!({"pattern": "^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(/[A-Za-z0-9._~/-]*)?$"}),
        ),
        ("StartBody", "level", json!({"enum": ["basic", "enhanced"]})),
        ("OrderBody", "provider", json!({"enum": ["sandbox"]})),
        ("OrderBody", "fiat_currency", json!({"enum": ["EUR", "USD", "GBP"]})),
        ("IndicatorsBody", "monthly_users", json!({"maximum": 1_000_000_000_000_u64})),
        ("IndicatorsBody", "monthly_queries", json!({"maximum": 1_000_000_000_000_u64})),
        ("DecisionBody", "decision", json!({"enum": ["approve", "changes_requested"]})),
        ("DecisionBody", "findings", json!({"maxItems": 50})),
        ("DecisionBody", "notes", json!({"maxLength": 4000})),
        ("CaseDecisionBody", "decision", json!({"enum": ["approve", "reject", "block", "request_info"]})),
        ("ReviewRequest", "decision", json!({"enum": ["approve", "changes_requested"]})),
        ("DecisionRequest", "decision", json!({"enum": ["verify", "reject"]})),
        ("ReviewBody", "decision", json!({"enum": ["allow", "block"]})),
        ("KindVerificationRequest", "decision", json!({"enum": ["verify", "withdraw"]})),
        ("RolesRequest", "roles", json!({"items": {"type": "string", "enum": ["admin", "auditor"]}})),
        ("RegisterRequest", "email", json!({"format": "email", "maxLength": 254})),
        ("ErasureRequestBody", "subject_id", text(200)),
        ("KindVerificationRequest", "evidence", json!({"pattern": NOT_BLANK, "maxLength": 4000})),
        ("ReviewRequest", "notes", json!({"pattern": NOT_BLANK, "maxLength": 4000})),
        ("CreateWorkerRequest", "name", text(100)),
        ("NewPoolBody", "name", text(120)),
        ("NewPoolBody", "description", text(2000)),
        ("NewPoolBody", "sector", json!({"enum": attune_app::pools::sectors()})),
        ("NameBody", "name", json!({"pattern": NOT_BLANK, "maxLength": 300})),
        ("AddressesBody", "addresses", json!({"maxItems": 1000})),
        ("AssessmentBody", "method", json!({"enum": ["lora", "qlora", "full"]})),
    ]
}

/// (path, method, parameter, what to merge into the parameter's schema).
fn parameters() -> Vec<(&'static str, &'static str, &'static str, Value)> {
    vec![
        ("/api/v1/audit-tasks", "get", "status", json!({"enum": ["open", "claimed", "approved", "changes_requested", "withdrawn"]})),
        ("/api/v1/datasets/{id}/records", "get", "gate", json!({"enum": ["allowed", "blocked", "review"]})),
        ("/api/v1/admin/sanctions/imports", "post", "source", json!({"enum": ["ofac_sdn_csv", "ofac_sdn_xml", "opensanctions"]})),
        ("/api/v1/admin/cases", "get", "status", json!({"enum": attune_domain::review::CASE_STATUSES})),
        ("/api/v1/admin/cases", "get", "kind", json!({"enum": attune_domain::review::CASE_KINDS})),
    ]
}

pub fn apply(doc: &mut Value) {
    for (component, property, constraint) in properties() {
        if let Some(Value::Object(schema)) = doc.pointer_mut(&format!("/components/schemas/{component}/properties/{property}")) {
            merge(schema, constraint);
        }
    }
    for (path, method, name, constraint) in parameters() {
        let pointer = format!("/paths/{}/{method}/parameters", path.replace('~', "~0").replace('/', "~1"));
        let Some(Value::Array(params)) = doc.pointer_mut(&pointer) else { continue };
        for param in params.iter_mut().filter(|p| p["name"] == name) {
            if let Some(Value::Object(schema)) = param.get_mut("schema") {
                merge(schema, constraint.clone());
            }
        }
    }
    uuid_patterns(doc);
}

fn merge(schema: &mut serde_json::Map<String, Value>, constraint: Value) {
    if let Value::Object(constraint) = constraint {
        schema.extend(constraint);
    }
}

/// `format: uuid` is an annotation that validators need not check; a nullable uuid (`type:
/// [string, null]`) is generated without it. The pattern says it in every case.
fn uuid_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("uuid") && !map.contains_key("pattern") {
                map.insert("pattern".into(), json!(UUID));
            }
            map.values_mut().for_each(uuid_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(uuid_patterns),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn every_constraint_names_a_documented_field_and_its_patterns_compile() {
        let doc = super::super::document();
        for (component, property, constraint) in super::properties() {
            let at = doc.pointer(&format!("/components/schemas/{component}/properties/{property}"));
            assert!(at.is_some(), "{component}.{property} is not in the document");
            if let Some(p) = constraint.get("pattern").and_then(|p| p.as_str()) {
                assert!(regex_lite::Regex::new(p).is_ok(), "{component}.{property}: {p}");
            }
        }
        for (path, method, name, _) in super::parameters() {
            let params = &doc["paths"][path][method]["parameters"];
            assert!(params.as_array().unwrap().iter().any(|p| p["name"] == name), "{method} {path} has no parameter {name}");
        }
        assert!(
            !super::super::document()["components"]["schemas"]["NewPoolBody"]["properties"]["sector"]["enum"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn text_fields_take_what_bounded_text_takes() {
        let text = regex_lite::Regex::new(super::TEXT).unwrap();
        for ok in ["Ada", " Ada Lovelace ", "Zoë", "株式会社"] {
            assert!(text.is_match(ok), "{ok:?}");
        }
        for bad in ["", "   ", "\u{3000}", "a\u{7}b", "line\nbreak"] {
            assert!(!text.is_match(bad), "{bad:?}");
        }
    }
}
