//! What every driver's transport is configured with and bounded by, so the drivers share one
//! definition: timeouts and retries (defaults from WIRE §8), the response-size cap, and the
//! mapping of random bits to a backoff jitter.

use std::time::Duration;

use crate::network::NetworkSettings;
use crate::retry::RetryPolicy;

/// Response bodies larger than this are refused: no AWS answer awscred reads comes close.
pub const MAX_BODY: usize = 1024 * 1024;

/// Timeouts and retries of a driver's HTTP client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// How long establishing a connection may take (botocore: 60 s).
    pub connect_timeout: Duration,
    /// How long the response (headers and body) may take once connected (botocore's read
    /// timeout: 60 s).
    pub read_timeout: Duration,
    /// Attempts and backoff.
    pub retry: RetryPolicy,
    /// The most one call may take, all attempts and the waits between them included
    /// (default 180 s; botocore has none). See [`crate::network::CallClock`].
    pub deadline: Duration,
    /// Proxies and trusted certificates. `None` (the default): the driver decides them from
    /// the process environment and the profile `AWS_PROFILE` selects, when the client is built
    /// (see [`NetworkSettings::from_env`]). `Some`: exactly these, the environment unread.
    pub network: Option<NetworkSettings>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            deadline: Duration::from_secs(180),
            network: None,
        }
    }
}

/// A jitter value in [0, 1) for [`RetryPolicy::should_retry`], from 64 random bits
/// (the 53 high bits, so every value is an exact `f64`).
pub fn jitter_from_bits(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_spans_zero_to_one() {
        assert_eq!(jitter_from_bits(0), 0.0);
        assert!(jitter_from_bits(u64::MAX) < 1.0);
        assert_eq!(jitter_from_bits(1 << 63), 0.5);
    }
}
