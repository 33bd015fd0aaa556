//! The server side of HTTP/1.x for awscred's loopback listeners, without I/O: reading a
//! request head into `http` types, and writing a response out as bytes.
//!
//! Two listeners use it: the OAuth redirect listener of a browser login
//! ([`crate::oidc::callback`], in `awscred-files`) and the blocking container-credentials
//! endpoint (`awscred_ureq::credential_server`, whose requests go to
//! [`crate::container_endpoint::EndpointGuard::check`]). Neither reads a request body: both
//! answer `GET`/`HEAD` and close the connection (`Connection: close`), so only the head is
//! parsed (RFC 9112 §2–§5) and a body a client sends anyway is never looked at.
//!
//! The head is bounded ([`MAX_REQUEST_HEAD`]) so a client cannot make the listener hold more
//! than that for it.

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

/// The longest request head (request line and headers) a listener reads (the AWS CLI's
/// Python `http.server` caps a line at 64 KiB; the requests served need well under 8 KiB).
pub const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// A complete request head.
#[derive(Debug, Clone)]
pub struct Head {
    /// The request method (any token; which are served is the listener's decision).
    pub method: Method,
    /// The request target, in origin form (`/path?query`), as sent.
    pub uri: Uri,
    /// The header fields, in the order sent (repeated names kept).
    pub headers: HeaderMap,
}

impl Head {
    /// The request target as sent (path and query).
    pub fn target(&self) -> &str {
        self.uri.path_and_query().map_or("/", |p| p.as_str())
    }
}

/// How far a request head has arrived.
#[derive(Debug, Clone)]
pub enum HeadProgress {
    /// More bytes are needed (no blank line yet).
    Incomplete,
    /// The head is complete and well formed.
    Complete(Head),
    /// Not a request head these listeners accept; answer with `status` and close.
    Invalid {
        /// The HTTP status to answer with (400, or 431 for a head over [`MAX_REQUEST_HEAD`]).
        status: u16,
        /// Why, in words for the client and the log (never quotes the request).
        reason: &'static str,
    },
}

/// Reads the bytes a connection has sent so far as an HTTP/1.x request head.
///
/// The head ends at the first empty line (`\r\n\r\n`, or `\n\n` from a lenient client); what
/// follows it is not looked at. The request line is `METHOD SP TARGET SP HTTP/1.x` with the
/// target in origin form (`/…`: the only form a client of a loopback listener sends); each
/// header line is `name: value` (RFC 9112 §5: no space before the colon, no line folding),
/// with at most one `Host`.
/// More than [`MAX_REQUEST_HEAD`] bytes without an end is [`HeadProgress::Invalid`] (431).
pub fn parse_request_head(bytes: &[u8]) -> HeadProgress {
    // The head ends at whichever blank line comes first.
    let end = match (find(bytes, b"\r\n\r\n"), find(bytes, b"\n\n")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let Some(end) = end.filter(|e| *e <= MAX_REQUEST_HEAD) else {
        if bytes.len() > MAX_REQUEST_HEAD {
            return invalid(431, "the request head is too large");
        }
        return HeadProgress::Incomplete;
    };
    let mut lines = bytes[..end]
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    let (method, uri) = match request_line(line) {
        Ok(parts) => parts,
        Err(reason) => return invalid(400, reason),
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        match header_line(line) {
            Ok((name, value)) => {
                headers.append(name, value);
            }
            Err(reason) => return invalid(400, reason),
        }
    }
    // Two `Host`s would let two readers of one request disagree on where it went
    // (RFC 9112 §3.2: answered 400).
    if headers.get_all(http::header::HOST).iter().count() > 1 {
        return invalid(400, "the request has more than one Host header");
    }
    HeadProgress::Complete(Head {
        method,
        uri,
        headers,
    })
}

fn request_line(line: &[u8]) -> Result<(Method, Uri), &'static str> {
    let line = std::str::from_utf8(line).map_err(|_| "the request line is not text")?;
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err("the request line is not `METHOD TARGET HTTP/1.1`");
    };
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return Err("only HTTP/1.0 and HTTP/1.1 are served");
    }
    let not_a_path = "the request target is not a path";
    if !target.starts_with('/') || !target.chars().all(crate::printable::is_printable) {
        return Err(not_a_path);
    }
    let uri = target.parse::<Uri>().map_err(|_| not_a_path)?;
    // Only `/path?query` is a target here (`http` reads `//x` as a path too).
    if uri.scheme().is_some() || uri.authority().is_some() || uri.path_and_query().is_none() {
        return Err(not_a_path);
    }
    let method =
        Method::from_bytes(method.as_bytes()).map_err(|_| "the request method is not a word")?;
    Ok((method, uri))
}

fn header_line(line: &[u8]) -> Result<(HeaderName, HeaderValue), &'static str> {
    let malformed = "a header line is not `Name: value`";
    if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
        // Obsolete line folding (RFC 9112 §5.2): a server may refuse it.
        return Err(malformed);
    }
    let colon = line.iter().position(|b| *b == b':').ok_or(malformed)?;
    // No whitespace between the name and the colon (RFC 9112 §5.1): `HeaderName` refuses it.
    let name = HeaderName::from_bytes(&line[..colon]).map_err(|_| malformed)?;
    let value = line[colon + 1..].trim_ascii();
    let value =
        HeaderValue::from_bytes(value).map_err(|_| "a header value has control characters")?;
    Ok((name, value))
}

fn invalid(status: u16, reason: &'static str) -> HeadProgress {
    HeadProgress::Invalid { status, reason }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The bytes of `response` as HTTP/1.1, ending the connection: the status line, its headers,
/// `Content-Length` and `Connection: close` (replacing any the response had), then the body —
/// none for `HEAD` (`head_only`), whose `Content-Length` still tells the body's size
/// (RFC 9110 §9.3.2).
pub fn encode_response(response: &http::Response<Vec<u8>>, head_only: bool) -> Vec<u8> {
    let status = response.status();
    let body = response.body();
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("Unknown").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in response.headers() {
        if name == http::header::CONTENT_LENGTH || name == http::header::CONNECTION {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(b"connection: close\r\n\r\n");
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(bytes: &[u8]) -> Head {
        match parse_request_head(bytes) {
            HeadProgress::Complete(head) => head,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
        }
    }

    fn status(bytes: &[u8]) -> Option<u16> {
        match parse_request_head(bytes) {
            HeadProgress::Invalid { status, .. } => Some(status),
            _ => None,
        }
    }

    #[test]
    fn a_head_gives_method_target_and_headers() {
        let head = complete(
            b"HEAD /awscred/credentials HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\
              authorization:  tok en \r\nX-A: 1\r\nx-a: 2\r\n\r\nbody ignored",
        );
        assert_eq!(head.method, Method::HEAD);
        assert_eq!(head.uri.path(), "/awscred/credentials");
        assert_eq!(head.target(), "/awscred/credentials");
        assert_eq!(head.headers["host"], "127.0.0.1:9");
        assert_eq!(head.headers["authorization"], "tok en");
        let repeated: Vec<_> = head.headers.get_all("x-a").iter().collect();
        assert_eq!(repeated, ["1", "2"]);
        let lenient = complete(b"GET /x?y=1 HTTP/1.0\nHost: a\n\n");
        assert_eq!(lenient.target(), "/x?y=1");
        assert_eq!(lenient.uri.query(), Some("y=1"));
    }

    #[test]
    fn a_head_is_incomplete_until_its_blank_line() {
        for partial in [&b""[..], b"GET / HT", b"GET / HTTP/1.1\r\nHost: a\r\n"] {
            assert!(matches!(
                parse_request_head(partial),
                HeadProgress::Incomplete
            ));
        }
    }

    #[test]
    fn malformed_heads_are_refused_with_400() {
        for bad in [
            &b"GET / HTTP/2\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET http://x/ HTTP/1.1\r\n\r\n",
            b"GET /a\x7fb HTTP/1.1\r\n\r\n",
            b"\xff / HTTP/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nhost: evil.example\r\n\r\n",
        ] {
            assert_eq!(status(bad), Some(400), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_head_over_the_cap_is_refused_with_431() {
        assert_eq!(status(&vec![b'a'; MAX_REQUEST_HEAD + 1]), Some(431));
        let mut late = b"GET / HTTP/1.1\r\nX: ".to_vec();
        late.resize(MAX_REQUEST_HEAD + 10, b'a');
        late.extend_from_slice(b"\r\n\r\n");
        assert_eq!(status(&late), Some(431));
    }

    #[test]
    fn responses_close_and_head_gets_no_body() {
        let response = http::Response::builder()
            .status(403)
            .header("content-type", "application/json")
            .header("connection", "keep-alive")
            .body(b"{}".to_vec())
            .unwrap();
        let full = String::from_utf8(encode_response(&response, false)).unwrap();
        assert_eq!(
            full,
            "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n\
             content-length: 2\r\nconnection: close\r\n\r\n{}"
        );
        let head = String::from_utf8(encode_response(&response, true)).unwrap();
        assert!(
            head.ends_with("content-length: 2\r\nconnection: close\r\n\r\n"),
            "{head}"
        );
    }
}
