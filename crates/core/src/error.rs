//! The one error type of awscred. Each variant is a kind a caller can act on.
//!
//! Messages never carry secrets: response bodies are only quoted through the service's own
//! `message` field, and malformed responses are described, not echoed.

use std::fmt;

/// Everything that can go wrong while getting credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed something unusable (a region that is not a region, an empty role name…).
    InvalidInput(String),
    /// The shared config or credentials file is wrong, or a profile cannot be resolved.
    /// The message names the file, line, profile or key.
    Config(String),
    /// The SSO session is missing, expired or was rejected: the user must log in again.
    ///
    /// The fields say which login fixes it; `Display` words it as the command to run
    /// (`awscred login --sso-session dev`), and [`Error::login_command`] returns that command.
    LoginNeeded {
        /// What was wrong.
        reason: String,
        /// The `[sso-session NAME]` to log in to, when the login goes through one.
        sso_session: Option<String>,
        /// The profile that needs the login, when known (the login target of a legacy profile,
        /// which has no sso-session).
        profile: Option<String>,
        /// The profile whose console login session (`login_session`, written by `aws login`)
        /// is over: the fix is `awscred login --login-session PROFILE`.
        console_login: Option<String>,
    },
    /// The service throttled the request (retryable).
    Throttled(ServiceError),
    /// The service answered with an error.
    Service(ServiceError),
    /// The response could not be understood.
    MalformedResponse {
        /// The operation whose response it was.
        operation: &'static str,
        /// What was wrong with it (never the body itself).
        what: String,
    },
    /// The request never got an answer: connection refused, reset, timed out, TLS failure…
    Transport {
        /// Which kind of failure, for the retry policy.
        kind: TransportKind,
        /// What happened.
        message: String,
    },
    /// A local file could not be read or written.
    Io {
        /// The file.
        path: String,
        /// What happened.
        message: String,
    },
    /// The interactive login could not complete (authorization expired, denied, state mismatch…).
    Login(String),
    /// A `credential_process` command failed or printed something unusable.
    Process(String),
    /// A feature this library does not implement yet.
    Unsupported(String),
}

/// An error answer from a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status code.
    pub status: u16,
    /// The error code, sanitised (`UnauthorizedException`, `Throttling`, `500`…).
    pub code: String,
    /// The service's message (may be empty).
    pub message: String,
    /// The request id, when the service sent one.
    pub request_id: Option<String>,
}

/// The kinds of transport failure, as the retry policy sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Could not connect (refused, DNS, unreachable).
    Connect,
    /// Connect or read timed out.
    Timeout,
    /// The connection broke mid-request or mid-response.
    Io,
    /// TLS handshake or certificate failure (not retryable).
    Tls,
    /// The response exceeded the size cap or was not HTTP (not retryable).
    Protocol,
}

/// Which login fixes an [`Error::LoginNeeded`]: the sso-session and/or the profile.
///
/// With neither, the fix is a plain `awscred login` (the portal rejected a token and the caller
/// did not say whose).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginHint {
    /// The `[sso-session NAME]` to log in to.
    pub sso_session: Option<String>,
    /// The profile to log in for.
    pub profile: Option<String>,
    /// The profile whose console login session (`login_session`) must be renewed with
    /// `awscred login --login-session PROFILE`; it wins over the other two.
    pub console_login: Option<String>,
}

impl LoginHint {
    /// A login through `[sso-session NAME]`.
    pub fn sso_session(name: impl Into<String>) -> Self {
        LoginHint {
            sso_session: Some(name.into()),
            profile: None,
            console_login: None,
        }
    }

    /// A login for profile `name` (a legacy profile has no sso-session).
    pub fn profile(name: impl Into<String>) -> Self {
        LoginHint {
            sso_session: None,
            profile: Some(name.into()),
            console_login: None,
        }
    }

    /// A console login (`aws login`) for profile `name`, whose `login_session` has ended.
    pub fn console_login(name: impl Into<String>) -> Self {
        LoginHint {
            sso_session: None,
            profile: None,
            console_login: Some(name.into()),
        }
    }

    /// The command that logs in: `--sso-session` when there is a session (it is what the token
    /// cache is keyed by), else `--profile`, else plain [`crate::sso::LOGIN_COMMAND`].
    pub fn command(&self) -> String {
        login_command(
            self.sso_session.as_deref(),
            self.profile.as_deref(),
            self.console_login.as_deref(),
        )
    }
}

fn login_command(
    sso_session: Option<&str>,
    profile: Option<&str>,
    console: Option<&str>,
) -> String {
    if let Some(p) = console {
        return format!("{} --login-session {p}", crate::sso::LOGIN_COMMAND);
    }
    match (sso_session, profile) {
        (Some(s), _) => format!("{} --sso-session {s}", crate::sso::LOGIN_COMMAND),
        (None, Some(p)) => format!("{} --profile {p}", crate::sso::LOGIN_COMMAND),
        (None, None) => crate::sso::LOGIN_COMMAND.to_string(),
    }
}

impl Error {
    /// A login-needed error: `reason` says what was wrong, `login` which login fixes it.
    pub fn login_needed(reason: impl Into<String>, login: LoginHint) -> Self {
        Error::LoginNeeded {
            reason: reason.into(),
            sso_session: login.sso_session,
            profile: login.profile,
            console_login: login.console_login,
        }
    }

    /// For [`Error::LoginNeeded`], the command that fixes it (`awscred login --sso-session dev`).
    pub fn login_command(&self) -> Option<String> {
        match self {
            Error::LoginNeeded {
                sso_session,
                profile,
                console_login,
                ..
            } => Some(login_command(
                sso_session.as_deref(),
                profile.as_deref(),
                console_login.as_deref(),
            )),
            _ => None,
        }
    }

    /// A malformed-response error for `operation`.
    pub fn malformed(operation: &'static str, what: impl Into<String>) -> Self {
        Error::MalformedResponse {
            operation,
            what: what.into(),
        }
    }

    /// An [`Error::Io`] for a local file (or other local resource) `path`, for drivers and
    /// executors reporting a failed effect: `Error::io(&path, &e)`.
    pub fn io(path: impl AsRef<std::path::Path>, error: &std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            message: error.to_string(),
        }
    }

    /// An [`Error::Transport`] of `kind`, for transports reporting a request that got no
    /// answer. The kind decides whether [`crate::retry`] tries again.
    pub fn transport(kind: TransportKind, message: impl Into<String>) -> Self {
        Error::Transport {
            kind,
            message: message.into(),
        }
    }

    /// The service error inside, for `Throttled` and `Service`.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Throttled(e) | Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The service error code, if this is a service answer.
    pub fn code(&self) -> Option<&str> {
        self.service_error().map(|e| e.code.as_str())
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {})", self.code, self.status)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput(m) => write!(f, "invalid input: {m}"),
            Error::Config(m) => f.write_str(m),
            Error::LoginNeeded {
                reason,
                sso_session,
                profile,
                console_login,
            } => {
                let command = login_command(
                    sso_session.as_deref(),
                    profile.as_deref(),
                    console_login.as_deref(),
                );
                write!(f, "{reason}; run `{command}`")
            }
            Error::Throttled(e) => write!(f, "throttled by the service: {e}; try again later"),
            Error::Service(e) => write!(f, "the service refused the request: {e}"),
            Error::MalformedResponse { operation, what } => {
                write!(f, "unexpected {operation} response: {what}")
            }
            Error::Transport { message, .. } => write!(f, "network error: {message}"),
            Error::Io { path, message } => write!(f, "{path}: {message}"),
            Error::Login(m) => write!(f, "login failed: {m}"),
            Error::Process(m) => write!(f, "credential_process failed: {m}"),
            Error::Unsupported(m) => write!(f, "not supported yet: {m}"),
        }
    }
}

impl std::error::Error for Error {}
