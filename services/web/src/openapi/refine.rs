//! What the generated document cannot say by itself, added once when it is first served:
//! - every status an operation can answer, the shared problem responses defined once in
//!   `components.responses` and referenced (401 where a token is needed, 403 on admin and worker
//!   paths, 404 where the path names a resource, 400/413/415/422 where there is a body, 400/422
//!   where there are parameters);
//! - a description on every response (the OpenAPI schema requires one);
//! - unique operation ids (`<tag>.<handler>`), which the links name;
//! - links from each operation that creates a resource to the operations that read and act on it
//!   (`links.rs`), so a client or a stateful fuzzer can chain create → read → act.

use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The problem responses every operation shares: (status, component name, description).
const SHARED: [(&str, &str, &str); 8] = [
    ("400", "BadRequest", "Malformed request: the body is not JSON, or a parameter does not parse as its type."),
    ("401", "Unauthenticated", "No valid session token (`Authorization: Bearer <token>` or the session cookie)."),
    ("403", "Forbidden", "The caller's role does not allow this (admin paths need the admin role; worker paths a worker token)."),
    ("404", "NotFound", "No such resource, or it belongs to another organisation."),
    ("413", "PayloadTooLarge", "The body is larger than this endpoint accepts."),
    ("415", "UnsupportedMediaType", "The body is not `application/json` (or the media type the operation names)."),
    (
        "422",
        "ValidationFailed",
        "Invalid fields, each named in `errors[].field` (a dotted path into the body, or the parameter's name). \
         No string may contain U+0000. Body fields an operation does not name are ignored, except where \
         its schema says `additionalProperties: false`.",
    ),
    ("429", "TooManyRequests", "Too many attempts; `Retry-After` says when to try again."),
];

/// A description for a response the handler documented without one.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "409" => "Conflict: the resource is not in a state that allows this.",
        "503" => "Not ready",
        s => SHARED.iter().find(|(code, _, _)| *code == s).map_or("See the problem details.", |(_, _, d)| d),
    }
}

pub fn refine(doc: &mut Value) {
    let components = doc.as_object_mut().map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(Value::Object(components)) = components {
        let responses = components.entry("responses").or_insert_with(|| json!({}));
        for (_, name, description) in SHARED {
            responses[name] = json!({
                "description": description,
                "content": {crate::problem::PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            });
        }
    }
    let Some(Value::Object(paths)) = doc.get_mut("paths") else { return };
    unique_operation_ids(paths);
    for (path, item) in paths.iter_mut() {
        let path_params = item.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty());
        for method in METHODS {
            if let Some(Value::Object(op)) = item.get_mut(method) {
                refine_operation(path, op, path_params);
            }
        }
    }
    super::constraints::apply(doc);
    super::links::add(doc);
}

/// `<tag>.<handler>`, and where two operations would share that, `<tag>.<handler>.<first path segment>`.
fn unique_operation_ids(paths: &mut Map<String, Value>) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut named = Vec::new();
    for (path, item) in paths.iter() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op.get("tags").and_then(|t| t.get(0)).and_then(Value::as_str).unwrap_or("api");
            let handler = op.get("operationId").and_then(Value::as_str).unwrap_or(method);
            let id = format!("{tag}.{handler}");
            *seen.entry(id.clone()).or_default() += 1;
            named.push((path.clone(), method, id));
        }
    }
    for (path, method, id) in named {
        let id = if seen.get(&id).copied().unwrap_or(0) > 1 {
            let segment = path.trim_start_matches("/api/v1/").split('/').next().unwrap_or_default();
            format!("{id}.{segment}")
        } else {
            id
        };
        if let Some(op) = paths.get_mut(&path).and_then(|item| item.get_mut(method)).and_then(Value::as_object_mut) {
            op.insert("operationId".into(), Value::String(id));
        }
    }
}

fn refine_operation(path: &str, op: &mut Map<String, Value>, path_params: bool) {
    let params: Vec<&str> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(|p| p.get("in")?.as_str()).collect())
        .unwrap_or_default();
    let in_path = path_params || params.contains(&"path") || path.contains('{');
    let in_query_or_header = params.iter().any(|p| matches!(*p, "query" | "header"));
    let body = op.get("requestBody").is_some();
    let secured =
        op.get("security").and_then(Value::as_array).is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|r| !r.is_empty())));
    let forbidden = path.starts_with("/api/v1/admin/") || path.starts_with("/api/v1/worker/");

    let mut add: Vec<&str> = Vec::new();
    if secured {
        add.push("401");
    }
    if secured && forbidden {
        add.push("403");
    }
    if in_path {
        add.extend(["404", "422"]);
    }
    if in_query_or_header {
        add.extend(["400", "422"]);
    }
    if body {
        add.extend(["400", "413", "415", "422"]);
    }
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    for status in add {
        if let Some((_, name, _)) = SHARED.iter().find(|(code, _, _)| *code == status) {
            responses.entry(status).or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
        }
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else { continue };
        if response.contains_key("$ref") {
            continue;
        }
        let missing = response.get("description").and_then(Value::as_str).is_none_or(str::is_empty);
        if missing {
            response.insert("description".into(), json!(default_description(status)));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    #[test]
    fn every_operation_has_a_unique_id_and_described_responses_with_the_shared_problems() {
        let doc = super::super::document();
        let mut ids = HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(op) = op.as_object() else { continue };
                if !super::METHODS.contains(&method.as_str()) {
                    continue;
                }
                let id = op["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_string()), "{id} names two operations");
                for (status, response) in op["responses"].as_object().unwrap() {
                    let described = response.get("$ref").is_some() || response["description"].as_str().is_some_and(|d| !d.is_empty());
                    assert!(described, "{method} {path} {status} has no description");
                }
                let secured = op.get("security").is_some_and(|s| s.as_array().is_some_and(|s| !s.is_empty()));
                if secured {
                    assert!(op["responses"].get("401").is_some(), "{method} {path} needs a token but does not document 401");
                }
                if path.contains('{') {
                    assert!(op["responses"].get("404").is_some(), "{method} {path}");
                }
                if op.get("requestBody").is_some() {
                    for s in ["400", "413", "415", "422"] {
                        assert!(op["responses"].get(s).is_some(), "{method} {path} has a body but no {s}");
                    }
                }
            }
        }
        let shared = doc["components"]["responses"].as_object().unwrap();
        assert_eq!(
            shared["ValidationFailed"]["content"]["application/problem+json"]["schema"]["$ref"],
            Value::from("#/components/schemas/Problem")
        );
    }
}
