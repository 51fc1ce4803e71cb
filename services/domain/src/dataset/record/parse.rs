//! `parse_record`: one uploaded record from JSON, every problem reported at once.

use serde_json::{Map, Value};

use super::{DatasetRecord, Licence, LicenceKind, MAX_TEXT_BYTES, RecordContent};
use crate::ValidationErrors;
use crate::provenance::sha256_hex;

const KEYS: [&str; 9] = ["id", "text", "uri", "source_url", "content_hash", "licence", "pii_subject_ids", "special_categories", "tokens"];
const LICENCE_KEYS: [&str; 2] = ["kind", "ref"];
const URI_SCHEMES: [&str; 5] = ["http", "https", "s3", "gs", "file"];
const MAX_ID_CHARS: usize = 200;
const MAX_REF_CHARS: usize = 500;
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_SUBJECTS: usize = 1000;

/// Parses one record; `prefix` (e.g. `records[3]`, `line 7`) is prepended to every field path.
pub fn parse_record(value: &Value, prefix: &str) -> Result<DatasetRecord, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let Some(obj) = value.as_object() else {
        errors.push(prefix, "must be a JSON object");
        return Err(errors);
    };
    let p = |field: &str| if prefix.is_empty() { field.to_owned() } else { format!("{prefix}.{field}") };
    // No text column can hold U+0000: refused here, named, before anything is stored.
    if let Some(field) = crate::validation::nul_in_json(value, prefix) {
        errors.push(&field, crate::validation::NUL_MESSAGE);
        return Err(errors);
    }
    for key in obj.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        errors.push(&p(key), format!("unknown field {key:?}; a record has {}", KEYS.join(", ")));
    }

    let id = errors.check(&p("id"), parse_id(obj.get("id")));
    let text = errors.check(&p("text"), parse_text(present(obj, "text")));
    let uri = errors.check(&p("uri"), parse_uri(present(obj, "uri")));
    let content = match (text, uri) {
        (Some(Some(text)), Some(None)) => Some(RecordContent::Text(text)),
        (Some(None), Some(Some(uri))) => Some(RecordContent::Uri(uri)),
        (Some(Some(_)), Some(Some(_))) => {
            errors.push(&p("text"), "give either text or uri, not both");
            None
        }
        (Some(None), Some(None)) => {
            errors.push(&p("text"), "give either text or uri");
            None
        }
        _ => None,
    };
    let is_uri = match (present(obj, "text"), present(obj, "uri")) {
        (None, Some(_)) => Some(true),
        (Some(_), None) => Some(false),
        _ => None,
    };

    let licence = parse_licence(obj.get("licence"), &p, &mut errors);
    let source_url = errors.check(&p("source_url"), parse_source_url(present(obj, "source_url"))).flatten();
    if licence.as_ref().is_some_and(|l| l.kind == LicenceKind::Web) && source_url.is_none() && present(obj, "source_url").is_none() {
        errors.push(&p("source_url"), "a web record gives the URL it was collected from");
    }

    let declared_hash = errors.check(&p("content_hash"), parse_hash(present(obj, "content_hash"))).flatten();
    let pii_subject_ids = errors.check(&p("pii_subject_ids"), parse_subjects(present(obj, "pii_subject_ids"))).unwrap_or_default();
    let special_categories = errors.check(&p("special_categories"), parse_special(present(obj, "special_categories"))).unwrap_or_default();
    if !special_categories.is_empty() && pii_subject_ids.is_empty() {
        errors.push(&p("pii_subject_ids"), "special-category data is personal data: name the data subjects it is about");
    }
    let declared_tokens = errors.check(&p("tokens"), parse_tokens(present(obj, "tokens"))).flatten();

    let mut content_hash = None;
    let mut tokens = None;
    match (&content, is_uri) {
        (Some(RecordContent::Text(text)), _) => {
            let actual = sha256_hex(text.as_bytes());
            if declared_hash.as_ref().is_some_and(|d| *d != actual) {
                errors.push(&p("content_hash"), "does not match the sha256 of text");
            }
            content_hash = Some(actual);
            if present(obj, "tokens").is_some() {
                errors.push(&p("tokens"), "must be left out for text records; tokens are counted with the cl100k_base tokenizer");
            }
            tokens = Some(count_tokens(text));
        }
        (_, Some(true)) => {
            if present(obj, "content_hash").is_none() {
                errors.push(&p("content_hash"), "uri records must give the sha256 of their content");
            }
            if present(obj, "tokens").is_none() {
                errors.push(&p("tokens"), "uri records must give their token count (their content is not fetched)");
            }
            content_hash = declared_hash;
            tokens = declared_tokens;
        }
        _ => {}
    }

    match (id, content, content_hash, licence, tokens) {
        (Some(id), Some(content), Some(content_hash), Some(licence), Some(tokens)) if errors.is_empty() => {
            Ok(DatasetRecord { id, content, source_url, content_hash, licence, pii_subject_ids, special_categories, tokens })
        }
        _ => {
            if errors.is_empty() {
                errors.push(prefix, "is not a valid record");
            }
            Err(errors)
        }
    }
}

/// The value under `key`, with `null` counted as absent.
fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn count_tokens(text: &str) -> u64 {
    u64::try_from(tiktoken_rs::cl100k_base_singleton().count_ordinary(text)).unwrap_or(u64::MAX)
}

fn parse_id(value: Option<&Value>) -> Result<String, String> {
    let id = value.ok_or("is required")?.as_str().ok_or("must be a string")?;
    let chars = id.chars().count();
    if chars == 0 || chars > MAX_ID_CHARS {
        return Err(format!("must be 1 to {MAX_ID_CHARS} characters"));
    }
    if id.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(id.to_owned())
}

fn parse_text(value: Option<&Value>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let text = value.as_str().ok_or("must be a string")?;
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(format!("must be at most {MAX_TEXT_BYTES} bytes of UTF-8; give larger content by uri"));
    }
    Ok(Some(text.to_owned()))
}

fn parse_uri(value: Option<&Value>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let raw = value.as_str().ok_or("must be a string")?;
    let url = url::Url::parse(raw).map_err(|e| format!("must be an absolute URL ({e})"))?;
    if !URI_SCHEMES.contains(&url.scheme()) {
        return Err(format!("must use one of the schemes {}", URI_SCHEMES.join(", ")));
    }
    Ok(Some(raw.to_owned()))
}

fn parse_source_url(value: Option<&Value>) -> Result<Option<url::Url>, String> {
    let Some(value) = value else { return Ok(None) };
    let raw = value.as_str().ok_or("must be a string")?;
    let url = url::Url::parse(raw).map_err(|e| format!("must be an absolute http(s) URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    Ok(Some(url))
}

/// `sha256:<hex>` or bare hex, 64 digits; normalised to bare lower-case hex.
fn parse_hash(value: Option<&Value>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let raw = value.as_str().ok_or("must be a string")?;
    let hex = raw.strip_prefix("sha256:").unwrap_or(raw);
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("must be 64 hex digits, optionally prefixed with \"sha256:\"".into());
    }
    Ok(Some(hex.to_ascii_lowercase()))
}

fn parse_subjects(value: Option<&Value>) -> Result<Vec<String>, String> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let items = value.as_array().ok_or("must be an array of strings")?;
    if items.len() > MAX_SUBJECTS {
        return Err(format!("must list at most {MAX_SUBJECTS} data subjects"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.as_str() {
            Some(s) if !s.trim().is_empty() && s.chars().count() <= MAX_SUBJECT_CHARS => Ok(s.to_owned()),
            _ => Err(format!("entry {i} must be a non-empty string of at most {MAX_SUBJECT_CHARS} characters")),
        })
        .collect()
}

/// GDPR Art. 9(1) categories, from the closed vocabulary; sorted and deduplicated.
fn parse_special(value: Option<&Value>) -> Result<Vec<String>, String> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let items = value.as_array().ok_or("must be an array of GDPR Art. 9(1) categories")?;
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().map(str::trim) {
            Some(c) if super::SPECIAL_CATEGORIES.contains(&c) => out.push(c.to_owned()),
            _ => return Err(format!("entry {i} must be one of {}", super::SPECIAL_CATEGORIES.join(", "))),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn parse_tokens(value: Option<&Value>) -> Result<Option<u64>, String> {
    let Some(value) = value else { return Ok(None) };
    value.as_u64().map(Some).ok_or_else(|| "must be a non-negative integer".to_string())
}

/// `licence: {kind, ref?}`; errors go to `licence`, `licence.kind`, `licence.ref`, `licence.<unknown>`.
fn parse_licence(value: Option<&Value>, p: &dyn Fn(&str) -> String, errors: &mut ValidationErrors) -> Option<Licence> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        errors.push(&p("licence"), "is required: {\"kind\": \"licensed\" | \"own\" | \"public_domain\" | \"web\", \"ref\"?}");
        return None;
    };
    let Some(obj) = value.as_object() else {
        errors.push(&p("licence"), "must be an object {kind, ref?}");
        return None;
    };
    for key in obj.keys().filter(|k| !LICENCE_KEYS.contains(&k.as_str())) {
        errors.push(&p(&format!("licence.{key}")), format!("unknown field {key:?}; a licence has kind and ref"));
    }
    let kind = errors.check(
        &p("licence.kind"),
        present(obj, "kind")
            .ok_or_else(|| "is required".to_string())
            .and_then(|v| v.as_str().ok_or_else(|| "must be a string".to_string()))
            .and_then(LicenceKind::parse),
    );
    let reference = errors.check(
        &p("licence.ref"),
        match present(obj, "ref") {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(s) if s.chars().count() > MAX_REF_CHARS => Err(format!("must be at most {MAX_REF_CHARS} characters")),
                Some(s) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
                None => Err("must be a string".to_string()),
            },
        },
    );
    if kind == Some(LicenceKind::Licensed) && reference == Some(None) {
        errors.push(&p("licence.ref"), "a licensed record names its licence");
    }
    Some(Licence { kind: kind?, reference: reference? })
}
