//! When in-memory credentials must be refreshed.
//!
//! Drivers keep resolved credentials in memory and serve them until the refresh window opens:
//! five minutes before expiry, widened by up to half of that with jitter, so that many processes
//! started together do not all refresh in the same second.

use std::time::{Duration, SystemTime};

/// The base refresh window before expiry.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// When credentials expiring at `expiry` should be refreshed, given `jitter` in [0, 1).
/// Long-term credentials (no expiry) never need it.
pub fn refresh_at(expiry: Option<SystemTime>, jitter: f64) -> Option<SystemTime> {
    let expiry = expiry?;
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let window = REFRESH_WINDOW + REFRESH_WINDOW.mul_f64(jitter / 2.0);
    // Clamp at the epoch: a time before it only means "refresh now".
    let at = match expiry.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => SystemTime::UNIX_EPOCH + since.saturating_sub(window),
        Err(_) => SystemTime::UNIX_EPOCH,
    };
    Some(at)
}

/// Whether credentials expiring at `expiry` can still be used at `now` (a refresh failed, say).
pub fn still_valid(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_none_or(|e| e > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_five_minutes_plus_jitter() {
        let e = SystemTime::UNIX_EPOCH + Duration::from_secs(10_000);
        assert_eq!(refresh_at(Some(e), 0.0), Some(e - REFRESH_WINDOW));
        assert_eq!(refresh_at(Some(e), 1.0), Some(e - Duration::from_secs(450)));
        assert_eq!(refresh_at(Some(e), f64::NAN), Some(e - REFRESH_WINDOW));
        assert_eq!(refresh_at(None, 0.3), None);
        let early = SystemTime::UNIX_EPOCH + Duration::from_secs(5);
        assert_eq!(refresh_at(Some(early), 0.0), Some(SystemTime::UNIX_EPOCH));
    }

    #[test]
    fn validity() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        assert!(still_valid(None, now));
        assert!(still_valid(Some(now + Duration::from_secs(1)), now));
        assert!(!still_valid(Some(now), now));
    }
}
