//! GetRoleCredentials: the portal trades the SSO access token for a role's credentials.

use std::time::SystemTime;

use http::Method;

use super::{BEARER_TOKEN, portal_error};
use crate::wire::require;
use crate::wire::rest_json::{Object, build, parse_body, secret_header};
use crate::{Credentials, Endpoint, Error, Operation, Secret};

/// `GET /federation/credentials?role_name=…&account_id=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRoleCredentials {
    /// The portal endpoint (`https://portal.sso.<region>.amazonaws.com`).
    pub endpoint: Endpoint,
    /// The SSO access token from the token cache.
    pub access_token: Secret,
    /// The account whose role to assume (`sso_account_id`).
    pub account_id: String,
    /// The permission set's role name (`sso_role_name`).
    pub role_name: String,
}

impl Operation for GetRoleCredentials {
    type Output = Credentials;
    const NAME: &'static str = "GetRoleCredentials";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        require(&self.account_id, "the SSO account id (sso_account_id)")?;
        require(&self.role_name, "the SSO role name (sso_role_name)")?;
        let token = secret_header(&self.access_token, "the SSO access token")?;
        let query = crate::encoding::encode_pairs([
            ("role_name", self.role_name.as_str()),
            ("account_id", self.account_id.as_str()),
        ]);
        let headers = vec![(BEARER_TOKEN, token)];
        build(
            Method::GET,
            &self.endpoint,
            "/federation/credentials",
            &query,
            headers,
            Vec::new(),
        )
    }

    /// The credentials, tagged with the requested account id. The portal's `expiration` is in
    /// epoch milliseconds.
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<Credentials, Error> {
        if !response.status().is_success() {
            return Err(portal_error(Self::NAME, response));
        }
        let body = parse_body(Self::NAME, response.body())?;
        let creds = Object::root(Self::NAME, &body)?.object("roleCredentials")?;
        let access_key_id = creds.string("accessKeyId")?;
        let secret_access_key = creds.string("secretAccessKey")?;
        let session_token = creds.string("sessionToken")?;
        let expiration = creds.unsigned("expiration")?;
        let expiry = i64::try_from(expiration)
            .ok()
            .and_then(crate::time::from_epoch_millis)
            .ok_or_else(|| {
                Error::malformed(Self::NAME, "`roleCredentials.expiration` is out of range")
            })?;
        Ok(Credentials::new(
            access_key_id,
            secret_access_key,
            Some(session_token),
            Some(expiry),
        )
        .with_account_id(Some(self.account_id.clone())))
    }
}
