//! CSRF protection for the HTML forms: the signed double-submit cookie pattern (OWASP), bound to
//! the session. A random value lives in an HttpOnly, SameSite=Strict cookie; each form carries
//! HMAC-SHA256(key, value ‖ SHA-256(session token)), which a cross-site page can neither read nor
//! forge — and a token minted for one session (say, an attacker's own, with a cookie planted from
//! a sibling subdomain) fails in any other.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::extract::SESSION_COOKIE;
use crate::state::AppState;

pub const CSRF_COOKIE: &str = "attune_csrf";

pub struct CsrfToken {
    /// Goes into the form's hidden `csrf_token` field.
    pub token: String,
    /// Set on the response when the browser had no CSRF cookie yet.
    pub cookie: Option<Cookie<'static>>,
}

fn sign(state: &AppState, value: &str, session: Option<&str>) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(state.secret_key.expose_secret()) else {
        return String::new();
    };
    mac.update(b"attune form token v2\0");
    mac.update(value.as_bytes());
    mac.update(b"\0");
    if let Some(session) = session {
        mac.update(&attune_app::tokens::token_sha256(session));
    }
    hex::encode(mac.finalize().into_bytes())
}

/// The session the request carries in its cookie (a form is bound to it, signed in or not).
fn session_of(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty())
}

/// The form token for this browser, minting the cookie if needed.
pub fn token_for(req: &HttpRequest, state: &AppState) -> CsrfToken {
    match req.cookie(CSRF_COOKIE).filter(|c| c.value().len() == 64) {
        Some(cookie) => CsrfToken { token: sign(state, cookie.value(), session_of(req).as_deref()), cookie: None },
        None => {
            let value = attune_app::tokens::new_token();
            let secure = req.connection_info().scheme() == "https";
            let cookie =
                Cookie::build(CSRF_COOKIE, value.clone()).path("/").http_only(true).same_site(SameSite::Strict).secure(secure).finish();
            CsrfToken { token: sign(state, &value, session_of(req).as_deref()), cookie: Some(cookie) }
        }
    }
}

/// Whether a submitted form token matches this browser's cookie and session.
pub fn verify(req: &HttpRequest, state: &AppState, submitted: &str) -> bool {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else { return false };
    let expected = sign(state, cookie.value(), session_of(req).as_deref());
    !expected.is_empty() && expected.as_bytes().ct_eq(submitted.as_bytes()).into()
}
