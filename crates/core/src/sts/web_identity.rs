//! AssumeRoleWithWebIdentity: temporary credentials for a role in exchange for an OIDC token.
//! The token is the proof, so the request is not signed.

use std::time::SystemTime;

use super::params::{
    check_duration, check_policy, check_policy_arns, check_role_arn, check_session_name,
    push_policy_arns,
};
use super::{AssumedRole, form_body, form_request, response};
use crate::wire::query_xml::failure;
use crate::{Endpoint, Error, Operation, Secret};

/// One AssumeRoleWithWebIdentity call. `Debug` redacts the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleWithWebIdentity {
    /// Where to send it.
    pub endpoint: Endpoint,
    /// `RoleArn` (20–2048 characters).
    pub role_arn: String,
    /// `RoleSessionName` (2–64 characters of `[A-Za-z0-9_+=,.@-]`).
    pub role_session_name: String,
    /// `WebIdentityToken`: the OIDC token (4–20000 characters). A secret.
    pub web_identity_token: Secret,
    /// `DurationSeconds` (900–43200), not sent when `None`.
    pub duration_seconds: Option<u32>,
    /// `Policy`: an inline session policy.
    pub policy: Option<String>,
    /// `PolicyArns.member.N.arn`: managed session policies.
    pub policy_arns: Vec<String>,
}

impl AssumeRoleWithWebIdentity {
    /// A call with the required members and nothing else.
    pub fn new(
        endpoint: Endpoint,
        role_arn: impl Into<String>,
        role_session_name: impl Into<String>,
        web_identity_token: impl Into<Secret>,
    ) -> Self {
        AssumeRoleWithWebIdentity {
            endpoint,
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            web_identity_token: web_identity_token.into(),
            duration_seconds: None,
            policy: None,
            policy_arns: Vec::new(),
        }
    }

    /// Checks every member against the STS model's constraints.
    pub fn validate(&self) -> Result<(), Error> {
        check_role_arn("RoleArn", &self.role_arn)?;
        check_session_name("RoleSessionName", &self.role_session_name)?;
        let len = self.web_identity_token.chars().count();
        if !(4..=20000).contains(&len) {
            // The token is a secret: say how long it is, never what it is.
            return Err(Error::InvalidInput(format!(
                "WebIdentityToken has {len} characters; it must have 4 to 20000 (check the token file)"
            )));
        }
        if let Some(d) = self.duration_seconds {
            check_duration(d)?;
        }
        if let Some(p) = &self.policy {
            check_policy(p)?;
        }
        check_policy_arns(&self.policy_arns)
    }

    /// The form body this call sends (validated).
    pub fn body(&self) -> Result<String, Error> {
        self.validate()?;
        let mut m = vec![
            ("RoleArn".to_string(), self.role_arn.clone()),
            (
                "RoleSessionName".to_string(),
                self.role_session_name.clone(),
            ),
            (
                "WebIdentityToken".to_string(),
                self.web_identity_token.expose().to_string(),
            ),
        ];
        if let Some(d) = self.duration_seconds {
            m.push(("DurationSeconds".to_string(), d.to_string()));
        }
        if let Some(p) = &self.policy {
            m.push(("Policy".to_string(), p.clone()));
        }
        push_policy_arns(&mut m, &self.policy_arns);
        Ok(form_body(Self::NAME, &m))
    }
}

impl Operation for AssumeRoleWithWebIdentity {
    type Output = AssumedRole;
    const NAME: &'static str = "AssumeRoleWithWebIdentity";

    fn request(&self, _now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        form_request(&self.endpoint, self.body()?)
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<AssumedRole, Error> {
        if let Some(e) = failure(Self::NAME, response) {
            return Err(e);
        }
        response::parse_assumed_role(Self::NAME, response.body())
    }
}
