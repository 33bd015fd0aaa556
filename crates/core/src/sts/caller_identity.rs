//! GetCallerIdentity: who the signing credentials belong to. Useful to check credentials and
//! to learn their account.

use std::time::SystemTime;

use super::{form_body, response::cut, signed_form_request};
use crate::wire::query_xml::{failure, xml};
use crate::{Credentials, Endpoint, Error, Operation};

/// One GetCallerIdentity call, signed with `credentials`. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct GetCallerIdentity {
    /// Where to send it.
    pub endpoint: Endpoint,
    /// The credentials to identify.
    pub credentials: Credentials,
}

/// What GetCallerIdentity returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// `Account`: the 12-digit account id.
    pub account: String,
    /// `Arn` of the calling identity.
    pub arn: String,
    /// `UserId`: the unique id of the calling identity (`AROA…:session` for a role).
    pub user_id: String,
}

impl GetCallerIdentity {
    /// A call to `endpoint` signed with `credentials`.
    pub fn new(endpoint: Endpoint, credentials: Credentials) -> Self {
        GetCallerIdentity {
            endpoint,
            credentials,
        }
    }
}

impl Operation for GetCallerIdentity {
    type Output = CallerIdentity;
    const NAME: &'static str = "GetCallerIdentity";

    fn request(&self, now: SystemTime) -> Result<http::Request<Vec<u8>>, Error> {
        signed_form_request(
            &self.endpoint,
            &self.credentials,
            form_body(Self::NAME, &[]),
            now,
        )
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<CallerIdentity, Error> {
        if let Some(e) = failure(Self::NAME, response) {
            return Err(e);
        }
        const R: &str = "GetCallerIdentityResult";
        let found = xml::extract(
            response.body(),
            &[&[R, "Account"], &[R, "Arn"], &[R, "UserId"]],
        )
        .map_err(|e| Error::malformed(Self::NAME, e.0))?;
        let mut values = found.values.into_iter();
        let mut take = |name: &str| {
            values.next().flatten().ok_or_else(|| {
                let mut what = format!("it has no {R}/{name}");
                if let Some(root) = found
                    .root
                    .as_deref()
                    .filter(|r| *r != "GetCallerIdentityResponse")
                {
                    what.push_str(&format!(
                        " (its root element is <{}>, expected <GetCallerIdentityResponse>)",
                        cut(root)
                    ));
                }
                Error::malformed(Self::NAME, what)
            })
        };
        Ok(CallerIdentity {
            account: take("Account")?,
            arn: take("Arn")?,
            user_id: take("UserId")?,
        })
    }
}
