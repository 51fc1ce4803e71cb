//! Field-level validation errors, collected so a client sees every mistake in one answer.

use serde::Serialize;

/// One problem with one input field; `field` is a JSON pointer-like dotted path (`organization.country`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// A list of field errors; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs a parser; on failure records the error under `field` and returns `None`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// What a field holding U+0000 is told: PostgreSQL's `text` cannot store it.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// The dotted path (under `prefix`; `[i]` for array items) of the first string in `value` — value
/// or object key — that holds U+0000, which no text column can store; `None` when there is none.
pub fn nul_in_json(value: &serde_json::Value, prefix: &str) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
    match value {
        Value::String(s) if s.contains('\0') => Some(if prefix.is_empty() { "body".to_owned() } else { prefix.to_owned() }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| nul_in_json(item, &format!("{prefix}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            // A key with U+0000 is named as written, with the character shown escaped.
            if key.contains('\0') { Some(join(&key.replace('\0', "\\u0000"))) } else { nul_in_json(item, &join(key)) }
        }),
        _ => None,
    }
}

/// The first `(name, value)` pair whose name or value holds U+0000 (a query string or a form).
pub fn nul_in_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    pairs.into_iter().find(|(name, value)| name.contains('\0') || value.contains('\0')).map(|(name, _)| name.replace('\0', "\\u0000"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod nul_tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::nul_in_json;

    /// Arbitrary JSON without U+0000.
    fn clean_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z0-9 é]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every string in `value` with the path `nul_in_json` would name for it.
    fn strings(value: &Value, path: &str, out: &mut Vec<String>) {
        match value {
            Value::String(_) => out.push(if path.is_empty() { "body".to_owned() } else { path.to_owned() }),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| strings(v, &format!("{path}[{i}]"), out)),
            Value::Object(map) => {
                map.iter().for_each(|(k, v)| strings(v, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out))
            }
            _ => {}
        }
    }

    fn poison(value: &mut Value, target: usize, seen: &mut usize, at: usize) {
        match value {
            Value::String(s) => {
                if *seen == target {
                    let cut = s.char_indices().map(|(i, _)| i).chain([s.len()]).nth(at % (s.chars().count() + 1)).unwrap_or(0);
                    s.insert(cut, '\0');
                }
                *seen += 1;
            }
            Value::Array(items) => items.iter_mut().for_each(|v| poison(v, target, seen, at)),
            Value::Object(map) => map.values_mut().for_each(|v| poison(v, target, seen, at)),
            _ => {}
        }
    }

    proptest! {
        #[test]
        fn a_nul_anywhere_is_found_and_named_by_its_path(mut value in clean_json(), pick in any::<usize>(), at in any::<usize>()) {
            prop_assert_eq!(nul_in_json(&value, ""), None);
            let mut paths = Vec::new();
            strings(&value, "", &mut paths);
            prop_assume!(!paths.is_empty());
            let target = pick % paths.len();
            poison(&mut value, target, &mut 0, at);
            prop_assert_eq!(nul_in_json(&value, ""), Some(paths[target].clone()));
        }
    }

    #[test]
    fn keys_and_prefixes_are_named() {
        assert_eq!(nul_in_json(&json!({"a\u{0}b": 1}), ""), Some("a\\u0000b".into()));
        assert_eq!(nul_in_json(&json!({"text": "x\u{0}"}), "records[2]"), Some("records[2].text".into()));
        assert_eq!(nul_in_json(&json!("x\u{0}"), ""), Some("body".into()));
        assert_eq!(super::nul_in_pairs([("name", "a"), ("cursor", "b\0")]), Some("cursor".into()));
    }
}
