//! TDMRep (W3C TDMRep CG final report): `/.well-known/tdmrep.json`, and the precedence of its three
//! layers (file < `tdm-reservation` header < `tdm-reservation` meta) — see the module doc in mod.rs.

use super::robots::failed_detail;
use super::{Fetched, OptoutStatus, Signal, SignalKind};

/// The parsed `/.well-known/tdmrep.json` of one origin.
#[derive(Debug, Clone)]
pub(crate) enum TdmrepFile {
    Missing { http_status: u16 },
    Unreadable(String),
    Entries(Vec<Entry>),
}

/// One array element, in file order. An element that is not a usable rule is kept as `Invalid` so
/// that a URL reaching it (no earlier entry matched) is `unknown`, while URLs matched earlier are not.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Rule { location: String, pattern: Vec<u8>, anchored: bool, reservation: Result<bool, String>, policy: Option<String> },
    Invalid(String),
}

/// What one TDMRep layer says for one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LayerValue {
    /// The layer says nothing; `Some(note)` still leaves a clear signal (e.g. "not present (404)").
    Absent(Option<String>),
    /// Present but unreadable, ambiguous or unfetchable: unknown.
    Unreadable(String),
    Given {
        reservation: Option<bool>,
        policy: Option<String>,
    },
}

/// One layer: which signal it is, how to name it, and its value.
pub(crate) struct Layer {
    pub kind: SignalKind,
    /// e.g. "tdmrep.json entry 2 (location \"/a/*\")", "tdm-reservation header".
    pub source: String,
    pub value: LayerValue,
}

impl TdmrepFile {
    pub(crate) fn parse(fetched: &Fetched) -> TdmrepFile {
        let (body, truncated) = match fetched {
            Fetched::Missing { http_status } => return TdmrepFile::Missing { http_status: *http_status },
            Fetched::Failed { http_status, error } => return TdmrepFile::Unreadable(failed_detail("tdmrep.json", *http_status, error)),
            Fetched::Body { body, truncated, .. } => (body, *truncated),
        };
        if truncated {
            return TdmrepFile::Unreadable("tdmrep.json was cut off at the size cap; it cannot be read whole".into());
        }
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let value: serde_json::Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(err) => return TdmrepFile::Unreadable(format!("tdmrep.json is not valid JSON: {err}")),
        };
        let serde_json::Value::Array(items) = value else {
            return TdmrepFile::Unreadable("tdmrep.json is not a JSON array".into());
        };
        TdmrepFile::Entries(items.iter().map(Entry::parse).collect())
    }

    /// The file layer for one path (path and query).
    pub(crate) fn layer(&self, path: &str) -> Layer {
        let kind = SignalKind::TdmrepJson;
        let (source, value) = match self {
            TdmrepFile::Missing { http_status } => {
                ("tdmrep.json".into(), LayerValue::Absent(Some(format!("tdmrep.json not present (HTTP {http_status})"))))
            }
            TdmrepFile::Unreadable(why) => ("tdmrep.json".into(), LayerValue::Unreadable(why.clone())),
            TdmrepFile::Entries(entries) => Self::first_match(entries, path),
        };
        Layer { kind, source, value }
    }

    fn first_match(entries: &[Entry], path: &str) -> (String, LayerValue) {
        for (i, entry) in entries.iter().enumerate() {
            let n = i + 1;
            match entry {
                Entry::Invalid(why) => {
                    let source = format!("tdmrep.json entry {n}");
                    return (
                        source,
                        LayerValue::Unreadable(format!("tdmrep.json entry {n} {why}; it cannot be told whether it covers {path}")),
                    );
                }
                Entry::Rule { location, pattern, anchored, reservation, policy } => {
                    if !location_matches(pattern, *anchored, path.as_bytes()) {
                        continue;
                    }
                    let source = format!("tdmrep.json entry {n} (location {location:?})");
                    return match reservation {
                        Ok(r) => (source, LayerValue::Given { reservation: Some(*r), policy: policy.clone() }),
                        Err(why) => {
                            let detail = format!("tdmrep.json entry {n} (location {location:?}) matches {path} but {why}");
                            (source, LayerValue::Unreadable(detail))
                        }
                    };
                }
            }
        }
        ("tdmrep.json".into(), LayerValue::Absent(Some(format!("no tdmrep.json entry matches {path}"))))
    }
}

impl Entry {
    fn parse(item: &serde_json::Value) -> Entry {
        let Some(object) = item.as_object() else {
            return Entry::Invalid("is not a JSON object".into());
        };
        let Some(location) = object.get("location").and_then(|l| l.as_str()) else {
            return Entry::Invalid("has no \"location\" string".into());
        };
        if !(location.starts_with('/') || location.starts_with('*')) {
            return Entry::Invalid(format!("has location {location:?}, which is not a path pattern"));
        }
        let (body, anchored) = match location.strip_suffix('$') {
            Some(body) => (body, true),
            None => (location, false),
        };
        let reservation = match object.get("tdm-reservation") {
            None => Err("has no tdm-reservation".to_string()),
            Some(v) if v.as_u64() == Some(1) => Ok(true),
            Some(v) if v.as_u64() == Some(0) => Ok(false),
            Some(v) => Err(format!("its tdm-reservation is {v}, not 0 or 1")),
        };
        let policy = object.get("tdm-policy").and_then(|p| p.as_str()).map(str::to_string);
        Entry::Rule { location: location.to_string(), pattern: percent_encode_non_ascii(body), anchored, reservation, policy }
    }
}

/// Paths reach us percent-encoded; a location may be written with raw UTF-8.
fn percent_encode_non_ascii(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii() && b != b' ' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// robots.txt path syntax: `*` is any sequence, a trailing `$` (already stripped: `anchored`)
/// anchors the end, otherwise the pattern is a prefix.
pub(crate) fn location_matches(pattern: &[u8], anchored: bool, path: &[u8]) -> bool {
    // Classic wildcard matching with single-star backtracking: linear-ish, no recursion.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p == pattern.len() && (!anchored || t == path.len()) {
            return true;
        }
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && t < path.len() && pattern[p] == path[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star.filter(|&(_, st)| st < path.len()) {
            star = Some((sp, st + 1));
            p = sp + 1;
            t = st + 1;
        } else {
            return false;
        }
    }
}

/// The effective TDMRep reservation: the last layer that gave a `tdm-reservation` (or an unreadable
/// one) wins; an absent value never resets an earlier one. One signal per layer that said anything.
pub(crate) fn resolve(layers: &[Layer]) -> Vec<Signal> {
    let decides = |l: &Layer| matches!(l.value, LayerValue::Unreadable(_) | LayerValue::Given { reservation: Some(_), .. });
    let winner = layers.iter().rposition(decides);
    let latest_policy = layers.iter().rev().find_map(|l| match &l.value {
        LayerValue::Given { policy: Some(p), .. } => Some(p.clone()),
        _ => None,
    });
    let winner_source = winner.map(|w| layers[w].source.as_str()).unwrap_or_default();

    let mut signals = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let signal = |status, detail| Signal { signal: layer.kind, status, detail, policy_url: None };
        match &layer.value {
            LayerValue::Absent(None) => {}
            LayerValue::Absent(Some(note)) => signals.push(signal(OptoutStatus::Clear, note.clone())),
            LayerValue::Unreadable(why) => signals.push(signal(OptoutStatus::Unknown, why.clone())),
            LayerValue::Given { reservation: None, policy } => {
                let p = policy.as_deref().unwrap_or_default();
                let mut s = signal(OptoutStatus::Clear, format!("{}: tdm-policy {p} without a tdm-reservation", layer.source));
                s.policy_url = policy.clone();
                signals.push(s);
            }
            LayerValue::Given { reservation: Some(r), policy } => {
                let v = u8::from(*r);
                let mut s = if winner != Some(i) {
                    let detail = format!("{}: tdm-reservation {v}, overridden by the {winner_source}", layer.source);
                    signal(OptoutStatus::Clear, detail)
                } else if *r {
                    let mut s = signal(OptoutStatus::Reserved, format!("{}: tdm-reservation 1 (TDM rights reserved)", layer.source));
                    s.policy_url = policy.clone().or_else(|| latest_policy.clone());
                    s
                } else {
                    signal(OptoutStatus::Clear, format!("{}: tdm-reservation 0 (not reserved)", layer.source))
                };
                if s.policy_url.is_none() {
                    s.policy_url = policy.clone();
                }
                signals.push(s);
            }
        }
    }
    signals
}

/// A header or meta layer from its raw values (each repeat or comma-separated part counts).
/// Conflicting repeats, or a value other than 0/1, make the layer unreadable.
pub(crate) fn layer_from_values(what: &str, reservations: &[&str], policies: &[&str]) -> LayerValue {
    let mut reservation: Option<&str> = None;
    for value in reservations.iter().flat_map(|v| v.split(',')).map(str::trim) {
        match reservation {
            Some(seen) if seen != value => {
                return LayerValue::Unreadable(format!("conflicting tdm-reservation {what} values {seen:?} and {value:?}"));
            }
            _ => reservation = Some(value),
        }
    }
    let reservation = match reservation {
        None => None,
        Some("1") => Some(true),
        Some("0") => Some(false),
        Some(other) => return LayerValue::Unreadable(format!("tdm-reservation {what} value {other:?} is not 0 or 1")),
    };
    let mut policy: Option<&str> = None;
    for value in policies.iter().map(|v| v.trim()) {
        match policy {
            Some(seen) if seen != value => {
                return LayerValue::Unreadable(format!("conflicting tdm-policy {what} values {seen:?} and {value:?}"));
            }
            _ => policy = Some(value),
        }
    }
    match (reservation, policy) {
        (None, None) => LayerValue::Absent(None),
        (reservation, policy) => LayerValue::Given { reservation, policy: policy.map(str::to_string) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(location: &str, path: &str) -> bool {
        let (body, anchored) = match location.strip_suffix('$') {
            Some(body) => (body, true),
            None => (location, false),
        };
        location_matches(&percent_encode_non_ascii(body), anchored, path.as_bytes())
    }

    #[test]
    fn location_syntax() {
        assert!(m("/", "/anything?q=1"));
        assert!(m("*", "/anything"));
        assert!(m("/articles/", "/articles/1"));
        assert!(!m("/articles/", "/article"));
        assert!(m("/*.pdf", "/docs/a.pdf"));
        assert!(m("/*.pdf", "/docs/a.pdfx"));
        assert!(m("/*.pdf$", "/docs/a.pdf"));
        assert!(!m("/*.pdf$", "/docs/a.pdfx"));
        assert!(!m("/*.pdf$", "/docs/a.pdf?x=1"));
        assert!(m("/a$", "/a"));
        assert!(!m("/a$", "/ab"));
        assert!(m("/a*b*c$", "/axxbyybc"));
        assert!(!m("/a*b*c$", "/axxbyyb"));
        assert!(m("/café/", "/caf%C3%A9/x"));
        assert!(m("*$", "/"));
    }

    #[test]
    fn header_values_split_on_commas_and_must_agree() {
        assert_eq!(layer_from_values("header", &["1, 1"], &[]), LayerValue::Given { reservation: Some(true), policy: None });
        assert!(matches!(layer_from_values("header", &["1", "0"], &[]), LayerValue::Unreadable(_)));
        assert!(matches!(layer_from_values("header", &["yes"], &[]), LayerValue::Unreadable(_)));
        assert!(matches!(layer_from_values("header", &[""], &[]), LayerValue::Unreadable(_)));
        assert_eq!(layer_from_values("header", &[], &[]), LayerValue::Absent(None));
        assert_eq!(
            layer_from_values("header", &[], &[" https://p "]),
            LayerValue::Given { reservation: None, policy: Some("https://p".into()) }
        );
    }
}
