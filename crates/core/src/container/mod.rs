//! Container credentials: the ECS task role endpoint and EKS Pod Identity, as botocore 1.44's
//! `ContainerProvider` / `ContainerMetadataFetcher` (`botocore/credentials.py`,
//! `botocore/utils.py`) reach them.
//!
//! * [`ContainerSettings`] — the URL (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` against
//!   `http://169.254.170.2`, else `AWS_CONTAINER_CREDENTIALS_FULL_URI` checked against the
//!   allow-list) and where the `Authorization` value comes from; built by
//!   [`crate::config::container_settings`].
//! * [`GetContainerCredentials`] — the one GET.
//! * [`ContainerFetch`] — one fetch: read the token file (again on every fetch: EKS rotates
//!   it), refuse a token with CR or LF, send, parse.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::metadata::{Next, RequestLimits, parse_credentials};
use crate::{Credentials, Error, Operation, Secret, ServiceError};

/// The ECS credentials host a relative URI is resolved against
/// (`ContainerMetadataFetcher.IP_ADDRESS`).
pub const RELATIVE_BASE: &str = "http://169.254.170.2";
/// Hosts a plain-http full URI may name besides loopback addresses
/// (`ContainerMetadataFetcher._ALLOWED_HOSTS`): the ECS endpoint, the EKS Pod Identity agent
/// over IPv4 and IPv6, and `localhost`. Any host is allowed over https.
pub const ALLOWED_HTTP_HOSTS: [&str; 4] = [
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
    "localhost",
];
/// botocore's `ContainerMetadataFetcher.TIMEOUT_SECONDS`.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// botocore's `ContainerMetadataFetcher.RETRY_ATTEMPTS`.
pub const ATTEMPTS: u32 = 3;

/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const ENV_RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
pub const ENV_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`.
pub const ENV_TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
pub const ENV_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/// Where the `Authorization` header's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`: read on every fetch.
    File(PathBuf),
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    Token(Secret),
}

/// How to reach the container credentials endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSettings {
    /// The full URL to GET.
    pub uri: String,
    /// The variable it came from ([`ENV_RELATIVE_URI`] or [`ENV_FULL_URI`]).
    pub uri_source: &'static str,
    /// The `Authorization` header, when one is configured.
    pub authorization: Option<Authorization>,
    /// Timeout and attempts.
    pub limits: RequestLimits,
}

impl ContainerSettings {
    /// Settings for a relative URI (`/v2/credentials/…`), resolved against [`RELATIVE_BASE`].
    pub fn relative(relative: &str) -> Result<Self, Error> {
        if !relative.starts_with('/') {
            return Err(Error::Config(format!(
                "{ENV_RELATIVE_URI} must be a path starting with `/` (it is appended to {RELATIVE_BASE})"
            )));
        }
        let uri = format!("{RELATIVE_BASE}{relative}");
        check_uri(&uri, ENV_RELATIVE_URI)?;
        Ok(Self::with_uri(uri, ENV_RELATIVE_URI))
    }

    /// Settings for a full URI: https to any host, or plain http to a loopback address or one
    /// of [`ALLOWED_HTTP_HOSTS`].
    pub fn full(uri: &str) -> Result<Self, Error> {
        let parsed = check_uri(uri, ENV_FULL_URI)?;
        if parsed.scheme_str() != Some("https") {
            let host = parsed
                .host()
                .unwrap_or_default()
                .trim_start_matches('[')
                .trim_end_matches(']');
            let loopback = host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback && !ALLOWED_HTTP_HOSTS.contains(&host) {
                return Err(Error::Config(format!(
                    "Unsupported host '{host}' in {ENV_FULL_URI}. Can only retrieve metadata over http \
                     from a loopback address or one of these hosts: {}; use https for any other host",
                    ALLOWED_HTTP_HOSTS.join(", ")
                )));
            }
        }
        Ok(Self::with_uri(uri.to_string(), ENV_FULL_URI))
    }

    /// The same settings sending this `Authorization`.
    pub fn with_authorization(mut self, authorization: Option<Authorization>) -> Self {
        self.authorization = authorization;
        self
    }

    fn with_uri(uri: String, uri_source: &'static str) -> Self {
        ContainerSettings {
            uri,
            uri_source,
            authorization: None,
            limits: RequestLimits::new(TIMEOUT, ATTEMPTS),
        }
    }
}

fn check_uri(uri: &str, source: &str) -> Result<http::Uri, Error> {
    let parsed: http::Uri = uri
        .parse()
        .map_err(|_| Error::Config(format!("{source} does not give a valid URL (`{uri}`)")))?;
    match (parsed.scheme_str(), parsed.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(parsed),
        _ => Err(Error::Config(format!(
            "{source} must be an http:// or https:// URL with a host (`{uri}`)"
        ))),
    }
}

/// `GET <uri>` with `Accept: application/json` and, when configured, `Authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetContainerCredentials {
    /// The full URL.
    pub uri: String,
    /// The `Authorization` value.
    pub authorization: Option<Secret>,
    /// Timeout and attempts.
    pub limits: RequestLimits,
}

impl Operation for GetContainerCredentials {
    type Output = Credentials;
    const NAME: &'static str = "GetContainerCredentials";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        let mut builder = http::Request::builder()
            .method(http::Method::GET)
            .uri(self.uri.as_str())
            .header(http::header::ACCEPT, "application/json");
        if let Some(token) = &self.authorization {
            check_token(token, "the container authorization token")?;
            let mut value = http::HeaderValue::from_str(token).map_err(|_| {
                Error::Config(
                    "the container authorization token is not a legal header value".into(),
                )
            })?;
            value.set_sensitive(true);
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        let request = builder.body(Vec::new()).map_err(|_| {
            Error::Config(format!(
                "the container credentials URL `{}` is not valid",
                self.uri
            ))
        })?;
        Ok(self.limits.attach(request))
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<Credentials, Error> {
        let status = response.status().as_u16();
        if status != 200 {
            let error = ServiceError {
                status,
                code: status.to_string(),
                message: format!("Received non 200 response {status} from container metadata"),
                request_id: None,
            };
            return Err(if status == 429 {
                Error::Throttled(error)
            } else {
                Error::Service(error)
            });
        }
        parse_credentials(Self::NAME, response.body())
    }
}

/// botocore's `_validate_auth_token`: a header value may not contain CR or LF (it would
/// smuggle a second header). The token is never quoted.
fn check_token(token: &str, what: &str) -> Result<(), Error> {
    if token.contains(['\r', '\n']) {
        return Err(Error::Config(format!(
            "{what} contains a line break (CR or LF), which is not a legal header value; remove it \
             (a trailing newline in the token file counts)"
        )));
    }
    if token.is_empty() {
        return Err(Error::Config(format!("{what} is empty")));
    }
    Ok(())
}

/// One fetch from the container endpoint. Ask [`ContainerFetch::next`]; answer
/// [`Next::Read`] with [`ContainerFetch::on_file`] and [`Next::Send`] with
/// [`ContainerFetch::on_response`].
#[derive(Debug)]
pub struct ContainerFetch {
    settings: ContainerSettings,
    state: FetchState,
}

#[derive(Debug)]
enum FetchState {
    Start,
    ReadingToken(PathBuf),
    Sending(GetContainerCredentials),
    Done(Option<Result<Credentials, Error>>),
}

impl ContainerFetch {
    /// A fetch with `settings`.
    pub fn new(settings: ContainerSettings) -> Self {
        ContainerFetch {
            settings,
            state: FetchState::Start,
        }
    }

    /// What to do next.
    pub fn next(&mut self, now: SystemTime) -> Next {
        if let FetchState::Start = self.state {
            self.state = match self.settings.authorization.clone() {
                Some(Authorization::File(path)) => FetchState::ReadingToken(path),
                Some(Authorization::Token(token)) => match check_token(&token, ENV_TOKEN) {
                    Ok(()) => FetchState::Sending(self.op(Some(token.into_inner()))),
                    Err(e) => FetchState::Done(Some(Err(e))),
                },
                None => FetchState::Sending(self.op(None)),
            };
        }
        match &self.state {
            FetchState::Start => unreachable!("replaced above"),
            FetchState::ReadingToken(path) => Next::Read(path.clone()),
            FetchState::Sending(op) => match op.request(now) {
                Ok(request) => Next::Send(request),
                Err(e) => {
                    self.state = FetchState::Done(Some(Err(e.clone())));
                    Next::Done(Err(e))
                }
            },
            FetchState::Done(result) => Next::Done(result.clone().unwrap_or_else(|| {
                Err(Error::InvalidInput(
                    "the container fetch already ended".into(),
                ))
            })),
        }
    }

    /// The token file's contents (`None`: it does not exist).
    pub fn on_file(&mut self, contents: Result<Option<Vec<u8>>, Error>) {
        let FetchState::ReadingToken(path) = &self.state else {
            return;
        };
        let shown = path.display().to_string();
        let token = match contents {
            Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|_| {
                Error::Config(format!(
                    "the container authorization token file {shown} is not UTF-8"
                ))
            }),
            Ok(None) => Err(Error::Config(format!(
                "the container authorization token file {shown} ({ENV_TOKEN_FILE}) does not exist"
            ))),
            Err(e) => Err(e),
        }
        .and_then(|token| {
            let what = format!("the token in {shown} ({ENV_TOKEN_FILE})");
            check_token(&token, &what).map(|()| token)
        });
        self.state = match token {
            Ok(token) => FetchState::Sending(self.op(Some(token))),
            Err(e) => FetchState::Done(Some(Err(e))),
        };
    }

    /// The answer to the last [`Next::Send`].
    pub fn on_response(&mut self, response: Result<http::Response<Vec<u8>>, Error>) {
        let FetchState::Sending(op) = &self.state else {
            return;
        };
        let result = response.and_then(|r| op.parse(&r)).map_err(|e| match e {
            Error::Transport { kind, message } => Error::Transport {
                kind,
                message: format!(
                    "the container credentials endpoint {} ({}) did not answer: {message}",
                    self.settings.uri, self.settings.uri_source
                ),
            },
            other => other,
        });
        self.state = FetchState::Done(Some(result));
    }

    fn op(&self, authorization: Option<String>) -> GetContainerCredentials {
        GetContainerCredentials {
            uri: self.settings.uri.clone(),
            authorization: authorization.map(Secret::new),
            limits: self.settings.limits,
        }
    }
}

#[cfg(test)]
mod tests;
