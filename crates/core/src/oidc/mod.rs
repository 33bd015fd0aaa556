//! The SSO-OIDC API (docs/sso-oidc-and-login.md): client registration, device authorization, token creation
//! (device code, refresh token, authorization code + PKCE), and the pure pieces of the browser
//! login (PKCE verifier and challenge, authorize URL, state, callback parsing).
//!
//! Calls are unauthenticated; the client secret travels in the JSON body. Error answers stay
//! [`Error::Service`] (or [`Error::Throttled`]) with the exception name as code; the login flow
//! reads them with [`oidc_error_kind`].

pub mod callback;
mod device;
pub mod pkce;
mod register;
mod token;

pub use device::{DEFAULT_POLL_INTERVAL_SECS, DeviceAuthorization, StartDeviceAuthorization};
pub use register::{ClientRegistration, PKCE_REDIRECT_URI, RegisterClient};
pub use token::{CreateToken, Grant, TokenResponse};

use crate::Error;

/// The scope the AWS CLI registers with when none is configured.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// `grantType` of the device-code flow (RFC 8628).
pub const GRANT_DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// `grantType` of a token refresh.
pub const GRANT_REFRESH_TOKEN: &str = "refresh_token";
/// `grantType` of the authorization-code (PKCE) flow.
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";

/// The SSO-OIDC exceptions a login flow reacts to (docs/sso-oidc-and-login.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OidcErrorKind {
    /// The user has not approved the device yet: keep polling.
    AuthorizationPending,
    /// Polling too fast: add 5 s to the interval.
    SlowDown,
    /// The device code or authorization code expired: the login must restart.
    ExpiredToken,
    /// The user or a policy denied access.
    AccessDenied,
    /// The grant (device code, code, refresh token) is invalid or was revoked.
    InvalidGrant,
    /// The client registration is unknown or expired: register again.
    InvalidClient,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// A requested scope is invalid.
    InvalidScope,
    /// The request was malformed.
    InvalidRequest,
    /// The client metadata was refused at registration.
    InvalidClientMetadata,
    /// The redirect URI was refused at registration.
    InvalidRedirectUri,
    /// The service failed.
    InternalServer,
}

/// Exception name and OAuth `error` value of each kind.
const KINDS: &[(OidcErrorKind, &str, &str)] = &[
    (
        OidcErrorKind::AuthorizationPending,
        "AuthorizationPendingException",
        "authorization_pending",
    ),
    (OidcErrorKind::SlowDown, "SlowDownException", "slow_down"),
    (
        OidcErrorKind::ExpiredToken,
        "ExpiredTokenException",
        "expired_token",
    ),
    (
        OidcErrorKind::AccessDenied,
        "AccessDeniedException",
        "access_denied",
    ),
    (
        OidcErrorKind::InvalidGrant,
        "InvalidGrantException",
        "invalid_grant",
    ),
    (
        OidcErrorKind::InvalidClient,
        "InvalidClientException",
        "invalid_client",
    ),
    (
        OidcErrorKind::UnauthorizedClient,
        "UnauthorizedClientException",
        "unauthorized_client",
    ),
    (
        OidcErrorKind::UnsupportedGrantType,
        "UnsupportedGrantTypeException",
        "unsupported_grant_type",
    ),
    (
        OidcErrorKind::InvalidScope,
        "InvalidScopeException",
        "invalid_scope",
    ),
    (
        OidcErrorKind::InvalidRequest,
        "InvalidRequestException",
        "invalid_request",
    ),
    (
        OidcErrorKind::InvalidClientMetadata,
        "InvalidClientMetadataException",
        "invalid_client_metadata",
    ),
    (
        OidcErrorKind::InvalidRedirectUri,
        "InvalidRedirectUriException",
        "invalid_redirect_uri",
    ),
    (
        OidcErrorKind::InternalServer,
        "InternalServerException",
        "server_error",
    ),
];

impl OidcErrorKind {
    /// The kind for an error code: the exception name (`SlowDownException`) or the OAuth
    /// `error` value (`slow_down`).
    pub fn from_code(code: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|(_, exception, oauth)| code == *exception || code == *oauth)
            .map(|(k, _, _)| *k)
    }

    /// The exception name, as SDKs spell the code.
    pub fn code(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _, _)| *k == self)
            .map_or("", |(_, exception, _)| exception)
    }
}

/// The SSO-OIDC exception an error stands for, if it is a service answer with a known code.
pub fn oidc_error_kind(error: &Error) -> Option<OidcErrorKind> {
    error.code().and_then(OidcErrorKind::from_code)
}

/// Turns a non-success answer into an error; the codes are kept for [`oidc_error_kind`].
fn oidc_error(operation: &'static str, response: &http::Response<Vec<u8>>) -> Error {
    crate::wire_error::rest_json_error(operation, response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_both_spellings() {
        for (kind, exception, oauth) in KINDS {
            assert_eq!(OidcErrorKind::from_code(exception), Some(*kind));
            assert_eq!(OidcErrorKind::from_code(oauth), Some(*kind));
            assert_eq!(kind.code(), *exception);
        }
        assert_eq!(OidcErrorKind::from_code("SlowDown"), None);
    }
}
