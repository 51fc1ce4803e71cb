//! A small, careful scanner for `<meta name=… content=…>` in an HTML head. Not an HTML5 parser: it
//! knows tags, attributes (any order; double-, single- or unquoted values), comments, doctype and
//! processing instructions, and the raw-text elements whose content is not markup (`<script>`,
//! `<style>`, `<title>`, `<textarea>`). It stops at `</head>` or `<body`.

/// The head's named metas, in document order, and whether the end of the head was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Head {
    /// (name lower-cased and trimmed, content with entities decoded).
    pub metas: Vec<(String, String)>,
    /// `</head>` or `<body` was reached (false: the scan ran off the end of the bytes).
    pub ended: bool,
}

impl Head {
    /// The contents of every meta with this (lower-case) name.
    pub(crate) fn contents(&self, name: &str) -> Vec<&str> {
        self.metas.iter().filter(|(n, _)| n == name).map(|(_, c)| c.as_str()).collect()
    }
}

/// Whether the page is HTML: the content type says so, or, without one, the body starts like HTML.
pub(crate) fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if let Some(ct) = content_type {
        return ct.to_ascii_lowercase().contains("html");
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head: Vec<u8> = body[start..].iter().take(16).map(u8::to_ascii_lowercase).collect();
    ["<!doctype html", "<html", "<head", "<meta", "<title", "<!--"].iter().any(|p| head.starts_with(p.as_bytes()))
}

pub(crate) fn scan_head(html: &[u8]) -> Head {
    let mut head = Head::default();
    let mut i = 0;
    while let Some(off) = html[i..].iter().position(|&b| b == b'<') {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with(b"<!--") {
            match find(&html[start + 4..], b"-->") {
                Some(p) => i = start + 4 + p + 3,
                None => return head,
            }
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = skip_past_gt(html, start + 2);
        } else if rest.starts_with(b"</") {
            let (name, after) = tag_name(html, start + 2);
            if name.eq_ignore_ascii_case(b"head") || name.eq_ignore_ascii_case(b"body") {
                head.ended = true;
                return head;
            }
            i = skip_past_gt(html, after);
        } else if rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
            let (name, after) = tag_name(html, start + 1);
            let name = name.to_ascii_lowercase();
            let is_meta = name == b"meta";
            let (attrs, end) = attributes(html, after, is_meta);
            i = end;
            match &name[..] {
                b"body" => {
                    head.ended = true;
                    return head;
                }
                b"meta" => {
                    let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
                    if let Some(name) = get("name") {
                        head.metas.push((name.trim().to_ascii_lowercase(), get("content").unwrap_or_default().to_string()));
                    }
                }
                b"script" | b"style" | b"title" | b"textarea" => {
                    let close = [&b"</"[..], &name].concat();
                    match find_ci(&html[i..], &close) {
                        Some(p) => i += p,
                        None => return head,
                    }
                }
                _ => {}
            }
        } else {
            i = start + 1;
        }
    }
    head
}

/// The tag name starting at `from`, and the index after it.
fn tag_name(html: &[u8], from: usize) -> (&[u8], usize) {
    let len = html[from..].iter().position(|&b| b.is_ascii_whitespace() || b == b'/' || b == b'>').unwrap_or(html.len() - from);
    (&html[from..from + len], from + len)
}

fn skip_past_gt(html: &[u8], from: usize) -> usize {
    match html[from.min(html.len())..].iter().position(|&b| b == b'>') {
        Some(p) => from + p + 1,
        None => html.len(),
    }
}

/// Attributes from `from` to the end of the tag: (lower-case name, decoded value), the first of a
/// repeated name wins (as in HTML). Returns the index after the closing `>`. Without `keep`, only
/// finds the end of the tag.
fn attributes(html: &[u8], mut i: usize, keep: bool) -> (Vec<(String, String)>, usize) {
    let mut attrs: Vec<(String, String)> = Vec::new();
    let n = html.len();
    loop {
        while i < n && (html[i].is_ascii_whitespace() || html[i] == b'/') {
            i += 1;
        }
        if i >= n {
            return (attrs, n);
        }
        if html[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        i += 1; // an attribute name is at least one byte, even '='
        while i < n && !(html[i].is_ascii_whitespace() || matches!(html[i], b'/' | b'>' | b'=')) {
            i += 1;
        }
        let name_end = i;
        while i < n && html[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < n && html[i] == b'=' {
            i += 1;
            while i < n && html[i].is_ascii_whitespace() {
                i += 1;
            }
            let (raw, next) = match html.get(i) {
                Some(&q @ (b'"' | b'\'')) => match html[i + 1..].iter().position(|&b| b == q) {
                    Some(p) => (&html[i + 1..i + 1 + p], i + 2 + p),
                    None => (&html[i + 1..], n),
                },
                _ => {
                    let len = html[i..].iter().position(|&b| b.is_ascii_whitespace() || b == b'>').unwrap_or(n - i);
                    (&html[i..i + len], i + len)
                }
            };
            if keep {
                value = decode_entities(&String::from_utf8_lossy(raw));
            }
            i = next;
        }
        if keep {
            let name = String::from_utf8_lossy(&html[start..name_end]).to_ascii_lowercase();
            if !attrs.iter().any(|(k, _)| *k == name) {
                attrs.push((name, value));
            }
        }
    }
}

/// The few character references that show up in meta values.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let entity = &rest[1..semi];
            let ch = match entity {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                _ => match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                    None => entity.strip_prefix('#').and_then(|d| d.parse().ok()).and_then(char::from_u32),
                },
            };
            ch.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Case-insensitive `find` of a needle that starts with '<' (so only those bytes are candidates).
fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(p) = haystack[at..].iter().position(|&b| b == b'<') {
        let start = at + p;
        if haystack.get(start..start + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle)) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metas(html: &str) -> Vec<(String, String)> {
        scan_head(html.as_bytes()).metas
    }

    fn pair(n: &str, c: &str) -> (String, String) {
        (n.to_string(), c.to_string())
    }

    #[test]
    fn attribute_forms() {
        let html = r#"<html><head>
            <META content="1" NAME="TDM-Reservation">
            <meta name='tdm-policy' content='https://x.test/p?a=1&amp;b=2'/>
            <meta name=robots content=noai>
            <meta   name = "a b"   content = "x" >
            <meta charset="utf-8"><meta property="og:title" content="t">
        </head>"#;
        assert_eq!(
            metas(html),
            vec![pair("tdm-reservation", "1"), pair("tdm-policy", "https://x.test/p?a=1&b=2"), pair("robots", "noai"), pair("a b", "x")]
        );
    }

    #[test]
    fn comments_scripts_and_the_end_of_the_head() {
        let html = r#"<!DOCTYPE html><head><!-- <meta name="robots" content="noai"> -->
            <script>var s = "<meta name='robots' content='noai'></head>";</script>
            <title>a <meta name="robots" content="noai"></title>
            <meta name="x" content="1"></head><meta name="late" content="1">"#;
        let head = scan_head(html.as_bytes());
        assert_eq!(head.metas, vec![pair("x", "1")]);
        assert!(head.ended);
        let head = scan_head(br#"<meta name="x" content="1"><body><meta name="late" content="1">"#);
        assert_eq!(head.metas, vec![pair("x", "1")]);
        assert!(head.ended);
        assert!(!scan_head(b"<head><meta name=\"x\" content=\"1\">").ended);
        assert!(scan_head(b"<head><!-- never closed <meta name=x content=1>").metas.is_empty());
    }

    #[test]
    fn gt_inside_quoted_values_and_first_attribute_wins() {
        assert_eq!(metas(r#"<meta content="a>b" name="n" name="m">"#), vec![pair("n", "a>b")]);
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a&amp;b&#38;c&#x26;d&bogus;e&"), "a&b&c&d&bogus;e&");
    }

    #[test]
    fn html_sniffing() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(is_html(Some("application/xhtml+xml"), b""));
        assert!(!is_html(Some("application/pdf"), b"<html>"));
        assert!(is_html(None, b"\xEF\xBB\xBF  <!DOCTYPE HTML><html>"));
        assert!(!is_html(None, b"%PDF-1.7"));
    }
}
