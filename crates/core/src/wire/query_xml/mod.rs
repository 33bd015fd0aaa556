//! The AWS Query protocol with XML answers (botocore's `query` protocol, as STS uses it):
//! `POST /` with a form body, and answers read with a real XML reader that ignores namespaces
//! and unknown elements.

pub(crate) mod xml;

use crate::{Endpoint, Error};

/// The form body `Action=…&Version=…&…`, byte for byte what botocore sends (Python's
/// `urlencode`): every key and value RFC 3986-encoded, then `+` for space. Servers that decode
/// the form and re-encode it that way before checking the signature (moto) then see exactly the
/// bytes that were signed; a `%20` for a space would fail their check.
pub(crate) fn form_body(action: &str, version: &str, members: &[(String, String)]) -> String {
    let head = [("Action", action), ("Version", version)];
    let rest = members.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    // A `%` of the input is encoded as `%25`, so every `%20` of the output is a space.
    crate::encoding::encode_pairs(head.into_iter().chain(rest)).replace("%20", "+")
}

/// The unsigned `POST /` carrying `body` (of `content_type`) to `endpoint` of `service`
/// (named in errors).
pub(crate) fn form_request(
    service: &str,
    endpoint: &Endpoint,
    content_type: &'static str,
    body: String,
) -> Result<http::Request<Vec<u8>>, Error> {
    let url = format!("{}/", endpoint.url.trim_end_matches('/'));
    let uri: http::Uri = url.parse().map_err(|_| {
        Error::InvalidInput(format!(
            "the {service} endpoint `{}` is not a URL; expected e.g. https://sts.us-east-1.amazonaws.com",
            endpoint.url
        ))
    })?;
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(Error::InvalidInput(format!(
            "the {service} endpoint `{}` needs a scheme and host, e.g. https://sts.us-east-1.amazonaws.com",
            endpoint.url
        )));
    }
    let mut request = http::Request::new(body.into_bytes());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = uri;
    request.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
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
