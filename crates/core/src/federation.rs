//! The AWS sign-in federation endpoint: temporary credentials become a sign-in token, and the
//! token a URL that opens the AWS console as that session (`awscred console`).
//!
//! The protocol is the one AWS documents for custom identity brokers ("Enable custom identity
//! broker access to the AWS console", IAM User Guide; notes in `docs/console.md` §2–§4):
//!
//! 1. `GET <federation>?Action=getSigninToken&Session=<JSON>[&SessionDuration=<s>]`, where the
//!    JSON is `{"sessionId": key id, "sessionKey": secret key, "sessionToken": token}`, answers
//!    `{"SigninToken": "…"}`.
//! 2. `<federation>?Action=login&Issuer=…&Destination=<console URL>&SigninToken=…` signs the
//!    browser in and redirects it to the destination.
//!
//! Only temporary credentials (with a session token) can be exchanged; long-term keys are
//! refused here, before any request, with what to use instead.

use std::time::SystemTime;

use crate::encoding::encode_pairs;
use crate::{Credentials, Error, Operation, Secret, ServiceError};

/// The shortest and longest console session `SessionDuration` may ask for (15 minutes to 12
/// hours, per the AWS documentation of the federation endpoint).
pub const SESSION_DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43_200;

/// Where the federation endpoint and the console of a partition are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationEndpoint {
    /// The federation URL (`https://signin.aws.amazon.com/federation`), without a query.
    pub url: String,
    /// The console's home for this partition, the default destination.
    pub console: String,
}

impl FederationEndpoint {
    /// The endpoint of the partition `region` is in (`aws` when no region is known): aws,
    /// aws-cn and aws-us-gov have a console; the isolated partitions have none reachable.
    pub fn for_region(region: Option<&str>) -> Result<FederationEndpoint, Error> {
        let partition = region.map_or("aws", crate::endpoint::partition_name);
        let (signin, console) = match partition {
            "aws" => ("signin.aws.amazon.com", "console.aws.amazon.com"),
            "aws-cn" => ("signin.amazonaws.cn", "console.amazonaws.cn"),
            "aws-us-gov" => (
                "signin.amazonaws-us-gov.com",
                "console.amazonaws-us-gov.com",
            ),
            other => {
                return Err(Error::Unsupported(format!(
                    "console sign-in: the region {} is in the partition {other}, which has no public federation endpoint awscred knows",
                    region.unwrap_or_default()
                )));
            }
        };
        let console = match region {
            Some(r) if !r.ends_with("-global") => {
                format!("https://{console}/console/home?region={r}")
            }
            _ => format!("https://{console}/console/home"),
        };
        Ok(FederationEndpoint {
            url: format!("https://{signin}/federation"),
            console,
        })
    }

    /// A configured federation URL (an emulator, a proxy), used verbatim; `source` names
    /// where it was set. The console stays the partition's.
    pub fn custom(
        url: &str,
        source: &str,
        region: Option<&str>,
    ) -> Result<FederationEndpoint, Error> {
        let parsed: http::Uri = url.parse().map_err(|_| {
            Error::Config(format!(
                "{source} = {url:?} is not a URL; set it to an https:// URL or unset it"
            ))
        })?;
        if !matches!(parsed.scheme_str(), Some("http" | "https"))
            || parsed.host().is_none()
            || parsed.query().is_some()
        {
            return Err(Error::Config(format!(
                "{source} = {url:?} is not usable: it must be an http(s) URL with a host and no query"
            )));
        }
        let console = FederationEndpoint::for_region(region)
            .map(|e| e.console)
            .unwrap_or_else(|_| "https://console.aws.amazon.com/console/home".into());
        Ok(FederationEndpoint {
            url: url.trim_end_matches('/').to_string(),
            console,
        })
    }
}

impl FederationEndpoint {
    /// The endpoint for `region`, unless the environment configures one: `AWS_ENDPOINT_URL_SIGNIN`,
    /// else `AWS_ENDPOINT_URL` (the base URL; `/federation` is appended), both ignored when
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true, as for the other services.
    pub fn from_env(
        env: &crate::config::Env,
        region: Option<&str>,
    ) -> Result<FederationEndpoint, Error> {
        if env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") != Some(true) {
            for name in ["AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"] {
                if let Some(base) = env.get(name).filter(|v| !v.is_empty()) {
                    let url = format!("{}/federation", base.trim_end_matches('/'));
                    return FederationEndpoint::custom(&url, name, region);
                }
            }
        }
        FederationEndpoint::for_region(region)
    }
}

/// `Action=getSigninToken`: the session's credentials for a sign-in token.
#[derive(Debug, Clone, PartialEq)]
pub struct GetSigninToken {
    /// Where to send it.
    pub endpoint: FederationEndpoint,
    /// Temporary credentials (with a session token).
    pub credentials: Credentials,
    /// `SessionDuration` in seconds, if asked for (only role sessions may set it).
    pub session_duration: Option<u32>,
}

/// Refuses credentials without a session token: the federation endpoint only takes temporary
/// credentials. `profile` names where they came from.
pub fn require_temporary(credentials: &Credentials, profile: &str) -> Result<(), Error> {
    if credentials.session_token().is_some() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "profile {profile} has long-term access keys, which cannot sign in to the console: \
         only temporary credentials can. Use a role profile (role_arn = … with source_profile = {profile}) \
         or an SSO profile, and run `awscred console --profile` with that one"
    )))
}

impl Operation for GetSigninToken {
    type Output = Secret;
    const NAME: &'static str = "getSigninToken";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        let Some(token) = self.credentials.session_token() else {
            return Err(Error::InvalidInput(
                "the console sign-in needs temporary credentials (with a session token)".into(),
            ));
        };
        if let Some(d) = self.session_duration
            && !SESSION_DURATION_RANGE.contains(&d)
        {
            return Err(Error::InvalidInput(format!(
                "--duration {d}: the console session lasts {} to {} seconds (15 minutes to 12 hours)",
                SESSION_DURATION_RANGE.start(),
                SESSION_DURATION_RANGE.end()
            )));
        }
        let session = Secret::new(
            serde_json::json!({
                "sessionId": self.credentials.access_key_id(),
                "sessionKey": self.credentials.secret_access_key(),
                "sessionToken": token,
            })
            .to_string(),
        );
        let duration = self.session_duration.map(|d| d.to_string());
        let mut pairs = vec![("Action", "getSigninToken")];
        if let Some(d) = &duration {
            pairs.push(("SessionDuration", d));
        }
        pairs.push(("Session", session.expose()));
        let uri = format!("{}?{}", self.endpoint.url, encode_pairs(pairs));
        http::Request::builder()
            .method(http::Method::GET)
            .uri(uri)
            .header("accept", "application/json")
            .body(Vec::new())
            .map_err(|_| {
                Error::InvalidInput(format!(
                    "the federation endpoint {} does not make a valid request URL",
                    self.endpoint.url
                ))
            })
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<Secret, Error> {
        let status = response.status().as_u16();
        if !response.status().is_success() {
            // The endpoint's error pages are not a documented format: the status says enough,
            // and the body could echo what was sent.
            let hint = match (status, self.session_duration) {
                (400 | 401 | 403, Some(_)) => {
                    "; SessionDuration (--duration) is accepted only for role sessions: drop --duration, or use a role profile"
                }
                (400 | 401 | 403, None) => {
                    "; the credentials may have expired or not allow a console session"
                }
                _ => "",
            };
            let error = ServiceError {
                status,
                code: status.to_string(),
                message: format!("the sign-in federation endpoint refused the session{hint}"),
                request_id: None,
            };
            return Err(if status == 429 || status == 503 {
                Error::Throttled(error)
            } else {
                Error::Service(error)
            });
        }
        let malformed = |what: &str| Error::MalformedResponse {
            operation: Self::NAME,
            what: what.to_string(),
        };
        let value: serde_json::Value = serde_json::from_slice(response.body())
            .map_err(|_| malformed("the answer is not JSON"))?;
        match value.get("SigninToken").and_then(|t| t.as_str()) {
            Some(t) if !t.is_empty() => Ok(Secret::new(t)),
            _ => Err(malformed("the answer has no SigninToken")),
        }
    }
}

/// The URL that signs a browser in with `token` and lands on `destination`. `issuer` is the
/// URL the console sends the user to when the session ends. The URL carries the token: it is a
/// [`Secret`] (it signs anyone in for the token's 15 minutes).
pub fn login_url(
    endpoint: &FederationEndpoint,
    token: &Secret,
    destination: &str,
    issuer: &str,
) -> Secret {
    Secret::new(format!(
        "{}?{}",
        endpoint.url,
        encode_pairs([
            ("Action", "login"),
            ("Issuer", issuer),
            ("Destination", destination),
            ("SigninToken", token.expose()),
        ])
    ))
}

/// Checks a `--destination`: an absolute `https://` URL (the console redirects only there).
pub fn check_destination(url: &str) -> Result<(), Error> {
    let ok = url
        .parse::<http::Uri>()
        .ok()
        .is_some_and(|u| u.scheme_str() == Some("https") && u.host().is_some());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "--destination {url:?} is not an https:// URL; give a console URL such as https://console.aws.amazon.com/s3/home"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new("ASIAFED", "fed-secret", token.map(String::from), None)
    }

    #[test]
    fn partitions_have_their_endpoints() {
        let aws = FederationEndpoint::for_region(Some("eu-west-1")).unwrap();
        assert_eq!(aws.url, "https://signin.aws.amazon.com/federation");
        assert_eq!(
            aws.console,
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
        let cn = FederationEndpoint::for_region(Some("cn-north-1")).unwrap();
        assert_eq!(cn.url, "https://signin.amazonaws.cn/federation");
        assert!(cn.console.starts_with("https://console.amazonaws.cn/"));
        let gov = FederationEndpoint::for_region(Some("us-gov-west-1")).unwrap();
        assert_eq!(gov.url, "https://signin.amazonaws-us-gov.com/federation");
        assert!(
            gov.console
                .starts_with("https://console.amazonaws-us-gov.com/")
        );
        assert_eq!(
            FederationEndpoint::for_region(None).unwrap().console,
            "https://console.aws.amazon.com/console/home"
        );
        let iso = FederationEndpoint::for_region(Some("us-iso-east-1")).unwrap_err();
        assert!(iso.to_string().contains("aws-iso"), "{iso}");
    }

    #[test]
    fn the_environment_can_point_elsewhere() {
        use crate::config::Env;
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://127.0.0.1:9/")]);
        let e = FederationEndpoint::from_env(&env, Some("cn-north-1")).unwrap();
        assert_eq!(e.url, "http://127.0.0.1:9/federation");
        assert!(e.console.starts_with("https://console.amazonaws.cn/"));
        let env = Env::from_pairs([
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:8"),
        ]);
        assert_eq!(
            FederationEndpoint::from_env(&env, None).unwrap().url,
            "http://127.0.0.1:8/federation"
        );
        let env = Env::from_pairs([
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(
            FederationEndpoint::from_env(&env, None).unwrap().url,
            "https://signin.aws.amazon.com/federation"
        );
        let env = Env::from_pairs([("AWS_ENDPOINT_URL_SIGNIN", "not a url")]);
        let e = FederationEndpoint::from_env(&env, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("AWS_ENDPOINT_URL_SIGNIN"), "{e}");
    }

    #[test]
    fn the_request_carries_the_session_json_and_duration() {
        let op = GetSigninToken {
            endpoint: FederationEndpoint::for_region(None).unwrap(),
            credentials: creds(Some("tok/en+=")),
            session_duration: Some(3600),
        };
        let r = op.request(SystemTime::UNIX_EPOCH).unwrap();
        let uri = r.uri().to_string();
        assert!(uri.starts_with("https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session="));
        let query = r.uri().query().unwrap();
        let session = query
            .split('&')
            .find_map(|p| p.strip_prefix("Session="))
            .unwrap();
        let json = percent_encoding::percent_decode_str(session)
            .decode_utf8()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"sessionId": "ASIAFED", "sessionKey": "fed-secret", "sessionToken": "tok/en+="})
        );
        // No secret in the operation's Debug.
        assert!(!format!("{op:?}").contains("fed-secret"));
    }

    #[test]
    fn bad_durations_and_long_term_keys_are_refused() {
        let mut op = GetSigninToken {
            endpoint: FederationEndpoint::for_region(None).unwrap(),
            credentials: creds(Some("t")),
            session_duration: Some(60),
        };
        assert!(
            op.request(SystemTime::UNIX_EPOCH)
                .unwrap_err()
                .to_string()
                .contains("900 to 43200")
        );
        op.session_duration = None;
        op.credentials = creds(None);
        assert!(op.request(SystemTime::UNIX_EPOCH).is_err());
        let e = require_temporary(&creds(None), "keys")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("long-term") && e.contains("source_profile = keys"),
            "{e}"
        );
        assert!(require_temporary(&creds(Some("t")), "x").is_ok());
    }

    #[test]
    fn parses_the_token_and_names_failures() {
        let op = GetSigninToken {
            endpoint: FederationEndpoint::for_region(None).unwrap(),
            credentials: creds(Some("t")),
            session_duration: Some(43_200),
        };
        let ok = http::Response::new(br#"{"SigninToken":"abc"}"#.to_vec());
        assert_eq!(op.parse(&ok).unwrap(), "abc");
        let mut bad = http::Response::new(b"<html>fed-secret</html>".to_vec());
        *bad.status_mut() = http::StatusCode::BAD_REQUEST;
        let e = op.parse(&bad).unwrap_err().to_string();
        assert!(
            e.contains("only for role sessions") && !e.contains("fed-secret"),
            "{e}"
        );
        let junk = http::Response::new(b"{}".to_vec());
        assert!(matches!(
            op.parse(&junk),
            Err(Error::MalformedResponse { .. })
        ));
    }

    #[test]
    fn the_login_url_encodes_every_part() {
        let e = FederationEndpoint::for_region(None).unwrap();
        let url = login_url(
            &e,
            &Secret::new("to ken"),
            "https://console.aws.amazon.com/s3/home?region=x",
            "https://example.invalid/",
        );
        assert_eq!(
            url.expose(),
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=https%3A%2F%2Fexample.invalid%2F&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Dx&SigninToken=to%20ken"
        );
        assert!(check_destination("https://console.aws.amazon.com/").is_ok());
        assert!(check_destination("javascript:alert(1)").is_err());
        assert!(check_destination("http://console.aws.amazon.com/").is_err());
    }
}
