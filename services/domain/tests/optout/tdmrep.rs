//! TDMRep: tdmrep.json first-match-wins, and the file < header < meta precedence.

use attune_domain::optout::{Evaluation, OptoutStatus, OriginDocuments, PageFetch, SignalKind};

use crate::support::*;

const FILE_1: &str = r#"[{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://rights.test/file-policy"}]"#;
const FILE_0: &str = r#"[{"location": "/", "tdm-reservation": 0}]"#;

fn file_status(json: &str, path: &str) -> OptoutStatus {
    eval(&tdmrep(json), path, &plain_page()).status
}

/// The page of a precedence case: header and meta values (None = absent).
fn page(header: Option<&str>, meta: Option<&str>) -> PageFetch {
    let headers: Vec<(&str, &str)> = header.map(|h| vec![("tdm-reservation", h)]).unwrap_or_default();
    let head = meta.map(|m| format!(r#"<meta name="tdm-reservation" content="{m}">"#)).unwrap_or_default();
    html_page(&headers, &head)
}

fn case(file: Option<&str>, header: Option<&str>, meta: Option<&str>) -> Evaluation {
    let docs = file.map_or_else(no_docs, tdmrep);
    eval(&docs, "/articles/1", &page(header, meta))
}

#[test]
fn first_matching_entry_wins_not_the_longest() {
    let json = r#"[{"location": "/", "tdm-reservation": 0}, {"location": "/private/", "tdm-reservation": 1}]"#;
    assert_eq!(file_status(json, "/private/x"), OptoutStatus::Clear);
    let json = r#"[{"location": "/private/", "tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}]"#;
    assert_eq!(file_status(json, "/private/x"), OptoutStatus::Reserved);
    assert_eq!(file_status(json, "/public/x"), OptoutStatus::Clear);
}

#[test]
fn reservation_carries_the_policy_and_names_the_entry() {
    let e = eval(&tdmrep(FILE_1), "/a", &plain_page());
    let s = signal(&e, SignalKind::TdmrepJson);
    assert_eq!(s.status, OptoutStatus::Reserved);
    assert_eq!(s.policy_url.as_deref(), Some("https://rights.test/file-policy"));
    assert_eq!(s.detail, r#"tdmrep.json entry 1 (location "/"): tdm-reservation 1 (TDM rights reserved)"#);
}

#[test]
fn location_patterns() {
    let json = r#"[{"location": "/*.pdf$", "tdm-reservation": 1}, {"location": "/media/*/raw", "tdm-reservation": 1}]"#;
    assert_eq!(file_status(json, "/docs/a.pdf"), OptoutStatus::Reserved);
    assert_eq!(file_status(json, "/docs/a.pdf.html"), OptoutStatus::Clear);
    assert_eq!(file_status(json, "/media/2024/raw/1"), OptoutStatus::Reserved);
    assert_eq!(file_status(json, "/media/2024/cooked"), OptoutStatus::Clear);
    assert_eq!(file_status(r#"[{"location": "*", "tdm-reservation": 1}]"#, "/anything?q=1"), OptoutStatus::Reserved);
}

#[test]
fn no_matching_entry_and_missing_file_are_clear() {
    let e = eval(&tdmrep(r#"[{"location": "/private/", "tdm-reservation": 1}]"#), "/a", &plain_page());
    let s = signal(&e, SignalKind::TdmrepJson);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Clear, "no tdmrep.json entry matches /a"));
    let e = eval(&no_docs(), "/a", &plain_page());
    assert_eq!(signal(&e, SignalKind::TdmrepJson).detail, "tdmrep.json not present (HTTP 404)");
    assert_eq!(file_status("[]", "/a"), OptoutStatus::Clear);
}

#[test]
fn unreadable_files_are_unknown() {
    for json in ["{not json", r#"{"location": "/", "tdm-reservation": 1}"#, ""] {
        let e = eval(&tdmrep(json), "/a", &plain_page());
        assert_eq!(status_of(&e, SignalKind::TdmrepJson), OptoutStatus::Unknown, "{json}");
        assert_eq!(e.status, OptoutStatus::Unknown, "{json}");
    }
    let e = eval(&OriginDocuments { tdmrep_json: failed(), ..no_docs() }, "/a", &plain_page());
    assert_eq!(signal(&e, SignalKind::TdmrepJson).detail, "tdmrep.json could not be fetched: server error (HTTP 503)");
}

#[test]
fn a_matching_entry_without_a_valid_reservation_is_unknown() {
    for value in ["2", r#""1""#, "null", "-1", "0.5"] {
        let json = format!(r#"[{{"location": "/", "tdm-reservation": {value}}}]"#);
        assert_eq!(file_status(&json, "/a"), OptoutStatus::Unknown, "{value}");
    }
    assert_eq!(file_status(r#"[{"location": "/"}]"#, "/a"), OptoutStatus::Unknown);
    // A bad entry that does not match the path is irrelevant to it.
    let json = r#"[{"location": "/other/", "tdm-reservation": 2}, {"location": "/", "tdm-reservation": 0}]"#;
    assert_eq!(file_status(json, "/a"), OptoutStatus::Clear);
}

#[test]
fn an_invalid_entry_is_unknown_only_for_urls_that_reach_it() {
    let json = r#"[{"location": "/ok/", "tdm-reservation": 0}, {"tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}]"#;
    assert_eq!(file_status(json, "/ok/1"), OptoutStatus::Clear);
    assert_eq!(file_status(json, "/other"), OptoutStatus::Unknown);
    assert_eq!(file_status(r#"["/", {"location": "/", "tdm-reservation": 0}]"#, "/a"), OptoutStatus::Unknown);
    assert_eq!(file_status(r#"[{"location": "articles/", "tdm-reservation": 0}]"#, "/a"), OptoutStatus::Unknown);
}

// ---- precedence: file < header < meta; a missing value never resets an earlier one ----

#[test]
fn file_1_header_absent_meta_absent_is_reserved_by_the_file() {
    let e = case(Some(FILE_1), None, None);
    assert_eq!(e.status, OptoutStatus::Reserved);
    assert_eq!(status_of(&e, SignalKind::TdmrepJson), OptoutStatus::Reserved);
    assert!(signals_of(&e, SignalKind::TdmHeader).is_empty());
    assert!(signals_of(&e, SignalKind::TdmMeta).is_empty());
}

#[test]
fn file_1_header_0_is_clear() {
    let e = case(Some(FILE_1), Some("0"), None);
    assert_eq!(e.status, OptoutStatus::Clear);
    let file = signal(&e, SignalKind::TdmrepJson);
    assert_eq!(file.status, OptoutStatus::Clear);
    assert_eq!(file.detail, r#"tdmrep.json entry 1 (location "/"): tdm-reservation 1, overridden by the HTTP header"#);
    assert_eq!(signal(&e, SignalKind::TdmHeader).detail, "HTTP header: tdm-reservation 0 (not reserved)");
}

#[test]
fn file_0_header_1_meta_0_is_clear() {
    let e = case(Some(FILE_0), Some("1"), Some("0"));
    assert_eq!(e.status, OptoutStatus::Clear);
    assert_eq!(signal(&e, SignalKind::TdmHeader).detail, "HTTP header: tdm-reservation 1, overridden by the HTML meta tag");
    assert_eq!(signal(&e, SignalKind::TdmMeta).detail, "HTML meta tag: tdm-reservation 0 (not reserved)");
}

#[test]
fn file_1_header_absent_meta_0_is_clear() {
    let e = case(Some(FILE_1), None, Some("0"));
    assert_eq!(e.status, OptoutStatus::Clear);
    assert!(signal(&e, SignalKind::TdmrepJson).detail.ends_with("overridden by the HTML meta tag"));
}

#[test]
fn later_layers_reserve_and_get_the_attribution() {
    let e = case(None, Some("1"), None);
    assert_eq!((e.status, status_of(&e, SignalKind::TdmHeader)), (OptoutStatus::Reserved, OptoutStatus::Reserved));
    let e = case(Some(FILE_0), Some("0"), Some("1"));
    assert_eq!(e.status, OptoutStatus::Reserved);
    assert_eq!(status_of(&e, SignalKind::TdmrepJson), OptoutStatus::Clear);
    assert_eq!(status_of(&e, SignalKind::TdmHeader), OptoutStatus::Clear);
    assert_eq!(status_of(&e, SignalKind::TdmMeta), OptoutStatus::Reserved);
    // Header 1, meta absent: the absent meta does not reset it.
    assert_eq!(case(Some(FILE_0), Some("1"), None).status, OptoutStatus::Reserved);
}

#[test]
fn policy_comes_from_the_winning_layer_else_the_latest_that_gave_one() {
    let page = html_page(&[("tdm-reservation", "1"), ("tdm-policy", "https://rights.test/header-policy")], "");
    let e = eval(&tdmrep(FILE_1), "/a", &page);
    assert_eq!(signal(&e, SignalKind::TdmHeader).policy_url.as_deref(), Some("https://rights.test/header-policy"));

    // The header wins without a policy of its own: the file's policy is the latest given.
    let e = eval(&tdmrep(FILE_1), "/a", &html_page(&[("tdm-reservation", "1")], ""));
    assert_eq!(signal(&e, SignalKind::TdmHeader).policy_url.as_deref(), Some("https://rights.test/file-policy"));

    // A meta policy without a reservation supplies the policy of the file's reservation.
    let head = r#"<meta name="tdm-policy" content="https://rights.test/meta-policy">"#;
    let e = eval(&tdmrep(r#"[{"location": "/", "tdm-reservation": 1}]"#), "/a", &html_page(&[], head));
    let file = signal(&e, SignalKind::TdmrepJson);
    assert_eq!((file.status, file.policy_url.as_deref()), (OptoutStatus::Reserved, Some("https://rights.test/meta-policy")));
    assert_eq!(status_of(&e, SignalKind::TdmMeta), OptoutStatus::Clear);
}

#[test]
fn header_names_are_case_insensitive_and_values_trimmed() {
    let page = html_page(&[("TDM-Reservation", " 1 ")], "");
    assert_eq!(eval(&no_docs(), "/a", &page).status, OptoutStatus::Reserved);
}

#[test]
fn unparsable_or_conflicting_header_and_meta_values_are_unknown() {
    for header in ["yes", "true", "", "1; 0"] {
        let e = case(None, Some(header), None);
        assert_eq!(status_of(&e, SignalKind::TdmHeader), OptoutStatus::Unknown, "{header:?}");
        assert_eq!(e.status, OptoutStatus::Unknown, "{header:?}");
    }
    let conflicting = html_page(&[("tdm-reservation", "1"), ("tdm-reservation", "0")], "");
    assert_eq!(eval(&no_docs(), "/a", &conflicting).status, OptoutStatus::Unknown);
    let head = r#"<meta name="tdm-reservation" content="1"><meta name="TDM-reservation" content="0">"#;
    let e = eval(&no_docs(), "/a", &html_page(&[], head));
    assert_eq!((e.status, status_of(&e, SignalKind::TdmMeta)), (OptoutStatus::Unknown, OptoutStatus::Unknown));
    // The same value twice is not a conflict.
    let head = r#"<meta name="tdm-reservation" content="1"><meta name="tdm-reservation" content=" 1">"#;
    assert_eq!(eval(&no_docs(), "/a", &html_page(&[], head)).status, OptoutStatus::Reserved);
}

#[test]
fn an_unreadable_later_layer_overrides_rather_than_falls_back() {
    // file 1, header "yes": the header is present but its intent unknown.
    let e = case(Some(FILE_1), Some("yes"), None);
    assert_eq!(e.status, OptoutStatus::Unknown);
    assert_eq!(status_of(&e, SignalKind::TdmrepJson), OptoutStatus::Clear);
}

#[test]
fn meta_forms_and_comments() {
    let head = "<!-- <meta name=\"tdm-reservation\" content=\"1\"> --><META CONTENT='1' Name = TDM-RESERVATION >";
    assert_eq!(eval(&no_docs(), "/a", &html_page(&[], head)).status, OptoutStatus::Reserved);
    let commented = "<!-- <meta name=\"tdm-reservation\" content=\"1\"> -->";
    let e = eval(&no_docs(), "/a", &html_page(&[], commented));
    assert_eq!(e.status, OptoutStatus::Clear);
    assert!(signals_of(&e, SignalKind::TdmMeta).is_empty());
}

#[test]
fn meta_after_the_head_or_in_a_non_html_page_is_not_read() {
    let mut page = page(None, None);
    page.fetched = body(r#"<html><head></head><body><meta name="tdm-reservation" content="1"></body></html>"#);
    assert_eq!(eval(&no_docs(), "/a", &page).status, OptoutStatus::Clear);
    page.fetched = body(r#"<html><head><meta name="tdm-reservation" content="1"></head></html>"#);
    page.content_type = Some("application/json".into());
    let e = eval(&no_docs(), "/a", &page);
    assert_eq!(e.status, OptoutStatus::Clear);
    assert!(signals_of(&e, SignalKind::TdmMeta).is_empty());
    // Without a content type, a body that starts like HTML is HTML.
    page.content_type = None;
    assert_eq!(eval(&no_docs(), "/a", &page).status, OptoutStatus::Reserved);
}
