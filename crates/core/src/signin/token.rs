//! CreateOAuth2Token: `POST {signin endpoint}/v1/token` with a DPoP proof, trading an
//! authorization code (at login) or a refresh token (when the credentials are due) for
//! credentials and a new refresh token (botocore data/signin/2023-01-01/service-2.json:
//! rest-json, no SigV4, `tokenInput` as the body, `tokenOutput` as the answer).

use std::time::SystemTime;

use http::header::HeaderName;
use http::{HeaderValue, Method};
use serde_json::{Map, Value};

use super::dpop::DpopKey;
use crate::wire::rest_json::{Object, build, json_body, parse_body};
use crate::{Endpoint, Error, Operation, Secret};

/// The header carrying the proof (RFC 9449 §4.1).
pub const DPOP_HEADER: &str = "dpop";

/// The path of the token endpoint.
pub const TOKEN_PATH: &str = "/v1/token";

/// The `error` codes of the token endpoint's AccessDeniedException that mean the login session
/// is over (botocore `LoginCredentialFetcher.refresh_credentials`, aws-config
/// `login::refresh_cached_token`): the user must run the login again. The message says why.
pub fn login_again_reason(code: &str) -> Option<&'static str> {
    match code {
        "TOKEN_EXPIRED" => Some("the console login session has expired (TOKEN_EXPIRED)"),
        "USER_CREDENTIALS_CHANGED" => Some(
            "the console login session ended because the user's password changed (USER_CREDENTIALS_CHANGED)",
        ),
        "INSUFFICIENT_PERMISSIONS" => Some(
            "the console login session may not refresh its credentials: the user lacks permission for \
             signin:CreateOAuth2Token (INSUFFICIENT_PERMISSIONS)",
        ),
        "AUTHCODE_EXPIRED" => {
            Some("the authorization code expired before it was used (AUTHCODE_EXPIRED)")
        }
        _ => None,
    }
}

/// What the token is granted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginGrant {
    /// A refresh of a cached login session.
    RefreshToken {
        /// The cache file's `refreshToken`.
        refresh_token: Secret,
    },
    /// The login's exchange of the browser's code.
    AuthorizationCode {
        /// The code from the redirect (same device) or the pasted verification code (remote).
        code: Secret,
        /// The PKCE verifier whose challenge was in the authorize URL.
        code_verifier: Secret,
        /// The redirect URI of the authorize URL.
        redirect_uri: String,
    },
}

/// One CreateOAuth2Token call, its proof signed at request time. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct CreateOAuth2Token {
    /// The Sign-In endpoint (`https://<region>.signin.aws.amazon.com`).
    pub endpoint: Endpoint,
    /// `clientId`: the cache file's, or the login's `arn:aws:signin:::devtools/…`.
    pub client_id: String,
    /// The grant.
    pub grant: LoginGrant,
    /// The session's key: it signs the proof.
    pub key: DpopKey,
    /// The proof's `jti`, fresh for each call ([`super::jti_from_random`]).
    pub jti: String,
}

impl CreateOAuth2Token {
    /// The URL the request goes to: the proof's `htu`.
    pub fn url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.endpoint.url.trim_end_matches('/'))
    }
}

/// `tokenOutput`. `Debug` shows no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOutput {
    /// `accessToken.accessKeyId`.
    pub access_key_id: String,
    /// `accessToken.secretAccessKey`.
    pub secret_access_key: Secret,
    /// `accessToken.sessionToken`.
    pub session_token: Secret,
    /// `tokenType` (`aws_sigv4`).
    pub token_type: Option<String>,
    /// `expiresIn`, seconds.
    pub expires_in: u64,
    /// `refreshToken`: the next refresh must use this one.
    pub refresh_token: Secret,
    /// `idToken`: only in the answer to an authorization code.
    pub id_token: Option<Secret>,
}

impl Operation for CreateOAuth2Token {
    type Output = TokenOutput;
    const NAME: &'static str = "CreateOAuth2Token";

    fn request(&self, now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        crate::wire::require(&self.client_id, "the login session's client id")?;
        let mut body = Map::new();
        let mut put = |k: &str, v: &str| {
            body.insert(k.into(), Value::String(v.into()));
        };
        put("clientId", &self.client_id);
        match &self.grant {
            LoginGrant::RefreshToken { refresh_token } => {
                crate::wire::require(refresh_token, "the login session's refresh token")?;
                put("grantType", "refresh_token");
                put("refreshToken", refresh_token);
            }
            LoginGrant::AuthorizationCode {
                code,
                code_verifier,
                redirect_uri,
            } => {
                crate::wire::require(code, "the authorization code")?;
                put("grantType", "authorization_code");
                put("code", code);
                put("codeVerifier", code_verifier);
                put("redirectUri", redirect_uri);
            }
        }
        let proof = self.key.proof(&self.url(), now, &self.jti)?;
        let mut proof = HeaderValue::from_str(&proof)
            .map_err(|_| Error::InvalidInput("the DPoP proof is not a header value".into()))?;
        proof.set_sensitive(true);
        build(
            Method::POST,
            &self.endpoint,
            TOKEN_PATH,
            "",
            vec![(HeaderName::from_static(DPOP_HEADER), proof)],
            json_body(body),
        )
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<TokenOutput, Error> {
        if !response.status().is_success() {
            return Err(token_error(response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let root = Object::root(Self::NAME, &body)?;
        let access = root.object("accessToken")?;
        Ok(TokenOutput {
            access_key_id: access.string("accessKeyId")?,
            secret_access_key: access.string("secretAccessKey")?.into(),
            session_token: access.string("sessionToken")?.into(),
            token_type: root.optional_string("tokenType")?,
            expires_in: root.unsigned("expiresIn")?,
            refresh_token: root.string("refreshToken")?.into(),
            id_token: root.optional_string("idToken")?.map(Secret::from),
        })
    }
}

/// The service's error; an AccessDeniedException's `error` member (`TOKEN_EXPIRED`…) becomes
/// the code, since it, not the exception name, says what to do.
fn token_error(response: &http::Response<Vec<u8>>) -> Error {
    let error = crate::wire_error::rest_json_error(CreateOAuth2Token::NAME, response);
    let oauth_code = serde_json::from_slice::<Value>(response.body())
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
        .filter(|c| login_again_reason(c).is_some());
    match (error, oauth_code) {
        (Error::Service(mut e), Some(code)) => {
            e.code = code;
            Error::Service(e)
        }
        (error, _) => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn op() -> CreateOAuth2Token {
        CreateOAuth2Token {
            endpoint: Endpoint {
                url: "https://us-east-1.signin.aws.amazon.com".into(),
                signing_region: "us-east-1".into(),
            },
            client_id: "arn:aws:signin:::devtools/same-device".into(),
            grant: LoginGrant::RefreshToken {
                refresh_token: "rt".into(),
            },
            key: DpopKey::from_random(&[3; 32]).unwrap(),
            jti: "j".into(),
        }
    }

    #[test]
    fn request_shape() {
        let r = op()
            .request(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
            .unwrap();
        assert_eq!(r.method(), Method::POST);
        assert_eq!(r.uri(), "https://us-east-1.signin.aws.amazon.com/v1/token");
        assert!(r.headers()[DPOP_HEADER].is_sensitive());
        assert!(r.headers().get("authorization").is_none());
        let body: Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"clientId": "arn:aws:signin:::devtools/same-device", "grantType": "refresh_token", "refreshToken": "rt"})
        );
    }

    #[test]
    fn answers() {
        let ok = br#"{"accessToken":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T"},"tokenType":"aws_sigv4","expiresIn":900,"refreshToken":"R2"}"#;
        let r = http::Response::builder()
            .status(200)
            .body(ok.to_vec())
            .unwrap();
        let out = op().parse(&r).unwrap();
        assert_eq!(out.expires_in, 900);
        assert_eq!(out.refresh_token.expose(), "R2");
        let denied = br#"{"error":"TOKEN_EXPIRED","message":"expired"}"#;
        let r = http::Response::builder()
            .status(400)
            .header("x-amzn-errortype", "AccessDeniedException")
            .body(denied.to_vec())
            .unwrap();
        let e = op().parse(&r).unwrap_err();
        assert_eq!(e.code(), Some("TOKEN_EXPIRED"));
        let r = http::Response::builder()
            .status(429)
            .body(b"{}".to_vec())
            .unwrap();
        assert!(matches!(op().parse(&r), Err(Error::Throttled(_))));
    }
}
