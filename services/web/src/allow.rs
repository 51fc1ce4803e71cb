//! Which methods each API path answers, read from the OpenAPI document (the one list of routes
//! clients see): a 405 names them in `Allow`, and a known path asked with a method it does not
//! answer is a 405, not a 404.

use std::fmt;
use std::sync::LazyLock;

use utoipa::OpenApi;

/// A set of HTTP methods, as an `Allow` header writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Methods(u8);

impl Methods {
    const NAMES: [&'static str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    pub const GET: Methods = Methods(1);

    fn with(self, index: usize) -> Self {
        Methods(self.0 | 1 << index)
    }
}

impl fmt::Display for Methods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, n)| *n).collect();
        f.write_str(&names.join(", "))
    }
}

/// One documented path: its segments (`None` for a `{parameter}`) and the methods it answers.
struct Route {
    segments: Vec<Option<String>>,
    methods: Methods,
}

static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    let doc = crate::openapi::ApiDoc::openapi();
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let segments = path.split('/').map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned())).collect();
            let operations = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
            let methods = operations.iter().enumerate().filter(|(_, op)| op.is_some()).fold(Methods::default(), |m, (i, _)| m.with(i));
            Route { segments, methods }
        })
        .collect()
});

/// The methods of the documented path matching `path`; `None` when no documented path does.
pub fn allowed(path: &str) -> Option<Methods> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    // Every documented path that matches (a literal `/jobs/overdue` and a `/jobs/{id}`) answers.
    ROUTES
        .iter()
        .filter(|r| {
            r.segments.len() == parts.len()
                && r.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Some(literal) => literal == p,
                    None => !p.is_empty(),
                })
        })
        .map(|r| r.methods)
        .reduce(|a, b| Methods(a.0 | b.0))
}

/// The answer to a request under `/api` that no route took: 405 with `Allow` when its path is a
/// documented one (another method was used), 404 otherwise.
pub fn unmatched(method: &actix_web::http::Method, path: &str) -> crate::problem::ApiError {
    match allowed(path) {
        Some(methods) => crate::problem::ApiError::method_not_allowed(method, Some(methods)),
        None => {
            crate::problem::ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "not-found", "Not found", "No such resource or route.")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::allowed;

    #[test]
    fn documented_paths_name_their_methods() {
        let text = |p: &str| allowed(p).map(|m| m.to_string());
        assert_eq!(text("/api/v1/me").as_deref(), Some("GET"));
        assert_eq!(text("/api/v1/auth/login").as_deref(), Some("POST"));
        assert!(text("/api/v1/jobs/3f0e2b8a-0000-4000-8000-000000000000").unwrap().contains("GET"));
        assert_eq!(text("/api/v1/jobs").as_deref(), Some("GET, POST"));
        assert_eq!(allowed("/api/v1/no-such-thing"), None);
        assert_eq!(allowed("/api/v1/jobs/"), allowed("/api/v1/jobs"));
    }
}
