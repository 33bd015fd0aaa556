//! The `X-Amz-Date` form of the signing time, computed by hand: it is on the hot path of every
//! signature and needs no time-zone machinery (SigV4 is always UTC).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;
use crate::time::civil_from_days;

/// `YYYYMMDD'T'HHMMSS'Z'`, kept as bytes so formatting never allocates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AmzDate([u8; 16]);

impl AmzDate {
    /// The SigV4 form of `time`. Times before 1970 or after 9999 cannot be written in that form.
    pub(crate) fn new(time: SystemTime) -> Result<Self, Error> {
        Self::from_secs(epoch_secs(time)?)
    }

    /// The SigV4 form of `secs` seconds after the epoch.
    pub(crate) fn from_secs(secs: u64) -> Result<Self, Error> {
        let (year, month, day) = civil_from_days(secs / 86_400);
        if year > 9999 {
            return Err(Error::InvalidInput(
                "the signing time is after the year 9999".into(),
            ));
        }
        let rem = secs % 86_400;
        let mut out = [0u8; 16];
        put_digits(&mut out[0..4], year);
        put_digits(&mut out[4..6], month);
        put_digits(&mut out[6..8], day);
        out[8] = b'T';
        put_digits(&mut out[9..11], rem / 3600);
        put_digits(&mut out[11..13], rem % 3600 / 60);
        put_digits(&mut out[13..15], rem % 60);
        out[15] = b'Z';
        Ok(AmzDate(out))
    }

    /// Parses an `X-Amz-Date` value (`20150830T123600Z`).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let b: [u8; 16] = text.as_bytes().try_into().ok()?;
        let digits_ok = b.iter().enumerate().all(|(i, c)| match i {
            8 => *c == b'T',
            15 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
        digits_ok.then_some(AmzDate(b))
    }

    /// The full timestamp.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, `T` and `Z` are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The `YYYYMMDD` day of the credential scope.
    pub(crate) fn day(&self) -> &str {
        self.as_str().get(..8).unwrap_or("")
    }
}

/// Whole seconds since the epoch; SigV4 cannot express earlier times.
pub(crate) fn epoch_secs(time: SystemTime) -> Result<u64, Error> {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Error::InvalidInput("the signing time is before 1970".into()))
}

fn put_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn matches_the_time_module_over_many_days() {
        // Every 7919 seconds over ~60 years, including leap days and century rules (2000).
        let mut secs = 0u64;
        while secs < 60 * 366 * 86_400 {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            let ours = AmzDate::new(t).map(|d| d.as_str().to_string());
            assert_eq!(ours, Ok(crate::time::amz_date(t).0), "at {secs}");
            secs += 7919;
        }
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(
            AmzDate::new(t).map(|d| d.day().to_string()),
            Ok("20000229".to_string())
        );
    }

    #[test]
    fn rejects_unwritable_times() {
        assert!(AmzDate::new(UNIX_EPOCH - Duration::from_secs(1)).is_err());
        assert!(AmzDate::new(UNIX_EPOCH + Duration::from_secs(400_000_000_000)).is_err());
    }

    #[test]
    fn parses_only_the_amz_form() {
        assert!(AmzDate::parse("20150830T123600Z").is_some());
        assert!(AmzDate::parse("2015-08-30T12:36:00Z").is_none());
        assert!(AmzDate::parse("20150830T123600").is_none());
        assert!(AmzDate::parse("2015083XT123600Z").is_none());
    }
}
