//! Notifications as they sit in the outbox, before any transport sees them.

use serde::{Deserialize, Serialize};

/// An e-mail to deliver: plain text (always) and optional HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// Delay before retry `attempt` (1-based) of a failed delivery: exponential from 5 s, capped at one
/// hour; `None` once `max_attempts` have failed (the item is dead and shows in the admin view).
pub fn retry_delay_secs(attempt: u32, max_attempts: u32) -> Option<u64> {
    if attempt >= max_attempts {
        return None;
    }
    let exp = attempt.saturating_sub(1).min(20);
    Some((5u64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::retry_delay_secs;

    #[test]
    fn backoff_grows_and_stops() {
        assert_eq!(retry_delay_secs(1, 8), Some(5));
        assert_eq!(retry_delay_secs(2, 8), Some(10));
        assert_eq!(retry_delay_secs(7, 8), Some(320));
        assert_eq!(retry_delay_secs(8, 8), None);
        assert_eq!(retry_delay_secs(30, 100), Some(3600));
    }
}
