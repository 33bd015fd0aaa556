//! CreateToken: trades a device code, an authorization code or a refresh token for an SSO
//! access token.

use std::time::SystemTime;

use http::Method;
use serde_json::{Map, Value};

use super::{GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE, GRANT_REFRESH_TOKEN, oidc_error};
use crate::wire::require;
use crate::wire::rest_json::{Object, build, json_body, parse_body, string_list};
use crate::{Endpoint, Error, Operation, Secret};

/// What the token is granted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// The device-code flow's poll.
    DeviceCode {
        /// The `deviceCode` from StartDeviceAuthorization.
        device_code: Secret,
    },
    /// A refresh of a cached token.
    RefreshToken {
        /// The cached `refreshToken`.
        refresh_token: Secret,
    },
    /// The authorization-code flow's exchange.
    AuthorizationCode {
        /// The `code` the browser redirect carried.
        code: Secret,
        /// The redirect URI used in the authorize URL, with its port.
        redirect_uri: String,
        /// The PKCE verifier whose challenge was in the authorize URL.
        code_verifier: Secret,
    },
}

impl Grant {
    /// The wire `grantType`.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::DeviceCode { .. } => GRANT_DEVICE_CODE,
            Grant::RefreshToken { .. } => GRANT_REFRESH_TOKEN,
            Grant::AuthorizationCode { .. } => GRANT_AUTHORIZATION_CODE,
        }
    }

    fn add_to(&self, body: &mut Map<String, Value>) -> Result<(), Error> {
        let mut put = |member: &str, value: &str, what: &str| {
            require(value, what)?;
            body.insert(member.into(), Value::String(value.to_string()));
            Ok::<(), Error>(())
        };
        match self {
            Grant::DeviceCode { device_code } => put("deviceCode", device_code, "the device code"),
            Grant::RefreshToken { refresh_token } => {
                put("refreshToken", refresh_token, "the refresh token")
            }
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                put("redirectUri", redirect_uri, "the redirect URI")?;
                put("codeVerifier", code_verifier, "the PKCE code verifier")?;
                put("code", code, "the authorization code")
            }
        }
    }
}

/// `POST /token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateToken {
    /// The OIDC endpoint.
    pub endpoint: Endpoint,
    /// The registered client's id.
    pub client_id: String,
    /// The registered client's secret.
    pub client_secret: Secret,
    /// What the token is granted for.
    pub grant: Grant,
    /// `scope` (the wire name is singular); omitted when empty, as the AWS CLI does.
    pub scopes: Vec<String>,
}

impl CreateToken {
    /// A CreateToken call without explicit scopes.
    pub fn new(
        endpoint: Endpoint,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        grant: Grant,
    ) -> Self {
        CreateToken {
            endpoint,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            grant,
            scopes: Vec::new(),
        }
    }
}

/// What CreateToken returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// `accessToken`: the SSO access token. Secret.
    pub access_token: Secret,
    /// `tokenType`, normally `Bearer`.
    pub token_type: Option<String>,
    /// `expiresIn`: seconds until the access token expires.
    pub expires_in: Option<u64>,
    /// `refreshToken`, when the client may refresh. Secret.
    pub refresh_token: Option<Secret>,
    /// `idToken`, when sent. Secret.
    pub id_token: Option<Secret>,
}

impl Operation for CreateToken {
    type Output = TokenResponse;
    const NAME: &'static str = "CreateToken";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        require(&self.client_id, "the OIDC client id")?;
        require(&self.client_secret, "the OIDC client secret")?;
        let mut body = Map::new();
        body.insert(
            "grantType".into(),
            Value::String(self.grant.grant_type().into()),
        );
        body.insert("clientId".into(), Value::String(self.client_id.clone()));
        body.insert(
            "clientSecret".into(),
            Value::String(self.client_secret.expose().to_string()),
        );
        self.grant.add_to(&mut body)?;
        if !self.scopes.is_empty() {
            body.insert("scope".into(), string_list(&self.scopes));
        }
        build(
            Method::POST,
            &self.endpoint,
            "/token",
            "",
            Vec::new(),
            json_body(body),
        )
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<TokenResponse, Error> {
        if !response.status().is_success() {
            return Err(oidc_error(Self::NAME, response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let root = Object::root(Self::NAME, &body)?;
        Ok(TokenResponse {
            access_token: root.string("accessToken")?.into(),
            token_type: root.optional_string("tokenType")?,
            expires_in: root.optional_unsigned("expiresIn")?,
            refresh_token: root.optional_string("refreshToken")?.map(Secret::from),
            id_token: root.optional_string("idToken")?.map(Secret::from),
        })
    }
}
