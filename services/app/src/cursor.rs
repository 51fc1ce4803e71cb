//! Opaque keyset-pagination cursors. A cursor names the last row of a page by the columns the list
//! is ordered by; most lists are `(created_at, id)`, newest first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A list's sort key, written into and read back from a cursor.
pub trait CursorKey: Sized {
    fn encode(&self) -> String;
    fn decode(cursor: &str) -> Option<Self>;
}

fn micros(at: &DateTime<Utc>) -> String {
    at.timestamp_micros().to_string()
}

fn at(micros: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros.parse().ok()?)
}

/// `(created_at, id)`: `{micros}_{uuid}`.
impl CursorKey for (DateTime<Utc>, Uuid) {
    fn encode(&self) -> String {
        format!("{}_{}", micros(&self.0), self.1.simple())
    }
    fn decode(cursor: &str) -> Option<Self> {
        let (t, id) = cursor.split_once('_')?;
        Some((at(t)?, Uuid::parse_str(id).ok()?))
    }
}

/// `(score, created_at, id)` for lists sorted by score: the score's exact bits, so no row is skipped or
/// repeated by rounding.
impl CursorKey for (f64, DateTime<Utc>, Uuid) {
    fn encode(&self) -> String {
        format!("s{:016x}_{}", self.0.to_bits(), (self.1, self.2).encode())
    }
    fn decode(cursor: &str) -> Option<Self> {
        let (score, rest) = cursor.strip_prefix('s')?.split_once('_')?;
        let score = f64::from_bits(u64::from_str_radix(score, 16).ok()?);
        let (t, id) = <(DateTime<Utc>, Uuid)>::decode(rest)?;
        score.is_finite().then_some((score, t, id))
    }
}

/// `(created_at, id, seq)` for a row inside a parent ordered by creation (a dataset's records).
impl CursorKey for (DateTime<Utc>, Uuid, i64) {
    fn encode(&self) -> String {
        format!("{}_{}", (self.0, self.1).encode(), self.2)
    }
    fn decode(cursor: &str) -> Option<Self> {
        let (head, seq) = cursor.rsplit_once('_')?;
        let (t, id) = <(DateTime<Utc>, Uuid)>::decode(head)?;
        Some((t, id, seq.parse().ok().filter(|s: &i64| *s >= 0)?))
    }
}

/// A page of a keyset-paged list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The position a client's cursor names; 422 on `cursor` when this server did not issue it.
pub fn after<K: CursorKey>(cursor: Option<&str>) -> Result<Option<K>, crate::error::AppError> {
    cursor.map(|c| K::decode(c).ok_or_else(|| crate::error::AppError::field("cursor", "is not a cursor this server issued"))).transpose()
}

/// Cuts rows fetched with `limit + 1` to `limit` and returns the next page's cursor (the last kept
/// row's key), or `None` when there is no more.
pub fn next_page<T, K: CursorKey>(rows: &mut Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(|row| key(row).encode())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::CursorKey;
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        let id = Uuid::now_v7();
        type Created = (DateTime<Utc>, Uuid);
        assert_eq!(Created::decode(&(at, id).encode()), Some((at, id)));
        for bad in ["", "garbage", "12_notauuid", "x_0190f0c2e0a07000a000000000000000"] {
            assert_eq!(Created::decode(bad), None, "{bad}");
        }
        let scored = (0.8125_f64, at, id);
        assert_eq!(<(f64, DateTime<Utc>, Uuid)>::decode(&scored.encode()), Some(scored));
        let seq = (at, id, 41_i64);
        assert_eq!(<(DateTime<Utc>, Uuid, i64)>::decode(&seq.encode()), Some(seq));
        // One kind of cursor is not another's, and a NaN score is refused.
        assert_eq!(<(f64, DateTime<Utc>, Uuid)>::decode(&(at, id).encode()), None);
        assert_eq!(<(f64, DateTime<Utc>, Uuid)>::decode(&format!("s{:016x}_1_{}", f64::NAN.to_bits(), id.simple())), None);
        assert_eq!(<(DateTime<Utc>, Uuid, i64)>::decode(&format!("{}_-1", (at, id).encode())), None);
    }
}
