//! `/robots.txt` and Spawning's `/ai.txt`: both use the robots.txt grammar, so both are parsed and
//! matched by `texting_robots` (longest match, allow wins ties, `*` and `$`). Nothing here
//! re-implements robots matching; this module only decides which agents to ask and how to explain.
//!
//! Each configured agent gets its own `Robot` (the crate picks the agent's group, else `*`). Agents
//! that end up with identical rules (typically every agent not named in the file, which all fall
//! back to `*`) share one `Robot`, so a URL costs one match per distinct rule set, not per agent.
//!
//! Two things are done to the bytes before the crate sees them: a truncated file loses its partial
//! last line, and `User-agent:` values are reduced to their product token ("GPTBot/1.0" → "GPTBot";
//! the crate compares whole values). A rule line that is not UTF-8 (which the crate would silently
//! skip) makes the file unreadable.

use std::borrow::Cow;
use std::sync::Arc;

use texting_robots::Robot;

use super::{Fetched, OptoutStatus, Signal, SignalKind};

/// One parsed robots-grammar document (robots.txt or ai.txt) for one origin.
#[derive(Debug, Clone)]
pub(crate) struct RobotsFile {
    kind: SignalKind,
    /// "robots.txt" or "ai.txt", for the explanations.
    name: &'static str,
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    /// 404/410: no file, no reservation.
    Missing {
        http_status: u16,
    },
    /// Could not be fetched or parsed: fail closed.
    Unreadable(String),
    Parsed {
        groups: Vec<Group>,
        truncated: bool,
    },
}

/// Agents that share one rule set.
#[derive(Debug, Clone)]
struct Group {
    agents: Vec<String>,
    robot: Arc<Robot>,
}

impl RobotsFile {
    pub(crate) fn robots_txt(fetched: &Fetched, agents: &[String]) -> RobotsFile {
        RobotsFile { kind: SignalKind::RobotsTxt, name: "robots.txt", state: State::parse("robots.txt", fetched, agents) }
    }

    pub(crate) fn ai_txt(fetched: &Fetched, agents: &[String]) -> RobotsFile {
        RobotsFile { kind: SignalKind::AiTxt, name: "ai.txt", state: State::parse("ai.txt", fetched, agents) }
    }

    /// The signal for one URL path (path and query, starting with '/').
    pub(crate) fn evaluate(&self, path: &str) -> Signal {
        let name = self.name;
        let (status, detail) = match &self.state {
            State::Missing { http_status } => (OptoutStatus::Clear, format!("{name} not present (HTTP {http_status})")),
            State::Unreadable(why) => (OptoutStatus::Unknown, why.clone()),
            State::Parsed { groups, truncated } => {
                let blocked: Vec<&str> =
                    groups.iter().filter(|g| !g.robot.allowed(path)).flat_map(|g| g.agents.iter().map(String::as_str)).collect();
                let note = if *truncated { " (only the first part of the file was read)" } else { "" };
                if blocked.is_empty() && *truncated {
                    // The part not read may disallow this path: a cut-off file clears nothing.
                    (
                        OptoutStatus::Unknown,
                        format!(
                            "{name} was cut off at the size cap; no AI crawler is disallowed from {path} in the part read, but the rest may reserve it"
                        ),
                    )
                } else if blocked.is_empty() {
                    (OptoutStatus::Clear, format!("no AI crawler is disallowed from {path} ({name})"))
                } else {
                    (OptoutStatus::Reserved, format!("{} may not fetch {path} ({name}){note}", blocked.join(", ")))
                }
            }
        };
        Signal { signal: self.kind, status, detail, policy_url: None }
    }
}

impl State {
    fn parse(name: &str, fetched: &Fetched, agents: &[String]) -> State {
        match fetched {
            Fetched::Missing { http_status } => State::Missing { http_status: *http_status },
            Fetched::Failed { http_status, error } => State::Unreadable(failed_detail(name, *http_status, error)),
            Fetched::Body { body, truncated, .. } => parse_body(name, body, *truncated, agents),
        }
    }
}

pub(crate) fn failed_detail(name: &str, http_status: Option<u16>, error: &str) -> String {
    match http_status {
        Some(code) => format!("{name} could not be fetched: {error} (HTTP {code})"),
        None => format!("{name} could not be fetched: {error}"),
    }
}

fn parse_body(name: &str, body: &[u8], truncated: bool, agents: &[String]) -> State {
    // A cut-off file ends in a partial line ("Disallow: /priv" of "/private/"); drop it rather than
    // let it mean something the site did not write.
    let body = if truncated {
        match body.iter().rposition(|&b| b == b'\n') {
            Some(end) => &body[..=end],
            None => &[][..],
        }
    } else {
        body
    };
    let body = product_tokens(body);
    let body = &body[..];
    if let Some(line) = non_utf8_rule(body) {
        // texting_robots silently skips rules that are not UTF-8, which would fail open.
        return State::Unreadable(format!("{name} could not be parsed: line {line} is a rule that is not valid UTF-8"));
    }

    let star = ["*".to_string()];
    let agents = if agents.is_empty() { &star[..] } else { agents };
    // An agent whose name does not occur in the file at all cannot have a group of its own: it gets
    // the `*` rules, parsed once (a shortcut only; an agent that might be named is parsed itself).
    let lower = body.to_ascii_lowercase();
    let mut groups: Vec<Group> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut star_group: Option<usize> = None;
    for agent in agents {
        let named = agent == "*" || find(&lower, agent.to_ascii_lowercase().as_bytes());
        if let Some(g) = star_group.filter(|_| !named) {
            groups[g].agents.push(agent.clone());
            continue;
        }
        let robot = match Robot::new(if named { agent } else { "*" }, body) {
            Ok(robot) => robot,
            Err(err) => return State::Unreadable(format!("{name} could not be parsed: {err:#}")),
        };
        // Two robots with the same rules (and delay/sitemaps) answer every path alike.
        let key = format!("{robot:?}");
        let g = match keys.iter().position(|k| *k == key) {
            Some(g) => {
                groups[g].agents.push(agent.clone());
                g
            }
            None => {
                keys.push(key);
                groups.push(Group { agents: vec![agent.clone()], robot: Arc::new(robot) });
                groups.len() - 1
            }
        };
        if !named {
            star_group = Some(g);
        }
    }
    State::Parsed { groups, truncated }
}

/// texting_robots compares a `User-agent` value with the agent name as a whole, so "GPTBot/1.0"
/// would not select GPTBot's group. RFC 9309 matches the product token (Google's parser takes the
/// leading run of token characters), so reduce each `User-agent:` value to its leading token first.
fn product_tokens(body: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut at = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        if let Some(token) = reduced_user_agent(line) {
            let out = out.get_or_insert_with(|| body[..at].to_vec());
            out.extend_from_slice(b"User-agent: ");
            out.extend_from_slice(token);
            out.push(b'\n');
        } else if let Some(out) = out.as_mut() {
            out.extend_from_slice(line);
        }
        at += line.len();
    }
    out.map_or(Cow::Borrowed(body), Cow::Owned)
}

/// The product token of a `User-agent:` line whose value is more than that token, if it is one.
fn reduced_user_agent(line: &[u8]) -> Option<&[u8]> {
    let line = line.trim_ascii();
    let lower: Vec<u8> = line.iter().take(10).map(u8::to_ascii_lowercase).collect();
    let key = [&b"user-agent"[..], b"user agent", b"useragent"].into_iter().find(|k| lower.starts_with(k))?;
    let value = line[key.len()..].trim_ascii_start().strip_prefix(b":")?.trim_ascii_start();
    let value = value.split(|&b| b == b'#').next().unwrap_or_default().trim_ascii_end();
    let len = value.iter().position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-')).unwrap_or(value.len());
    (len > 0 && len < value.len()).then(|| &value[..len])
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// The 1-based number of the first User-agent/Allow/Disallow line that is not UTF-8, if any.
fn non_utf8_rule(body: &[u8]) -> Option<usize> {
    if std::str::from_utf8(body).is_ok() {
        return None;
    }
    body.split(|&b| b == b'\n').enumerate().find_map(|(i, line)| {
        let start = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(line.len());
        let head: Vec<u8> = line[start..].iter().take(10).map(u8::to_ascii_lowercase).collect();
        let is_rule = head.starts_with(b"allow") || head.starts_with(b"disallow") || head.starts_with(b"user");
        (is_rule && std::str::from_utf8(line).is_err()).then_some(i + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Fetched {
        Fetched::Body { http_status: 200, body: text.as_bytes().to_vec(), truncated: false }
    }

    fn agents(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn agents_falling_back_to_star_share_one_robot() {
        let file = RobotsFile::robots_txt(
            &body("User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /x\n"),
            &agents(&["GPTBot", "CCBot", "AttuneBot"]),
        );
        let State::Parsed { groups, .. } = &file.state else { panic!("not parsed: {file:?}") };
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[1].agents, agents(&["CCBot", "AttuneBot"]));
    }

    #[test]
    fn truncated_file_drops_the_partial_last_line() {
        let fetched = Fetched::Body { http_status: 200, body: b"User-agent: *\nDisallow: /private\nAllow: /pri".to_vec(), truncated: true };
        let file = RobotsFile::robots_txt(&fetched, &agents(&["GPTBot"]));
        assert_eq!(file.evaluate("/private/1").status, OptoutStatus::Reserved, "a reservation in the part read still counts");
        // What was not read may reserve any other path: fail closed (issue 12 §9), never clear.
        let other = file.evaluate("/public/1");
        assert_eq!(other.status, OptoutStatus::Unknown, "{}", other.detail);
    }

    #[test]
    fn a_refused_file_is_unknown_not_absent() {
        let refused = Fetched::Failed { http_status: Some(403), error: "access was refused (HTTP 403)".into() };
        let signal = RobotsFile::robots_txt(&refused, &agents(&["GPTBot"])).evaluate("/a");
        assert_eq!(signal.status, OptoutStatus::Unknown);
        assert!(signal.detail.contains("403"), "{}", signal.detail);
    }

    #[test]
    fn non_utf8_rule_is_unreadable_but_non_utf8_comment_is_not() {
        let mut bad = b"User-agent: *\nDisallow: /caf".to_vec();
        bad.extend_from_slice(&[0xE9, b'\n']);
        let fetched = Fetched::Body { http_status: 200, body: bad, truncated: false };
        assert_eq!(RobotsFile::robots_txt(&fetched, &agents(&["GPTBot"])).evaluate("/").status, OptoutStatus::Unknown);

        let mut ok = b"# caf".to_vec();
        ok.extend_from_slice(&[0xE9, b'\n']);
        ok.extend_from_slice(b"User-agent: *\nDisallow: /x\n");
        let fetched = Fetched::Body { http_status: 200, body: ok, truncated: false };
        assert_eq!(RobotsFile::robots_txt(&fetched, &agents(&["GPTBot"])).evaluate("/x").status, OptoutStatus::Reserved);
    }

    #[test]
    fn user_agent_values_are_reduced_to_their_product_token() {
        let text = b"user-agent: GPTBot/1.0 # ours\r\nDisallow: /\nUser-agent: *\nUser-agent: CCBot\n";
        assert_eq!(&product_tokens(text)[..], b"User-agent: GPTBot\nDisallow: /\nUser-agent: *\nUser-agent: CCBot\n");
        assert!(matches!(product_tokens(b"User-agent: GPTBot\nDisallow: /a b\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn no_agents_means_the_star_group() {
        let file = RobotsFile::robots_txt(&body("User-agent: *\nDisallow: /\n"), &[]);
        let signal = file.evaluate("/a");
        assert_eq!(signal.status, OptoutStatus::Reserved);
        assert!(signal.detail.starts_with("* may not fetch /a"), "{}", signal.detail);
    }
}
