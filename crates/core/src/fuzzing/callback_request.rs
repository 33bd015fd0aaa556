//! Fuzz body for the `callback_request` target: what arrives at the OAuth redirect listener —
//! the request-head reader, the verdict on the request target, and the page sent back.

use crate::oidc::callback::{
    CallbackCheck, CallbackVerdict, RequestHead, parse_request_head, refusal_response,
};
use crate::oidc::pkce::parse_callback;
use crate::printable::is_printable;

/// The `state` the fuzzed login waits for: short, so that inputs reach the matching paths.
pub const STATE: &str = "s1";

/// Feeds `data` as the bytes a connection sent: whole, and as it may arrive cut at byte 0's
/// position (a request head split across reads must read the same once complete).
pub fn run(data: &[u8]) {
    let whole = parse_request_head(data);
    if let Some(first) = data.first() {
        let cut = usize::from(*first) % (data.len() + 1);
        if let Some(prefix) = data.get(..cut)
            && let RequestHead::Complete { target } = parse_request_head(prefix)
        {
            // A head complete in a prefix is the same head in the whole.
            assert_eq!(
                whole,
                RequestHead::Complete { target },
                "a longer read changed a complete head"
            );
        }
    }
    match whole {
        RequestHead::Incomplete => {}
        RequestHead::Invalid { status, reason } => {
            check_response(&refusal_response(status, reason))
        }
        RequestHead::Complete { target } => {
            assert!(target.starts_with('/'));
            let check = CallbackCheck::new(STATE);
            let verdict = check.verdict(&target);
            check_response(&verdict.response());
            // The flow's reading of the redirect agrees with the listener's.
            let code = parse_callback(&target, STATE);
            assert_eq!(
                code.is_ok(),
                matches!(verdict, CallbackVerdict::Authorized(_)),
                "parse_callback and the verdict disagree"
            );
            if let Some(failure) = verdict.failure() {
                assert!(
                    failure.chars().all(is_printable),
                    "a failure shows no control characters: {failure:?}"
                );
            }
            if verdict.is_final() {
                let _ = verdict.into_result();
            }
        }
    }
}

/// A response is a status line, headers without control characters, and a body of exactly
/// `Content-Length` bytes.
fn check_response(response: &[u8]) {
    let text = std::str::from_utf8(response).expect("responses are UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 "));
    for line in head.split("\r\n") {
        assert!(line.chars().all(|c| !c.is_control()), "{line:?}");
    }
    assert!(
        head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())),
        "Content-Length matches the body"
    );
    assert!(
        !body.contains("<script"),
        "the page never carries markup from the request"
    );
}
