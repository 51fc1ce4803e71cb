//! The page: X-Robots-Tag, robots meta, its own fetch, and how the signals combine.

use std::time::Instant;

use attune_domain::optout::{Fetched, OptoutStatus, OriginDocuments, OriginRules, PageFetch, SignalKind, evaluate};

use crate::support::*;

fn xrt(values: &[&str]) -> PageFetch {
    let headers: Vec<(&str, &str)> = values.iter().map(|v| ("x-robots-tag", *v)).collect();
    html_page(&headers, "")
}

fn xrt_status(values: &[&str]) -> OptoutStatus {
    status_of(&eval(&no_docs(), "/a", &xrt(values)), SignalKind::XRobotsTag)
}

fn meta_status(head: &str) -> OptoutStatus {
    status_of(&eval(&no_docs(), "/a", &html_page(&[], head)), SignalKind::RobotsMeta)
}

#[test]
fn x_robots_tag_noai_and_noimageai() {
    assert_eq!(xrt_status(&["noai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["noindex, NoImageAI"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["noindex", "noai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["noindex, nofollow"]), OptoutStatus::Clear);
    let e = eval(&no_docs(), "/a", &xrt(&["noai"]));
    assert_eq!(signal(&e, SignalKind::XRobotsTag).detail, r#"X-Robots-Tag: "noai" for all agents"#);
    assert_eq!(e.status, OptoutStatus::Reserved);
}

#[test]
fn x_robots_tag_absent_is_a_clear_signal() {
    let e = eval(&no_docs(), "/a", &plain_page());
    let s = signal(&e, SignalKind::XRobotsTag);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Clear, "no X-Robots-Tag header"));
}

#[test]
fn x_robots_tag_agent_prefix_applies_only_to_configured_agents() {
    assert_eq!(xrt_status(&["GPTBot: noai, noimageai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["gptbot:noimageai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["OtherBot: noai"]), OptoutStatus::Clear);
    // The prefix scopes the rest of that header; the next header starts unscoped.
    assert_eq!(xrt_status(&["OtherBot: noindex, noai"]), OptoutStatus::Clear);
    assert_eq!(xrt_status(&["OtherBot: noindex", "noai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["OtherBot: noindex, AttuneBot: noai"]), OptoutStatus::Reserved);
    let e = eval(&no_docs(), "/a", &xrt(&["GPTBot: noai"]));
    assert_eq!(signal(&e, SignalKind::XRobotsTag).detail, r#"X-Robots-Tag: "noai" for GPTBot"#);
}

#[test]
fn x_robots_tag_unavailable_after_is_not_an_agent() {
    assert_eq!(xrt_status(&["unavailable_after: 25 Jun 2010 15:00:00 PST, noai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["unavailable_after: Friday, 25-Jun-2010 15:00:00 PST, noai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["max-image-preview: large, noimageai"]), OptoutStatus::Reserved);
    assert_eq!(xrt_status(&["unavailable_after: 25 Jun 2010 15:00:00 PST"]), OptoutStatus::Clear);
}

#[test]
fn robots_meta_noai() {
    assert_eq!(meta_status(r#"<meta name="robots" content="noai">"#), OptoutStatus::Reserved);
    assert_eq!(meta_status(r#"<meta name="ROBOTS" content="noindex, noimageai">"#), OptoutStatus::Reserved);
    assert_eq!(meta_status(r#"<meta content="noai" name="GPTBot">"#), OptoutStatus::Reserved);
    assert_eq!(meta_status(r#"<meta name="OtherBot" content="noai">"#), OptoutStatus::Clear);
    assert_eq!(meta_status(r#"<meta name="robots" content="noindex">"#), OptoutStatus::Clear);
    assert_eq!(meta_status(r#"<!-- <meta name="robots" content="noai"> -->"#), OptoutStatus::Clear);
    let e = eval(&no_docs(), "/a", &html_page(&[], r#"<meta name="robots" content="noai">"#));
    assert_eq!(signal(&e, SignalKind::RobotsMeta).detail, r#"<meta name="robots" content="noai"> (noai)"#);
}

#[test]
fn page_failed_or_gone_is_unknown() {
    let mut page = plain_page();
    page.fetched = failed();
    let e = eval(&no_docs(), "/a", &page);
    let s = signal(&e, SignalKind::Page);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Unknown, "page could not be fetched: server error (HTTP 503)"));
    assert_eq!(e.status, OptoutStatus::Unknown);

    page.fetched = Fetched::Missing { http_status: 410 };
    let e = eval(&no_docs(), "/a", &page);
    let s = signal(&e, SignalKind::Page);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Unknown, "the page is gone (HTTP 410); its own signals cannot be read"));
    assert_eq!(e.status, OptoutStatus::Unknown);
}

#[test]
fn a_page_cut_off_inside_its_head_is_unknown() {
    let mut page = plain_page();
    page.fetched = Fetched::Body { http_status: 200, body: b"<html><head><title>t</title><script>var x".to_vec(), truncated: true };
    let e = eval(&no_docs(), "/a", &page);
    assert_eq!(status_of(&e, SignalKind::Page), OptoutStatus::Unknown);
    // Cut off after the head: fine.
    page.fetched = Fetched::Body { http_status: 200, body: b"<html><head></head><body>lots".to_vec(), truncated: true };
    assert_eq!(eval(&no_docs(), "/a", &page).status, OptoutStatus::Clear);
}

#[test]
fn a_reservation_wins_over_an_unknown() {
    let mut page = plain_page();
    page.fetched = failed();
    let docs = OriginDocuments { ai_txt: failed(), tdmrep_json: body("{"), ..robots("User-agent: GPTBot\nDisallow: /\n") };
    let e = eval(&docs, "/a", &page);
    assert_eq!(e.status, OptoutStatus::Reserved);
    assert_eq!(status_of(&e, SignalKind::AiTxt), OptoutStatus::Unknown);
    assert_eq!(status_of(&e, SignalKind::Page), OptoutStatus::Unknown);
}

#[test]
fn everything_clear_lists_every_source_checked_in_order() {
    let e = eval(&no_docs(), "/a", &plain_page());
    assert_eq!(e.status, OptoutStatus::Clear);
    let kinds: Vec<SignalKind> = e.signals.iter().map(|s| s.signal).collect();
    use SignalKind::*;
    assert_eq!(kinds, vec![RobotsTxt, AiTxt, TdmrepJson, XRobotsTag, RobotsMeta, Page]);
    assert!(e.signals.iter().all(|s| s.status == OptoutStatus::Clear));

    let page = html_page(&[("tdm-reservation", "0"), ("x-robots-tag", "noai")], r#"<meta name="tdm-reservation" content="1">"#);
    let e = eval(&tdmrep(r#"[{"location": "/", "tdm-reservation": 1}]"#), "/a", &page);
    let kinds: Vec<SignalKind> = e.signals.iter().map(|s| s.signal).collect();
    assert_eq!(kinds, vec![RobotsTxt, AiTxt, TdmrepJson, TdmHeader, TdmMeta, XRobotsTag, RobotsMeta, Page]);
}

#[test]
fn non_html_pages_have_no_meta_signals() {
    let page = PageFetch { fetched: body("%PDF-1.7"), headers: vec![], content_type: Some("application/pdf".into()) };
    let e = eval(&no_docs(), "/a.pdf", &page);
    assert!(signals_of(&e, SignalKind::RobotsMeta).is_empty());
    assert_eq!(e.status, OptoutStatus::Clear);
}

#[test]
fn origin_rules_are_send_sync_clone() {
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<OriginRules>();
}

#[test]
fn evaluation_is_cheap_once_rules_are_parsed() {
    let robots = "User-agent: *\nDisallow: /admin/\nDisallow: /*.pdf$\nAllow: /admin/public\n\nUser-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\nDisallow: /private/\n";
    let docs = OriginDocuments {
        robots_txt: body(robots),
        ai_txt: body("User-Agent: *\nDisallow: *.jpg\nDisallow: /*.png$\n"),
        tdmrep_json: body(r#"[{"location": "/private/", "tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}]"#),
    };
    let rules = OriginRules::parse(&docs, &agents());
    let page = html_page(&[("x-robots-tag", "noindex")], r#"<meta charset="utf-8"><title>t</title><meta name="robots" content="index">"#);
    let start = Instant::now();
    for i in 0..2_000 {
        let e = evaluate(&rules, &format!("/articles/{i}?page=2"), &page, &noai());
        assert_eq!(e.status, OptoutStatus::Reserved);
    }
    // Generous even for an unoptimised build; release evaluates in microseconds.
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}
