//! What the two metadata services servers get credentials from — the EC2 instance metadata
//! service ([`crate::imds`]) and the container credentials endpoint ([`crate::container`]) —
//! have in common: tight per-request limits, one JSON credentials document, and the small
//! state machine shape their fetches share.
//!
//! Both are link-local services that answer in milliseconds when they exist and not at all when
//! they do not (a laptop, a CI runner), so their requests carry [`RequestLimits`] in the
//! request's extensions: drivers that find them there use them instead of their own timeouts
//! and retry policy.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Credentials, Error};

/// Per-request timeouts and attempts that override a driver's defaults. Operations put one in
/// [`http::Request::extensions`]; a driver reads it with
/// `request.extensions().get::<RequestLimits>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// How long the whole response may take once connected.
    pub read_timeout: Duration,
    /// Total attempts including the first; 1 means no retry. Only transport failures, 5xx and
    /// throttling answers are retried, with the driver's usual backoff.
    pub max_attempts: u32,
}

impl RequestLimits {
    /// The same `timeout` for connecting and reading, and `max_attempts` attempts (at least 1).
    pub fn new(timeout: Duration, max_attempts: u32) -> Self {
        RequestLimits {
            connect_timeout: timeout,
            read_timeout: timeout,
            max_attempts: max_attempts.max(1),
        }
    }

    /// Attaches these limits to `request`.
    pub(crate) fn attach(self, mut request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        request.extensions_mut().insert(self);
        request
    }

    /// The limits `request` carries, if any.
    pub fn of<B>(request: &http::Request<B>) -> Option<RequestLimits> {
        request.extensions().get::<RequestLimits>().copied()
    }

    /// `policy` with these limits' attempts.
    pub fn retry_policy(self, policy: crate::retry::RetryPolicy) -> crate::retry::RetryPolicy {
        crate::retry::RetryPolicy {
            max_attempts: self.max_attempts,
            ..policy
        }
    }

    /// The attempts to make for `request`: `attempts` as given, or — for a request carrying
    /// limits — a fresh count with the limits' number of attempts and the same backoff.
    pub fn attempts_for<B>(
        request: &http::Request<B>,
        attempts: crate::retry::Attempts,
    ) -> crate::retry::Attempts {
        match Self::of(request) {
            Some(limits) => crate::retry::Attempts::new(limits.retry_policy(*attempts.policy())),
            None => attempts,
        }
    }
}

/// The transport rule for any request a driver sends: plain HTTP only to loopback
/// ([`crate::endpoint::check_transport_security`]), except for the metadata services' requests
/// (they carry [`RequestLimits`]), which are plain HTTP by design: IMDS at a link-local address
/// or the endpoint the user configured, the container endpoint after its allow-list check
/// ([`crate::container::ContainerSettings::full`]), as botocore allows.
pub fn check_transport<B>(request: &http::Request<B>) -> Result<(), Error> {
    if RequestLimits::of(request).is_some() && request.uri().scheme_str() == Some("http") {
        return Ok(());
    }
    crate::endpoint::check_transport_security(request.uri())
}

/// What the metadata sources remember between resolutions, kept by the caller like
/// [`crate::resolve::ResolveRequest::last_refresh_attempt`]: the IMDSv2 session token (reused
/// until its TTL, as the SDKs do) and the last good instance credentials (for
/// [`crate::stability`]). Pass [`crate::resolve::Resolved::metadata`] back in
/// [`crate::resolve::ResolveRequest::metadata`]. `Debug` shows no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataMemory {
    /// The IMDSv2 session token.
    pub imds_token: Option<crate::imds::SessionToken>,
    /// The last good IMDS credentials.
    pub imds_stability: crate::stability::StaticStability,
}

/// What a metadata fetch wants next: the small step vocabulary the IMDS and container machines
/// share, which the resolve flow maps onto its own steps.
#[derive(Debug)]
pub enum Next {
    /// Send this request (it carries [`RequestLimits`]); answer with the response or the
    /// transport error.
    Send(http::Request<Vec<u8>>),
    /// Read this file (the container authorization token file); answer with its contents.
    Read(PathBuf),
    /// The fetch is over.
    Done(Result<Credentials, Error>),
}

/// Parses the credentials document both services return: `AccessKeyId`, `SecretAccessKey`,
/// `Token`, `Expiration` (ISO 8601) and, when present, `AccountId`. IMDS adds `Code`, which
/// must be `Success` when present (botocore's `InstanceMetadataFetcher` treats a document with
/// `Code`/`Message` but no keys as an error answer, e.g. a role EC2 may not assume).
pub(crate) fn parse_credentials(
    operation: &'static str,
    body: &[u8],
) -> Result<Credentials, Error> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| Error::malformed(operation, "the body is not JSON"))?;
    let object = value
        .as_object()
        .ok_or_else(|| Error::malformed(operation, "the body is not a JSON object"))?;
    let text = |key: &str| object.get(key).and_then(serde_json::Value::as_str);
    if let Some(code) = text("Code")
        && code != "Success"
    {
        return Err(Error::Service(crate::ServiceError {
            status: 200,
            code: code.to_string(),
            message: text("Message").unwrap_or_default().to_string(),
            request_id: None,
        }));
    }
    let required = |key: &'static str| {
        text(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::malformed(operation, format!("`{key}` is missing or not a string"))
        })
    };
    let access_key_id = required("AccessKeyId")?;
    let secret_access_key = required("SecretAccessKey")?;
    let token = required("Token")?;
    let expiration = required("Expiration")?;
    let expiry = crate::time::parse(expiration)
        .ok_or_else(|| Error::malformed(operation, "`Expiration` is not an ISO 8601 time"))?;
    Ok(Credentials::new(
        access_key_id,
        secret_access_key,
        Some(token.to_string()),
        Some(expiry),
    )
    .with_account_id(
        text("AccountId")
            .filter(|a| !a.is_empty())
            .map(str::to_string),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_document_with_and_without_account() {
        let body = br#"{"Code":"Success","LastUpdated":"2026-12-01T09:00:00Z","Type":"AWS-HMAC",
            "AccessKeyId":"ASIAIMDS","SecretAccessKey":"sk","Token":"tok",
            "Expiration":"2026-12-01T15:00:00Z"}"#;
        let c = parse_credentials("Op", body).unwrap();
        assert_eq!(c.access_key_id(), "ASIAIMDS");
        assert_eq!(c.session_token(), Some("tok"));
        assert_eq!(c.account_id(), None);
        assert_eq!(c.expiry(), crate::time::parse("2026-12-01T15:00:00Z"));
        let body = br#"{"AccessKeyId":"A","SecretAccessKey":"s","Token":"t",
            "Expiration":"2026-12-01T15:00:00Z","AccountId":"123456789012"}"#;
        assert_eq!(
            parse_credentials("Op", body).unwrap().account_id(),
            Some("123456789012")
        );
    }

    #[test]
    fn error_documents_and_missing_fields_are_errors_without_secrets() {
        let e = parse_credentials(
            "Op",
            br#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("AssumeRoleUnauthorizedAccess"));
        let e = parse_credentials(
            "Op",
            br#"{"AccessKeyId":"A","SecretAccessKey":"SECRETVALUE","Expiration":"2026-12-01T15:00:00Z"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`Token`"));
        assert!(!e.to_string().contains("SECRETVALUE"));
        assert!(matches!(
            parse_credentials("Op", b"not json"),
            Err(Error::MalformedResponse { .. })
        ));
        assert!(matches!(
            parse_credentials(
                "Op",
                br#"{"AccessKeyId":"A","SecretAccessKey":"s","Token":"t","Expiration":"tomorrow"}"#
            ),
            Err(Error::MalformedResponse { .. })
        ));
    }

    #[test]
    fn plain_http_is_allowed_for_metadata_requests_only() {
        let plain = |uri: &str| http::Request::get(uri).body(Vec::<u8>::new()).unwrap();
        assert!(check_transport(&plain("http://169.254.169.254/latest/api/token")).is_err());
        let marked = RequestLimits::new(Duration::from_secs(1), 1)
            .attach(plain("http://169.254.169.254/latest/api/token"));
        assert!(check_transport(&marked).is_ok());
        assert!(check_transport(&plain("https://sts.amazonaws.com/")).is_ok());
        assert!(check_transport(&plain("http://127.0.0.1:9/")).is_ok());
    }

    #[test]
    fn limits_have_at_least_one_attempt() {
        assert_eq!(
            RequestLimits::new(Duration::from_secs(1), 0).max_attempts,
            1
        );
    }
}
