//! Opaque keyset-pagination cursors over `(created_at, id)`, newest first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{}", at.timestamp_micros(), id.simple())
}

pub fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, Uuid::parse_str(id).ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let at = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        let id = uuid::Uuid::now_v7();
        assert_eq!(super::decode_cursor(&super::encode_cursor(at, id)), Some((at, id)));
        for bad in ["", "garbage", "12_notauuid", "x_0190f0c2e0a07000a000000000000000"] {
            assert_eq!(super::decode_cursor(bad), None, "{bad}");
        }
    }
}
