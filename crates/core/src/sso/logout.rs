//! Logout: the portal invalidates the SSO access token.

use std::time::SystemTime;

use http::Method;

use super::{BEARER_TOKEN, portal_error};
use crate::wire::rest_json::{build, secret_header};
use crate::{Endpoint, Error, Operation, Secret};

/// `POST /logout` with an empty body.
///
/// `aws sso logout` ignores errors from this call and deletes the cached token anyway
/// (docs/sso-oidc-and-login.md §8); callers decide the same way, this operation just reports what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logout {
    /// The portal endpoint of the token's region.
    pub endpoint: Endpoint,
    /// The SSO access token to invalidate.
    pub access_token: Secret,
}

impl Operation for Logout {
    type Output = ();
    const NAME: &'static str = "Logout";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        let token = secret_header(&self.access_token, "the SSO access token")?;
        build(
            Method::POST,
            &self.endpoint,
            "/logout",
            "",
            vec![(BEARER_TOKEN, token)],
            Vec::new(),
        )
    }

    /// Success has no body to read.
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<(), Error> {
        if response.status().is_success() {
            Ok(())
        } else {
            Err(portal_error(Self::NAME, response))
        }
    }
}
