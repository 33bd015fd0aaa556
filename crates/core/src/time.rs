//! Timestamps as they appear in AWS files and responses.
//!
//! Reading is lenient (`Z`, `UTC`, `+00:00`, other offsets, fractional seconds), because the AWS
//! CLI writes `UTC` in its role cache and aws-config writes microseconds. Writing is strict: whole
//! seconds and `Z`, the one form every peer reads back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second this module writes (`9999-12-31T23:59:59Z`): later times are clamped to it,
/// since the formats have four-digit years.
const MAX_SECS: u64 = 253_402_300_799;

/// Parses an RFC 3339 / ISO 8601 timestamp leniently. `None` when it is not one.
///
/// Accepted: `YYYY-MM-DD`, then `T`, `t` or a space, then `HH:MM`, `HH:MM:SS` or
/// `HH:MM:SS.fraction` (`.` or `,`, up to nanoseconds; more digits are cut), then `Z`, `z`,
/// `UTC`, `±HH`, `±HHMM` or `±HH:MM`. A leap second (`:60`) reads as `:59`.
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let mut p = Cursor(text.as_bytes());
    let year = p.digits(4)?;
    p.byte(b'-')?;
    let month = p.digits(2)?;
    p.byte(b'-')?;
    let day = p.digits(2)?;
    match p.next()? {
        b'T' | b't' | b' ' => {}
        _ => return None,
    }
    let hour = p.digits(2)?;
    p.byte(b':')?;
    let minute = p.digits(2)?;
    let mut second = 0;
    let mut nanos = 0u32;
    if p.peek() == Some(b':') {
        p.next();
        second = p.digits(2)?.min(59);
        if matches!(p.peek(), Some(b'.' | b',')) {
            p.next();
            nanos = p.fraction()?;
        }
    }
    // Python's `%Z` for UTC datetimes gives `UTC`, sometimes after a space.
    let rest = std::str::from_utf8(p.0).ok()?.trim_start_matches(' ');
    let offset_secs: i64 = match rest.as_bytes() {
        b"Z" | b"z" | b"UTC" => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (two(*h1, *h2)?, 0),
                [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => (two(*h1, *h2)?, two(*m1, *m2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    // Times before 1970 are never valid expiries; refuse them rather than guess.
    let secs = u64::try_from(local - offset_secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// A parser over the bytes left.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn next(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn byte(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut value = 0;
        for _ in 0..n {
            let d = self.next()?;
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(d - b'0');
        }
        Some(value)
    }

    /// One or more digits of a fraction of a second, as nanoseconds (digits past the ninth
    /// are dropped).
    fn fraction(&mut self) -> Option<u32> {
        let mut nanos = 0;
        let mut scale = 100_000_000;
        let mut any = false;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.next();
            any = true;
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
        }
        any.then_some(nanos)
    }
}

fn two(a: u8, b: u8) -> Option<u32> {
    (a.is_ascii_digit() && b.is_ascii_digit())
        .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (negative before 1970),
/// counting in 400-year eras that start on March 1st, so the leap day ends the year.
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = i64::from((month + 9) % 12); // 0 = March
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar: the
/// inverse of [`days_from_civil`] (also what the SigV4 date is written with).
pub(crate) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The UTC calendar fields of `t` (clamped to 1970..=9999): year, month, day, hour, minute, second.
fn fields(t: SystemTime) -> [u64; 6] {
    let secs = epoch_secs(t).min(MAX_SECS);
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    [year, month, day, rem / 3600, rem % 3600 / 60, rem % 60]
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `suffix`.
fn format_with(t: SystemTime, suffix: &str) -> String {
    let [y, mo, d, h, mi, s] = fields(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{suffix}")
}

/// `2026-11-22T10:00:00Z`: whole seconds, `Z` (what the AWS CLI writes in token files).
pub fn format_z(t: SystemTime) -> String {
    format_with(t, "Z")
}

/// `2026-11-22T10:00:00+00:00`: Python's `isoformat()` of a UTC datetime, whole seconds
/// (what `aws configure export-credentials` prints).
pub fn format_offset(t: SystemTime) -> String {
    format_with(t, "+00:00")
}

/// `2026-11-22T10:00:00UTC`: the form the AWS CLI writes for AssumeRole entries in its cache.
pub fn format_utc_suffix(t: SystemTime) -> String {
    format_with(t, "UTC")
}

/// `20261122T100000Z` and `20261122`: the SigV4 date forms.
pub fn amz_date(t: SystemTime) -> (String, String) {
    let [y, mo, d, h, mi, s] = fields(t);
    (
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
        format!("{y:04}{mo:02}{d:02}"),
    )
}

/// Parses the SigV4 `X-Amz-Date` form `20261122T100000Z`.
pub fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    parse(&iso)
}

/// Epoch milliseconds (the SSO portal's `expiration`) to a time.
pub fn from_epoch_millis(ms: i64) -> Option<SystemTime> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
}

/// Epoch seconds to a time.
pub fn from_epoch_secs(s: i64) -> Option<SystemTime> {
    u64::try_from(s)
        .ok()
        .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
}

/// Whole seconds since the epoch (0 before it).
pub fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_forms_agree() {
        let want = from_epoch_secs(1_795_341_600).unwrap();
        for s in [
            "2026-11-22T10:00:00Z",
            "2026-11-22T10:00:00UTC",
            "2026-11-22T10:00:00+00:00",
            "2026-11-22T11:00:00+01:00",
            "2026-11-22T10:00:00.000Z",
        ] {
            assert_eq!(parse(s), Some(want), "{s}");
        }
        assert_eq!(
            parse("2026-11-22T10:00:00.5Z"),
            want.checked_add(Duration::from_millis(500))
        );
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn the_other_forms_peers_write_are_read() {
        let want = from_epoch_secs(1_795_341_600).unwrap();
        for s in [
            "2026-11-22 10:00:00+00:00", // Python's str(datetime)
            "2026-11-22t10:00:00z",
            "2026-11-22T10:00:00 UTC",
            "2026-11-22T10:00Z",
            "2026-11-22T05:30:00-04:30",
            "2026-11-22T12:00:00+0200",
            "2026-11-22T12:00:00+02",
            "  2026-11-22T10:00:00Z\n",
        ] {
            assert_eq!(parse(s), Some(want), "{s}");
        }
        assert_eq!(
            parse("2026-11-22T10:00:00.123456Z"),
            want.checked_add(Duration::from_micros(123_456))
        );
        assert_eq!(
            parse("2026-11-22T10:00:00,1234567891Z"),
            want.checked_add(Duration::from_nanos(123_456_789))
        );
        // A leap second reads as the second before it.
        assert_eq!(
            parse("2026-11-22T09:59:60Z"),
            want.checked_sub(Duration::from_secs(1))
        );
    }

    #[test]
    fn what_is_not_a_timestamp_is_refused() {
        for s in [
            "2026-11-22T10:00:00",       // no offset: local time is ambiguous
            "2026-11-22",                // no time
            "2026-13-01T00:00:00Z",      // month 13
            "2026-02-29T00:00:00Z",      // not a leap year
            "2026-04-31T00:00:00Z",      // April has 30 days
            "2026-11-22T24:00:00Z",      // hour 24
            "2026-11-22T10:60:00Z",      // minute 60
            "2026-11-22T10:00:00.Z",     // empty fraction
            "2026-11-22T10:00:00+24:00", // offset out of range
            "2026-11-22T10:00:00+1",     // one-digit offset
            "2026-11-22T10:00:00Zjunk",
            "1969-12-31T23:59:59Z", // before 1970
            "２026-11-22T10:00:00Z",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
        assert_eq!(
            parse("2024-02-29T00:00:00Z"),
            from_epoch_secs(1_709_164_800)
        );
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
    }

    #[test]
    fn formatting_and_parsing_agree_over_many_days() {
        // Every 7919 seconds over ~60 years, with leap days and the 2000 century rule, and
        // a few days around the extremes.
        let mut secs = 0u64;
        while secs < 60 * 366 * 86_400 {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(parse(&format_z(t)), Some(t), "at {secs}");
            secs += 7919;
        }
        let last = UNIX_EPOCH + Duration::from_secs(MAX_SECS);
        assert_eq!(format_z(last), "9999-12-31T23:59:59Z");
        assert_eq!(
            format_z(last + Duration::from_secs(86_400 * 400)),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(parse("9999-12-31T23:59:59Z"), Some(last));
        assert_eq!(
            format_z(from_epoch_secs(951_782_400).unwrap()),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn formats() {
        let t = from_epoch_secs(1_795_341_600).unwrap() + Duration::from_millis(999);
        assert_eq!(format_z(t), "2026-11-22T10:00:00Z");
        assert_eq!(format_offset(t), "2026-11-22T10:00:00+00:00");
        assert_eq!(format_utc_suffix(t), "2026-11-22T10:00:00UTC");
        assert_eq!(amz_date(t), ("20261122T100000Z".into(), "20261122".into()));
        assert_eq!(
            parse_amz_date("20261122T100000Z"),
            from_epoch_secs(1_795_341_600)
        );
    }
}
