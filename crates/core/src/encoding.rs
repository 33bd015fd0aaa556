//! Percent-encoding sets shared by the query strings, form bodies and the signer.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986: everything except the unreserved characters `A-Za-z0-9-._~` is encoded.
/// Used for query strings and SigV4 canonicalisation, and for form bodies, where every reserved
/// character must be encoded because servers such as moto re-encode the form before checking the
/// signature (STS bodies then turn `%20` into `+`, as Python's `urlencode` does).
pub const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Like [`RFC3986`] but keeps `/` (SigV4 canonical paths).
pub const RFC3986_PATH: &AsciiSet = &RFC3986.remove(b'/');

/// Percent-encodes `s` with [`RFC3986`].
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, RFC3986).to_string()
}

/// `k=v&k=v` with both sides RFC 3986-encoded, in the given order.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}
