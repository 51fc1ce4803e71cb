//! Numbers and times for people: parameter counts as "7B", token counts with SI prefixes, FLOPs in
//! the powers of ten the AI Act speaks in (10²³, 10²⁵), USDC with two decimals and thousands
//! separators, times as `<time>` elements that `static/time.js` shows in the reader's time zone
//! (UTC on hover, and UTC without JavaScript), and durations as "about 4 min". The API keeps exact
//! integers; these are for pages only.

use std::fmt::Write;

use chrono::{DateTime, Utc};

/// `12345678` → "12,345,678".
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in short scale with at most three significant digits: 7 000 000 000 → "7B",
/// 350 000 000 → "350M", 6 738 415 616 → "6.74B", 12 500 → "12.5k", 999 → "999".
pub fn short(n: impl Into<i128>) -> String {
    const UNITS: [(f64, &str); 4] = [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    let n: i128 = n.into();
    #[allow(clippy::cast_precision_loss)] // three significant digits are shown
    let value = n as f64;
    let Some(mut unit) = UNITS.iter().rposition(|(scale, _)| value.abs() >= *scale) else {
        return n.to_string();
    };
    loop {
        let (scale, suffix) = UNITS[unit];
        let scaled = value / scale;
        let decimals = match scaled.abs() {
            a if a >= 100.0 => 0,
            a if a >= 10.0 => 1,
            _ => 2,
        };
        let text = format!("{scaled:.decimals$}");
        let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
        // Rounding may carry into the next unit (999 999 → "1000k"): say it in that unit instead.
        if text.trim_start_matches('-') == "1000" && unit + 1 < UNITS.len() {
            unit += 1;
            continue;
        }
        return format!("{text}{suffix}");
    }
}

/// A model's parameter count: "7B", "350M". (Template helpers take references: askama passes
/// fields by reference.)
pub fn params(n: &i64) -> String {
    short(*n)
}

/// A count of tokens, records or queries in short scale: "10M", "1.2B".
pub fn count(n: &i64) -> String {
    short(*n)
}

/// An exact count with thousands separators.
pub fn number(n: &i64) -> String {
    thousands(*n)
}

/// FLOPs in scientific notation with a superscript exponent: 8.4e22 → "8.4 × 10²²".
pub fn flops(value: &f64) -> String {
    let value = *value;
    if !value.is_finite() || value <= 0.0 {
        return "0".to_string();
    }
    #[allow(clippy::cast_possible_truncation)] // an f64's decimal exponent fits in i32
    let mut exponent = value.log10().floor() as i32;
    let mut mantissa = value / 10f64.powi(exponent);
    if format!("{mantissa:.2}").starts_with("10") {
        mantissa /= 10.0;
        exponent += 1;
    }
    if exponent < 4 {
        return thousands(value.round() as i128);
    }
    let m = format!("{mantissa:.2}");
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{m} × 10{}", superscript(exponent))
}

fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect()
}

/// Integer USDC base units (6 decimals) for people: two decimals and thousands separators, and more
/// decimals only where they are not zero, so that no amount is rounded away:
/// "1234500000" → "1,234.50", "1" → "0.000001".
pub fn usdc(base_units: &str) -> String {
    let raw = base_units.trim();
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return raw.to_string();
    }
    let digits = digits.trim_start_matches('0');
    let padded = format!("{digits:0>7}");
    let (whole, frac) = padded.split_at(padded.len() - 6);
    let mut frac = frac.trim_end_matches('0').to_string();
    while frac.len() < 2 {
        frac.push('0');
    }
    let whole = whole.parse::<i128>().map_or_else(|_| whole.to_string(), thousands);
    format!("{}{whole}.{frac}", if negative { "-" } else { "" })
}

/// A duration in words, rounded the way people say it: "under a minute", "about 4 min",
/// "about 3 h", "about 2 days".
pub fn duration(seconds: &i64) -> String {
    let s = (*seconds).max(0);
    match s {
        0..45 => "under a minute".to_string(),
        45..5_400 => format!("about {} min", ((s + 30) / 60).max(1)),
        5_400..129_600 => format!("about {} h", (s + 1_800) / 3_600),
        _ => format!("about {} days", (s + 43_200) / 86_400),
    }
}

/// A point in time as a `<time>` element: UTC in the text and on hover; `static/time.js` rewrites
/// the text into the reader's own time zone and keeps UTC in the title. HTML: use with `|safe`.
pub fn when(at: &DateTime<Utc>) -> String {
    let mut out = String::new();
    let utc = at.format("%Y-%m-%d %H:%M UTC");
    let _ = write!(out, r#"<time datetime="{}" title="{utc}">{utc}</time>"#, at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    out
}

/// A day (deadlines, due dates) as a `<time>` element; days are not moved between time zones.
pub fn day(at: &DateTime<Utc>) -> String {
    format!(
        r#"<time datetime="{}" title="{} UTC" data-day>{}</time>"#,
        at.format("%Y-%m-%d"),
        at.format("%Y-%m-%d %H:%M"),
        at.format("%Y-%m-%d")
    )
}

/// The first eight characters of an id, for showing beside a name.
pub fn short_id(id: &impl ToString) -> String {
    id.to_string().chars().take(8).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_read_the_way_model_cards_write_them() {
        assert_eq!(params(&7_000_000_000), "7B");
        assert_eq!(params(&350_000_000), "350M");
        assert_eq!(params(&6_738_415_616), "6.74B");
        assert_eq!(params(&124_439_808), "124M");
        assert_eq!(params(&1_500_000_000_000), "1.5T");
        assert_eq!(params(&12_500), "12.5k");
        assert_eq!(params(&999), "999");
        assert_eq!(params(&0), "0");
        assert_eq!(params(&999_999), "1M");
        assert_eq!(params(&999_999_999), "1B");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(thousands(-1_234), "-1,234");
    }

    #[test]
    fn flops_read_in_powers_of_ten() {
        assert_eq!(flops(&8.4e22), "8.4 × 10²²");
        assert_eq!(flops(&1e25), "1 × 10²⁵");
        assert_eq!(flops(&9.999e22), "1 × 10²³");
        assert_eq!(flops(&3.14159e23), "3.14 × 10²³");
        assert_eq!(flops(&1234.0), "1,234");
        assert_eq!(flops(&12_345.0), "1.23 × 10⁴");
        assert_eq!(flops(&999.0), "999");
        assert_eq!(flops(&0.0), "0");
    }

    #[test]
    fn usdc_has_two_decimals_separators_and_never_rounds_an_amount_away() {
        assert_eq!(usdc("1234500000"), "1,234.50");
        assert_eq!(usdc("1250000"), "1.25");
        assert_eq!(usdc("0"), "0.00");
        assert_eq!(usdc("25000000"), "25.00");
        assert_eq!(usdc("1"), "0.000001");
        assert_eq!(usdc("123456789012"), "123,456.789012");
        assert_eq!(usdc("-5000000"), "-5.00");
        assert_eq!(usdc("not a number"), "not a number");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(&10), "under a minute");
        assert_eq!(duration(&45), "about 1 min");
        assert_eq!(duration(&240), "about 4 min");
        assert_eq!(duration(&269), "about 4 min");
        assert_eq!(duration(&5_400), "about 2 h");
        assert_eq!(duration(&(3 * 86_400)), "about 3 days");
        assert_eq!(duration(&-5), "under a minute");
    }

    #[test]
    fn a_time_carries_utc_for_the_script_and_the_hover() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T14:52:10Z").unwrap().with_timezone(&Utc);
        assert_eq!(when(&at), r#"<time datetime="2026-12-03T14:52:10Z" title="2026-12-03 14:52 UTC">2026-12-03 14:52 UTC</time>"#);
        assert!(day(&at).contains(">2026-12-03</time>"));
        assert_eq!(short_id(&"0b9f6c1e-1111-2222-3333-444455556666"), "0b9f6c1e");
    }
}
