//! Building requests to a resolved endpoint, shared by the SSO portal and SSO-OIDC operations.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method};

use crate::{Endpoint, Error};

/// The header that carries the SSO access token to the portal. The underscores are the
/// service's spelling (WIRE §1); HTTP header names are case-insensitive, so lower case is fine.
pub(crate) const BEARER_TOKEN: HeaderName = HeaderName::from_static("x-amz-sso_bearer_token");

/// Refuses an empty input; `what` names it for the user (never its value).
pub(crate) fn require(value: &str, what: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::InvalidInput(format!("{what} is empty")))
    } else {
        Ok(())
    }
}

/// A header value from a secret, refusing characters HTTP cannot carry without quoting it.
pub(crate) fn secret_header(value: &str, what: &str) -> Result<HeaderValue, Error> {
    require(value, what)?;
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::InvalidInput(format!(
            "{what} contains characters that cannot be sent in an HTTP header"
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// `endpoint.url` + `path` (+ `?query`) as a request with the given extra headers and body.
/// POST requests get an explicit `content-length` (botocore sends `Content-Length: 0` for Logout);
/// a non-empty body is JSON.
pub(crate) fn build(
    method: Method,
    endpoint: &Endpoint,
    path: &str,
    query: &str,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
) -> Result<http::Request<Vec<u8>>, Error> {
    let base = endpoint.url.trim_end_matches('/');
    let mut uri = format!("{base}{path}");
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(query);
    }
    let parsed: http::Uri = uri.parse().map_err(|_| bad_endpoint(base))?;
    if parsed.scheme().is_none() || parsed.authority().is_none() {
        return Err(bad_endpoint(base));
    }
    let mut builder = http::Request::builder().method(method.clone()).uri(parsed);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    if !body.is_empty() {
        builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if method == Method::POST {
        builder = builder.header(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    builder
        .body(body)
        .map_err(|e| Error::InvalidInput(format!("cannot build the request: {e}")))
}

fn bad_endpoint(base: &str) -> Error {
    Error::InvalidInput(format!(
        "the endpoint URL `{base}` is not an absolute http(s) URL; check endpoint_url / AWS_ENDPOINT_URL_*"
    ))
}
