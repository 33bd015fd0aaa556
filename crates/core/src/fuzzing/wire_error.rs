//! Fuzz body for the `wire_error` target: both error extractors over arbitrary answers.

use http::{HeaderValue, Response, StatusCode};

use crate::wire_error::{query_xml_error, rest_json_error};

/// Input layout: byte 0 picks the status (400..=655), byte 1 picks which header (if any) gets
/// the text up to the first `\n` after it; the rest is the body.
pub fn run(data: &[u8]) {
    let (status, header_choice, rest) = match data {
        [s, h, rest @ ..] => (400 + u16::from(*s), *h, rest),
        [s] => (400 + u16::from(*s), 0, &[][..]),
        [] => (500, 0, &[][..]),
    };
    let (header_value, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) if header_choice % 4 != 0 => (rest.get(..i), rest.get(i + 1..).unwrap_or_default()),
        _ => (None, rest),
    };
    let mut response = Response::new(body.to_vec());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(value) = header_value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
        let name = match header_choice % 4 {
            1 => "x-amzn-errortype",
            2 => "x-amzn-requestid",
            _ => "x-amz-request-id",
        };
        response.headers_mut().insert(name, value);
    }
    for error in [
        rest_json_error("Fuzz", &response),
        query_xml_error("Fuzz", &response),
    ] {
        // Rendering must not panic either.
        let _ = error.to_string();
        if let Some(e) = error.service_error() {
            assert!(!e.code.is_empty(), "an error code is never empty");
        }
    }
}
