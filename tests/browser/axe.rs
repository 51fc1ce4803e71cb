//! The accessibility check: axe-core (from npm, `node_modules/axe-core`) run in the page, and the
//! layout at a phone's width. A page fails on any serious or critical violation, or when it scrolls
//! sideways at 375 px.

use fantoccini::Client;
use serde_json::Value;

fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}; the README's test command installs it (npm ci)"))
    })
}

/// The serious and critical axe violations of the page the browser shows, one line each.
pub async fn violations(c: &Client) -> Vec<String> {
    c.execute(&format!("{};\nwindow.axe = axe; return true;", axe_source()), vec![]).await.expect("load axe-core");
    let script = r#"
        const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ['violations'] })
          .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ')) }))))
          .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
    "#;
    let found = c.execute_async(script, vec![]).await.expect("run axe-core");
    found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v: Value| format!("{} ({}): {} at {}", v["id"], v["impact"], v["help"], v["nodes"]))
        .collect()
}

/// How far the page scrolls sideways beyond the window, in CSS pixels (0: it fits), and the
/// outermost element that sticks out.
pub async fn overflow(c: &Client) -> (i64, String) {
    let found = c
        .execute(
            r#"const root = document.documentElement, width = root.clientWidth;
               const clipped = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
                 if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return true; } return false; };
               const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '');
               const culprits = [];
               for (const el of document.querySelectorAll('body *')) {
                 const right = el.getBoundingClientRect().right;
                 const pos = getComputedStyle(el).position;
                 if (right > width + 1 && (!clipped(el) || pos === 'absolute' || pos === 'fixed')) culprits.push([right, name(el) + ' in ' + name(el.parentElement) + ' (' + Math.round(right) + ' px)']);
               }
               culprits.sort((a, b) => b[0] - a[0]);
               const boxes = [...document.querySelectorAll('main, main > *, table')].filter(e => e.scrollWidth > e.clientWidth + 1).slice(0, 6)
                 .map(e => name(e) + ' ' + e.clientWidth + '/' + e.scrollWidth + ' ' + getComputedStyle(e).display + ' ' + getComputedStyle(e).overflowX);
               return [root.scrollWidth - width, 'viewport ' + width + ' px: ' + culprits.slice(0, 5).map(c => c[1]).join('; ') + ' | ' + boxes.join('; ')];"#,
            vec![],
        )
        .await
        .expect("measure the page");
    (found[0].as_i64().unwrap_or(0), found[1].as_str().unwrap_or_default().to_string())
}

/// Fails the test on any serious or critical axe violation of the page shown.
pub async fn assert_accessible(c: &Client, what: &str) {
    let found = violations(c).await;
    assert!(found.is_empty(), "{what}: {} accessibility violation(s):\n{}", found.len(), found.join("\n"));
}
