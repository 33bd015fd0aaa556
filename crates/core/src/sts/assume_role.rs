//! AssumeRole: temporary credentials for a role, signed with the caller's credentials.

use std::time::SystemTime;

use super::{AssumeRoleParams, AssumedRole, form_body, response, signed_form_request};
use crate::wire::query_xml::failure;
use crate::{Credentials, Endpoint, Error, Operation};

/// One AssumeRole call: `credentials` sign it, `params` say which role and how.
/// `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct AssumeRole {
    /// Where to send it (regional STS by default, docs/sts.md §2).
    pub endpoint: Endpoint,
    /// The source credentials the request is signed with.
    pub credentials: Credentials,
    /// The request members.
    pub params: AssumeRoleParams,
}

impl AssumeRole {
    /// An AssumeRole call to `endpoint` signed with `credentials`.
    pub fn new(endpoint: Endpoint, credentials: Credentials, params: AssumeRoleParams) -> Self {
        AssumeRole {
            endpoint,
            credentials,
            params,
        }
    }

    /// The form body this call sends (validated).
    pub fn body(&self) -> Result<String, Error> {
        self.params.validate()?;
        Ok(form_body(Self::NAME, &self.params.form_members()))
    }
}

impl Operation for AssumeRole {
    type Output = AssumedRole;
    const NAME: &'static str = "AssumeRole";

    fn request(&self, now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        signed_form_request(&self.endpoint, &self.credentials, self.body()?, now)
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<AssumedRole, Error> {
        if let Some(e) = failure(Self::NAME, response) {
            return Err(e);
        }
        response::parse_assumed_role(Self::NAME, response.body())
    }
}
