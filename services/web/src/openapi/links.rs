//! OpenAPI links: from each operation that creates (or lists) a resource to the operations that read
//! and act on it, with the runtime expression that carries the identifier across. A client, or a
//! stateful fuzzer, can follow them to chain create → read → act.

use serde_json::{Map, Value, json};

/// One link: from (method, path, status) to (method, path), each parameter taken from the source
/// response by a runtime expression.
struct LinkSpec {
    from: (&'static str, &'static str, &'static str),
    to: (&'static str, &'static str),
    parameters: &'static [(&'static str, &'static str)],
}

const fn link(
    from: (&'static str, &'static str, &'static str),
    to: (&'static str, &'static str),
    parameters: &'static [(&'static str, &'static str)],
) -> LinkSpec {
    LinkSpec { from, to, parameters }
}

const ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const FIRST_ITEM: &[(&str, &str)] = &[("id", "$response.body#/items/0/id")];

const DATASET: (&str, &str, &str) = ("post", "/api/v1/datasets", "201");
const JOB: (&str, &str, &str) = ("post", "/api/v1/jobs", "201");
const POOL: (&str, &str, &str) = ("post", "/api/v1/pools", "201");
const MODEL: (&str, &str, &str) = ("post", "/api/v1/models", "201");
const REGISTERED: (&str, &str, &str) = ("post", "/api/v1/auth/register", "201");

const LINKS: &[LinkSpec] = &[
    link(DATASET, ("get", "/api/v1/datasets/{id}"), ID),
    link(DATASET, ("get", "/api/v1/datasets/{id}/records"), ID),
    link(("get", "/api/v1/datasets", "200"), ("get", "/api/v1/datasets/{id}"), FIRST_ITEM),
    link(
        ("get", "/api/v1/datasets/{id}/records", "200"),
        ("post", "/api/v1/datasets/{id}/records/{record_id}/review"),
        &[("id", "$request.path.id"), ("record_id", "$response.body#/items/0/id")],
    ),
    link(("post", "/api/v1/erasure-requests", "201"), ("get", "/api/v1/erasure-requests/{id}"), ID),
    link(JOB, ("get", "/api/v1/jobs/{id}"), ID),
    link(JOB, ("get", "/api/v1/jobs/{id}/events"), ID),
    link(JOB, ("get", "/api/v1/jobs/{id}/payment"), ID),
    link(JOB, ("get", "/api/v1/jobs/{id}/training-summary"), ID),
    link(JOB, ("get", "/api/v1/jobs/{id}/certificate"), ID),
    link(JOB, ("post", "/api/v1/jobs/{id}/cancel"), ID),
    link(JOB, ("post", "/api/v1/jobs/{id}/indicators"), ID),
    link(JOB, ("post", "/api/v1/admin/jobs/{id}/review"), ID),
    link(JOB, ("post", "/api/v1/admin/jobs/{id}/release"), ID),
    link(("get", "/api/v1/jobs", "200"), ("get", "/api/v1/jobs/{id}"), FIRST_ITEM),
    link(POOL, ("get", "/api/v1/pools/{id}"), ID),
    link(POOL, ("get", "/api/v1/pools/{id}/findings"), ID),
    link(POOL, ("post", "/api/v1/pools/{id}/members"), ID),
    // Leaving needs a membership: follow a join (a pool just created has no members).
    link(("post", "/api/v1/pools/{id}/members", "201"), ("delete", "/api/v1/pools/{id}/members"), &[("id", "$response.body#/pool_id")]),
    link(POOL, ("post", "/api/v1/pools/{id}/auditors"), ID),
    link(("get", "/api/v1/pools", "200"), ("get", "/api/v1/pools/{id}"), FIRST_ITEM),
    link(MODEL, ("get", "/api/v1/models/{id}"), ID),
    link(MODEL, ("get", "/api/v1/models/{id}/manifest"), ID),
    link(MODEL, ("post", "/api/v1/models/{id}/signature"), ID),
    link(MODEL, ("post", "/api/v1/admin/models/{id}/decision"), ID),
    link(("get", "/api/v1/models", "200"), ("get", "/api/v1/models/{id}"), FIRST_ITEM),
    link(REGISTERED, ("get", "/api/v1/orgs/{id}"), &[("id", "$response.body#/organization/id")]),
    link(REGISTERED, ("get", "/api/v1/orgs/{id}/safe-harbour"), &[("id", "$response.body#/organization/id")]),
    link(REGISTERED, ("post", "/api/v1/admin/organizations/{id}/kind-verification"), &[("id", "$response.body#/organization/id")]),
    link(REGISTERED, ("post", "/api/v1/admin/users/{id}/roles"), &[("id", "$response.body#/user/id")]),
    link(("get", "/api/v1/me", "200"), ("get", "/api/v1/orgs/{id}"), &[("id", "$response.body#/organization/id")]),
    link(("get", "/api/v1/admin/cases", "200"), ("get", "/api/v1/admin/cases/{id}"), FIRST_ITEM),
    link(("get", "/api/v1/admin/cases", "200"), ("post", "/api/v1/admin/cases/{id}/decision"), FIRST_ITEM),
    link(("get", "/api/v1/audit-tasks", "200"), ("get", "/api/v1/audit-tasks/{id}"), FIRST_ITEM),
    link(("get", "/api/v1/audit-tasks", "200"), ("post", "/api/v1/audit-tasks/{id}/claim"), FIRST_ITEM),
    link(("get", "/api/v1/audit-tasks", "200"), ("post", "/api/v1/audit-tasks/{id}/decision"), FIRST_ITEM),
    link(("get", "/api/v1/templates", "200"), ("get", "/api/v1/templates/{kind}"), &[("kind", "$response.body#/items/0/kind")]),
];

fn operation_id(doc: &Value, method: &str, path: &str) -> Option<String> {
    doc.get("paths")?.get(path)?.get(method)?.get("operationId")?.as_str().map(str::to_string)
}

/// Adds every link whose two ends are in the document. An end that is not (a renamed path) is a
/// programming error caught by the test below, not something to serve half-linked.
pub fn add(doc: &mut Value) {
    for spec in LINKS {
        let Some(target) = operation_id(doc, spec.to.0, spec.to.1) else { continue };
        let (method, path, status) = spec.from;
        let Some(Value::Object(response)) = doc.pointer_mut(&format!("/paths/{}/{method}/responses/{status}", escape(path))) else {
            continue;
        };
        let parameters: Map<String, Value> = spec.parameters.iter().map(|(name, expr)| ((*name).to_string(), json!(expr))).collect();
        let name = link_name(&target);
        let links = response.entry("links").or_insert_with(|| json!({}));
        links[name] = json!({"operationId": target, "parameters": parameters});
    }
}

/// `jobs.get` → `JobsGet`: link names are component-name shaped (`^[a-zA-Z0-9.\-_]+$`).
fn link_name(operation_id: &str) -> String {
    operation_id
        .split(['.', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn every_link_joins_two_documented_operations_and_names_the_targets_path_parameters() {
        let doc = super::super::document();
        for spec in super::LINKS {
            let (method, path, status) = spec.from;
            let target = super::operation_id(doc, spec.to.0, spec.to.1);
            assert!(target.is_some(), "no operation {} {}", spec.to.0, spec.to.1);
            let response = doc.pointer(&format!("/paths/{}/{method}/responses/{status}", super::escape(path)));
            let links = response.and_then(|r| r.get("links")).unwrap_or_else(|| panic!("{method} {path} {status} has no links"));
            assert!(links.get(super::link_name(&target.unwrap())).is_some());
            for (name, _) in spec.parameters {
                assert!(spec.to.1.contains(&format!("{{{name}}}")), "{} has no parameter {name}", spec.to.1);
            }
            for segment in spec.to.1.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(['{', '}']);
                assert!(spec.parameters.iter().any(|(n, _)| *n == name), "{} needs {name}", spec.to.1);
            }
        }
    }
}
