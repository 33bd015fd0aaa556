//! Building REST-JSON requests to a resolved endpoint (the SSO portal and SSO-OIDC).

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method};
use serde_json::{Map, Value};

use crate::{Endpoint, Error};

use super::super::require;

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

/// Serialises a request body. Member order is irrelevant to the services (the AWS CLI sends
/// them in its model's order; both services read the body as a JSON object).
pub(crate) fn json_body(members: Map<String, Value>) -> Vec<u8> {
    // Serialising a map of strings to plain values cannot fail.
    serde_json::to_vec(&Value::Object(members)).unwrap_or_default()
}

/// A JSON array of strings.
pub(crate) fn string_list(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}
