//! Spawning's ai.txt: robots.txt grammar over paths and file-extension patterns.

use attune_domain::optout::{OptoutStatus, OriginDocuments, SignalKind};

use crate::support::*;

fn ai_status(text: &str, path: &str) -> OptoutStatus {
    status_of(&eval(&ai_txt(text), path, &plain_page()), SignalKind::AiTxt)
}

/// The shape Spawning's generator produces.
const SPAWNING: &str = "# Spawning AI\n# Prevent datasets from using the following file types\n\nUser-Agent: *\nDisallow: *.jpg\nDisallow: *.jpeg\nDisallow: /*.png$\nDisallow: *.txt\n";

#[test]
fn extension_rules_without_a_leading_slash_work_unchanged() {
    // texting_robots treats a leading `*` as "any prefix"; no normalisation is needed.
    assert_eq!(ai_status(SPAWNING, "/photos/cat.jpg"), OptoutStatus::Reserved);
    assert_eq!(ai_status(SPAWNING, "/cat.jpeg"), OptoutStatus::Reserved);
    assert_eq!(ai_status(SPAWNING, "/notes/readme.txt"), OptoutStatus::Reserved);
    assert_eq!(ai_status(SPAWNING, "/a/b.png"), OptoutStatus::Reserved);
    assert_eq!(ai_status(SPAWNING, "/articles/1"), OptoutStatus::Clear);
    assert_eq!(ai_status(SPAWNING, "/index.html"), OptoutStatus::Clear);
}

#[test]
fn dollar_anchors_and_unanchored_extensions_match_anywhere() {
    // `/*.png$` is anchored: a query string escapes it; `*.jpg` is not: it matches mid-path.
    assert_eq!(ai_status(SPAWNING, "/a/b.png?w=200"), OptoutStatus::Clear);
    assert_eq!(ai_status(SPAWNING, "/a/b.jpg?w=200"), OptoutStatus::Reserved);
    assert_eq!(ai_status(SPAWNING, "/b.jpg.html"), OptoutStatus::Reserved);
}

#[test]
fn path_rules_and_longest_match() {
    let text = "User-Agent: *\nDisallow: /\nAllow: *.html\n";
    assert_eq!(ai_status(text, "/gallery/"), OptoutStatus::Reserved);
    assert_eq!(ai_status(text, "/post.html"), OptoutStatus::Clear);
    assert_eq!(ai_status("User-Agent: *\nDisallow: /images/\n", "/images/a"), OptoutStatus::Reserved);
    assert_eq!(ai_status("User-Agent: *\nDisallow: /images/\n", "/text/a"), OptoutStatus::Clear);
}

#[test]
fn a_group_for_a_configured_agent_counts() {
    let e = eval(&ai_txt("User-Agent: CCBot\nDisallow: /\n"), "/a", &plain_page());
    let s = signal(&e, SignalKind::AiTxt);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Reserved, "CCBot may not fetch /a (ai.txt)"));
}

#[test]
fn star_reservation_names_every_agent() {
    let e = eval(&ai_txt("User-Agent: *\nDisallow: /\n"), "/a", &plain_page());
    assert_eq!(signal(&e, SignalKind::AiTxt).detail, "GPTBot, CCBot, Google-Extended, AttuneBot may not fetch /a (ai.txt)");
    assert_eq!(e.status, OptoutStatus::Reserved);
}

#[test]
fn missing_ai_txt_is_clear_and_failed_is_unknown() {
    let e = eval(&no_docs(), "/a", &plain_page());
    let s = signal(&e, SignalKind::AiTxt);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Clear, "ai.txt not present (HTTP 404)"));

    let e = eval(&OriginDocuments { ai_txt: failed(), ..no_docs() }, "/a", &plain_page());
    let s = signal(&e, SignalKind::AiTxt);
    assert_eq!((s.status, s.detail.as_str()), (OptoutStatus::Unknown, "ai.txt could not be fetched: server error (HTTP 503)"));
    assert_eq!(e.status, OptoutStatus::Unknown);
}
