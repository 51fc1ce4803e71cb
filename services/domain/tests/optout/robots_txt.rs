//! robots.txt: per-agent groups, `*`, longest match, `$`/`*`, our own bot, 404 and failures.

use attune_domain::optout::{Fetched, OptoutStatus, OriginDocuments, SignalKind};

use crate::support::*;

fn robots_status(text: &str, path: &str) -> OptoutStatus {
    status_of(&eval(&robots(text), path, &plain_page()), SignalKind::RobotsTxt)
}

#[test]
fn gptbot_disallowed_others_allowed_is_reserved_naming_gptbot() {
    let e = eval(&robots("User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"), "/articles/1", &plain_page());
    assert_eq!(e.status, OptoutStatus::Reserved);
    let s = signal(&e, SignalKind::RobotsTxt);
    assert_eq!(s.status, OptoutStatus::Reserved);
    assert_eq!(s.detail, "GPTBot may not fetch /articles/1 (robots.txt)");
}

#[test]
fn agent_names_match_case_insensitively_and_groups_can_list_several_agents() {
    let e = eval(&robots("user-agent: gptbot\nuser-agent: ccbot\ndisallow: /private\n"), "/private/x", &plain_page());
    assert_eq!(signal(&e, SignalKind::RobotsTxt).detail, "GPTBot, CCBot may not fetch /private/x (robots.txt)");
    assert_eq!(robots_status("user-agent: gptbot\nuser-agent: ccbot\ndisallow: /private\n", "/public"), OptoutStatus::Clear);
}

#[test]
fn star_group_applies_to_agents_without_their_own_group() {
    let text = "User-agent: *\nDisallow: /\n\nUser-agent: Google-Extended\nAllow: /\n";
    let e = eval(&robots(text), "/a", &plain_page());
    assert_eq!(signal(&e, SignalKind::RobotsTxt).detail, "GPTBot, CCBot, AttuneBot may not fetch /a (robots.txt)");
}

#[test]
fn a_specific_group_replaces_the_star_group_entirely() {
    // GPTBot's own group has no rule for /a, so the `*` disallow does not apply to it.
    let text = "User-agent: *\nDisallow: /a\n\nUser-agent: GPTBot\nDisallow: /b\n";
    let e = eval(&robots(text), "/a", &plain_page());
    assert_eq!(signal(&e, SignalKind::RobotsTxt).detail, "CCBot, Google-Extended, AttuneBot may not fetch /a (robots.txt)");
}

#[test]
fn our_own_bot_name_is_consulted() {
    let e = eval(&robots("User-agent: AttuneBot\nDisallow: /\n"), "/x", &plain_page());
    assert_eq!(signal(&e, SignalKind::RobotsTxt).detail, "AttuneBot may not fetch /x (robots.txt)");
}

#[test]
fn longest_match_wins_and_allow_wins_ties() {
    let text = "User-agent: *\nDisallow: /shop\nAllow: /shop/public\n";
    assert_eq!(robots_status(text, "/shop/public/1"), OptoutStatus::Clear);
    assert_eq!(robots_status(text, "/shop/cart"), OptoutStatus::Reserved);
    let tie = "User-agent: *\nDisallow: /page\nAllow: /page\n";
    assert_eq!(robots_status(tie, "/page/1"), OptoutStatus::Clear);
    // A longer disallow beats a shorter allow.
    assert_eq!(robots_status("User-agent: *\nAllow: /\nDisallow: /secret\n", "/secret/1"), OptoutStatus::Reserved);
}

#[test]
fn star_and_dollar_patterns() {
    let text = "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*/drafts/\n";
    assert_eq!(robots_status(text, "/files/report.pdf"), OptoutStatus::Reserved);
    assert_eq!(robots_status(text, "/files/report.pdf?download=1"), OptoutStatus::Clear);
    assert_eq!(robots_status(text, "/files/report.pdfx"), OptoutStatus::Clear);
    assert_eq!(robots_status(text, "/blog/drafts/1"), OptoutStatus::Reserved);
    assert_eq!(robots_status(text, "/blog/posts/1"), OptoutStatus::Clear);
}

#[test]
fn empty_disallow_allows_everything() {
    assert_eq!(robots_status("User-agent: GPTBot\nDisallow:\n", "/a"), OptoutStatus::Clear);
}

#[test]
fn clear_signal_says_what_was_checked() {
    let e = eval(&robots("User-agent: *\nDisallow: /private\n"), "/a", &plain_page());
    let s = signal(&e, SignalKind::RobotsTxt);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Clear, "no AI crawler is disallowed from /a (robots.txt)"));
}

#[test]
fn missing_robots_txt_is_clear() {
    let e = eval(&no_docs(), "/a", &plain_page());
    let s = signal(&e, SignalKind::RobotsTxt);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Clear, "robots.txt not present (HTTP 404)"));
    assert_eq!(e.status, OptoutStatus::Clear);
}

#[test]
fn failed_robots_txt_is_unknown() {
    let e = eval(&OriginDocuments { robots_txt: failed(), ..no_docs() }, "/a", &plain_page());
    let s = signal(&e, SignalKind::RobotsTxt);
    assert_eq!(s.status, OptoutStatus::Unknown);
    assert_eq!(s.detail, "robots.txt could not be fetched: server error (HTTP 503)");
    assert_eq!(e.status, OptoutStatus::Unknown);

    let timeout = Fetched::Failed { http_status: None, error: "timed out".into() };
    let e = eval(&OriginDocuments { robots_txt: timeout, ..no_docs() }, "/a", &plain_page());
    assert_eq!(signal(&e, SignalKind::RobotsTxt).detail, "robots.txt could not be fetched: timed out");
}

#[test]
fn robots_txt_the_crate_cannot_parse_is_unknown() {
    // The parser accepts any text; what it rejects is a rule whose pattern compiles past its regex
    // size limit (a guard against adversarial files).
    let rule: String = (0..4000).map(|i| format!("{}*", (b'a' + (i % 26) as u8) as char)).collect();
    let e = eval(&robots(&format!("User-agent: *\nDisallow: /{rule}$\n")), "/a", &plain_page());
    let s = signal(&e, SignalKind::RobotsTxt);
    assert_eq!(s.status, OptoutStatus::Unknown, "{s:?}");
    assert!(s.detail.starts_with("robots.txt could not be parsed"), "{}", s.detail);
}

#[test]
fn truncated_robots_txt_is_still_read() {
    let mut text = "User-agent: GPTBot\nDisallow: /\n".to_string();
    text.push_str("# padding\n");
    let docs = OriginDocuments { robots_txt: Fetched::Body { http_status: 200, body: text.into_bytes(), truncated: true }, ..no_docs() };
    let s = signal(&eval(&docs, "/a", &plain_page()), SignalKind::RobotsTxt).clone();
    assert_eq!(s.status, OptoutStatus::Reserved);
    assert!(s.detail.contains("only the first part"), "{}", s.detail);
}

#[test]
fn a_versioned_user_agent_line_selects_the_agent() {
    // texting_robots alone compares the whole value ("gptbot/1.0" != "gptbot"); we reduce it to
    // the product token first, as RFC 9309 and Google do.
    assert_eq!(robots_status("User-agent: GPTBot/1.0\nDisallow: /\n", "/a"), OptoutStatus::Reserved);
    assert_eq!(robots_status("User-agent: OtherBot/2\nDisallow: /\n", "/a"), OptoutStatus::Clear);
}

#[test]
fn robots_txt_url_itself_is_always_allowed_by_the_crate() {
    // texting_robots hard-codes /robots.txt as allowed.
    assert_eq!(robots_status("User-agent: *\nDisallow: /\n", "/robots.txt"), OptoutStatus::Clear);
    assert_eq!(robots_status("User-agent: *\nDisallow: /\n", "/robots.txt2"), OptoutStatus::Reserved);
}
