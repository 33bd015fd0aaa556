//! The retry policy (the AWS CLI's `standard` mode): classification of every error kind,
//! backoff, attempt limits; `Attempts`, the attempt loop's decisions; `RetrySettings`, what the
//! environment and the profile say about retries.

use std::time::Duration;

use awscred_core::config::{ConfigSet, Env, FileKind, parse};
use awscred_core::retry::{
    Attempts, Next, RetryClass, RetryMode, RetryPolicy, RetrySettings, backoff, classify,
};
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

/// A bad setting: the environment, the profile's lines, the words its error must contain.
type Case = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static [&'static str],
);

fn response(status: u16) -> Result<http::Response<Vec<u8>>, Error> {
    Ok(http::Response::builder()
        .status(status)
        .body(Vec::new())
        .unwrap())
}

#[test]
fn a_failing_request_gets_three_attempts_with_doubling_waits() {
    let mut attempts = Attempts::new(RetryPolicy::default());
    let unavailable = service(503, "503");
    assert_eq!(
        attempts.after_error(&unavailable, 0.5),
        Next::RetryAfter(Duration::from_millis(500))
    );
    assert_eq!(
        attempts.after_error(&unavailable, 0.5),
        Next::RetryAfter(Duration::from_secs(1))
    );
    assert_eq!(attempts.after_error(&unavailable, 0.5), Next::Stop);
    assert_eq!(attempts.made(), 3);
}

#[test]
fn success_and_final_errors_stop_at_once() {
    let mut ok = Attempts::new(RetryPolicy::default());
    assert_eq!(ok.after_response(&response(200), 0.5), Next::Stop);
    assert_eq!(ok.made(), 1);
    let mut denied = Attempts::new(RetryPolicy::default());
    assert_eq!(
        denied.after_error(&service(403, "AccessDenied"), 0.5),
        Next::Stop
    );
    let mut tls = Attempts::new(RetryPolicy::default());
    assert_eq!(
        tls.after_response(&Err(Error::transport(TransportKind::Tls, "bad cert")), 0.5),
        Next::Stop
    );
}

#[test]
fn raw_answers_are_judged_like_parsed_errors() {
    let mut attempts = Attempts::new(RetryPolicy::default());
    assert_eq!(
        attempts.after_response(&response(500), 0.0),
        Next::RetryAfter(Duration::ZERO)
    );
    assert_eq!(
        attempts.after_response(
            &Err(Error::transport(TransportKind::Connect, "refused")),
            1.0
        ),
        Next::RetryAfter(Duration::from_secs(2))
    );
    assert_eq!(attempts.after_response(&response(502), 0.0), Next::Stop);
}

#[test]
fn one_attempt_means_no_retry() {
    let mut attempts = Attempts::new(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    });
    assert_eq!(attempts.after_response(&response(503), 0.5), Next::Stop);
}

fn settings(env: &[(&str, &str)], profile_lines: &str) -> Result<RetrySettings, Error> {
    let text = format!("[profile dev]\nregion = us-east-1\n{profile_lines}");
    let parsed = parse("/home/me/.aws/config", &text, FileKind::Config).unwrap();
    let set = ConfigSet::from_parsed(Some(parsed), None);
    RetrySettings::from_config(&Env::from_pairs(env.iter().copied()), set.profile("dev"))
}

#[test]
fn nothing_configured_keeps_the_transports_policy() {
    let s = settings(&[], "").unwrap();
    assert_eq!(s, RetrySettings::default());
    let base = RetryPolicy {
        max_attempts: 7,
        base: Duration::from_millis(3),
        max_backoff: Duration::from_millis(9),
    };
    assert_eq!(s.policy(base), base);
}

#[test]
fn configured_attempts_replace_only_the_count() {
    let base = RetryPolicy {
        base: Duration::from_millis(3),
        ..RetryPolicy::default()
    };
    let from_profile = settings(&[], "max_attempts = 2\n").unwrap();
    assert_eq!(from_profile.max_attempts, Some(2));
    assert_eq!(
        from_profile.policy(base),
        RetryPolicy {
            max_attempts: 2,
            ..base
        }
    );
    let from_env = settings(&[("AWS_MAX_ATTEMPTS", "1")], "max_attempts = 4\n").unwrap();
    assert_eq!(from_env.policy(base).max_attempts, 1);
}

#[test]
fn modes_and_their_attempts() {
    let base = RetryPolicy::default();
    let legacy = settings(&[], "retry_mode = legacy\n").unwrap();
    assert_eq!(legacy.mode, RetryMode::Legacy);
    assert_eq!(legacy.policy(base).max_attempts, 5);
    let legacy_two = settings(&[], "retry_mode = legacy\nmax_attempts = 2\n").unwrap();
    assert_eq!(legacy_two.policy(base).max_attempts, 2);
    let adaptive = settings(&[("AWS_RETRY_MODE", "adaptive")], "retry_mode = legacy\n").unwrap();
    assert_eq!(adaptive.mode, RetryMode::Adaptive);
    assert_eq!(adaptive.policy(base).max_attempts, 3);
    let standard = settings(&[("AWS_RETRY_MODE", " standard ")], "").unwrap();
    assert_eq!(standard.mode, RetryMode::Standard);
    // An empty variable counts as unset, as in the AWS SDKs.
    let empty = settings(&[("AWS_MAX_ATTEMPTS", "")], "max_attempts = 2\n").unwrap();
    assert_eq!(empty.max_attempts, Some(2));
}

#[test]
fn bad_values_name_where_they_came_from() {
    let cases: [Case; 5] = [
        (
            &[("AWS_MAX_ATTEMPTS", "0")],
            "",
            &["AWS_MAX_ATTEMPTS", "\"0\"", "at least 1"],
        ),
        (
            &[("AWS_MAX_ATTEMPTS", "3.5")],
            "",
            &["AWS_MAX_ATTEMPTS", "\"3.5\""],
        ),
        (
            &[],
            "max_attempts = -2\n",
            &[
                "max_attempts in the profile \"dev\" (/home/me/.aws/config line 3)",
                "\"-2\"",
            ],
        ),
        (
            &[("AWS_RETRY_MODE", "LEGACY")],
            "",
            &["AWS_RETRY_MODE", "\"LEGACY\""],
        ),
        (
            &[],
            "retry_mode = fast\n",
            &[
                "retry_mode in the profile \"dev\" (/home/me/.aws/config line 3)",
                "standard, legacy or adaptive",
            ],
        ),
    ];
    for (env, lines, words) in cases {
        match settings(env, lines) {
            Err(Error::Config(m)) => {
                for w in words {
                    assert!(m.contains(w), "{m:?} lacks {w:?}");
                }
            }
            other => panic!("{env:?} {lines:?}: {other:?}"),
        }
    }
}
