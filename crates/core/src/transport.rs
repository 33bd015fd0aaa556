//! What every driver's transport is configured with and bounded by, so the drivers share one
//! definition: timeouts and retries (botocore's defaults: 60 s connect and read timeouts, the
//! AWS CLI's `standard` retry mode), the response-size cap, the mapping of random bits to a
//! backoff jitter, and the copy of a prepared request that each retry sends.

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
    /// Attempts and backoff. For a flow's requests, what the environment and the profile
    /// configure (`AWS_MAX_ATTEMPTS`, `max_attempts`, `retry_mode`) replaces the number of
    /// attempts; the backoff stays this one ([`crate::retry::RetrySettings::policy`]).
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

/// A copy of a prepared request (method, URI, version, headers, body) for one more attempt:
/// `http::Request` is not `Clone` because of its extensions, of which awscred's requests carry
/// only [`crate::metadata::RequestLimits`] (kept in the copy). The copy is sent as it is; a
/// SigV4 signature stays valid for minutes.
pub fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    if let Some(limits) = crate::metadata::RequestLimits::of(request) {
        copy.extensions_mut().insert(limits);
    }
    copy
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

    #[test]
    fn a_cloned_request_is_the_same_request() {
        let request = http::Request::builder()
            .method("POST")
            .uri("https://sts.eu-west-1.amazonaws.com/?a=1")
            .version(http::Version::HTTP_11)
            .header("x-amz-date", "20260101T000000Z")
            .body(b"Action=AssumeRole".to_vec())
            .unwrap();
        let copy = clone_request(&request);
        assert_eq!(copy.method(), request.method());
        assert_eq!(copy.uri(), request.uri());
        assert_eq!(copy.version(), request.version());
        assert_eq!(copy.headers(), request.headers());
        assert_eq!(copy.body(), request.body());
    }
}
