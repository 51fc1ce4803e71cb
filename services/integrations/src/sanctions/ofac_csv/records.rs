//! Reading the header-less OFAC CSV files: records with their line numbers (bytes that are not UTF-8
//! read as Latin-1), and the fields OFAC writes in its own way (the `-0-` null, `ent_num`, the
//! programme list).

use super::{ImportError, Result};
use crate::sanctions::push_unique_str;

/// Parses a header-less OFAC CSV file into `(line, fields)`, skipping blank and Ctrl-Z lines. Bytes
/// that are not UTF-8 are read as Latin-1.
pub(super) fn records(file: &'static str, bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut lines = LineCounter::default();
    let mut out = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| lines.line_at(bytes, p.byte())).unwrap_or(0);
            ImportError::record(file, line, e.to_string())
        })?;
        let line = record.position().map(|p| lines.line_at(bytes, p.byte())).unwrap_or(0);
        let fields: Vec<String> = record.iter().map(decode).collect();
        if fields.iter().all(|f| f.trim().trim_matches('\u{1a}').is_empty()) {
            continue;
        }
        out.push((line, fields));
    }
    Ok(out)
}

/// Line numbers from csv byte offsets (csv's own line counter lags a line behind with CRLF endings: the
/// `\n` of a record's CRLF is consumed with the next record). Offsets only grow, so counting is linear.
#[derive(Default)]
struct LineCounter {
    byte: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], byte: u64) -> u64 {
        let mut target = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // A record "starts" at the line break ending the previous one: skip it.
        while target < bytes.len() && matches!(bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        if target >= self.byte {
            self.newlines += bytes[self.byte..target].iter().filter(|b| **b == b'\n').count() as u64;
            self.byte = target;
            self.newlines + 1
        } else {
            bytes[..target].iter().filter(|b| **b == b'\n').count() as u64 + 1
        }
    }
}

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The trimmed field, `None` when missing, empty or OFAC's `-0-` null.
pub(super) fn field(fields: &[String], i: usize) -> Option<&str> {
    let value = fields.get(i)?.trim();
    (!value.is_empty() && value != "-0-").then_some(value)
}

pub(super) fn ent_num(file: &'static str, line: u64, fields: &[String]) -> Result<String> {
    let raw = fields.first().map(|f| f.trim()).unwrap_or_default();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ImportError::record(file, line, format!("ent_num {raw:?} is not a number")));
    }
    Ok(raw.to_owned())
}

/// `SDGT] [IRGC` (OFAC joins programmes with `] [`) → `["SDGT", "IRGC"]`.
pub(super) fn split_programs(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in raw.split("] [") {
        push_unique_str(&mut out, p.trim().trim_start_matches('[').trim_end_matches(']'));
    }
    out
}
