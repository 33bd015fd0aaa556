//! The EC2 instance metadata service (IMDS): instance role credentials over IMDSv2, with
//! botocore's IMDSv1 fallback rules (botocore 1.44 `IMDSFetcher` / `InstanceMetadataFetcher`).
//!
//! * [`ImdsSettings`] — endpoint, disabling, timeouts and attempts; built from the environment
//!   and the profile by [`crate::config::imds_settings`].
//! * [`GetMetadataToken`], [`GetRoleName`], [`GetInstanceCredentials`] — the three calls.
//! * [`ImdsFetch`] — one fetch as a small state machine: token (reused while valid) → role
//!   name → credentials, falling back to IMDSv1 when IMDS hands out no token and v1 is allowed.
//!
//! IMDS must never stall a machine where it does not exist: every request carries
//! [`RequestLimits`] (1 s, 1 attempt by default), and when the token request cannot even
//! connect, no IMDSv1 request follows it.

mod ops;

use std::time::{Duration, SystemTime};

pub use ops::{
    GetInstanceCredentials, GetMetadataToken, GetRoleName, ROLE_PATH, TOKEN_HEADER, TOKEN_PATH,
    TTL_HEADER, TokenAnswer,
};

use crate::metadata::{Next, RequestLimits};
use crate::{Credentials, Error, Operation, Secret, TransportKind};

/// The IPv4 endpoint (botocore `METADATA_BASE_URL`).
pub const IPV4_ENDPOINT: &str = "http://169.254.169.254";
/// The IPv6 endpoint (botocore `METADATA_BASE_URL_IPv6`).
pub const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";
/// The token lifetime asked for (botocore `IMDSFetcher._TOKEN_TTL`: six hours).
pub const TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// A token is replaced this long before it expires, so that no request carries one that runs
/// out in flight (aws-config's IMDS token buffer).
pub const TOKEN_REFRESH_BUFFER: Duration = Duration::from_secs(120);
/// `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout` default (botocore: 1 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts` default (botocore: 1).
pub const DEFAULT_ATTEMPTS: u32 = 1;

/// How to reach IMDS, decided from the environment and the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdsSettings {
    /// The base URL without a trailing `/`.
    pub endpoint: String,
    /// What chose the endpoint, for messages (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, the default…).
    pub endpoint_source: String,
    /// `AWS_EC2_METADATA_DISABLED=true`: IMDS is never contacted.
    pub disabled: bool,
    /// `AWS_EC2_METADATA_V1_DISABLED` / `ec2_metadata_v1_disabled`: no IMDSv1 fallback.
    pub v1_disabled: bool,
    /// Timeout and attempts of every request.
    pub limits: RequestLimits,
    /// The token lifetime to ask for.
    pub token_ttl: Duration,
}

impl Default for ImdsSettings {
    fn default() -> Self {
        ImdsSettings {
            endpoint: IPV4_ENDPOINT.to_string(),
            endpoint_source: "the default endpoint".to_string(),
            disabled: false,
            v1_disabled: false,
            limits: RequestLimits::new(DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS),
            token_ttl: TOKEN_TTL,
        }
    }
}

/// An IMDSv2 session token and until when it may be used. Keep it between fetches (the SDKs
/// reuse the token until its TTL); `Debug` hides the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionToken {
    value: Secret,
    usable_until: SystemTime,
}

impl SessionToken {
    /// A token obtained at `now` with lifetime `ttl`.
    pub fn new(value: impl Into<Secret>, ttl: Duration, now: SystemTime) -> Self {
        SessionToken {
            value: value.into(),
            usable_until: now + ttl.saturating_sub(TOKEN_REFRESH_BUFFER),
        }
    }

    /// Whether it may still be sent at `now`.
    pub fn is_usable(&self, now: SystemTime) -> bool {
        now < self.usable_until
    }

    /// Until when it is used.
    pub fn usable_until(&self) -> SystemTime {
        self.usable_until
    }
}

/// One credential fetch from IMDS. Ask [`ImdsFetch::next`] what to do, answer with
/// [`ImdsFetch::on_response`], until [`Next::Done`]. Afterwards [`ImdsFetch::session_token`]
/// is the token to pass to the next fetch.
#[derive(Debug)]
pub struct ImdsFetch {
    settings: ImdsSettings,
    token: Option<SessionToken>,
    state: State,
    /// A rejected (401) token is replaced once per fetch, then the error stands.
    token_retried: bool,
}

#[derive(Debug)]
enum State {
    Start,
    Token(GetMetadataToken),
    Role(GetRoleName),
    Credentials(GetInstanceCredentials),
    Done(Option<Result<Credentials, Error>>),
}

impl ImdsFetch {
    /// A fetch with `settings`, reusing `token` when it is still usable.
    pub fn new(settings: ImdsSettings, token: Option<SessionToken>) -> Self {
        ImdsFetch {
            settings,
            token,
            state: State::Start,
            token_retried: false,
        }
    }

    /// The session token to keep for the next fetch.
    pub fn session_token(&self) -> Option<&SessionToken> {
        self.token.as_ref()
    }

    /// What to do next.
    pub fn next(&mut self, now: SystemTime) -> Next {
        if let State::Start = self.state {
            self.state = self.begin(now);
        }
        let built = match &self.state {
            State::Start => unreachable!("replaced above"),
            State::Token(op) => op.request(now),
            State::Role(op) => op.request(now),
            State::Credentials(op) => op.request(now),
            State::Done(result) => {
                return Next::Done(result.clone().unwrap_or_else(|| {
                    Err(Error::InvalidInput("the IMDS fetch already ended".into()))
                }));
            }
        };
        match built {
            Ok(request) => Next::Send(request),
            Err(e) => {
                self.state = State::Done(Some(Err(e.clone())));
                Next::Done(Err(e))
            }
        }
    }

    /// The answer to the last [`Next::Send`].
    pub fn on_response(
        &mut self,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) {
        let state = std::mem::replace(&mut self.state, State::Done(None));
        self.state = match state {
            State::Token(op) => self.after_token(&op, response, now),
            State::Role(op) => match response.and_then(|r| op.parse(&r)) {
                Ok(role_name) => State::Credentials(GetInstanceCredentials {
                    endpoint: op.endpoint,
                    token: op.token,
                    role_name,
                    limits: self.settings.limits,
                }),
                Err(e) => self.failed(e, op.token.is_some(), now),
            },
            State::Credentials(op) => match response.and_then(|r| op.parse(&r)) {
                Ok(credentials) => State::Done(Some(Ok(credentials))),
                Err(e) => self.failed(e, op.token.is_some(), now),
            },
            other => other,
        };
    }

    fn begin(&mut self, now: SystemTime) -> State {
        if self.settings.disabled {
            return State::Done(Some(Err(Error::Config(
                "the EC2 instance metadata service is disabled by AWS_EC2_METADATA_DISABLED=true"
                    .into(),
            ))));
        }
        match self.token.as_ref().filter(|t| t.is_usable(now)) {
            Some(token) => State::Role(self.role_op(Some(token.value.clone()))),
            None => {
                self.token = None;
                State::Token(GetMetadataToken {
                    endpoint: self.settings.endpoint.clone(),
                    ttl: self.settings.token_ttl,
                    limits: self.settings.limits,
                })
            }
        }
    }

    fn role_op(&self, token: Option<Secret>) -> GetRoleName {
        GetRoleName {
            endpoint: self.settings.endpoint.clone(),
            token,
            limits: self.settings.limits,
        }
    }

    fn after_token(
        &mut self,
        op: &GetMetadataToken,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> State {
        let answer = response.and_then(|r| op.parse(&r));
        let why_no_token = match answer {
            Ok(TokenAnswer::Token { value, ttl }) => {
                let token = SessionToken::new(value, ttl, now);
                let op = self.role_op(Some(token.value.clone()));
                self.token = Some(token);
                return State::Role(op);
            }
            Ok(TokenAnswer::NoToken { status }) => format!("the token request got HTTP {status}"),
            // Nothing listens there: an IMDSv1 request would fail the same way, one timeout
            // later. (botocore would try it; this is where awscred saves a laptop a second.)
            Err(Error::Transport {
                kind: TransportKind::Connect,
                message,
            }) => {
                return State::Done(Some(
                    Err(self.unreachable(TransportKind::Connect, &message)),
                ));
            }
            // botocore falls back to IMDSv1 on timeouts and broken connections (an IMDSv2
            // answer dropped by the hop limit in a container looks like a timeout).
            Err(Error::Transport { message, .. }) => format!("the token request failed: {message}"),
            Err(e) => return State::Done(Some(Err(e))),
        };
        if self.settings.v1_disabled {
            return State::Done(Some(Err(Error::Config(format!(
                "Unable to retrieve token for use in IMDSv2 call and IMDSv1 has been disabled \
                 ({why_no_token}; AWS_EC2_METADATA_V1_DISABLED / ec2_metadata_v1_disabled is true)"
            )))));
        }
        State::Role(self.role_op(None))
    }

    /// A failed role-name or credentials call. A 401 with a token means the token was rejected
    /// (expired early, IMDS restarted): get a new one, once.
    fn failed(&mut self, error: Error, had_token: bool, now: SystemTime) -> State {
        let rejected = error.service_error().is_some_and(|e| e.status == 401);
        if rejected && had_token && !self.token_retried {
            self.token_retried = true;
            self.token = None;
            return self.begin(now);
        }
        let error = match error {
            Error::Transport { kind, message } => self.unreachable(kind, &message),
            other => other,
        };
        State::Done(Some(Err(error)))
    }

    fn unreachable(&self, kind: TransportKind, message: &str) -> Error {
        Error::Transport {
            kind,
            message: format!(
                "no EC2 instance metadata service answered at {} ({}): {message}; off EC2, set \
                 AWS_EC2_METADATA_DISABLED=true to skip it",
                self.settings.endpoint, self.settings.endpoint_source
            ),
        }
    }
}

#[cfg(test)]
mod tests;
