//! CreateToken: trades a device code, an authorization code or a refresh token for an SSO
//! access token.

use std::fmt;
use std::time::SystemTime;

use http::Method;
use serde_json::{Map, Value};

use super::{
    GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE, GRANT_REFRESH_TOKEN, json_body, oidc_error,
    string_list,
};
use crate::sso::Redacted;
use crate::sso::json::{Object, parse_body};
use crate::sso::request::{build, require};
use crate::{Endpoint, Error, Operation};

/// What the token is granted for.
#[derive(Clone, PartialEq, Eq)]
pub enum Grant {
    /// The device-code flow's poll.
    DeviceCode {
        /// The `deviceCode` from StartDeviceAuthorization.
        device_code: String,
    },
    /// A refresh of a cached token.
    RefreshToken {
        /// The cached `refreshToken`.
        refresh_token: String,
    },
    /// The authorization-code flow's exchange.
    AuthorizationCode {
        /// The `code` the browser redirect carried.
        code: String,
        /// The redirect URI used in the authorize URL, with its port.
        redirect_uri: String,
        /// The PKCE verifier whose challenge was in the authorize URL.
        code_verifier: String,
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
#[derive(Clone, PartialEq, Eq)]
pub struct CreateToken {
    /// The OIDC endpoint.
    pub endpoint: Endpoint,
    /// The registered client's id.
    pub client_id: String,
    /// The registered client's secret.
    pub client_secret: String,
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
        client_secret: impl Into<String>,
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
#[derive(Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// `accessToken`: the SSO access token. Secret.
    pub access_token: String,
    /// `tokenType`, normally `Bearer`.
    pub token_type: Option<String>,
    /// `expiresIn`: seconds until the access token expires.
    pub expires_in: Option<u64>,
    /// `refreshToken`, when the client may refresh. Secret.
    pub refresh_token: Option<String>,
    /// `idToken`, when sent. Secret.
    pub id_token: Option<String>,
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
            Value::String(self.client_secret.clone()),
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
            access_token: root.string("accessToken")?,
            token_type: root.optional_string("tokenType")?,
            expires_in: root.optional_unsigned("expiresIn")?,
            refresh_token: root.optional_string("refreshToken")?,
            id_token: root.optional_string("idToken")?,
        })
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::DeviceCode { device_code } => f
                .debug_struct("DeviceCode")
                .field("device_code", &Redacted(device_code))
                .finish(),
            Grant::RefreshToken { refresh_token } => f
                .debug_struct("RefreshToken")
                .field("refresh_token", &Redacted(refresh_token))
                .finish(),
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => f
                .debug_struct("AuthorizationCode")
                .field("code", &Redacted(code))
                .field("redirect_uri", redirect_uri)
                .field("code_verifier", &Redacted(code_verifier))
                .finish(),
        }
    }
}

impl fmt::Debug for CreateToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateToken")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(&self.client_secret))
            .field("grant", &self.grant)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &Redacted(&self.access_token))
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_deref().map(Redacted),
            )
            .field("id_token", &self.id_token.as_deref().map(Redacted))
            .finish()
    }
}
