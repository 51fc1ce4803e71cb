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

/// The position a client's cursor names; 422 on `cursor` when this server did not issue it.
pub fn after(cursor: Option<&str>) -> Result<Option<(DateTime<Utc>, Uuid)>, crate::error::AppError> {
    cursor
        .map(|c| decode_cursor(c).ok_or_else(|| crate::error::AppError::field("cursor", "is not a cursor this server issued")))
        .transpose()
}

/// Cuts rows fetched with `limit + 1` to `limit` and returns the next page's cursor (the last kept
/// row's `(created_at, id)`), or `None` when there is no more.
pub fn next_page<T>(rows: &mut Vec<T>, limit: i64, key: impl Fn(&T) -> (DateTime<Utc>, Uuid)) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(|row| {
        let (at, id) = key(row);
        encode_cursor(at, id)
    })
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
