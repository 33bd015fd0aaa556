//! Timestamps as they appear in AWS files and responses.
//!
//! Reading is lenient (`Z`, `UTC`, `+00:00`, other offsets, fractional seconds), because the AWS
//! CLI writes `UTC` in its role cache and aws-config writes microseconds. Writing is strict: whole
//! seconds and `Z`, the one form every peer reads back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;

/// Parses an RFC 3339 / ISO 8601 timestamp leniently. `None` when it is not one.
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    // Python's `%Z` for UTC datetimes gives `UTC`; a bare space separator comes from `str(datetime)`.
    let normalised: String;
    let text = if let Some(head) = text.strip_suffix("UTC") {
        normalised = format!("{}Z", head.trim_end());
        normalised.as_str()
    } else {
        text
    };
    let ts: Timestamp = text.parse().ok()?;
    to_system_time(ts)
}

fn to_system_time(ts: Timestamp) -> Option<SystemTime> {
    let secs = ts.as_second();
    let nanos = ts.subsec_nanosecond();
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs as u64, nanos.max(0) as u32))
    } else {
        // Times before 1970 are never valid expiries; refuse them rather than guess.
        None
    }
}

fn to_timestamp(t: SystemTime) -> Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs())
        .unwrap_or(i64::MAX)
        .min(Timestamp::MAX.as_second());
    Timestamp::from_second(secs).unwrap_or(Timestamp::MAX)
}

/// `2026-11-22T10:00:00Z`: whole seconds, `Z` (what the AWS CLI writes in token files).
pub fn format_z(t: SystemTime) -> String {
    to_timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-11-22T10:00:00+00:00`: Python's `isoformat()` of a UTC datetime, whole seconds
/// (what `aws configure export-credentials` prints).
pub fn format_offset(t: SystemTime) -> String {
    to_timestamp(t)
        .strftime("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// `2026-11-22T10:00:00UTC`: the form the AWS CLI writes for AssumeRole entries in its cache.
pub fn format_utc_suffix(t: SystemTime) -> String {
    to_timestamp(t).strftime("%Y-%m-%dT%H:%M:%SUTC").to_string()
}

/// `20261122T100000Z` and `20261122`: the SigV4 date forms.
pub fn amz_date(t: SystemTime) -> (String, String) {
    let ts = to_timestamp(t);
    (
        ts.strftime("%Y%m%dT%H%M%SZ").to_string(),
        ts.strftime("%Y%m%d").to_string(),
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
