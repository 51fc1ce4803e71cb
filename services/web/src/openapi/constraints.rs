//! What the server checks about a field, written into its schema so that a value the document
//! allows is a value the server takes (and the other way round): enums from the vocabularies, text
//! rules, address and signature shapes, bounds. Each entry names the component and property, and
//! the test below fails when one no longer exists.

use serde_json::{Value, json};

/// `bounded_text`: trimmed, not empty, no control characters. As a pattern: no control character
/// anywhere and at least one that is neither a control character nor white space.
const TEXT: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$";
/// A string that is not only white space (`trim()` leaves something): one character outside
/// Unicode's White_Space, which is what `str::trim` removes.
const NOT_BLANK: &str = r"[^\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// An address the server takes without a checksum: lower-case hex. A mixed-case address must carry
/// a valid EIP-55 checksum, which a pattern cannot say; it is accepted too.
const ADDRESS: &str = "^0x[0-9a-f]{40}$";
const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// `jobs::idempotency_key`: 1 to 255 visible ASCII characters.
static IDEMPOTENCY_KEY: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| json!({"type": "string", "pattern": "^[!-~]{1,255}$", "minLength": 1, "maxLength": 255}));

/// Assigned ISO 3166-1 alpha-2 codes, without the comprehensively embargoed jurisdictions that
/// registration refuses.
fn countries_open_to_registration() -> Vec<&'static str> {
    attune_domain::account::assigned_country_codes().filter(|c| attune_app::screening::embargo_refusal(c).is_none()).collect()
}

fn text(max: u32) -> Value {
    json!({"pattern": TEXT, "maxLength": max})
}

/// Trimmed, not empty, at most `max` characters (control characters allowed).
fn not_blank(max: u32) -> Value {
    json!({"pattern": NOT_BLANK, "maxLength": max})
}

fn vocabulary<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| text(*v)).collect()
}

/// The `deployment` object (`attune_domain::compliance::DeploymentContext`), its vocabularies read
/// from the compliance policy in force.
fn deployment() -> Value {
    use attune_domain::compliance::{Autonomy, DerogationGround, Level, Policy};
    let policy = Policy::current().ok();
    let ids = |list: Vec<String>| json!(list);
    let sectors = policy.map(|p| p.sectors().iter().map(|s| s.id.clone()).collect()).unwrap_or_default();
    let practices = policy.map(|p| p.prohibited_practices().iter().map(|s| s.id.clone()).collect()).unwrap_or_default();
    let functions = policy.map(|p| p.functions().iter().map(|s| s.id.clone()).collect()).unwrap_or_default();
    json!({
        "type": "object",
        "required": ["purpose", "sectors", "jurisdictions", "expected_monthly_users", "monthly_queries", "autonomy", "revenue_dependence"],
        "properties": {
            "purpose": not_blank(2000),
            "sectors": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ids(sectors)}},
            "prohibited_practices": {"type": "array", "items": {"type": "string", "enum": ids(practices)}},
            "functions": {"type": "array", "items": {"type": "string", "enum": ids(functions)}},
            "jurisdictions": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": attune_domain::compliance::jurisdiction_codes()}},
            "expected_monthly_users": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
            "monthly_queries": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
            "autonomy": {"type": "string", "enum": vocabulary(Autonomy::ALL, Autonomy::as_str)},
            "revenue_dependence": {"type": "string", "enum": vocabulary(Level::ALL, Level::as_str)},
            "vulnerable_groups": {"type": "boolean"},
            "public_facing": {"type": "boolean"},
            "profiles_natural_persons": {"type": "boolean"},
            "commercial": {"type": "boolean", "description": "Defaults to true; only a research organisation's non-commercial purpose can use the research exceptions."},
            "provides_public_service": {"type": "boolean"},
            "art6_3_derogation": {
                "type": ["object", "null"],
                "required": ["ground", "justification"],
                "properties": {
                    "ground": {"type": "string", "enum": vocabulary(DerogationGround::ALL, DerogationGround::as_str)},
                    "justification": not_blank(100_000),
                },
            },
        },
    })
}

fn hyperparameters() -> Value {
    json!({
        "type": "object",
        "required": ["epochs"],
        "properties": {
            "epochs": {"type": "integer", "minimum": 1, "maximum": u32::MAX},
            "lora_rank": {"type": ["integer", "null"], "minimum": 1, "maximum": u32::MAX},
            "learning_rate": {"type": ["number", "null"], "exclusiveMinimum": 0},
            "tokens": {"type": ["integer", "null"], "minimum": 1, "maximum": u64::MAX, "description": "Required when no dataset is given."},
        },
    })
}

/// (component schema, property, what to merge into the property's schema).
fn properties() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("RegisterRequest", "password", json!({"minLength": 12, "maxLength": 128})),
        ("RegisterRequest", "name", text(200)),
        ("OrganizationInput", "name", text(200)),
        ("OrganizationInput", "country", json!({"enum": countries_open_to_registration()})),
        ("OrganizationInput", "kind", json!({"enum": ["sme", "enterprise", "research", "public_body"]})),
        ("ChallengeRequest", "address", json!({"pattern": ADDRESS})),
        ("LinkRequest", "address", json!({"pattern": ADDRESS})),
        ("LinkRequest", "signature", json!({"pattern": "^0x[0-9a-fA-F]{130}$"})),
        ("SignatureRequest", "signer_address", json!({"pattern": ADDRESS})),
        ("SignatureRequest", "signature", json!({"pattern": "^0x[0-9a-fA-F]{130}$"})),
        ("CheckBody", "url", json!({"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f-\x9f]+$"})),
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
        ("CreateWorkerRequest", "name", not_blank(100)),
        ("NewPoolBody", "name", text(120)),
        ("NewPoolBody", "description", text(2000)),
        ("NewPoolBody", "sector", json!({"enum": attune_app::pools::sectors()})),
        ("NameBody", "name", json!({"pattern": NOT_BLANK, "maxLength": 300})),
        ("AddressesBody", "addresses", json!({"maxItems": 1000})),
        ("AssessmentBody", "method", json!({"enum": vocabulary(attune_domain::compliance::TrainingMethod::ALL, |m| m.as_str())})),
        ("AssessmentBody", "deployment", deployment()),
        ("AssessmentBody", "hyperparameters", hyperparameters()),
        ("ModelRequest", "name", not_blank(200)),
        ("ModelRequest", "version", not_blank(64)),
        ("ModelRequest", "architecture", not_blank(100)),
        ("ModelRequest", "licence", not_blank(100)),
        ("ModelRequest", "parameter_count", json!({"minimum": 1, "maximum": i64::MAX})),
        ("ModelRequest", "training_flops", json!({"minimum": 0})),
        ("ModelRequest", "intended_uses", json!({"minItems": 1, "items": {"type": "string", "enum": attune_app::pools::sectors()}})),
        ("ModelRequest", "files", json!({"minItems": 1})),
        ("FileDto", "path", json!({"pattern": "^[^/]([^/]|/[^/])*$", "maxLength": 512, "not": {"pattern": "(^|/)\\.\\.(/|$)"}})),
        ("FileDto", "sha256", json!({"pattern": "^[0-9a-f]{64}$"})),
        ("FileDto", "uri", json!({"pattern": NOT_BLANK})),
        ("LineageDto", "relation", json!({"enum": ["finetune", "adapter", "merge", "quantized", null]})),
        ("PricingDto", "licence_fee", json!({"pattern": "^[0-9]{1,18}$"})),
        ("CaseDecisionBody", "notes", not_blank(4000)),
        (
            "DecisionBody",
            "",
            json!({"if": {"properties": {"decision": {"const": "changes_requested"}}, "required": ["decision"]},
                   "then": {"required": ["findings"], "properties": {"findings": {"minItems": 1}}}}),
        ),
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
        ("/api/v1/jobs", "post", "Idempotency-Key", IDEMPOTENCY_KEY.clone()),
        ("/api/v1/erasure-requests", "post", "Idempotency-Key", IDEMPOTENCY_KEY.clone()),
        ("/api/v1/onramp/orders", "post", "Idempotency-Key", IDEMPOTENCY_KEY.clone()),
    ]
}

/// (path, method, the request body).
fn request_bodies() -> Vec<(&'static str, &'static str, Value)> {
    let record = json!({
        "type": "object",
        "required": ["id", "licence"],
        "properties": {
            "id": {"type": "string", "pattern": NOT_BLANK},
            "text": {"type": "string"},
            "uri": {"type": "string"},
            "source_url": {"type": ["string", "null"]},
            "content_hash": {"type": ["string", "null"]},
            "licence": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "ref": {"type": ["string", "null"]}}},
            "pii_subject_ids": {"type": "array", "items": {"type": "string"}},
            "special_categories": {"type": "array", "items": {"type": "string"}},
            "tokens": {"type": ["integer", "null"], "minimum": 0},
        },
    });
    vec![
        (
            "/api/v1/datasets",
            "post",
            json!({
                "required": true,
                "description": "JSON `{name, records}`, or NDJSON (one record per line) with `name` in the query.",
                "content": {
                    "application/json": {"schema": {"type": "object", "required": ["name", "records"], "properties": {
                        "name": not_blank(200),
                        "records": {"type": "array", "minItems": 1, "items": record},
                    }}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                },
            }),
        ),
        (
            "/api/v1/admin/sanctions/imports",
            "post",
            json!({
                "required": true,
                "description": "`ofac_sdn_csv`: multipart parts `sdn.csv` (required), `alt.csv`, `add.csv`, `sdn_comments.csv`. \
                                `ofac_sdn_xml` (SDN_ADVANCED.XML) and `opensanctions` (FollowTheMoney JSON lines): the file as the body. \
                                A file that lists no entities is refused (422 on `file`).",
                "content": {
                    "multipart/form-data": {"schema": {"type": "object", "required": ["sdn.csv"], "properties": {
                        "sdn.csv": {"type": "string", "format": "binary"},
                        "alt.csv": {"type": "string", "format": "binary"},
                        "add.csv": {"type": "string", "format": "binary"},
                        "sdn_comments.csv": {"type": "string", "format": "binary"},
                    }}},
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                },
            }),
        ),
    ]
}

pub fn apply(doc: &mut Value) {
    for (path, method, body) in request_bodies() {
        let pointer = format!("/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1"));
        if let Some(Value::Object(op)) = doc.pointer_mut(&pointer) {
            op.insert("requestBody".into(), body);
        }
    }
    for (component, property, constraint) in properties() {
        let pointer = match property {
            "" => format!("/components/schemas/{component}"),
            p => format!("/components/schemas/{component}/properties/{p}"),
        };
        if let Some(Value::Object(schema)) = doc.pointer_mut(&pointer) {
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
            let at = match property {
                "" => doc.pointer(&format!("/components/schemas/{component}")),
                p => doc.pointer(&format!("/components/schemas/{component}/properties/{p}")),
            };
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
        // What `trim()` leaves, exactly.
        let not_blank = regex_lite::Regex::new(super::NOT_BLANK).unwrap();
        for raw in ["x", "\u{94}", "\u{1}", "\u{feff}", " \t\n", "\u{85}\u{a0}", "\u{3000}", "", "\u{200b}"] {
            assert_eq!(not_blank.is_match(raw), !raw.trim().is_empty(), "{raw:?}");
        }
    }
}
