//! STS on the wire (WIRE §6): AssumeRole (SigV4-signed), AssumeRoleWithWebIdentity (unsigned)
//! and GetCallerIdentity (signed), over the AWS Query protocol.
//!
//! Requests are `POST /` with a form body encoded exactly as botocore encodes it (Python's
//! `urlencode`): every reserved character percent-encoded, and space as `+`. Servers that decode
//! the form and re-encode it that way before checking the signature (moto) then see exactly the
//! bytes that were signed; a `%20` for a space would fail their check.
//! Answers are XML, read with a real XML reader that ignores namespaces and unknown elements.

mod assume_role;
mod caller_identity;
mod params;
mod response;
mod web_identity;
mod xml;

use std::time::SystemTime;

pub use assume_role::AssumeRole;
pub use caller_identity::{CallerIdentity, GetCallerIdentity};
pub use params::{AssumeRoleParams, MAX_TAGS};
pub use response::AssumedRole;
pub use web_identity::AssumeRoleWithWebIdentity;

use crate::sigv4::{SigningParams, sign};
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

/// The form body `Action=…&Version=2011-06-15&…`, byte for byte what botocore sends: every key
/// and value RFC 3986-encoded, then `+` for space.
pub(crate) fn form_body(action: &str, members: &[(String, String)]) -> String {
    let head = [("Action", action), ("Version", API_VERSION)];
    let rest = members.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    // A `%` of the input is encoded as `%25`, so every `%20` of the output is a space.
    crate::encoding::encode_pairs(head.into_iter().chain(rest)).replace("%20", "+")
}

/// The unsigned `POST /` carrying `body` to `endpoint`.
pub(crate) fn form_request(
    endpoint: &Endpoint,
    body: String,
) -> Result<http::Request<Vec<u8>>, Error> {
    let url = format!("{}/", endpoint.url.trim_end_matches('/'));
    let uri: http::Uri = url.parse().map_err(|_| {
        Error::InvalidInput(format!(
            "the STS endpoint `{}` is not a URL; expected e.g. https://sts.us-east-1.amazonaws.com",
            endpoint.url
        ))
    })?;
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(Error::InvalidInput(format!(
            "the STS endpoint `{}` needs a scheme and host, e.g. https://sts.us-east-1.amazonaws.com",
            endpoint.url
        )));
    }
    let mut request = http::Request::new(body.into_bytes());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = uri;
    request.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(CONTENT_TYPE),
    );
    Ok(request)
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

/// The typed error for a non-2xx answer, `None` for success.
pub(crate) fn failure(
    operation: &'static str,
    response: &http::Response<Vec<u8>>,
) -> Option<Error> {
    if response.status().is_success() {
        None
    } else {
        Some(crate::wire_error::query_xml_error(operation, response))
    }
}
