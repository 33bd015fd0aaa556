//! The three IMDS calls behind instance role credentials, as botocore's `IMDSFetcher` /
//! `InstanceMetadataFetcher` (botocore 1.44, `botocore/utils.py`) makes them.

use std::time::{Duration, SystemTime};

use http::Method;

use crate::metadata::{RequestLimits, parse_credentials};
use crate::{Credentials, Error, Operation, Secret, ServiceError};

/// The session-token path (`IMDSFetcher._TOKEN_PATH`).
pub const TOKEN_PATH: &str = "/latest/api/token";
/// The instance-role path (`InstanceMetadataFetcher._URL_PATH`): a GET lists the role name,
/// a GET of the path plus the name returns its credentials.
pub const ROLE_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// The request header carrying the requested token lifetime in seconds.
pub const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
/// The request header carrying the session token on IMDSv2 GETs.
pub const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";

/// `PUT /latest/api/token`: a session token for IMDSv2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMetadataToken {
    /// The IMDS base URL without a trailing `/` (`http://169.254.169.254`).
    pub endpoint: String,
    /// The lifetime to ask for (botocore asks for 21600 s, six hours).
    pub ttl: Duration,
    /// Timeouts and attempts (botocore: 1 s, 1 attempt).
    pub limits: RequestLimits,
}

/// What the token call told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAnswer {
    /// A token, valid for `ttl` from when it was asked for.
    Token {
        /// The token.
        value: Secret,
        /// Its lifetime: the answer's TTL header, else the one asked for.
        ttl: Duration,
    },
    /// IMDS refused to hand out tokens (403, 404, 405, or any status but 200 and 400):
    /// botocore then falls back to IMDSv1 unless that is disabled.
    NoToken {
        /// The HTTP status.
        status: u16,
    },
}

impl Operation for GetMetadataToken {
    type Output = TokenAnswer;
    const NAME: &'static str = "GetMetadataToken";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        let request = http::Request::builder()
            .method(Method::PUT)
            .uri(url(&self.endpoint, TOKEN_PATH)?)
            .header(TTL_HEADER, self.ttl.as_secs().to_string())
            .body(Vec::new())
            .map_err(|e| Error::InvalidInput(format!("IMDS token request: {e}")))?;
        Ok(self.limits.attach(request))
    }

    /// botocore: 200 is a token, 400 is an error (a bad request will not get better), any other
    /// status means no token (and IMDSv1 may be tried).
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<TokenAnswer, Error> {
        let status = response.status().as_u16();
        match status {
            200 => {}
            400 => return Err(imds_error(Self::NAME, response)),
            _ => return Ok(TokenAnswer::NoToken { status }),
        }
        let value = std::str::from_utf8(response.body())
            .map_err(|_| Error::malformed(Self::NAME, "the token is not UTF-8"))?
            .trim();
        if value.is_empty() || http::HeaderValue::from_str(value).is_err() {
            return Err(Error::malformed(
                Self::NAME,
                "the token is empty or not usable as a header value",
            ));
        }
        let ttl = response
            .headers()
            .get(TTL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(self.ttl);
        Ok(TokenAnswer::Token {
            value: Secret::new(value),
            ttl,
        })
    }
}

/// `GET /latest/meta-data/iam/security-credentials/`: the name of the instance's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRoleName {
    /// The IMDS base URL without a trailing `/`.
    pub endpoint: String,
    /// The IMDSv2 session token; `None` makes an IMDSv1 request.
    pub token: Option<Secret>,
    /// Timeouts and attempts.
    pub limits: RequestLimits,
}

impl Operation for GetRoleName {
    type Output = String;
    const NAME: &'static str = "GetInstanceRoleName";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        get(
            &self.endpoint,
            ROLE_PATH,
            self.token.as_deref(),
            self.limits,
        )
    }

    /// The first line of the body, trimmed. An empty body is an error (botocore retries it).
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<String, Error> {
        if response.status() == http::StatusCode::NOT_FOUND {
            return Err(Error::Config(format!(
                "the EC2 instance has no IAM role: the instance metadata service answered 404 for {ROLE_PATH} \
                 (attach an instance profile to the instance, or configure another credential source)"
            )));
        }
        if !response.status().is_success() {
            return Err(imds_error(Self::NAME, response));
        }
        let text = std::str::from_utf8(response.body())
            .map_err(|_| Error::malformed(Self::NAME, "the role name is not UTF-8"))?;
        let name = text.lines().next().unwrap_or_default().trim();
        if name.is_empty() {
            return Err(Error::malformed(Self::NAME, "the role name is empty"));
        }
        check_role_name(name)?;
        Ok(name.to_string())
    }
}

/// `GET /latest/meta-data/iam/security-credentials/<role>`: the role's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetInstanceCredentials {
    /// The IMDS base URL without a trailing `/`.
    pub endpoint: String,
    /// The IMDSv2 session token; `None` makes an IMDSv1 request.
    pub token: Option<Secret>,
    /// The role name [`GetRoleName`] returned.
    pub role_name: String,
    /// Timeouts and attempts.
    pub limits: RequestLimits,
}

impl Operation for GetInstanceCredentials {
    type Output = Credentials;
    const NAME: &'static str = "GetInstanceCredentials";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        check_role_name(&self.role_name)?;
        let path = format!("{ROLE_PATH}{}", self.role_name);
        get(&self.endpoint, &path, self.token.as_deref(), self.limits)
    }

    /// The JSON document (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`, and
    /// `AccountId` when IMDS sends it).
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<Credentials, Error> {
        if !response.status().is_success() {
            return Err(imds_error(Self::NAME, response));
        }
        parse_credentials(Self::NAME, response.body())
    }
}

fn url(endpoint: &str, path: &str) -> Result<http::Uri, Error> {
    let text = format!("{}{path}", endpoint.trim_end_matches('/'));
    text.parse::<http::Uri>().map_err(|_| {
        Error::InvalidInput(format!(
            "the instance metadata endpoint `{endpoint}` does not make a valid URL"
        ))
    })
}

fn get(
    endpoint: &str,
    path: &str,
    token: Option<&str>,
    limits: RequestLimits,
) -> Result<http::Request<Vec<u8>>, Error> {
    let mut builder = http::Request::builder()
        .method(Method::GET)
        .uri(url(endpoint, path)?);
    if let Some(token) = token {
        let mut value = http::HeaderValue::from_str(token).map_err(|_| {
            Error::InvalidInput("the IMDS session token is not a valid header value".into())
        })?;
        value.set_sensitive(true);
        builder = builder.header(TOKEN_HEADER, value);
    }
    let request = builder
        .body(Vec::new())
        .map_err(|e| Error::InvalidInput(format!("IMDS request: {e}")))?;
    Ok(limits.attach(request))
}

/// The role name becomes a path segment: IAM role names are `[A-Za-z0-9+=,.@_-]`, 1–64
/// characters (IAM `CreateRole`); anything else would change the path.
fn check_role_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::malformed(
            "GetInstanceRoleName",
            "the role name is not an IAM role name ([A-Za-z0-9+=,.@_-], at most 64 characters)",
        ))
    }
}

/// IMDS errors are plain text, not AWS JSON: the status is the code.
fn imds_error(operation: &'static str, response: &http::Response<Vec<u8>>) -> Error {
    let status = response.status().as_u16();
    let error = ServiceError {
        status,
        code: status.to_string(),
        message: format!("the instance metadata service refused {operation}"),
        request_id: None,
    };
    if status == 429 {
        Error::Throttled(error)
    } else {
        Error::Service(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RequestLimits {
        RequestLimits::new(Duration::from_secs(1), 1)
    }

    fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn token_request_is_a_put_with_the_ttl_and_limits() {
        let op = GetMetadataToken {
            endpoint: "http://169.254.169.254/".into(),
            ttl: Duration::from_secs(21600),
            limits: limits(),
        };
        let r = op.request(SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(r.method(), Method::PUT);
        assert_eq!(r.uri(), "http://169.254.169.254/latest/api/token");
        assert_eq!(r.headers()[TTL_HEADER], "21600");
        assert_eq!(r.extensions().get::<RequestLimits>(), Some(&limits()));
    }

    #[test]
    fn token_answers() {
        let op = GetMetadataToken {
            endpoint: "http://[fd00:ec2::254]".into(),
            ttl: Duration::from_secs(21600),
            limits: limits(),
        };
        let mut ok = response(200, "TOKEN==\n");
        ok.headers_mut()
            .insert(TTL_HEADER, http::HeaderValue::from_static("600"));
        assert_eq!(
            op.parse(&ok).unwrap(),
            TokenAnswer::Token {
                value: Secret::new("TOKEN=="),
                ttl: Duration::from_secs(600)
            }
        );
        for status in [403, 404, 405, 500] {
            assert_eq!(
                op.parse(&response(status, "")).unwrap(),
                TokenAnswer::NoToken { status }
            );
        }
        assert_eq!(
            op.parse(&response(400, "")).unwrap_err().code(),
            Some("400")
        );
        assert!(
            !format!("{:?}", op.parse(&response(200, "SECRETTOKEN")).unwrap()).contains("SECRET")
        );
    }

    #[test]
    fn role_name_and_credentials_requests() {
        let op = GetRoleName {
            endpoint: "http://127.0.0.1:9".into(),
            token: Some("tok".into()),
            limits: limits(),
        };
        let r = op.request(SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(
            r.uri(),
            "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/"
        );
        assert_eq!(r.headers()[TOKEN_HEADER], "tok");
        assert!(!format!("{op:?}").contains("tok\""));
        assert_eq!(op.parse(&response(200, "web-role\n")).unwrap(), "web-role");
        assert!(matches!(
            op.parse(&response(404, "")),
            Err(Error::Config(_))
        ));
        assert!(op.parse(&response(200, "../../x")).is_err());
        assert!(op.parse(&response(200, "")).is_err());
        let v1 = GetRoleName { token: None, ..op };
        assert!(
            v1.request(SystemTime::UNIX_EPOCH)
                .unwrap()
                .headers()
                .get(TOKEN_HEADER)
                .is_none()
        );

        let creds = GetInstanceCredentials {
            endpoint: "http://127.0.0.1:9".into(),
            token: None,
            role_name: "web-role".into(),
            limits: limits(),
        };
        assert_eq!(
            creds.request(SystemTime::UNIX_EPOCH).unwrap().uri(),
            "http://127.0.0.1:9/latest/meta-data/iam/security-credentials/web-role"
        );
        assert_eq!(
            creds.parse(&response(401, "")).unwrap_err().code(),
            Some("401")
        );
        let bad = GetInstanceCredentials {
            role_name: "a/b".into(),
            ..creds
        };
        assert!(bad.request(SystemTime::UNIX_EPOCH).is_err());
    }
}
