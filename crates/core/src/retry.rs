//! Which failures are retried, how long to wait before the next attempt, and how many attempts
//! a request gets.
//!
//! The AWS CLI v2's `standard` mode (AWS CLI User Guide, "AWS CLI retries"; botocore
//! `retries/standard.py`): at most 3 attempts, throttling and transient errors retried, backoff
//! `jitter × min(base × 2^retries, 20 s)` with a 1 s base. The randomness comes from the driver
//! as `jitter` so that everything here stays pure and testable.
//!
//! # Answering `Step::Send` yourself
//!
//! A [`crate::flow::Effect::Send`] asks for the request *with retries*: the flow sees only the
//! last answer. An embedder with its own transport drives [`Attempts`] around it, with the
//! policy the flow's configuration asks for ([`crate::flow::Flow::retry_settings`]):
//!
//! ```
//! use std::time::Duration;
//! use awscred_core::retry::{Attempts, Next, RetryPolicy, RetrySettings};
//! use awscred_core::transport::clone_request;
//!
//! # fn send_once(_: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, awscred_core::Error> {
//! #     Ok(http::Response::builder().status(503).body(Vec::new()).unwrap())
//! # }
//! # fn random_jitter() -> f64 { 0.0 }
//! # fn sleep(_: Duration) {}
//! fn send(
//!     request: http::Request<Vec<u8>>,
//!     settings: RetrySettings, // flow.retry_settings()
//! ) -> Result<http::Response<Vec<u8>>, awscred_core::Error> {
//!     let mut attempts = Attempts::new(settings.policy(RetryPolicy::default()));
//!     loop {
//!         let result = send_once(clone_request(&request));
//!         match attempts.after_response(&result, random_jitter()) {
//!             Next::RetryAfter(delay) => sleep(delay),
//!             Next::Stop => return result, // the flow gets the last answer, error or not
//!         }
//!     }
//! }
//! let request = http::Request::builder().uri("https://example.com/").body(Vec::new())?;
//! let answer = send(request, RetrySettings::default())?;
//! assert_eq!(answer.status(), 503); // three attempts, then the last answer
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use crate::config::{ConfigSet, Env, Section};
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
            policy.max_attempts = parse_max_attempts(raw, "max_attempts")?;
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

/// A whole number of attempts, at least 1; `source` names where the value came from.
fn parse_max_attempts(raw: &str, source: &str) -> Result<u32, Error> {
    match raw.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => {
            let shown: String = raw.chars().take(40).collect();
            Err(Error::Config(format!(
                "{source} must be a whole number of at least 1 (1 disables retries), got {shown:?}"
            )))
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait this long, then make the next attempt.
    RetryAfter(Duration),
    /// Do not try again: the last outcome is the answer.
    Stop,
}

/// The attempts of one request: counts them and decides after each one whether to try again,
/// by [`classify`] and the [`RetryPolicy`]. Pure: the caller sends, sleeps and supplies the
/// jitter (a uniform random number in `[0, 1)`).
///
/// Call one of [`Attempts::after_error`] / [`Attempts::after_response`] exactly once after each
/// attempt; see the [module documentation](self) for the loop.
#[derive(Debug, Clone)]
pub struct Attempts {
    policy: RetryPolicy,
    made: u32,
}

impl Attempts {
    /// No attempt made yet.
    pub fn new(policy: RetryPolicy) -> Self {
        Attempts { policy, made: 0 }
    }

    /// The attempts made so far (the calls to `after_*`).
    pub fn made(&self) -> u32 {
        self.made
    }

    /// The policy in use.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// After an attempt that failed with `error` — a transport error, or an error answer
    /// already parsed (what [`crate::Operation::parse`] returns).
    pub fn after_error(&mut self, error: &Error, jitter: f64) -> Next {
        self.made = self.made.saturating_add(1);
        match self.policy.should_retry(self.made, error, jitter) {
            Some(delay) => Next::RetryAfter(delay),
            None => Next::Stop,
        }
    }

    /// After an attempt whose raw outcome is `result` (what a [`crate::flow::Effect::Send`] is
    /// answered with): a success stops, an error answer ([`response_error`]) or a transport
    /// error is judged like [`Attempts::after_error`].
    pub fn after_response(
        &mut self,
        result: &Result<http::Response<Vec<u8>>, Error>,
        jitter: f64,
    ) -> Next {
        let error = match result {
            Ok(response) => match response_error(response) {
                Some(error) => error,
                None => {
                    self.made = self.made.saturating_add(1);
                    return Next::Stop;
                }
            },
            Err(e) => e.clone(),
        };
        self.after_error(&error, jitter)
    }
}

/// The retry mode (`AWS_RETRY_MODE`, the profile's `retry_mode`), as the AWS CLI v2 names them
/// (AWS CLI User Guide, "AWS CLI retries").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryMode {
    /// The AWS CLI v2 default: 3 attempts, backoff capped at 20 s.
    #[default]
    Standard,
    /// The older handler: 5 attempts unless `max_attempts` says otherwise. awscred retries the
    /// same failures with the same backoff as `Standard` (legacy's backoff is the same
    /// doubling from 1 s, uncapped: the two differ only from the sixth attempt on, where ours
    /// stays at 20 s).
    Legacy,
    /// `Standard` plus a client-side rate limiter. awscred behaves as `Standard`: a credential
    /// refresh makes a handful of calls, far too few for the limiter's token bucket to engage.
    Adaptive,
}

impl RetryMode {
    /// The mode a configured value names (`standard`, `legacy`, `adaptive`; spaces around
    /// ignored, case significant as in botocore); `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "standard" => Some(RetryMode::Standard),
            "legacy" => Some(RetryMode::Legacy),
            "adaptive" => Some(RetryMode::Adaptive),
            _ => None,
        }
    }

    /// The attempts this mode makes when `max_attempts` is not configured, `None` when that
    /// is the transport's own default (3 unless the client was built otherwise).
    fn default_attempts(self) -> Option<u32> {
        match self {
            RetryMode::Legacy => Some(5),
            RetryMode::Standard | RetryMode::Adaptive => None,
        }
    }
}

/// What the environment and the profile say about retries. The environment wins over the
/// profile, key by key, as in botocore's config chain: `AWS_MAX_ATTEMPTS` over `max_attempts`,
/// `AWS_RETRY_MODE` over `retry_mode`.
///
/// The default (nothing configured) leaves a transport's [`RetryPolicy`] as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetrySettings {
    /// The retry mode.
    pub mode: RetryMode,
    /// Total attempts including the first, when configured.
    pub max_attempts: Option<u32>,
}

impl RetrySettings {
    /// Reads `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` from `env` and `max_attempts` /
    /// `retry_mode` from `profile`. A value that is not a whole number ≥ 1, or not a mode, is
    /// an [`Error::Config`] naming the variable, or the profile, key, file and line.
    pub fn from_config(env: &Env, profile: Option<&Section>) -> Result<Self, Error> {
        let max_attempts = match env.get("AWS_MAX_ATTEMPTS") {
            Some(raw) => Some(parse_max_attempts(raw, "AWS_MAX_ATTEMPTS")?),
            None => match profile.and_then(|p| p.value("max_attempts").map(|v| (p, v))) {
                Some((p, raw)) => Some(parse_max_attempts(raw, &profile_key(p, "max_attempts"))?),
                None => None,
            },
        };
        let mode = match env.get("AWS_RETRY_MODE") {
            Some(raw) => parse_mode(raw, "AWS_RETRY_MODE")?,
            None => match profile.and_then(|p| p.value("retry_mode").map(|v| (p, v))) {
                Some((p, raw)) => parse_mode(raw, &profile_key(p, "retry_mode"))?,
                None => RetryMode::default(),
            },
        };
        Ok(RetrySettings { mode, max_attempts })
    }

    /// [`RetrySettings::from_config`] for the profile `explicit` names, else the one the
    /// environment selects (`AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`): what the
    /// requests that follow a configuration read use (SSO token refresh, account and role
    /// listing, login, logout), as the AWS CLI applies its retry settings to every client.
    pub fn for_profile(env: &Env, set: &ConfigSet, explicit: Option<&str>) -> Result<Self, Error> {
        let profile = crate::config::select_profile(env, explicit);
        RetrySettings::from_config(env, set.profile(&profile))
    }

    /// The policy to use: `base` (a transport's configured policy, which keeps its backoff)
    /// with the attempts these settings call for — `max_attempts` when configured, else the
    /// mode's default, else `base`'s own.
    pub fn policy(&self, base: RetryPolicy) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self
                .max_attempts
                .or(self.mode.default_attempts())
                .unwrap_or(base.max_attempts),
            ..base
        }
    }
}

/// `max_attempts in the profile "dev" (~/.aws/config line 4)`.
fn profile_key(profile: &Section, key: &str) -> String {
    match profile.origin(key) {
        Some(o) => format!(
            "{key} in the profile \"{}\" ({} line {})",
            profile.name(),
            o.file,
            o.line
        ),
        None => format!("{key} in the profile \"{}\"", profile.name()),
    }
}

fn parse_mode(raw: &str, source: &str) -> Result<RetryMode, Error> {
    RetryMode::from_name(raw).ok_or_else(|| {
        let shown: String = raw.chars().take(40).collect();
        Error::Config(format!(
            "{source} must be one of standard, legacy or adaptive, got {shown:?}"
        ))
    })
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
