//! The SSO portal API (docs/sso-portal.md): role credentials, the accounts and roles an SSO session may use,
//! and logout. Every call carries the SSO access token in `x-amz-sso_bearer_token`; none is
//! signed.
//!
//! A rejected token (`UnauthorizedException`, HTTP 401) becomes [`Error::LoginNeeded`] naming
//! no session or profile (so it reads as plain [`LOGIN_COMMAND`]); the flows, which know the
//! profile or session, fill them in.

mod accounts;
mod logout;
mod role_credentials;

pub use accounts::{
    AccountInfo, AccountPage, ListAccountRoles, ListAccounts, MAX_PAGES, Paging, RoleInfo, RolePage,
};
pub use logout::Logout;
pub use role_credentials::GetRoleCredentials;

use crate::Error;

/// The header that carries the SSO access token to the portal. The underscores are the
/// service's spelling (botocore's `sso` model, `accessToken` in header `x-amz-sso_bearer_token`);
/// HTTP header names are case-insensitive, so lower case is fine.
const BEARER_TOKEN: http::HeaderName = http::HeaderName::from_static("x-amz-sso_bearer_token");

/// Why [`Error::LoginNeeded`] is returned when the portal rejects the token.
pub const SESSION_EXPIRED: &str = "the SSO session has expired or is invalid";

/// The login command; [`crate::LoginHint::command`] adds `--sso-session` or `--profile`.
pub const LOGIN_COMMAND: &str = "awscred login";

/// Turns a non-success portal response into an error: a rejected token asks for a new login,
/// everything else keeps the service's code.
pub(crate) fn portal_error(operation: &'static str, response: &http::Response<Vec<u8>>) -> Error {
    let error = crate::wire_error::rest_json_error(operation, response);
    let unauthorized = response.status() == http::StatusCode::UNAUTHORIZED
        || error.code() == Some("UnauthorizedException");
    if unauthorized {
        Error::login_needed(SESSION_EXPIRED, crate::LoginHint::default())
    } else {
        error
    }
}
