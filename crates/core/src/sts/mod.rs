//! STS on the wire (docs/sts.md): AssumeRole (SigV4-signed), AssumeRoleWithWebIdentity (unsigned)
//! and GetCallerIdentity (signed), over the AWS Query protocol.
//!
//! Requests are `POST /` with a form body encoded exactly as botocore encodes it, and answers are
//! XML; both sides of that protocol live in `crate::wire::query_xml`.

mod assume_role;
mod caller_identity;
mod params;
mod response;
mod web_identity;

use std::time::SystemTime;

pub use assume_role::AssumeRole;
pub use caller_identity::{CallerIdentity, GetCallerIdentity};
pub use params::{AssumeRoleParams, MAX_TAGS};
pub use response::AssumedRole;
pub use web_identity::AssumeRoleWithWebIdentity;

use crate::sigv4::{SigningParams, sign};
use crate::wire::query_xml;
use crate::{Credentials, Endpoint, Error};

/// The STS API version every request names.
pub const API_VERSION: &str = "2011-06-15";

/// The content type of every STS request (botocore's, with the charset).
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The SigV4 service name of STS.
pub const SIGNING_NAME: &str = "sts";

/// Whether `error` is STS saying the credentials used to call it have expired
/// (`ExpiredToken`, or `ExpiredTokenException` for a web identity token), so a flow can
/// refresh its source credentials or ask for a new login instead of retrying.
pub fn is_expired_token(error: &Error) -> bool {
    matches!(error.code(), Some("ExpiredToken" | "ExpiredTokenException"))
}

/// The form body of STS `action`: [`query_xml::form_body`] with STS's API version.
pub(crate) fn form_body(action: &str, members: &[(String, String)]) -> String {
    query_xml::form_body(action, API_VERSION, members)
}

/// The unsigned `POST /` carrying `body` to the STS `endpoint`.
pub(crate) fn form_request(
    endpoint: &Endpoint,
    body: String,
) -> Result<http::Request<Vec<u8>>, Error> {
    query_xml::form_request("STS", endpoint, CONTENT_TYPE, body)
}

/// [`form_request`], then SigV4-signed for `sts` in the endpoint's signing region.
pub(crate) fn signed_form_request(
    endpoint: &Endpoint,
    credentials: &Credentials,
    body: String,
    now: SystemTime,
) -> Result<http::Request<Vec<u8>>, Error> {
    if endpoint.signing_region.is_empty() {
        return Err(Error::InvalidInput(
            "the STS endpoint has no signing region; set a region for the profile".into(),
        ));
    }
    let mut request = form_request(endpoint, body)?;
    sign(
        &mut request,
        &SigningParams::new(credentials, &endpoint.signing_region, SIGNING_NAME, now),
    )?;
    Ok(request)
}
