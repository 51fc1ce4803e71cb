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

/// Exactly what the documented patterns allow: `-?[0-9]{1,16}` microseconds …
fn at(micros: &str) -> Option<DateTime<Utc>> {
    let digits = micros.strip_prefix('-').unwrap_or(micros);
    if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp_micros(micros.parse().ok()?)
}

/// … and a uuid as 32 lower-case hex digits.
fn simple_uuid(raw: &str) -> Option<Uuid> {
    let lower_hex = raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    lower_hex.then(|| Uuid::parse_str(raw).ok()).flatten()
}

/// A count of at most 18 decimal digits.
pub fn digits(raw: &str) -> Option<i64> {
    (!raw.is_empty() && raw.len() <= 18 && raw.bytes().all(|b| b.is_ascii_digit())).then(|| raw.parse().ok()).flatten()
}

/// `(created_at, id)`: `{micros}_{uuid}`.
impl CursorKey for (DateTime<Utc>, Uuid) {
    fn encode(&self) -> String {
        format!("{}_{}", micros(&self.0), self.1.simple())
    }
    fn decode(cursor: &str) -> Option<Self> {
        let (t, id) = cursor.split_once('_')?;
        Some((at(t)?, simple_uuid(id)?))
    }
}

/// `(score, created_at, id)` for lists sorted by score: the score's exact bits, so no row is skipped or
/// repeated by rounding.
impl CursorKey for (f64, DateTime<Utc>, Uuid) {
    fn encode(&self) -> String {
        format!("s{:016x}_{}", self.0.to_bits(), (self.1, self.2).encode())
    }
    fn decode(cursor: &str) -> Option<Self> {
        let (bits, rest) = cursor.strip_prefix('s')?.split_once('_')?;
        if bits.len() != 16 || !bits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        // Any bits: PostgreSQL orders NaN above every number, so even a NaN names a place in the list.
        let score = f64::from_bits(u64::from_str_radix(bits, 16).ok()?);
        let (t, id) = <(DateTime<Utc>, Uuid)>::decode(rest)?;
        Some((score, t, id))
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
        Some((t, id, digits(seq)?))
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
        // One kind of cursor is not another's; only the documented spelling is read.
        assert_eq!(<(f64, DateTime<Utc>, Uuid)>::decode(&(at, id).encode()), None);
        assert_eq!(<(DateTime<Utc>, Uuid, i64)>::decode(&format!("{}_-1", (at, id).encode())), None);
        let upper = format!("1_{}", id.simple().to_string().to_uppercase());
        for bad in [upper.as_str(), "+1_0190f0c2e0a07000a000000000000000", "12345678901234567_0190f0c2e0a07000a000000000000000"] {
            assert_eq!(Created::decode(bad), None, "{bad}");
        }
        assert!(Created::decode("-1_0190f0c2e0a07000a000000000000000").is_some());
    }
}
