//! Turning a service's error answer into an [`Error`] (docs/sso-portal.md §4, docs/sso-oidc-and-login.md §3, docs/sts.md §4, docs/retries-and-timeouts.md).
//!
//! Two wire protocols are spoken: rest-json (SSO portal, SSO-OIDC) and AWS Query XML (STS). Both
//! extractors are total: whatever the status, headers or body, they return an error value whose
//! code is never empty (the HTTP status as a string when nothing better is found) and whose
//! message comes only from the service's own message field — the body itself is never quoted,
//! because an unexpected body may carry anything, tokens included.
//!
//! Operation-specific meaning (SSO 401 → log in again, OIDC `AuthorizationPendingException` →
//! keep polling) is decided by the operations, not here.

use http::Response;
use quick_xml::events::Event;

use crate::{Error, ServiceError};

/// The longest message kept from a service answer, in characters; a longer one is cut with `…`.
const MAX_MESSAGE_CHARS: usize = 1024;
/// The longest code or request id kept; anything longer is not a real code.
const MAX_CODE_CHARS: usize = 256;

/// Throttling error codes, identical in botocore, Go and Rust (docs/retries-and-timeouts.md).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Transient error codes (docs/retries-and-timeouts.md); `PriorRequestNotComplete` is botocore's addition.
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// OAuth-style `error` values in SSO-OIDC bodies and the exception each stands for (docs/sso-oidc-and-login.md §3).
/// Only used when the `x-amzn-errortype` header is missing, e.g. stripped by a proxy.
const OIDC_ERRORS: &[(&str, &str)] = &[
    ("authorization_pending", "AuthorizationPendingException"),
    ("slow_down", "SlowDownException"),
    ("expired_token", "ExpiredTokenException"),
    ("access_denied", "AccessDeniedException"),
    ("invalid_grant", "InvalidGrantException"),
    ("invalid_client", "InvalidClientException"),
    ("invalid_request", "InvalidRequestException"),
    ("invalid_scope", "InvalidScopeException"),
    ("unauthorized_client", "UnauthorizedClientException"),
    ("unsupported_grant_type", "UnsupportedGrantTypeException"),
];

/// Whether `code` is one of the throttling codes every standard-mode SDK retries (docs/retries-and-timeouts.md).
pub fn is_throttling_code(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// Whether `code` is one of the transient (timeout-like) codes every standard-mode SDK retries.
pub fn is_transient_code(code: &str) -> bool {
    TRANSIENT_CODES.contains(&code)
}

/// Reduces a raw error code to its bare name the way the SDKs do: the text before the first `:`
/// (drops `:http://internal.amazon.com/...` suffixes), then the text after the last `#` (drops
/// `com.amazonaws.switchboard.portal#` namespaces). Idempotent.
pub fn sanitize_code(raw: &str) -> String {
    let before_colon = raw.split(':').next().unwrap_or_default();
    let after_hash = before_colon.rsplit('#').next().unwrap_or_default();
    after_hash.trim().to_owned()
}

/// The error of a rest-json service (sso, sso-oidc) from its HTTP answer (docs/sso-portal.md §4, docs/sso-oidc-and-login.md §3).
///
/// Code: header `x-amzn-errortype`, else body `code`/`Code`, else `__type`, else the OIDC body
/// `error` mapped to its exception name, else the HTTP status; sanitised with [`sanitize_code`].
/// Message: body `message`/`Message`/`errorMessage`/`error_description`, else the reason phrase.
/// `operation` names the call for the caller's context; the returned value does not carry it.
pub fn rest_json_error(operation: &'static str, response: &Response<Vec<u8>>) -> Error {
    let _ = operation;
    let body = json_object(response.body());
    let field = |names: &[&str]| -> Option<String> {
        let body = body.as_ref()?;
        names
            .iter()
            .filter_map(|name| body.get(*name).and_then(serde_json::Value::as_str))
            .map(str::trim)
            .find(|value| !value.is_empty())
            .map(str::to_owned)
    };

    let code = header(response, "x-amzn-errortype")
        .and_then(|raw| usable_code(&raw))
        .or_else(|| field(&["code", "Code"]).and_then(|raw| usable_code(&raw)))
        .or_else(|| field(&["__type"]).and_then(|raw| usable_code(&raw)))
        .or_else(|| field(&["error"]).and_then(|raw| oidc_exception(&raw)));
    let message = field(&["message", "Message", "errorMessage", "error_description"]);
    let request_id = request_id_header(response);
    build(response, code, message, request_id)
}

/// The error of an AWS Query service (sts) from its HTTP answer (docs/sts.md §4).
///
/// Reads `<ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>` and the
/// `<Response><Errors><Error>…</Error></Errors><RequestID/></Response>` variant, ignoring
/// namespaces and resolving entities. Falls back like [`rest_json_error`]; the request id comes
/// from the body, else the `x-amzn-requestid` / `x-amz-request-id` header.
pub fn query_xml_error(operation: &'static str, response: &Response<Vec<u8>>) -> Error {
    let _ = operation;
    let fields = XmlErrorFields::parse(response.body());
    let code = fields.code.as_deref().and_then(usable_code);
    let request_id = fields
        .request_id
        .as_deref()
        .and_then(usable_id)
        .or_else(|| request_id_header(response));
    build(response, code, fields.message, request_id)
}

fn build(
    response: &Response<Vec<u8>>,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
) -> Error {
    let status = response.status();
    let code = code.unwrap_or_else(|| status.as_u16().to_string());
    let message = message
        .map(|m| clean_message(&m))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or_default().to_owned());
    let error = ServiceError {
        status: status.as_u16(),
        code,
        message,
        request_id,
    };
    if status.as_u16() == 429 || is_throttling_code(&error.code) {
        Error::Throttled(error)
    } else {
        Error::Service(error)
    }
}

/// A sanitised code, or `None` when nothing usable is left (empty, absurdly long, or containing
/// characters no AWS error code has — such a value says nothing and might be anything).
fn usable_code(raw: &str) -> Option<String> {
    let code = sanitize_code(raw);
    let plausible = !code.is_empty()
        && code.chars().count() <= MAX_CODE_CHARS
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    plausible.then_some(code)
}

/// A request id as sent, when it looks like one.
fn usable_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    let plausible = !id.is_empty()
        && id.chars().count() <= MAX_CODE_CHARS
        && id.chars().all(|c| c.is_ascii_graphic());
    plausible.then(|| id.to_owned())
}

fn oidc_exception(error: &str) -> Option<String> {
    OIDC_ERRORS
        .iter()
        .find(|(wire, _)| *wire == error)
        .map(|(_, exception)| (*exception).to_owned())
}

/// Control characters are replaced (a message goes to a terminal) and long messages are cut.
fn clean_message(message: &str) -> String {
    let mut out: String = message
        .trim()
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if message.trim().chars().nth(MAX_MESSAGE_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn header(response: &Response<Vec<u8>>, name: &str) -> Option<String> {
    let value = response.headers().get(name)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn request_id_header(response: &Response<Vec<u8>>) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .filter_map(|name| header(response, name))
        .find_map(|raw| usable_id(&raw))
}

fn json_object(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// What an AWS Query error document says; each field is the first one found.
#[derive(Default)]
struct XmlErrorFields {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

impl XmlErrorFields {
    /// Walks the document, keeping the text of complete elements only: a document cut short or
    /// broken halfway still yields what was complete before the break.
    fn parse(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let mut reader = quick_xml::Reader::from_str(&text);
        let mut fields = XmlErrorFields::default();
        // Local names of the open elements, and the text gathered in the innermost one.
        let mut path: Vec<String> = Vec::new();
        let mut content = String::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(start)) => {
                    path.push(start.name().local_name().as_ref().to_owned());
                    content.clear();
                }
                Ok(Event::Text(t)) => content.push_str(&t.xml10_content()),
                Ok(Event::CData(t)) => content.push_str(&t.xml10_content()),
                Ok(Event::GeneralRef(r)) => match r.resolve_char_ref() {
                    Ok(Some(c)) => content.push(c),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => content.push_str(s),
                        None => {
                            content.push('&');
                            content.push_str(&r);
                            content.push(';');
                        }
                    },
                    Err(_) => {}
                },
                Ok(Event::End(_)) => {
                    fields.take(&path, &content);
                    path.pop();
                    content.clear();
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => {}
            }
        }
        fields
    }

    fn take(&mut self, path: &[String], content: &str) {
        let (Some(name), parent) = (
            path.last(),
            path.len().checked_sub(2).and_then(|i| path.get(i)),
        ) else {
            return;
        };
        let value = content.trim();
        let in_error = parent.is_some_and(|p| p == "Error");
        let slot = match name.as_str() {
            "Code" if in_error => &mut self.code,
            "Message" if in_error => &mut self.message,
            "RequestId" | "RequestID" => &mut self.request_id,
            _ => return,
        };
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
        let mut builder = Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder
            .body(body.as_bytes().to_vec())
            .expect("test response")
    }

    fn service(error: Error) -> ServiceError {
        match error {
            Error::Service(e) => e,
            other => panic!("expected Service, got {other:?}"),
        }
    }

    fn throttled(error: Error) -> ServiceError {
        match error {
            Error::Throttled(e) => e,
            other => panic!("expected Throttled, got {other:?}"),
        }
    }

    #[test]
    fn sanitize_strips_suffix_and_namespace() {
        assert_eq!(
            sanitize_code(
                "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
            ),
            "AuthorizationPendingException"
        );
        assert_eq!(
            sanitize_code("com.amazonaws.switchboard.portal#UnauthorizedException"),
            "UnauthorizedException"
        );
        assert_eq!(
            sanitize_code("aws.protocoltests#FooError:http://x#y"),
            "FooError"
        );
        assert_eq!(sanitize_code("Plain"), "Plain");
        assert_eq!(sanitize_code(""), "");
    }

    #[test]
    fn sso_unauthorized_from_type_field() {
        let r = response(
            401,
            &[("x-amzn-RequestId", "req-1")],
            r#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#,
        );
        let e = service(rest_json_error("GetRoleCredentials", &r));
        assert_eq!(e.status, 401);
        assert_eq!(e.code, "UnauthorizedException");
        assert_eq!(e.message, "Session token not found or invalid");
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
    }

    #[test]
    fn header_wins_over_body() {
        let r = response(
            400,
            &[
                (
                    "X-Amzn-ErrorType",
                    "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/",
                ),
                ("x-amzn-requestid", "dbed108d"),
            ],
            r#"{"error":"authorization_pending","error_description":"Authorization is still pending","__type":"Other"}"#,
        );
        let e = service(rest_json_error("CreateToken", &r));
        assert_eq!(e.code, "AuthorizationPendingException");
        assert_eq!(e.message, "Authorization is still pending");
        assert_eq!(e.request_id.as_deref(), Some("dbed108d"));
    }

    #[test]
    fn body_code_before_type() {
        let r = response(
            400,
            &[],
            r#"{"Code":"ValidationError","__type":"x#Other","Message":"bad"}"#,
        );
        let e = service(rest_json_error("Op", &r));
        assert_eq!(e.code, "ValidationError");
        assert_eq!(e.message, "bad");
        let r = response(400, &[], r#"{"code":"A","errorMessage":"m"}"#);
        let e = service(rest_json_error("Op", &r));
        assert_eq!((e.code.as_str(), e.message.as_str()), ("A", "m"));
    }

    #[test]
    fn oidc_body_error_fallback() {
        for (wire, exception) in OIDC_ERRORS {
            let r = response(
                400,
                &[],
                &format!(r#"{{"error":"{wire}","error_description":"d"}}"#),
            );
            let e = service(rest_json_error("CreateToken", &r));
            assert_eq!(e.code, *exception);
        }
        let r = response(400, &[], r#"{"error":"something_else"}"#);
        assert_eq!(service(rest_json_error("CreateToken", &r)).code, "400");
    }

    #[test]
    fn empty_html_and_garbage_bodies_fall_back_to_status() {
        for body in [
            "",
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
            "not json",
            "[1,2]",
            "{",
        ] {
            let r = response(503, &[], body);
            let e = service(rest_json_error("Op", &r));
            assert_eq!(e.code, "503");
            assert_eq!(e.message, "Service Unavailable");
            assert_eq!(e.request_id, None);
            let e = service(query_xml_error("AssumeRole", &r));
            assert_eq!(e.code, "503");
            assert_eq!(e.message, "Service Unavailable");
        }
    }

    #[test]
    fn body_is_never_echoed() {
        let secret = "SECRETTOKENVALUE";
        let r = response(500, &[], &format!(r#"{{"accessToken":"{secret}"}}"#));
        let shown = format!(
            "{:?} {}",
            rest_json_error("Op", &r),
            rest_json_error("Op", &r)
        );
        assert!(!shown.contains(secret), "{shown}");
        let r = response(
            500,
            &[],
            &format!("<Error><Code>{secret} x</Code><Other>{secret}</Other></Error>"),
        );
        let shown = format!(
            "{:?} {}",
            query_xml_error("Op", &r),
            query_xml_error("Op", &r)
        );
        assert!(!shown.contains(secret), "{shown}");
    }

    #[test]
    fn throttling_by_code_or_429() {
        let r = response(
            429,
            &[],
            r#"{"message":"slow","__type":"TooManyRequestsException"}"#,
        );
        assert_eq!(
            throttled(rest_json_error("Op", &r)).code,
            "TooManyRequestsException"
        );
        let r = response(429, &[], "");
        assert_eq!(
            throttled(rest_json_error("Op", &r)).message,
            "Too Many Requests"
        );
        let r = response(
            400,
            &[],
            "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
        );
        let e = throttled(query_xml_error("AssumeRole", &r));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("Throttling", "Rate exceeded")
        );
        // OIDC's SlowDownException is a polling signal, not throttling.
        let r = response(400, &[("x-amzn-errortype", "SlowDownException")], "{}");
        assert_eq!(
            service(rest_json_error("CreateToken", &r)).code,
            "SlowDownException"
        );
    }

    #[test]
    fn sts_error_response() {
        let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.</Message>
  </Error>
  <RequestId>4f3e2a1b-0000-1111-2222-333344445555</RequestId>
</ErrorResponse>"#;
        let r = response(403, &[("x-amzn-requestid", "header-id")], body);
        let e = service(query_xml_error("AssumeRole", &r));
        assert_eq!(e.status, 403);
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert!(e.message.starts_with("The request signature we calculated"));
        assert_eq!(
            e.request_id.as_deref(),
            Some("4f3e2a1b-0000-1111-2222-333344445555")
        );
    }

    #[test]
    fn sts_errors_shape_prefix_entities_and_header_id() {
        let body = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>AccessDenied</Code>\
                    <Message>User &lt;arn&gt; is not authorized &amp; &#x41;&#66; &unknown;</Message></Error></Errors>\
                    <RequestID>rid-2</RequestID></Response>";
        let e = service(query_xml_error("AssumeRole", &response(403, &[], body)));
        assert_eq!(e.code, "AccessDenied");
        assert_eq!(e.message, "User <arn> is not authorized & AB &unknown;");
        assert_eq!(e.request_id.as_deref(), Some("rid-2"));

        let body = "<sts:ErrorResponse xmlns:sts=\"x\"><sts:Error><sts:Code>IDPCommunicationError</sts:Code>\
                    <sts:Message><![CDATA[IdP <down>]]></sts:Message></sts:Error></sts:ErrorResponse>";
        let r = response(400, &[("x-amz-request-id", "hdr")], body);
        let e = service(query_xml_error("AssumeRoleWithWebIdentity", &r));
        assert_eq!(e.code, "IDPCommunicationError");
        assert_eq!(e.message, "IdP <down>");
        assert_eq!(e.request_id.as_deref(), Some("hdr"));
    }

    #[test]
    fn truncated_xml_keeps_complete_elements() {
        let body =
            "<ErrorResponse><Error><Code>ExpiredTokenException</Code><Message>The security tok";
        let e = service(query_xml_error("AssumeRole", &response(400, &[], body)));
        assert_eq!(e.code, "ExpiredTokenException");
        assert_eq!(e.message, "Bad Request");
    }

    #[test]
    fn implausible_codes_are_ignored() {
        let r = response(
            400,
            &[("x-amzn-errortype", "not a code <script>")],
            r#"{"__type":"Real"}"#,
        );
        assert_eq!(service(rest_json_error("Op", &r)).code, "Real");
        let r = response(400, &[("x-amzn-errortype", ":only-suffix")], "");
        assert_eq!(service(rest_json_error("Op", &r)).code, "400");
    }

    #[test]
    fn long_messages_are_cut_and_control_chars_replaced() {
        let long = "x".repeat(5000);
        let r = response(400, &[], &format!(r#"{{"message":"a\u001b[31m{long}"}}"#));
        let e = service(rest_json_error("Op", &r));
        assert!(e.message.starts_with("a [31m"));
        assert!(e.message.ends_with('…'));
        assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn code_lists() {
        assert!(is_throttling_code("Throttling"));
        assert!(is_throttling_code("TooManyRequestsException"));
        assert!(!is_throttling_code("SlowDownException"));
        assert!(!is_throttling_code("throttling"));
        assert!(is_transient_code("RequestTimeout"));
        assert!(is_transient_code("RequestTimeoutException"));
        assert!(!is_transient_code("IDPCommunicationError"));
        assert!(!is_transient_code("500"));
    }
}
