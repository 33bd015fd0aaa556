//! The requests that reach the loopback redirect listener, judged without I/O: reading a
//! request head, deciding whether it is the redirect this login waits for, and the page the
//! browser gets back.
//!
//! Anything on the machine (and any web page, through the browser) can send requests to the
//! listener's port, so nothing but the redirect carrying this login's `state` may end the wait:
//! a request with another `state`, or none, gets an error page and the listener keeps waiting
//! (RFC 6749 §10.12; the service sends `state` back on errors too, RFC 6749 §4.1.2.1). The
//! listener itself (`awscred-files`) only moves bytes.

use std::fmt;

use http::Method;

use super::pkce::NO_CODE;
use crate::Error;
use crate::http1::HeadProgress;
use crate::printable::printable;

/// The longest request head (request line and headers) the listener reads.
pub use crate::http1::MAX_REQUEST_HEAD;

/// At most this many characters of the service's `error_description` are shown.
const DESCRIPTION_CHARS: usize = 200;
/// At most this many characters of the service's `error` code are shown.
const ERROR_CODE_CHARS: usize = 64;

/// How far a request head has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestHead {
    /// More bytes are needed (no blank line yet).
    Incomplete,
    /// A complete `GET`/`HEAD` request; its request target (`/oauth/callback?code=…`).
    Complete {
        /// The request target as sent (path and query).
        target: String,
    },
    /// Not a request the listener serves; answer it with [`refusal_response`] and close.
    Invalid {
        /// The HTTP status to answer with.
        status: u16,
        /// Why, for the page.
        reason: &'static str,
    },
}

/// Reads the bytes a connection has sent so far as an HTTP/1.x request head
/// ([`crate::http1::parse_request_head`]), and keeps the requests the listener serves:
/// `GET` or `HEAD` (anything else is [`RequestHead::Invalid`], 405). More than
/// [`MAX_REQUEST_HEAD`] bytes without an end is [`RequestHead::Invalid`] (431).
pub fn parse_request_head(bytes: &[u8]) -> RequestHead {
    match crate::http1::parse_request_head(bytes) {
        HeadProgress::Incomplete => RequestHead::Incomplete,
        HeadProgress::Invalid { status, reason } => RequestHead::Invalid { status, reason },
        HeadProgress::Complete(head)
            if head.method != Method::GET && head.method != Method::HEAD =>
        {
            RequestHead::Invalid {
                status: 405,
                reason: "only GET is served",
            }
        }
        HeadProgress::Complete(head) => RequestHead::Complete {
            target: head.target().to_string(),
        },
    }
}

/// The check a listener applies to each request: does it carry this login's `state`?
///
/// `Debug` does not show the state (it is what makes a forged redirect detectable).
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackCheck {
    state: String,
}

impl CallbackCheck {
    /// A check for redirects carrying `expected_state`.
    pub fn new(expected_state: impl Into<String>) -> Self {
        CallbackCheck {
            state: expected_state.into(),
        }
    }

    /// What `target` (a request target, a bare query, or a query with `?`) is to this login.
    pub fn verdict(&self, target: &str) -> CallbackVerdict {
        let params = super::pkce::Params::new(target);
        let code = params.first("code");
        let error = params.first("error");
        let state = params.first("state");
        if code.is_none() && error.is_none() {
            return match state {
                Some(s) if s == self.state => CallbackVerdict::Denied {
                    error: None,
                    description: None,
                },
                _ => CallbackVerdict::NotARedirect,
            };
        }
        if state.as_deref() != Some(self.state.as_str()) {
            return CallbackVerdict::WrongState;
        }
        match (error, code) {
            (Some(error), _) => CallbackVerdict::Denied {
                error: Some(printable(&error, ERROR_CODE_CHARS)),
                description: params
                    .first("error_description")
                    .map(|d| printable(&d, DESCRIPTION_CHARS))
                    .filter(|d| !d.is_empty()),
            },
            (None, Some(code)) => CallbackVerdict::Authorized(AuthorizationCode(code)),
            (None, None) => CallbackVerdict::NotARedirect,
        }
    }
}

impl fmt::Debug for CallbackCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackCheck")
            .field("state", &"** redacted **")
            .finish()
    }
}

/// The authorization code of an accepted redirect. Secret: `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationCode(String);

impl AuthorizationCode {
    /// The code, for CreateToken.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode(** redacted **)")
    }
}

/// What one request to the listener is to the login waiting on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackVerdict {
    /// The redirect of this login, with its code: the wait is over.
    Authorized(AuthorizationCode),
    /// The redirect of this login, reporting that it failed (`error=access_denied` when the
    /// user clicked Deny): the wait is over, the login fails with the service's reason.
    Denied {
        /// The OAuth `error` code, control characters removed; `None` when neither a code nor
        /// an error came back.
        error: Option<String>,
        /// The service's `error_description`, control characters removed, cut short.
        description: Option<String>,
    },
    /// A redirect with a `code` or an `error` but not this login's `state` (forged, or from an
    /// older login): refused, and the wait goes on.
    WrongState,
    /// Not a redirect at all (`/favicon.ico`, a port scan): the wait goes on.
    NotARedirect,
}

impl CallbackVerdict {
    /// Whether this request ends the wait.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            CallbackVerdict::Authorized(_) | CallbackVerdict::Denied { .. }
        )
    }

    /// Why the login failed, in words for the terminal and the page; `None` when it did not.
    pub fn failure(&self) -> Option<String> {
        match self {
            CallbackVerdict::Authorized(_) => None,
            CallbackVerdict::Denied { error, description } => {
                let mut text = match error.as_deref() {
                    Some("access_denied") => {
                        "the request was denied in the browser (access_denied)".to_string()
                    }
                    Some(code) => format!("the browser sign-in failed ({code})"),
                    None => format!("the browser sign-in failed: {NO_CODE}"),
                };
                if let Some(d) = description {
                    text.push_str(": ");
                    text.push_str(d);
                }
                Some(text)
            }
            CallbackVerdict::WrongState => Some(
                "this answer is not for the sign-in awscred is waiting for (its state does not \
                 match)"
                    .into(),
            ),
            CallbackVerdict::NotARedirect => Some("there is nothing here".into()),
        }
    }

    /// The code for CreateToken, or the login's error. Only for a final verdict; the others
    /// give the error a driver would see if it ended the wait on them.
    pub fn into_result(self) -> Result<String, Error> {
        match self {
            CallbackVerdict::Authorized(code) => Ok(code.into_inner()),
            other => Err(Error::Login(format!(
                "{}; run the login again",
                other.failure().unwrap_or_default()
            ))),
        }
    }

    /// The whole HTTP response for the browser: a page that says what happened.
    pub fn response(&self) -> Vec<u8> {
        match self {
            CallbackVerdict::Authorized(_) => page(
                200,
                "Signed in",
                "awscred has received the authorization it asked for. You can close this window \
                 and return to your terminal.",
            ),
            CallbackVerdict::Denied { .. } => page(
                400,
                "Sign-in not completed",
                &format!(
                    "awscred did not get the authorization: {}. Return to your terminal and run \
                     the login again.",
                    self.failure().unwrap_or_default()
                ),
            ),
            CallbackVerdict::WrongState => page(
                400,
                "Not accepted",
                "This answer is not for the sign-in awscred is waiting for (its state does not \
                 match), so it was ignored. awscred is still waiting: finish the sign-in in the \
                 window awscred opened.",
            ),
            CallbackVerdict::NotARedirect => page(
                404,
                "Not found",
                "There is nothing here. awscred is waiting for the sign-in to come back.",
            ),
        }
    }
}

/// The response to a request [`parse_request_head`] found invalid, or to one that did not
/// arrive in time (408).
pub fn refusal_response(status: u16, reason: &str) -> Vec<u8> {
    page(status, "Bad request", reason)
}

fn page(status: u16, title: &str, message: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>awscred: {title}</title></head>\
         <body><h1>{title}</h1><p>{}</p></body></html>",
        html_escape(message),
        title = html_escape(title),
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "2d9a0f6e-1b2c-4d5e-8f90-123456789abc";

    fn check() -> CallbackCheck {
        CallbackCheck::new(STATE)
    }

    #[test]
    fn heads_are_read_up_to_the_blank_line() {
        assert_eq!(
            parse_request_head(b"GET /x HTTP/1.1\r\nHost: a\r\n"),
            RequestHead::Incomplete
        );
        assert_eq!(
            parse_request_head(b"GET /oauth/callback?code=a HTTP/1.1\r\nHost: a\r\n\r\n"),
            RequestHead::Complete {
                target: "/oauth/callback?code=a".into()
            }
        );
        assert_eq!(
            parse_request_head(b"GET / HTTP/1.0\n\n"),
            RequestHead::Complete { target: "/".into() }
        );
        for (bad, status) in [
            (&b"POST / HTTP/1.1\r\n\r\n"[..], 405),
            (b"GET / HTTP/2\r\n\r\n", 400),
            (b"GET  / HTTP/1.1\r\n\r\n", 400),
            (b"GET http://x/ HTTP/1.1\r\n\r\n", 400),
            (b"\xff / HTTP/1.1\r\n\r\n", 400),
        ] {
            assert!(
                matches!(parse_request_head(bad), RequestHead::Invalid { status: s, .. } if s == status),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let endless = vec![b'a'; MAX_REQUEST_HEAD + 1];
        assert!(matches!(
            parse_request_head(&endless),
            RequestHead::Invalid { status: 431, .. }
        ));
    }

    #[test]
    fn only_this_logins_state_ends_the_wait() {
        let c = check();
        let ok = c.verdict(&format!("/oauth/callback?code=abc&state={STATE}"));
        assert!(ok.is_final());
        assert_eq!(ok.clone().into_result(), Ok("abc".into()));
        assert!(!format!("{ok:?}").contains("abc"));
        for stray in [
            "/favicon.ico".to_string(),
            "/".into(),
            "/oauth/callback?code=abc&state=other".into(),
            "/oauth/callback?code=abc".into(),
            "/oauth/callback?error=access_denied".into(),
            "/oauth/callback?error=access_denied&state=other".into(),
        ] {
            let v = c.verdict(&stray);
            assert!(!v.is_final(), "{stray} must not end the wait: {v:?}");
        }
        assert_eq!(
            c.verdict("/oauth/callback?code=abc&state=other"),
            CallbackVerdict::WrongState
        );
    }

    #[test]
    fn a_denial_says_so_on_the_page_and_in_the_error() {
        let v = check().verdict(&format!(
            "/oauth/callback?error=access_denied&error_description=The+user%0D%0Adenied+%3Cb%3E&state={STATE}"
        ));
        assert!(v.is_final());
        let err = v.clone().into_result().unwrap_err().to_string();
        assert!(
            err.contains("the request was denied in the browser (access_denied)"),
            "{err}"
        );
        assert!(!err.chars().any(char::is_control), "{err:?}");
        let page = String::from_utf8(v.response()).unwrap();
        assert!(page.starts_with("HTTP/1.1 400 "), "{page}");
        assert!(!page.contains("approved") && !page.contains("Signed in"));
        assert!(page.contains("access_denied") && page.contains("&lt;b&gt;"));
        let wrong = String::from_utf8(CallbackVerdict::WrongState.response()).unwrap();
        assert!(wrong.starts_with("HTTP/1.1 400 ") && wrong.contains("state does not match"));
    }

    #[test]
    fn content_length_is_the_body_length() {
        for v in [
            CallbackVerdict::NotARedirect,
            CallbackVerdict::WrongState,
            check().verdict(&format!("?code=c&state={STATE}")),
        ] {
            let r = String::from_utf8(v.response()).unwrap();
            let (head, body) = r.split_once("\r\n\r\n").unwrap();
            assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
        }
    }

    #[test]
    fn the_check_does_not_show_the_state() {
        assert!(!format!("{:?}", check()).contains(STATE));
    }
}
