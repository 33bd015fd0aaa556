//! The SSO portal API (WIRE §1): role credentials, the accounts and roles an SSO session may use,
//! and logout. Every call carries the SSO access token in `x-amz-sso_bearer_token`; none is
//! signed.
//!
//! A rejected token (`UnauthorizedException`, HTTP 401) becomes [`Error::LoginNeeded`] naming
//! [`LOGIN_COMMAND`]; the flows, which know the profile or session, replace the command with
//! the exact one to run.

mod accounts;
pub(crate) mod json;
mod logout;
pub(crate) mod request;
mod role_credentials;

pub use accounts::{
    AccountInfo, AccountPage, ListAccountRoles, ListAccounts, MAX_PAGES, Paging, RoleInfo, RolePage,
};
pub use logout::Logout;
pub use role_credentials::GetRoleCredentials;

use crate::Error;

/// Why [`Error::LoginNeeded`] is returned when the portal rejects the token.
pub const SESSION_EXPIRED: &str = "the SSO session has expired or is invalid";

/// The generic command put in [`Error::LoginNeeded`]; flows substitute the exact one.
pub const LOGIN_COMMAND: &str = "awscred login";

/// Turns a non-success portal response into an error: a rejected token asks for a new login,
/// everything else keeps the service's code.
pub(crate) fn portal_error(operation: &'static str, response: &http::Response<Vec<u8>>) -> Error {
    let error = crate::wire_error::rest_json_error(operation, response);
    let unauthorized = response.status() == http::StatusCode::UNAUTHORIZED
        || error.code() == Some("UnauthorizedException");
    if unauthorized {
        Error::login_needed(SESSION_EXPIRED, LOGIN_COMMAND)
    } else {
        error
    }
}

/// Redacts a secret in `Debug` output while showing whether it is set.
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "** redacted **"
        })
    }
}
