//! The cached SSO-OIDC client registration, `~/.aws/sso/cache/<sha1>.json` (docs/sso-oidc-and-login.md §5).
//!
//! `aws sso login` registers a public OIDC client once and reuses it until 15 minutes before
//! its secret expires. The cache file sits next to the tokens, under a key derived from the
//! login's configuration, so awscred and the AWS CLI share registrations.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::cache_codec::py_json::{self, Separators};
use crate::cache_codec::{parse_object, sha1_hex, take_key};
use crate::{Error, Secret};

/// A registration is reused only while it has at least this long left (botocore's
/// `_EXPIRY_WINDOW`).
pub const REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The grant type whose presence marks a registration made for the authorization-code flow.
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";

/// The login flow a registration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationKind {
    /// Device authorization (`--use-device-code`, legacy profiles).
    DeviceCode,
    /// Authorization code with PKCE through the browser.
    AuthorizationCode,
}

/// What the registration cache key is made of (the login's configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationKeyInput<'a> {
    /// The start URL exactly as configured (not the resolved one).
    pub start_url: &'a str,
    /// The `sso_region`.
    pub region: &'a str,
    /// The configured `sso_registration_scopes`, `None` when unset (even though the PKCE flow
    /// registers with the default scope).
    pub scopes: Option<&'a [String]>,
    /// The sso-session name, `None` for legacy profiles.
    pub session_name: Option<&'a str>,
}

/// The registration cache key: SHA-1 hex of
/// `json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"}, sort_keys=True)`.
pub fn registration_cache_key(input: &RegistrationKeyInput<'_>) -> String {
    let mut args = Map::new();
    args.insert("tool".into(), Value::String("botocore".into()));
    args.insert("startUrl".into(), Value::String(input.start_url.into()));
    args.insert("region".into(), Value::String(input.region.into()));
    args.insert(
        "scopes".into(),
        input
            .scopes
            .map_or(Value::Null, |s| strings(s.iter().map(String::as_str))),
    );
    args.insert(
        "session_name".into(),
        input
            .session_name
            .map_or(Value::Null, |s| Value::String(s.into())),
    );
    sha1_hex(py_json::dumps(&Value::Object(args), Separators::Default).as_bytes())
}

/// The registration's file name in `~/.aws/sso/cache`: `<key>.json`.
pub fn registration_file_name(input: &RegistrationKeyInput<'_>) -> String {
    format!("{}.json", registration_cache_key(input))
}

/// A registered OIDC client. `Debug` hides the client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// When the client secret expires (`clientSecretExpiresAt`).
    pub expires_at: SystemTime,
    /// The scopes it was registered with, when any were given.
    pub scopes: Option<Vec<String>>,
    /// Its grant types; written by the PKCE flow (`authorization_code`, `refresh_token`).
    pub grant_types: Option<Vec<String>>,
}

impl Registration {
    /// Reads a registration file: `clientId`, `clientSecret`, `expiresAt` required;
    /// `scopes` and `grantTypes` optional lists of strings.
    pub fn parse(bytes: &[u8]) -> Result<Registration, Error> {
        let mut map = parse_object(bytes, "cached SSO client registration")?;
        let mut required = |name: &str| match take_key(&mut map, name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            _ => Err(invalid(&format!(
                "`{name}` is missing or not a non-empty string"
            ))),
        };
        let client_id = required("clientId")?;
        let client_secret = required("clientSecret")?;
        let expires_at = crate::time::parse(&required("expiresAt")?)
            .ok_or_else(|| invalid("`expiresAt` is not an RFC 3339 timestamp"))?;
        let mut list = |name: &str| match take_key(&mut map, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(invalid(&format!(
                        "`{name}` holds something other than strings"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(invalid(&format!("`{name}` is not a list"))),
        };
        let scopes = list("scopes")?;
        let grant_types = list("grantTypes")?;
        Ok(Registration {
            client_id,
            client_secret: client_secret.into(),
            expires_at,
            scopes,
            grant_types,
        })
    }

    /// The file as the AWS CLI writes it: `{"clientId": …, "clientSecret": …, "expiresAt":
    /// "…Z"}` plus `"scopes"` and `"grantTypes"` when present; one line, no trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut pairs = vec![
            ("clientId", Value::String(self.client_id.clone())),
            (
                "clientSecret",
                Value::String(self.client_secret.expose().to_string()),
            ),
            (
                "expiresAt",
                Value::String(crate::time::format_z(self.expires_at)),
            ),
        ];
        if let Some(s) = &self.scopes {
            pairs.push(("scopes", strings(s.iter().map(String::as_str))));
        }
        if let Some(g) = &self.grant_types {
            pairs.push(("grantTypes", strings(g.iter().map(String::as_str))));
        }
        py_json::dumps_ordered(pairs.iter().map(|(k, v)| (*k, v)), Separators::Default).into_bytes()
    }

    /// Whether the login flow `kind` may reuse this registration at `now`: at least 15
    /// minutes left, and registered for the same flow (PKCE needs the `authorization_code`
    /// grant; the device flow needs it absent).
    pub fn is_reusable(&self, kind: RegistrationKind, now: SystemTime) -> bool {
        let fresh = self
            .expires_at
            .duration_since(now)
            .is_ok_and(|left| left >= REUSE_WINDOW);
        fresh && (self.kind() == kind)
    }

    /// The flow this registration was made for.
    pub fn kind(&self) -> RegistrationKind {
        let auth_code = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == AUTHORIZATION_CODE_GRANT));
        if auth_code {
            RegistrationKind::AuthorizationCode
        } else {
            RegistrationKind::DeviceCode
        }
    }
}

/// Written out only to show the expiry as text; the secret is a [`Secret`].
impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("expires_at", &crate::time::format_z(self.expires_at))
            .field("scopes", &self.scopes)
            .field("grant_types", &self.grant_types)
            .finish()
    }
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(items.map(|s| Value::String(s.to_string())).collect())
}

fn invalid(what: &str) -> Error {
    Error::InvalidInput(format!(
        "the cached SSO client registration is unusable: {what}; it will be registered again"
    ))
}
