//! The server side of the container-credentials protocol, for `awscred serve` and
//! `awscred exec --server`: what a request must carry to be answered, and the answer.
//!
//! The AWS SDKs and the AWS CLI read credentials from the URL in
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, sending `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the
//! `Authorization` header, and accept `http://` only to loopback addresses (botocore
//! `ContainerMetadataFetcher` / `ContainerProvider`, aws-config `ecs` provider). The answer is
//! a JSON object with `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` (RFC 3339) and,
//! for newer SDKs, `AccountId`; an error is `{"Code": …, "Message": …}` (aws-config
//! `json_credentials`).
//!
//! Pure: the driver binds 127.0.0.1, hands each request's method, URI and headers to
//! [`EndpointGuard::check`], and answers with [`credentials_response`] or
//! [`Rejection::response`]. Everything a request is refused for is refused before the
//! credentials are looked at.

use std::fmt;

use http::{HeaderMap, Method, Uri};

use crate::{Credentials, Error, Secret};

/// The path credentials are served at (the only one answered).
pub const CREDENTIALS_PATH: &str = "/awscred/credentials";

/// The environment variable the SDKs read the URL from.
pub const FULL_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// The environment variable the SDKs read the `Authorization` value from.
pub const TOKEN_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// Variables that would win over [`FULL_URI_VAR`] / [`TOKEN_VAR`] in an SDK, or make it use
/// other credentials first: a child given the endpoint must not have them.
pub const SHADOWING_VARS: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
];

/// What every request must match: the port the server listens on and the token of this run.
pub struct EndpointGuard {
    port: u16,
    token: Secret,
}

impl fmt::Debug for EndpointGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointGuard")
            .field("port", &self.port)
            .field("token", &self.token)
            .finish()
    }
}

/// Why a request was not answered with credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not `GET` (or `HEAD`).
    Method,
    /// A path other than [`CREDENTIALS_PATH`], or a query.
    Path,
    /// No `Host`, or one that does not name this machine and port (DNS rebinding).
    Host,
    /// An `Origin` header: a browser page is asking (no CORS: pages never get an answer).
    Origin,
    /// No `Authorization` header.
    NoToken,
    /// An `Authorization` header that is not this run's token.
    WrongToken,
}

impl Rejection {
    /// The status code.
    pub fn status(self) -> u16 {
        match self {
            Rejection::Method => 405,
            Rejection::Path => 404,
            Rejection::Host | Rejection::Origin | Rejection::WrongToken => 403,
            Rejection::NoToken => 401,
        }
    }

    /// What to log, and what the client is told.
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Method => "only GET is served",
            Rejection::Path => "no such path",
            Rejection::Host => {
                "the Host header does not name this machine (127.0.0.1, localhost or [::1]) and port"
            }
            Rejection::Origin => "requests from web pages are refused",
            Rejection::NoToken => {
                "the Authorization header (AWS_CONTAINER_AUTHORIZATION_TOKEN) is missing"
            }
            Rejection::WrongToken => "the Authorization header is not this server's token",
        }
    }

    /// The response: the error shape the SDKs read, no CORS headers, not cached.
    pub fn response(self) -> http::Response<Vec<u8>> {
        let code = match self {
            Rejection::Method | Rejection::Path => "NotFound",
            _ => "AccessDenied",
        };
        json_response(self.status(), &error_json(code, self.reason()))
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl EndpointGuard {
    /// A guard for a server on `port` with a token made from 32 random bytes (the caller's
    /// random source: the core has none).
    pub fn new(port: u16, random: [u8; 32]) -> EndpointGuard {
        EndpointGuard {
            port,
            token: Secret::new(hex::encode(random)),
        }
    }

    /// This run's token, the value of [`TOKEN_VAR`].
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// The value of [`FULL_URI_VAR`].
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{CREDENTIALS_PATH}", self.port)
    }

    /// Whether a request may have credentials. Checked in this order, so a request that is not
    /// for the credentials learns nothing about the token.
    pub fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), Rejection> {
        if method != Method::GET && method != Method::HEAD {
            return Err(Rejection::Method);
        }
        if uri.path() != CREDENTIALS_PATH || uri.query().is_some() {
            return Err(Rejection::Path);
        }
        let host = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or(Rejection::Host)?;
        if !self.host_is_ours(host) {
            return Err(Rejection::Host);
        }
        if headers.contains_key(http::header::ORIGIN) {
            return Err(Rejection::Origin);
        }
        let given = headers
            .get(http::header::AUTHORIZATION)
            .ok_or(Rejection::NoToken)?;
        if constant_time_eq(given.as_bytes(), self.token.expose().as_bytes()) {
            Ok(())
        } else {
            Err(Rejection::WrongToken)
        }
    }

    /// `127.0.0.1`, `localhost` or `[::1]`, with our port or none.
    fn host_is_ours(&self, host: &str) -> bool {
        let (name, port) = match host.rsplit_once(':') {
            // `[::1]` alone has colons but no port after the bracket.
            Some((name, port)) if !port.ends_with(']') => (name, Some(port)),
            _ => (host, None),
        };
        let name_ok = name.eq_ignore_ascii_case("localhost")
            || name == "[::1]"
            || name
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback());
        let port_ok = port.is_none_or(|p| p.parse::<u16>() == Ok(self.port));
        name_ok && port_ok
    }
}

/// Equal bytes, in time that depends only on the lengths: the token cannot be guessed a byte
/// at a time by timing the answers.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The credentials as the container-credentials JSON. Only temporary credentials (with a
/// session token and an expiry) can be served: the SDKs require `Token` and `Expiration`.
pub fn credentials_response(credentials: &Credentials) -> Result<http::Response<Vec<u8>>, Error> {
    let (Some(token), Some(expiry)) = (credentials.session_token(), credentials.expiry()) else {
        return Err(Error::Config(
            "these are long-term access keys (no session token, no expiry); the container-credentials \
             protocol serves temporary credentials only (the SDKs require Token and Expiration). \
             Use a role or SSO profile, or `awscred exec` without --server"
                .into(),
        ));
    };
    let mut body = serde_json::json!({
        "Code": "Success",
        "Type": "AWS-HMAC",
        "AccessKeyId": credentials.access_key_id(),
        "SecretAccessKey": credentials.secret_access_key(),
        "Token": token,
        "Expiration": crate::time::format_z(expiry),
    });
    if let Some(account) = credentials.account_id() {
        body["AccountId"] = account.into();
    }
    Ok(json_response(200, &body))
}

/// The answer when the credentials could not be had (the message says why; it never holds a
/// secret, as no [`Error`] does).
pub fn error_response(error: &Error) -> http::Response<Vec<u8>> {
    json_response(
        500,
        &error_json("CredentialsUnavailable", &error.to_string()),
    )
}

/// The answer to a connection whose request never reached [`EndpointGuard::check`]: a head
/// that is malformed or too large ([`crate::http1::HeadProgress::Invalid`]), one that did not
/// arrive in time (408), or one more connection than the server takes at once (503). The
/// error shape the SDKs read; `reason` is the server's own words, never the request's.
pub fn refusal_response(status: u16, reason: &str) -> http::Response<Vec<u8>> {
    let code = match status {
        408 => "RequestTimeout",
        503 => "ServiceUnavailable",
        _ => "InvalidRequest",
    };
    json_response(status, &error_json(code, reason))
}

fn error_json(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "Code": code, "Message": message })
}

fn json_response(status: u16, body: &serde_json::Value) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body.to_string().into_bytes());
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn guard() -> EndpointGuard {
        EndpointGuard::new(4321, [7; 32])
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn check(method: Method, uri: &str, pairs: &[(&'static str, &str)]) -> Result<(), Rejection> {
        guard().check(&method, &uri.parse().unwrap(), &headers(pairs))
    }

    #[test]
    fn only_the_token_on_the_path_from_loopback_gets_credentials() {
        let token = hex::encode([7u8; 32]);
        let ok = [
            ("host", "127.0.0.1:4321"),
            ("authorization", token.as_str()),
        ];
        assert_eq!(check(Method::GET, CREDENTIALS_PATH, &ok), Ok(()));
        for host in [
            "localhost:4321",
            "LOCALHOST",
            "[::1]:4321",
            "[::1]",
            "127.0.0.2:4321",
        ] {
            let h = [("host", host), ("authorization", token.as_str())];
            assert_eq!(check(Method::GET, CREDENTIALS_PATH, &h), Ok(()), "{host}");
        }
        for host in [
            "evil.example:4321",
            "127.0.0.1:80",
            "127.0.0.1.nip.io:4321",
            "0.0.0.0:4321",
            "",
        ] {
            let h = [("host", host), ("authorization", token.as_str())];
            assert_eq!(
                check(Method::GET, CREDENTIALS_PATH, &h),
                Err(Rejection::Host),
                "{host}"
            );
        }
        assert_eq!(
            check(Method::GET, CREDENTIALS_PATH, &ok[1..]),
            Err(Rejection::Host)
        );
        assert_eq!(
            check(Method::POST, CREDENTIALS_PATH, &ok),
            Err(Rejection::Method)
        );
        assert_eq!(
            check(Method::OPTIONS, CREDENTIALS_PATH, &ok),
            Err(Rejection::Method)
        );
        assert_eq!(check(Method::GET, "/", &ok), Err(Rejection::Path));
        assert_eq!(
            check(Method::GET, "/awscred/credentials?x=1", &ok),
            Err(Rejection::Path)
        );
        assert_eq!(
            check(Method::GET, CREDENTIALS_PATH, &ok[..1]),
            Err(Rejection::NoToken)
        );
        let wrong = [("host", "127.0.0.1:4321"), ("authorization", "0707")];
        assert_eq!(
            check(Method::GET, CREDENTIALS_PATH, &wrong),
            Err(Rejection::WrongToken)
        );
        let page = [ok[0], ok[1], ("origin", "https://evil.example")];
        assert_eq!(
            check(Method::GET, CREDENTIALS_PATH, &page),
            Err(Rejection::Origin)
        );
    }

    #[test]
    fn rejections_have_no_cors_and_no_secret() {
        for r in [
            Rejection::Method,
            Rejection::Path,
            Rejection::Host,
            Rejection::Origin,
            Rejection::NoToken,
            Rejection::WrongToken,
        ] {
            let resp = r.response();
            assert_eq!(resp.status().as_u16(), r.status());
            assert!(
                resp.headers()
                    .keys()
                    .all(|k| !k.as_str().starts_with("access-control"))
            );
            let body = String::from_utf8(resp.body().clone()).unwrap();
            assert!(!body.contains(&hex::encode([7u8; 32])));
            assert!(body.contains("\"Code\""));
        }
        assert!(!format!("{:?}", guard()).contains(&hex::encode([7u8; 32])));
    }

    #[test]
    fn the_answer_has_the_fields_the_sdks_read() {
        let expiry = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let creds = Credentials::new("ASIAX", "sekrit", Some("tok".into()), Some(expiry));
        let resp = credentials_response(&creds).unwrap();
        let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(v["AccessKeyId"], "ASIAX");
        assert_eq!(v["SecretAccessKey"], "sekrit");
        assert_eq!(v["Token"], "tok");
        assert_eq!(v["Expiration"], "2027-01-15T08:00:00Z");
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let long_term = Credentials::new("AKIAX", "sekrit", None, None);
        let e = credentials_response(&long_term).unwrap_err().to_string();
        assert!(e.contains("long-term") && !e.contains("sekrit"), "{e}");
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
