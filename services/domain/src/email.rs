//! E-mail addresses, parsed per RFC 5322 by `email_address` and normalised for lookups.

use std::fmt;

/// A syntactically valid e-mail address. The domain part is lower-cased (domains are case
/// insensitive); the local part is kept, but lookups compare case-insensitively (see the
/// `app_user_email_key` index on `lower(email)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("is required".into());
        }
        if trimmed.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            trimmed,
            email_address::Options::default().without_display_text().without_domain_literal(),
        )
        .map_err(|e| format!("is not a valid e-mail address ({e})"))?;
        if !parsed.domain().contains('.') && parsed.domain() != "localhost" {
            return Err("is not a valid e-mail address (the domain has no dot)".into());
        }
        Ok(Self(format!("{}@{}", parsed.local_part(), parsed.domain().to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(Email::parse(" Ada@Example.ORG ").map(|e| e.to_string()), Ok("Ada@example.org".into()));
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in ["", "   ", "no-at-sign", "a@", "@b.c", "a b@c.d", "Ada <ada@example.org>", "a@[127.0.0.1]", "a@nodot"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(250))).is_err());
    }
}
