//! The retry policy (WIRE §8): classification of every error kind, backoff, attempt limits.

use std::time::Duration;

use awscred_core::retry::{RetryClass, RetryPolicy, backoff, classify};
use awscred_core::wire_error::{query_xml_error, rest_json_error};
use awscred_core::{Error, ServiceError, TransportKind};

fn service(status: u16, code: &str) -> Error {
    Error::Service(ServiceError {
        status,
        code: code.into(),
        message: String::new(),
        request_id: None,
    })
}

fn transport(kind: TransportKind) -> Error {
    Error::Transport {
        kind,
        message: "x".into(),
    }
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

#[test]
fn throttling() {
    let throttled = Error::Throttled(ServiceError {
        status: 400,
        code: "Throttling".into(),
        message: String::new(),
        request_id: None,
    });
    assert_eq!(classify(&throttled), RetryClass::Throttling);
    assert_eq!(
        classify(&service(400, "ThrottlingException")),
        RetryClass::Throttling
    );
    assert_eq!(classify(&service(429, "Anything")), RetryClass::Throttling);
    // Straight from the wire.
    let sso = answer(
        429,
        &[],
        r#"{"message":"Rate exceeded","__type":"TooManyRequestsException"}"#,
    );
    assert_eq!(
        classify(&rest_json_error("GetRoleCredentials", &sso)),
        RetryClass::Throttling
    );
    let sts = answer(
        400,
        &[],
        "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
    );
    assert_eq!(
        classify(&query_xml_error("AssumeRole", &sts)),
        RetryClass::Throttling
    );
}

#[test]
fn transient() {
    for status in [500, 502, 503, 504] {
        assert_eq!(
            classify(&service(status, &status.to_string())),
            RetryClass::Transient,
            "{status}"
        );
    }
    assert_eq!(
        classify(&service(500, "InternalServerException")),
        RetryClass::Transient
    );
    assert_eq!(
        classify(&service(400, "RequestTimeout")),
        RetryClass::Transient
    );
    assert_eq!(
        classify(&service(400, "RequestTimeoutException")),
        RetryClass::Transient
    );
    assert_eq!(
        classify(&service(400, "IDPCommunicationError")),
        RetryClass::Transient
    );
    for kind in [
        TransportKind::Connect,
        TransportKind::Timeout,
        TransportKind::Io,
    ] {
        assert_eq!(
            classify(&transport(kind)),
            RetryClass::Transient,
            "{kind:?}"
        );
    }
    // Rust SDK test `retry_on_error`: 503 with an empty body.
    assert_eq!(
        classify(&query_xml_error("AssumeRole", &answer(503, &[], ""))),
        RetryClass::Transient
    );
}

#[test]
fn not_retryable() {
    for kind in [TransportKind::Tls, TransportKind::Protocol] {
        assert_eq!(
            classify(&transport(kind)),
            RetryClass::NotRetryable,
            "{kind:?}"
        );
    }
    for (status, code) in [
        (401, "UnauthorizedException"),
        (404, "ResourceNotFoundException"),
        (400, "AuthorizationPendingException"),
        (400, "SlowDownException"),
        (400, "ExpiredTokenException"),
        (401, "InvalidClientException"),
        (403, "AccessDenied"),
        (403, "SignatureDoesNotMatch"),
        (400, "ValidationError"),
        (501, "501"),
        (505, "505"),
    ] {
        assert_eq!(
            classify(&service(status, code)),
            RetryClass::NotRetryable,
            "{status} {code}"
        );
    }
    let pending = answer(
        400,
        &[(
            "x-amzn-errortype",
            "AuthorizationPendingException:http://x/",
        )],
        "{}",
    );
    assert_eq!(
        classify(&rest_json_error("CreateToken", &pending)),
        RetryClass::NotRetryable
    );
    for other in [
        Error::InvalidInput("x".into()),
        Error::Config("x".into()),
        Error::login_needed("x", awscred_core::LoginHint::default()),
        Error::malformed("AssumeRole", "no Credentials"),
        Error::Io {
            path: "p".into(),
            message: "m".into(),
        },
        Error::Login("x".into()),
        Error::Process("x".into()),
        Error::Unsupported("x".into()),
    ] {
        assert_eq!(classify(&other), RetryClass::NotRetryable, "{other:?}");
    }
}

#[test]
fn standard_mode_backoff() {
    let secs = |d: Duration| d.as_secs_f64();
    // First retry U[0,1) s, second U[0,2) s, capped at 20 s.
    assert_eq!(secs(backoff(RetryClass::Transient, 0, 0.5)), 0.5);
    assert_eq!(secs(backoff(RetryClass::Throttling, 1, 0.5)), 1.0);
    assert_eq!(secs(backoff(RetryClass::Transient, 4, 0.5)), 8.0);
    assert_eq!(secs(backoff(RetryClass::Transient, 5, 0.5)), 10.0);
    assert_eq!(secs(backoff(RetryClass::Transient, u32::MAX, 0.5)), 10.0);
    assert_eq!(backoff(RetryClass::Transient, 3, 0.0), Duration::ZERO);
    assert!(backoff(RetryClass::Transient, 0, 0.999_999) < Duration::from_secs(1));
    // Out-of-range jitter is clamped, never a panic.
    assert_eq!(backoff(RetryClass::Transient, 0, -3.0), Duration::ZERO);
    assert_eq!(backoff(RetryClass::Transient, 0, f64::NAN), Duration::ZERO);
    assert_eq!(
        backoff(RetryClass::Transient, 0, f64::INFINITY),
        Duration::from_secs(1)
    );
    assert_eq!(
        backoff(RetryClass::Transient, 10, 7.0),
        Duration::from_secs(20)
    );
    assert_eq!(backoff(RetryClass::NotRetryable, 1, 0.5), Duration::ZERO);
}

#[test]
fn tiny_delays_for_tests() {
    let policy = RetryPolicy {
        max_attempts: 5,
        base: Duration::from_millis(1),
        max_backoff: Duration::from_millis(3),
    };
    assert_eq!(
        policy.backoff(RetryClass::Transient, 0, 1.0),
        Duration::from_millis(1)
    );
    assert_eq!(
        policy.backoff(RetryClass::Transient, 1, 1.0),
        Duration::from_millis(2)
    );
    assert_eq!(
        policy.backoff(RetryClass::Transient, 2, 1.0),
        Duration::from_millis(3)
    );
    let zero = RetryPolicy {
        base: Duration::ZERO,
        ..policy
    };
    assert_eq!(zero.backoff(RetryClass::Throttling, 9, 0.9), Duration::ZERO);
}

#[test]
fn attempts_are_limited() {
    let policy = RetryPolicy::default();
    let err = service(503, "503");
    assert_eq!(
        policy.should_retry(1, &err, 0.5),
        Some(Duration::from_millis(500))
    );
    assert_eq!(
        policy.should_retry(2, &err, 0.5),
        Some(Duration::from_secs(1))
    );
    assert_eq!(policy.should_retry(3, &err, 0.5), None);
    assert_eq!(
        policy.should_retry(0, &err, 0.5),
        Some(Duration::from_millis(500))
    );
    assert_eq!(
        policy.should_retry(1, &service(401, "UnauthorizedException"), 0.5),
        None
    );
    let once = RetryPolicy {
        max_attempts: 1,
        ..policy
    };
    assert_eq!(once.should_retry(1, &err, 0.5), None);
    let many = RetryPolicy {
        max_attempts: u32::MAX,
        ..policy
    };
    assert_eq!(
        many.should_retry(u32::MAX - 1, &err, 1.0),
        Some(Duration::from_secs(20))
    );
}

#[test]
fn max_attempts_from_config() {
    assert_eq!(
        RetryPolicy::from_config(None).unwrap(),
        RetryPolicy::default()
    );
    assert_eq!(RetryPolicy::default().max_attempts, 3);
    assert_eq!(RetryPolicy::from_config(Some("5")).unwrap().max_attempts, 5);
    assert_eq!(
        RetryPolicy::from_config(Some(" 1 ")).unwrap().max_attempts,
        1
    );
    for bad in ["0", "-1", "", "three", "2.5", "99999999999"] {
        match RetryPolicy::from_config(Some(bad)) {
            Err(Error::Config(m)) => assert!(
                m.contains("max_attempts") && m.contains(&format!("{bad:?}")),
                "{m}"
            ),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}
