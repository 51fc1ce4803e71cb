use attune_domain::compliance::PolicyRef;
use attune_domain::dataset::{DocumentOnFile, LicenceKind, PersonalDataBasis, SummaryFacts, training_content_summary};
use attune_domain::provenance::{TRAINING_SUMMARY_SECTIONS, training_summary_gaps};
use chrono::TimeZone;

fn facts() -> SummaryFacts {
    SummaryFacts {
        dataset_name: "support-tickets".into(),
        dataset_manifest_sha256: "a".repeat(64),
        base_model: "tiny-llama 1.0".into(),
        organization: "Acme GmbH".into(),
        generated_at: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        by_licence: vec![(LicenceKind::Own, 10, 1000), (LicenceKind::Web, 25, 2500), (LicenceKind::Licensed, 5, 500)],
        web_domains: (0..25).map(|i| (format!("site{i:02}.example"), 1, 100 + i)).collect(),
        pii_records: 3,
        special_records: 0,
        basis: PersonalDataBasis::default(),
        excluded: vec![("EU_TDM_OPTOUT".into(), 4), ("REVIEWED_BLOCK".into(), 1), ("EU_TDM_OPTOUT".into(), 2)],
        reviewed_allowed: 2,
        agents: vec!["GPTBot".into(), "CCBot".into()],
        noai_directives: vec!["noai".into()],
        top_domain_share: 0.10,
        data_policy: PolicyRef { version: "data-v1".into(), sha256: "d".repeat(64) },
    }
}

#[test]
fn the_summary_has_the_template_sections_and_no_gaps() {
    let value = serde_json::to_value(training_content_summary(&facts())).unwrap();
    for (key, _) in TRAINING_SUMMARY_SECTIONS {
        assert!(value.get(key).is_some(), "{key}");
    }
    for key in ["general_information", "processing"] {
        assert!(value.get(key).is_some(), "{key}");
    }
    assert!(training_summary_gaps(&value).is_empty(), "{:?}", training_summary_gaps(&value));
    let general = &value["general_information"];
    assert_eq!(general["modality"], "text");
    assert_eq!(general["total_records"], 40);
    assert_eq!(general["total_tokens"], 4000);
    assert_eq!(general["template"], "AI Office template for the public summary of training content (July 2025)");
    assert_eq!(general["generated_at"], "2026-01-02T03:04:05Z");
    let back: attune_domain::dataset::TrainingContentSummary = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(back).unwrap(), value);
}

#[test]
fn categories_follow_the_template_order_and_absent_ones_are_left_out() {
    let summary = training_content_summary(&facts());
    let got: Vec<(&str, u64, u64, f64)> =
        summary.data_sources.iter().map(|s| (s.category.as_str(), s.records, s.tokens, s.share_of_tokens)).collect();
    assert_eq!(got, [("licensed_private_datasets", 5, 500, 0.125), ("crawled_web_content", 25, 2500, 0.625), ("own_data", 10, 1000, 0.25)]);
    assert!(summary.data_sources.iter().all(|s| !s.description.is_empty()));
}

#[test]
fn the_top_ten_percent_of_domains_by_tokens_are_listed() {
    let summary = training_content_summary(&facts());
    let top = &summary.top_domains;
    assert_eq!(top.domains_total, 25);
    assert_eq!(top.top_domain_share, 0.10);
    let names: Vec<&str> = top.domains.iter().map(|d| d.domain.as_str()).collect();
    assert_eq!(names, ["site24.example", "site23.example", "site22.example"], "ceil(0.1 × 25) = 3");
    assert_eq!(top.domains[0].tokens, 124);
    assert_eq!(top.domains[0].share, 0.0443, "124 of 2800 web tokens");

    let mut thirty = facts();
    thirty.web_domains = (0..30).map(|i| (format!("d{i:02}.example"), 1, 10)).collect();
    let top = training_content_summary(&thirty).top_domains;
    let names: Vec<&str> = top.domains.iter().map(|d| d.domain.as_str()).collect();
    assert_eq!(names, ["d00.example", "d01.example", "d02.example"], "0.1 × 30 is 3, not 4; ties by name");

    let mut one = facts();
    one.web_domains = vec![("only.example".into(), 1, 1)];
    assert_eq!(training_content_summary(&one).top_domains.domains.len(), 1);
}

#[test]
fn without_web_content_the_sections_stay_valid() {
    let mut f = facts();
    f.by_licence = vec![(LicenceKind::PublicDomain, 7, 70), (LicenceKind::Web, 0, 0)];
    f.web_domains.clear();
    f.excluded.clear();
    f.reviewed_allowed = 0;
    f.pii_records = 0;
    let summary = training_content_summary(&f);
    assert_eq!(summary.data_sources.len(), 1);
    assert_eq!(summary.data_sources[0].category, "publicly_available_datasets");
    assert!(summary.top_domains.domains.is_empty() && summary.top_domains.domains_total == 0);
    assert!(summary.opt_out_policy.text.contains("No web content was used"));
    assert!(summary.opt_out_policy.text.contains("No record was excluded"));
    assert!(!summary.personal_data.text.contains("6(1)(f)"));
    assert!(training_summary_gaps(&serde_json::to_value(&summary).unwrap()).is_empty());
}

#[test]
fn the_texts_are_written_from_the_facts() {
    let summary = training_content_summary(&facts());
    let opt_out = &summary.opt_out_policy;
    for needle in [
        "GPTBot, CCBot",
        "ai.txt",
        "TDM",
        "X-Robots-Tag",
        "noai",
        "human review",
        "7 records were excluded",
        "6 records",
        "EU_TDM_OPTOUT",
        "1 record by a reviewer",
        "2 records",
    ] {
        assert!(opt_out.text.contains(needle), "{needle:?} in {}", opt_out.text);
    }
    let excluded: Vec<(&str, u64)> = opt_out.excluded.iter().map(|e| (e.reason.as_str(), e.records)).collect();
    assert_eq!(excluded, [("EU_TDM_OPTOUT", 6), ("REVIEWED_BLOCK", 1)]);
    assert_eq!(opt_out.reviewed_allowed, 2);
    assert_eq!(summary.personal_data.pii_records, 3);
    let text = &summary.personal_data.text;
    assert!(text.contains("No legitimate-interest assessment is on file yet"), "{text}");
    assert!(summary.processing.text.contains("deduplicated by the sha256") && summary.processing.text.contains("7 records left out"));
    assert_eq!(summary.data_policy.version, "data-v1");
}

/// The summary says only what is true when generated: no LIA is cited before one is on file, no
/// erasure is promised, and once the documents exist the regenerated section cites them.
#[test]
fn the_personal_data_section_cites_only_documents_on_file() {
    let mut f = facts();
    f.special_records = 1;
    let before = training_content_summary(&f).personal_data;
    for promise in ["erasure", "revision"] {
        assert!(!before.text.contains(promise), "{promise:?} in {}", before.text);
    }
    assert!(before.text.contains("no Art. 9(2) condition is on file yet"), "{}", before.text);
    assert_eq!((before.lia_revision, before.art9_revision, before.special_category_records), (None, None, 1));
    let filed = chrono::Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap();
    f.basis = PersonalDataBasis {
        lia: Some(DocumentOnFile { revision: 2, conclusion: "interest_prevails_with_safeguards".into(), filed_at: filed }),
        art9: Some(DocumentOnFile { revision: 1, conclusion: "explicit_consent".into(), filed_at: filed }),
    };
    let after = training_content_summary(&f).personal_data;
    assert!(
        after.text.contains("(revision 2, filed 2026-03-04)") && after.text.contains("interest prevails with safeguards"),
        "{}",
        after.text
    );
    assert!(after.text.contains("Art. 9(2) condition \"explicit consent\" (revision 1"), "{}", after.text);
    assert_eq!((after.lia_revision, after.art9_revision), (Some(2), Some(1)));
}

#[test]
fn a_stored_summary_reads_back() {
    let summary = training_content_summary(&facts());
    let back: attune_domain::dataset::TrainingContentSummary = serde_json::from_value(serde_json::to_value(&summary).unwrap()).unwrap();
    assert_eq!(back, summary);
}

#[test]
fn an_erasure_leaves_the_totals_and_says_what_changed() {
    let mut summary = training_content_summary(&facts());
    let at = chrono::Utc.with_ymd_and_hms(2026, 5, 6, 0, 0, 0).unwrap();
    summary.apply_erasure(at, 2, 1);
    assert_eq!((summary.general_information.total_records, summary.personal_data.pii_records), (38, 1));
    assert!(
        summary.erasures[0].text.starts_with("On 2026-05-06, an erasure request (GDPR Art. 17) removed 2 records"),
        "{}",
        summary.erasures[0].text
    );
    let back: attune_domain::dataset::TrainingContentSummary = serde_json::from_value(serde_json::to_value(&summary).unwrap()).unwrap();
    assert_eq!(back, summary);
}
