//! Which failures are retried and how long to wait before the next attempt (WIRE §8).
//!
//! The AWS CLI v2's `standard` mode: at most 3 attempts, throttling and transient errors retried,
//! backoff `jitter × min(base × 2^retries, 20 s)` with a 1 s base. The randomness comes from
//! the driver as `jitter` so that everything here stays pure and testable.

use std::time::Duration;

use crate::error::{Error, TransportKind};
use crate::wire_error::{is_throttling_code, is_transient_code};

/// STS's own retryable code (botocore `RetryIDPCommunicationError`, Go and Rust alike).
const IDP_COMMUNICATION_ERROR: &str = "IDPCommunicationError";

/// HTTP statuses retried whatever the code.
const TRANSIENT_STATUSES: &[u16] = &[500, 502, 503, 504];

/// How the retry policy sees a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryClass {
    /// The service asked us to slow down (throttling codes, HTTP 429).
    Throttling,
    /// A failure that may well not happen again: 5xx, timeouts, broken connections.
    Transient,
    /// Retrying would give the same answer (4xx, TLS failures, malformed answers, local errors).
    /// OIDC's `AuthorizationPendingException`/`SlowDownException`/`ExpiredTokenException` are
    /// here on purpose: the login loop, not the retry policy, handles them.
    NotRetryable,
}

/// Classifies the outcome of one attempt.
pub fn classify(error: &Error) -> RetryClass {
    match error {
        Error::Throttled(_) => RetryClass::Throttling,
        Error::Service(e) if e.status == 429 || is_throttling_code(&e.code) => {
            RetryClass::Throttling
        }
        Error::Service(e)
            if is_transient_code(&e.code)
                || e.code == IDP_COMMUNICATION_ERROR
                || TRANSIENT_STATUSES.contains(&e.status) =>
        {
            RetryClass::Transient
        }
        Error::Transport {
            kind: TransportKind::Connect | TransportKind::Timeout | TransportKind::Io,
            ..
        } => RetryClass::Transient,
        _ => RetryClass::NotRetryable,
    }
}

/// How many attempts to make and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (`max_attempts`, `AWS_MAX_ATTEMPTS`); 1 disables retries.
    pub max_attempts: u32,
    /// The backoff ceiling before jitter for the first retry; doubled for each later one.
    pub base: Duration,
    /// The largest backoff ceiling.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// The AWS CLI v2 `standard` mode: 3 attempts, 1 s base, 20 s cap.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The default policy with `max_attempts` taken from the config value or environment
    /// variable when one is given (surrounding spaces ignored).
    pub fn from_config(max_attempts: Option<&str>) -> Result<Self, Error> {
        let mut policy = RetryPolicy::default();
        if let Some(raw) = max_attempts {
            policy.max_attempts = match raw.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    let shown: String = raw.chars().take(40).collect();
                    return Err(Error::Config(format!(
                        "max_attempts must be a whole number of at least 1 (1 disables retries), got {shown:?}"
                    )));
                }
            };
        }
        Ok(policy)
    }

    /// The wait before retry number `retries_so_far + 1`: `jitter × min(base × 2^retries_so_far,
    /// max_backoff)`. `jitter` is a uniform random number in `[0, 1)` from the caller; values
    /// outside `[0, 1]` are clamped and NaN counts as 0. `NotRetryable` waits nothing.
    pub fn backoff(&self, class: RetryClass, retries_so_far: u32, jitter: f64) -> Duration {
        if class == RetryClass::NotRetryable {
            return Duration::ZERO;
        }
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // 2^63 s already exceeds any Duration, so larger exponents change nothing.
        let factor = 2f64.powi(retries_so_far.min(63) as i32);
        let ceiling = (self.base.as_secs_f64() * factor).min(self.max_backoff.as_secs_f64());
        Duration::try_from_secs_f64(jitter * ceiling).unwrap_or(self.max_backoff)
    }

    /// Whether to retry after attempt number `attempt` (1 for the first) failed with `error`,
    /// and if so how long to wait first.
    pub fn should_retry(&self, attempt: u32, error: &Error, jitter: f64) -> Option<Duration> {
        let class = classify(error);
        let attempt = attempt.max(1);
        (class != RetryClass::NotRetryable && attempt < self.max_attempts)
            .then(|| self.backoff(class, attempt - 1, jitter))
    }
}

/// [`RetryPolicy::backoff`] of the default policy (AWS CLI v2 standard mode).
pub fn backoff(class: RetryClass, retries_so_far: u32, jitter: f64) -> Duration {
    RetryPolicy::default().backoff(class, retries_so_far, jitter)
}

/// The error a raw response stands for, for drivers deciding whether to re-send a prepared
/// request before the flow parses it: `None` for success (2xx and 3xx), otherwise the error
/// extracted with the protocol the body looks like (STS answers in XML, the others in JSON).
pub fn response_error(response: &http::Response<Vec<u8>>) -> Option<Error> {
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        return None;
    }
    let body = response.body();
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let xml_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("xml"));
    if xml_type || first == Some(&b'<') {
        Some(crate::wire_error::query_xml_error("request", response))
    } else {
        Some(crate::wire_error::rest_json_error("request", response))
    }
}

#[cfg(test)]
mod response_error_tests {
    use super::*;

    fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn raw_responses_classify() {
        assert!(response_error(&response(200, "{}")).is_none());
        let throttled = response_error(&response(
            400,
            "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
        ))
        .unwrap();
        assert_eq!(classify(&throttled), RetryClass::Throttling);
        let unavailable = response_error(&response(503, "")).unwrap();
        assert_eq!(classify(&unavailable), RetryClass::Transient);
        let denied = response_error(&response(
            401,
            "{\"message\":\"no\",\"__type\":\"x#UnauthorizedException\"}",
        ))
        .unwrap();
        assert_eq!(classify(&denied), RetryClass::NotRetryable);
    }
}
