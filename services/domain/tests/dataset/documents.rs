use attune_domain::documents::{DocumentTemplates, FieldKind, REQUIRED_TEMPLATE_IDS};
use serde_json::{Value, json};

fn templates() -> DocumentTemplates {
    DocumentTemplates::v1().unwrap()
}

fn long(topic: &str) -> String {
    format!("  {topic}: a considered answer that is comfortably longer than the minimum length.  ")
}

fn complete_lia() -> Value {
    json!({
        "purpose": long("purpose"),
        "necessity": long("necessity"),
        "less_intrusive_alternatives": long("alternatives"),
        "reasonable_expectations": long("expectations"),
        "impact": long("impact"),
        "safeguards": long("safeguards"),
        "pseudonymisation": true,
        "opt_out_offered": false,
        "outcome": "interest_prevails_with_safeguards",
    })
}

fn error_fields(result: Result<serde_json::Map<String, Value>, attune_domain::ValidationErrors>) -> Vec<String> {
    result.unwrap_err().0.into_iter().map(|e| e.field).collect()
}

#[test]
fn the_catalogue_has_the_referenced_templates() {
    let catalogue = templates();
    assert_eq!(catalogue.ids(), REQUIRED_TEMPLATE_IDS);
    for id in ["lia", "fria", "risk_assessment", "model_card", "registration"] {
        let template = catalogue.get(id).unwrap();
        assert!(template.fields.len() >= 3, "{id}");
        assert!(!template.title.is_empty() && !template.article.is_empty(), "{id}");
    }
    assert!(catalogue.get("dpia").is_none());
    let reference = catalogue.reference();
    assert_eq!(reference.version, "templates-v1");
    assert_eq!(reference.sha256, attune_domain::provenance::sha256_hex(include_bytes!("../../policy/templates-v1.toml")));
}

#[test]
fn a_complete_lia_validates_and_is_normalised() {
    let lia = templates().get("lia").cloned().unwrap();
    let fields = lia.validate(&complete_lia(), &["DE".to_owned()]).unwrap();
    assert_eq!(fields["purpose"], json!(long("purpose").trim()));
    assert_eq!(fields["pseudonymisation"], json!(true));
    assert!(!fields.contains_key("uk_economic_harm"));
}

#[test]
fn missing_necessity_is_named() {
    let lia = templates().get("lia").cloned().unwrap();
    let mut submitted = complete_lia();
    submitted.as_object_mut().unwrap().remove("necessity");
    assert_eq!(error_fields(lia.validate(&submitted, &[])), ["fields.necessity"]);
    submitted["necessity"] = json!("   ");
    assert_eq!(error_fields(lia.validate(&submitted, &[])), ["fields.necessity"]);
}

#[test]
fn the_uk_economic_harm_question_is_required_only_for_the_uk() {
    let lia = templates().get("lia").cloned().unwrap();
    for uk in ["UK", "gb"] {
        assert_eq!(error_fields(lia.validate(&complete_lia(), &["EU".to_owned(), uk.to_owned()])), ["fields.uk_economic_harm"]);
    }
    assert!(lia.validate(&complete_lia(), &["FR".to_owned()]).is_ok());
    assert!(lia.validate(&complete_lia(), &[]).is_ok());
    let mut with_answer = complete_lia();
    with_answer["uk_economic_harm"] = json!(long("economic harm"));
    assert!(lia.validate(&with_answer, &["UK".to_owned()]).unwrap().contains_key("uk_economic_harm"));
}

#[test]
fn wrong_submissions_are_refused() {
    let lia = templates().get("lia").cloned().unwrap();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("unknown field", json!({"favourite_colour": "blue"}), "fields.favourite_colour"),
        ("choice outside the options", json!({"outcome": "maybe"}), "fields.outcome"),
        ("text under min_chars", json!({"purpose": "too short"}), "fields.purpose"),
        ("text over max_chars", json!({"purpose": "x".repeat(4001)}), "fields.purpose"),
        ("boolean as a string", json!({"pseudonymisation": "yes"}), "fields.pseudonymisation"),
        ("text as a number", json!({"impact": 42}), "fields.impact"),
    ];
    for (name, patch, field) in cases {
        let mut submitted = complete_lia();
        for (k, v) in patch.as_object().unwrap() {
            submitted[k] = v.clone();
        }
        assert_eq!(error_fields(lia.validate(&submitted, &[])), [field], "{name}");
    }
    assert_eq!(error_fields(lia.validate(&json!([1]), &[])), ["fields"]);
    assert_eq!(error_fields(lia.validate(&json!({}), &[])).len(), 9, "every required field is named");
}

#[test]
fn templates_serialise_for_forms() {
    let catalogue = templates();
    let registration = serde_json::to_value(catalogue.get("registration").unwrap()).unwrap();
    let status = registration["fields"].as_array().unwrap().iter().find(|f| f["name"] == "status").unwrap();
    assert_eq!(status["kind"], "choice");
    assert!(status["options"].as_array().unwrap().iter().any(|o| o == "in_service"));
    let fria = catalogue.get("fria").unwrap();
    assert!(fria.fields.iter().any(|f| matches!(f.kind, FieldKind::Text { min_chars, .. } if min_chars > 0)));
    assert!(fria.fields.iter().all(|f| f.required_when_jurisdiction.is_empty()));
}

#[test]
fn a_broken_catalogue_is_refused() {
    let text = include_str!("../../policy/templates-v1.toml");
    assert!(DocumentTemplates::parse(&text.replace("id = \"fria\"", "id = \"fria2\"")).is_err(), "a referenced id missing");
    assert!(DocumentTemplates::parse(&text.replace("kind = \"boolean\"", "kind = \"date\"")).is_err());
    assert!(DocumentTemplates::parse(&text.replace("min_chars = 40", "min_chars = 5000")).is_err(), "min over max");
    assert!(DocumentTemplates::parse(&text.replace("name = \"impact\"", "name = \"purpose\"")).is_err(), "duplicate field");
}

/// templates-v2: a document satisfies its obligations by what it says.
#[test]
fn v2_blockers_name_the_answers_that_keep_obligations_open() {
    let v2 = DocumentTemplates::v2().unwrap();
    assert_eq!(v2.reference().version, "templates-v2");
    let lia = v2.get("lia").unwrap();
    let mut fields = complete_lia();
    let ok = lia.validate(&fields, &[]).unwrap();
    assert!(lia.blocking_answers(&ok).is_empty());
    fields["outcome"] = json!("rights_override");
    let overridden = lia.validate(&fields, &[]).unwrap();
    let reasons: Vec<&str> = lia.blocking_answers(&overridden).iter().map(|b| b.reason.as_str()).collect();
    assert!(reasons.len() == 1 && reasons[0].contains("Art. 6(1)(f)"), "{reasons:?}");
    let fria = v2.get("fria").unwrap();
    assert!(fria.blockers.iter().any(|b| b.field == "authority_notified" && b.equals == json!(false) && b.reason.contains("27(3)")));
    assert!(fria.fields.iter().any(|f| f.name == "authority_notification" && f.required), "the notification is recorded");
    let risk = v2.get("risk_assessment").unwrap();
    assert!(risk.blockers.iter().any(|b| b.equals == json!("not_acceptable")));
    for id in ["art9_condition", "dpia"] {
        assert!(v2.get(id).is_some_and(|t| t.fields.len() >= 4), "{id}");
    }
    // A blocker must name a field and a value the field can take.
    let text = include_str!("../../policy/templates-v2.toml").replacen("equals = \"rights_override\"", "equals = \"maybe\"", 1);
    assert!(DocumentTemplates::parse(&text).unwrap_err().contains("blocker"));
}

/// templates-v3: every template carries its markdown, each field placed once; the remediation plan
/// of the safe harbour is filed like any document; the training content summary is the platform's.
#[test]
fn v3_templates_render_their_markdown_and_the_summary_is_generated() {
    let v3 = DocumentTemplates::current().unwrap();
    assert_eq!(v3.reference().version, "templates-v3");
    let lia = v3.get("lia").unwrap();
    let fields = lia.validate(&complete_lia(), &[]).unwrap();
    let rendered = lia.render(&fields);
    assert!(rendered.starts_with("# "), "{rendered}");
    assert!(!rendered.contains("{{"), "every placeholder filled: {rendered}");
    assert!(rendered.contains(fields["purpose"].as_str().unwrap()));
    let plan = v3.get("remediation_plan").unwrap();
    assert!(!plan.generated && plan.fields.iter().any(|f| f.name == "withdrawal_procedure" && f.required));
    assert!(v3.get("training_content_summary").unwrap().generated);
    for t in v3.templates() {
        assert!(!t.markdown.is_empty(), "{} has markdown", t.id);
    }
    // A placeholder for a field the template lacks, or a field placed twice, is refused.
    let text = include_str!("../../policy/templates-v3.toml");
    assert!(DocumentTemplates::parse(&text.replacen("{{purpose}}", "{{porpoise}}", 1)).is_err());
    assert!(DocumentTemplates::parse(&text.replacen("{{purpose}}", "{{purpose}} {{purpose}}", 1)).is_err());
}
