//! Responses in the three wire dialects (portal JSON, OIDC JSON, STS XML), and the body type that
//! can cut a connection half-way.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Bytes, Frame, SizeHint};

/// Which service a request belongs to: decides the error dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Portal,
    Oidc,
    Sts,
    /// AWS Sign-In's token endpoint.
    Signin,
    /// Browser pages (`/authorize`, `/device`) and unknown paths.
    Page,
    /// The instance metadata service and the container endpoint: plain-text errors.
    Metadata,
}

/// A response before it is turned into bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("content-type", content_type.to_string())],
            body: body.into(),
        }
    }

    pub(crate) fn json(value: &serde_json::Value) -> Self {
        Reply::new(200, "application/json", value.to_string())
    }

    pub(crate) fn xml(body: String) -> Self {
        Reply::new(200, "text/xml", body)
    }

    pub(crate) fn html(status: u16, body: String) -> Self {
        Reply::new(status, "text/html; charset=utf-8", body)
    }

    pub(crate) fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn redirect(location: String) -> Self {
        Reply {
            status: 302,
            headers: vec![("location", location)],
            body: Vec::new(),
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// An error in `dialect`'s shape. `code` is the exception name (`UnauthorizedException`,
    /// `AuthorizationPendingException`, `SignatureDoesNotMatch`…).
    pub(crate) fn error(
        dialect: Dialect,
        request_id: &str,
        status: u16,
        code: &str,
        message: &str,
    ) -> Self {
        match dialect {
            // Written by hand: the real portal puts `message` before `__type`.
            Dialect::Portal => Reply::new(
                status,
                "application/json",
                format!(
                    "{{\"message\":{},\"__type\":{}}}",
                    serde_json::Value::from(message),
                    serde_json::Value::from(format!("com.amazonaws.switchboard.portal#{code}"))
                ),
            )
            .with_header(
                "x-amzn-errortype",
                format!(
                    "{code}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
                ),
            ),
            Dialect::Oidc => Reply::new(
                status,
                "application/json",
                serde_json::json!({ "error": oauth_error(code), "error_description": message })
                    .to_string(),
            )
            .with_header(
                "x-amzn-errortype",
                format!("{code}:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"),
            ),
            Dialect::Sts => {
                let kind = if status >= 500 { "Receiver" } else { "Sender" };
                Reply::new(
                    status,
                    "text/xml",
                    format!(
                        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
                        xml_escape(code),
                        xml_escape(message),
                        xml_escape(request_id),
                    ),
                )
            }
            Dialect::Metadata => Reply::new(status, "text/plain", message.to_string()),
            Dialect::Signin => {
                let (exception, oauth) = signin_error(code);
                Reply::new(
                    status,
                    "application/json",
                    serde_json::json!({ "error": oauth, "message": message }).to_string(),
                )
                .with_header("x-amzn-errortype", exception.to_string())
            }
            Dialect::Page => Reply::html(
                status,
                format!(
                    "<!doctype html><title>{status}</title><p>{}</p>\n",
                    html_escape(message)
                ),
            ),
        }
    }
}

/// Sign-In's exception and `error` member for a code: its AccessDeniedException codes
/// (`TOKEN_EXPIRED`…) as themselves, the shared fault names mapped to its exceptions
/// (botocore data/signin/2023-01-01/service-2.json, `OAuth2ErrorCode`).
fn signin_error(code: &str) -> (&'static str, String) {
    match code {
        "TOKEN_EXPIRED"
        | "USER_CREDENTIALS_CHANGED"
        | "INSUFFICIENT_PERMISSIONS"
        | "AUTHCODE_EXPIRED" => ("AccessDeniedException", code.to_string()),
        "TooManyRequestsException" => ("TooManyRequestsError", "INVALID_REQUEST".into()),
        "InternalServerException" => ("InternalServerException", "server_error".into()),
        _ => ("ValidationException", "INVALID_REQUEST".into()),
    }
}

/// The OAuth (RFC 6749 / 8628) snake_case code OIDC puts in the body for an exception name:
/// `AuthorizationPendingException` → `authorization_pending`.
fn oauth_error(code: &str) -> String {
    let base = code.strip_suffix("Exception").unwrap_or(code);
    let mut out = String::new();
    for (i, c) in base.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn html_escape(s: &str) -> String {
    xml_escape(s)
}

/// A response body: either whole, or a prefix followed by a broken connection.
pub(crate) enum Body {
    Full(Option<Bytes>),
    /// Sends `prefix`, waits so hyper flushes it, then fails, which makes hyper drop the
    /// connection before `Content-Length` bytes were sent.
    Cut {
        prefix: Option<Bytes>,
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
        declared: u64,
    },
}

impl Body {
    pub(crate) fn full(bytes: Vec<u8>) -> Self {
        Body::Full(Some(Bytes::from(bytes)))
    }

    pub(crate) fn cut(bytes: Vec<u8>) -> Self {
        let declared = bytes.len() as u64;
        let keep = bytes.len() / 2;
        let prefix: Vec<u8> = bytes.into_iter().take(keep).collect();
        Body::Cut {
            prefix: Some(Bytes::from(prefix)),
            pause: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
            declared,
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(
                data.take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            Body::Cut { prefix, pause, .. } => {
                if let Some(p) = prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                if let Some(sleep) = pause {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *pause = None;
                }
                Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "fault injection: connection cut",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None)) || matches!(self, Body::Full(Some(b)) if b.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Cut { declared, .. } => SizeHint::with_exact(*declared),
        }
    }
}
