//! The page's own directives: the `tdm-reservation`/`tdm-policy` headers (a TDMRep layer), the
//! `X-Robots-Tag` header and `<meta name="robots"|"<agent>">` noai directives.

use super::html::Head;
use super::tdmrep::{Layer, layer_from_values};
use super::{OptoutStatus, Signal, SignalKind};

/// Directive names that may appear before a ':' in an X-Robots-Tag without it being a user agent.
const KNOWN_DIRECTIVES: &[&str] = &[
    "all",
    "noindex",
    "nofollow",
    "none",
    "noarchive",
    "nosnippet",
    "notranslate",
    "noimageindex",
    "unavailable_after",
    "max-snippet",
    "max-image-preview",
    "max-video-preview",
    "indexifembedded",
    "noai",
    "noimageai",
];

fn header_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers.iter().filter(|(n, _)| n.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
}

/// The `tdm-reservation` / `tdm-policy` response-header layer.
pub(crate) fn tdm_header_layer(headers: &[(String, String)]) -> Layer {
    let value = layer_from_values("header", &header_values(headers, "tdm-reservation"), &header_values(headers, "tdm-policy"));
    Layer { kind: SignalKind::TdmHeader, source: "HTTP header".into(), value }
}

/// The `<meta name="tdm-reservation">` / `<meta name="tdm-policy">` layer.
pub(crate) fn tdm_meta_layer(head: &Head) -> Layer {
    let value = layer_from_values("meta tag", &head.contents("tdm-reservation"), &head.contents("tdm-policy"));
    Layer { kind: SignalKind::TdmMeta, source: "HTML meta tag".into(), value }
}

/// The first word of `directives` (split on commas and whitespace) that is a noai directive.
fn noai_word<'a>(directives: &'a str, noai: &[String]) -> Option<&'a str> {
    directives
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .find(|word| !word.is_empty() && noai.iter().any(|d| d.eq_ignore_ascii_case(word)))
}

/// Whether `prefix` (the text before the first ':' of a directive) names a user agent.
fn is_agent_prefix(prefix: &str, agents: &[String]) -> bool {
    if agents.iter().any(|a| a.eq_ignore_ascii_case(prefix)) {
        return true;
    }
    // Not a directive, and shaped like a product token ("unavailable_after: Friday, 25-Jun-2010
    // 15:00:00 PST" splits into a part whose prefix has a space and starts with a digit).
    let token = prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let lower = prefix.to_ascii_lowercase();
    token && prefix.starts_with(|c: char| c.is_ascii_alphabetic()) && !KNOWN_DIRECTIVES.contains(&lower.as_str())
}

/// `X-Robots-Tag`: every header, comma-separated directives; "agent: d1, d2" scopes the directives
/// that follow it (within that header) to the agent, which must be one of ours to count.
pub(crate) fn x_robots_signal(headers: &[(String, String)], agents: &[String], noai: &[String]) -> Signal {
    let values = header_values(headers, "x-robots-tag");
    let mut found: Vec<String> = Vec::new();
    for value in &values {
        let mut scope: Option<&str> = None;
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mut directive = part;
            if let Some((prefix, rest)) = part.split_once(':')
                && is_agent_prefix(prefix.trim(), agents)
            {
                scope = Some(prefix.trim());
                directive = rest;
            }
            let applies = scope.is_none_or(|s| agents.iter().any(|a| a.eq_ignore_ascii_case(s)));
            if let Some(word) = noai_word(directive, noai).filter(|_| applies) {
                let whom = scope.map_or_else(|| "all agents".to_string(), str::to_string);
                let entry = format!("{word:?} for {whom}");
                if !found.contains(&entry) {
                    found.push(entry);
                }
            }
        }
    }
    let (status, detail) = if !found.is_empty() {
        (OptoutStatus::Reserved, format!("X-Robots-Tag: {}", found.join("; ")))
    } else if values.is_empty() {
        (OptoutStatus::Clear, "no X-Robots-Tag header".to_string())
    } else {
        (OptoutStatus::Clear, format!("X-Robots-Tag {:?} has no noai directive for our agents", values.join(", ")))
    };
    Signal { signal: SignalKind::XRobotsTag, status, detail, policy_url: None }
}

/// `<meta name="robots" content="noai">`, or the same under one of our agents' names.
pub(crate) fn robots_meta_signal(head: &Head, agents: &[String], noai: &[String]) -> Signal {
    let mut found: Vec<String> = Vec::new();
    for (name, content) in &head.metas {
        let ours = name == "robots" || agents.iter().any(|a| a.eq_ignore_ascii_case(name));
        if let Some(word) = noai_word(content, noai).filter(|_| ours) {
            let entry = format!("<meta name={name:?} content={content:?}> ({word})");
            if !found.contains(&entry) {
                found.push(entry);
            }
        }
    }
    let (status, detail) = if found.is_empty() {
        (OptoutStatus::Clear, "no noai directive in robots meta tags".to_string())
    } else {
        (OptoutStatus::Reserved, found.join("; "))
    };
    Signal { signal: SignalKind::RobotsMeta, status, detail, policy_url: None }
}
