//! `retry::Attempts` (the attempt loop's decisions) and `retry::RetrySettings` (what the
//! environment and the profile say about retries).

use std::time::Duration;

use awscred_core::config::{ConfigSet, Env, FileKind, parse};
use awscred_core::retry::{Attempts, Next, RetryMode, RetryPolicy, RetrySettings};
use awscred_core::{Error, ServiceError, TransportKind};

/// A bad setting: the environment, the profile's lines, the words its error must contain.
type Case = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static [&'static str],
);

fn service(status: u16, code: &str) -> Error {
    Error::Service(ServiceError {
        status,
        code: code.into(),
        message: String::new(),
        request_id: None,
    })
}

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
