//! Properties of the error extractors: total on arbitrary answers, sanitisation idempotent.

use awscred_core::Error;
use awscred_core::wire_error::{query_xml_error, rest_json_error, sanitize_code};
use proptest::prelude::*;

fn answer(
    status: u16,
    headers: &[(&'static str, Vec<u8>)],
    body: Vec<u8>,
) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    for (name, value) in headers {
        if let Ok(value) = http::HeaderValue::from_bytes(value) {
            response.headers_mut().append(*name, value);
        }
    }
    response
}

fn header_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("x-amzn-errortype"),
        Just("x-amzn-requestid"),
        Just("x-amz-request-id"),
        Just("content-type"),
    ]
}

/// Bodies near the real shapes, so the interesting branches are reached, plus raw bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        ("[a-zA-Z_#:.]{0,20}", ".{0,40}").prop_map(|(code, msg)| {
            serde_json::json!({"__type": code, "message": msg}).to_string().into_bytes()
        }),
        ("[a-z_]{0,25}", ".{0,40}").prop_map(|(error, desc)| {
            serde_json::json!({"error": error, "error_description": desc}).to_string().into_bytes()
        }),
        ("[^<]{0,20}", "[^<]{0,40}", "[a-z&;#0-9]{0,10}").prop_map(|(code, msg, tail)| {
            format!("<ErrorResponse><Error><Code>{code}</Code><Message>{msg}{tail}</Message></Error><RequestId>r</RequestId>")
                .into_bytes()
        }),
    ]
}

fn check(error: &Error, status: u16) {
    let e = error.service_error().expect("a service error");
    assert_eq!(e.status, status);
    assert!(!e.code.is_empty());
    assert_eq!(sanitize_code(&e.code), e.code, "codes come out sanitised");
    assert!(
        !e.message.chars().any(char::is_control),
        "no control characters in {:?}",
        e.message
    );
    if status == 429 {
        assert!(matches!(error, Error::Throttled(_)));
    }
    let _ = error.to_string();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn extractors_are_total(
        status in 100u16..1000,
        headers in proptest::collection::vec((header_name(), any::<Vec<u8>>()), 0..4),
        body in body(),
    ) {
        let response = answer(status, &headers, body);
        check(&rest_json_error("Prop", &response), status);
        check(&query_xml_error("Prop", &response), status);
    }

    #[test]
    fn sanitize_is_idempotent(raw in ".{0,60}") {
        let once = sanitize_code(&raw);
        prop_assert_eq!(sanitize_code(&once), once.clone());
        prop_assert!(!once.contains(':') && !once.contains('#'));
    }

    #[test]
    fn sanitize_keeps_the_name(ns in "[a-z.]{0,15}", name in "[A-Za-z]{1,20}", suffix in "[a-z/:.]{0,20}") {
        let raw = format!("{ns}#{name}:{suffix}");
        prop_assert_eq!(sanitize_code(&raw), name);
    }
}
