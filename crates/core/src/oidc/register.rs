//! RegisterClient: registers this tool as a public OIDC client of the SSO instance.

use std::fmt;
use std::time::SystemTime;

use http::Method;
use serde_json::{Map, Value};

use super::{DEFAULT_SCOPE, GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, oidc_error};
use crate::wire::require;
use crate::wire::rest_json::{Object, build, json_body, parse_body, string_list};
use crate::{Endpoint, Error, Operation, Secret};

/// The redirect URI registered for the PKCE flow. It has no port: the loopback listener's port
/// is only known at login time and the service accepts any port on it (docs/sso-oidc-and-login.md §6).
pub const PKCE_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// `POST /client/register`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterClient {
    /// The OIDC endpoint (`https://oidc.<region>.amazonaws.com`).
    pub endpoint: Endpoint,
    /// `clientName`, e.g. `botocore-client-<session>`.
    pub client_name: String,
    /// `clientType`; always `public` for the AWS CLI.
    pub client_type: String,
    /// `scopes`; omitted when empty.
    pub scopes: Vec<String>,
    /// `grantTypes`; omitted when empty.
    pub grant_types: Vec<String>,
    /// `redirectUris`; omitted when empty.
    pub redirect_uris: Vec<String>,
    /// `issuerUrl` (the resolved start URL), for the PKCE flow.
    pub issuer_url: Option<String>,
}

impl RegisterClient {
    /// The registration of the device-code flow: scopes only when configured (docs/sso-oidc-and-login.md §7).
    pub fn for_device_code(
        endpoint: Endpoint,
        client_name: impl Into<String>,
        scopes: Vec<String>,
    ) -> Self {
        RegisterClient {
            endpoint,
            client_name: client_name.into(),
            client_type: "public".into(),
            scopes,
            grant_types: Vec::new(),
            redirect_uris: Vec::new(),
            issuer_url: None,
        }
    }

    /// The registration of the authorization-code flow: the configured scopes or
    /// [`DEFAULT_SCOPE`], both grant types, the loopback redirect URI and the issuer (docs/sso-oidc-and-login.md §6).
    pub fn for_authorization_code(
        endpoint: Endpoint,
        client_name: impl Into<String>,
        scopes: Vec<String>,
        issuer_url: impl Into<String>,
    ) -> Self {
        let scopes = if scopes.is_empty() {
            vec![DEFAULT_SCOPE.to_string()]
        } else {
            scopes
        };
        RegisterClient {
            endpoint,
            client_name: client_name.into(),
            client_type: "public".into(),
            scopes,
            grant_types: vec![GRANT_AUTHORIZATION_CODE.into(), GRANT_REFRESH_TOKEN.into()],
            redirect_uris: vec![PKCE_REDIRECT_URI.into()],
            issuer_url: Some(issuer_url.into()),
        }
    }
}

/// What RegisterClient returns.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`. Handle with care.
    pub client_secret: Secret,
    /// `clientIdIssuedAt` (epoch seconds on the wire).
    pub client_id_issued_at: Option<SystemTime>,
    /// `clientSecretExpiresAt` (epoch seconds on the wire): when the registration must be renewed.
    pub client_secret_expires_at: SystemTime,
    /// `authorizationEndpoint`, when sent.
    pub authorization_endpoint: Option<String>,
    /// `tokenEndpoint`, when sent.
    pub token_endpoint: Option<String>,
}

impl Operation for RegisterClient {
    type Output = ClientRegistration;
    const NAME: &'static str = "RegisterClient";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        require(&self.client_name, "the OIDC client name")?;
        require(&self.client_type, "the OIDC client type")?;
        let mut body = Map::new();
        body.insert("clientName".into(), Value::String(self.client_name.clone()));
        body.insert("clientType".into(), Value::String(self.client_type.clone()));
        for (member, list) in [
            ("scopes", &self.scopes),
            ("grantTypes", &self.grant_types),
            ("redirectUris", &self.redirect_uris),
        ] {
            if !list.is_empty() {
                body.insert(member.into(), string_list(list));
            }
        }
        if let Some(issuer) = &self.issuer_url {
            require(issuer, "the issuer URL (the SSO start URL)")?;
            body.insert("issuerUrl".into(), Value::String(issuer.clone()));
        }
        build(
            Method::POST,
            &self.endpoint,
            "/client/register",
            "",
            Vec::new(),
            json_body(body),
        )
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<ClientRegistration, Error> {
        if !response.status().is_success() {
            return Err(oidc_error(Self::NAME, response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let root = Object::root(Self::NAME, &body)?;
        let expires = root.unsigned("clientSecretExpiresAt")?;
        let issued = root.optional_unsigned("clientIdIssuedAt")?;
        Ok(ClientRegistration {
            client_id: root.string("clientId")?,
            client_secret: root.string("clientSecret")?.into(),
            client_id_issued_at: match issued {
                Some(s) => Some(epoch_secs(s, "clientIdIssuedAt")?),
                None => None,
            },
            client_secret_expires_at: epoch_secs(expires, "clientSecretExpiresAt")?,
            authorization_endpoint: root.optional_string("authorizationEndpoint")?,
            token_endpoint: root.optional_string("tokenEndpoint")?,
        })
    }
}

fn epoch_secs(secs: u64, member: &str) -> Result<SystemTime, Error> {
    i64::try_from(secs)
        .ok()
        .and_then(crate::time::from_epoch_secs)
        .ok_or_else(|| {
            Error::malformed(RegisterClient::NAME, format!("`{member}` is out of range"))
        })
}

/// Written out only to show the timestamps as text; the secret is a [`Secret`].
impl fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field(
                "client_id_issued_at",
                &self.client_id_issued_at.map(crate::time::format_z),
            )
            .field(
                "client_secret_expires_at",
                &crate::time::format_z(self.client_secret_expires_at),
            )
            .field("authorization_endpoint", &self.authorization_endpoint)
            .field("token_endpoint", &self.token_endpoint)
            .finish()
    }
}
