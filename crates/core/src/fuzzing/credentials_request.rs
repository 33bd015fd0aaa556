//! Fuzz body for the `credentials_request` target: what arrives at the container-credentials
//! endpoint (`awscred serve`) — the request-head reader ([`crate::http1`]), the guard, and the
//! bytes written back.

use http::{HeaderMap, Method};

use crate::container_endpoint::{EndpointGuard, refusal_response};
use crate::http1::{Head, HeadProgress, encode_response, parse_request_head};

/// The port of the fuzzed endpoint (`Host: 127.0.0.1:9` names it).
pub const PORT: u16 = 9;
/// The random bytes of the fuzzed endpoint's token (its token is their hex).
pub const RANDOM: [u8; 32] = [0xab; 32];

/// Feeds `data` as the bytes a connection sent: whole, and cut at byte 0's position (a head
/// complete in a prefix must read the same in the whole).
pub fn run(data: &[u8]) {
    let whole = parse_request_head(data);
    if let Some(first) = data.first() {
        let cut = usize::from(*first) % (data.len() + 1);
        if let (Some(prefix), HeadProgress::Complete(w)) = (data.get(..cut), &whole)
            && let HeadProgress::Complete(p) = parse_request_head(prefix)
        {
            assert_eq!(p.method, w.method, "a longer read changed the method");
            assert_eq!(p.uri, w.uri, "a longer read changed the target");
            assert_eq!(p.headers, w.headers, "a longer read changed the headers");
        }
    }
    let guard = EndpointGuard::new(PORT, RANDOM);
    let token = guard.token().expose().to_string();
    match whole {
        HeadProgress::Incomplete => {}
        HeadProgress::Invalid { status, reason } => {
            assert!(matches!(status, 400 | 431), "{status}");
            check_response(
                &encode_response(&refusal_response(status, reason), false),
                false,
            );
        }
        HeadProgress::Complete(head) => {
            assert!(head.target().starts_with('/'));
            let head_only = head.method == Method::HEAD;
            match guard.check(&head.method, &head.uri, &head.headers) {
                Ok(()) => assert!(carries(&head, &token), "only the token is let through"),
                Err(rejection) => {
                    let bytes = encode_response(&rejection.response(), head_only);
                    check_response(&bytes, head_only);
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(!text.contains(&token), "a refusal never shows the token");
                }
            }
            // Re-encoded, the head reads the same (the reader and the types agree).
            let again = reencode(&head);
            if let HeadProgress::Complete(back) = parse_request_head(&again) {
                assert_eq!(back.method, head.method);
                assert_eq!(back.uri, head.uri);
                assert_eq!(back.headers, head.headers);
            } else {
                panic!("a re-encoded head does not read back");
            }
        }
    }
}

fn carries(head: &Head, token: &str) -> bool {
    head.headers
        .get(http::header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == token.as_bytes())
}

fn reencode(head: &Head) -> Vec<u8> {
    let mut out = format!("{} {} HTTP/1.1\r\n", head.method, head.target()).into_bytes();
    write_headers(&mut out, &head.headers);
    out.extend_from_slice(b"\r\n");
    out
}

fn write_headers(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// A response is a status line, headers without control characters, `Connection: close`, and
/// a body of exactly `Content-Length` bytes (none after the head of a `HEAD`).
fn check_response(response: &[u8], head_only: bool) {
    let text = std::str::from_utf8(response).expect("responses are UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 "));
    for line in head.split("\r\n") {
        assert!(line.chars().all(|c| !c.is_control()), "{line:?}");
    }
    assert!(head.contains("\r\nconnection: close"), "{head}");
    let length: usize = head
        .split("\r\n")
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|n| n.parse().ok())
        .expect("a Content-Length");
    if head_only {
        assert!(body.is_empty(), "no body after the head of a HEAD");
    } else {
        assert_eq!(body.len(), length, "Content-Length matches the body");
    }
}
