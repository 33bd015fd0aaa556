use std::time::{Duration, SystemTime};

use super::*;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000)
}

fn reply(status: u16, body: &str) -> Result<http::Response<Vec<u8>>, Error> {
    Ok(http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

const CREDS: &str = r#"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"sk",
    "Token":"tok","Expiration":"2026-12-01T15:00:00Z"}"#;

fn sent(next: Next) -> http::Request<Vec<u8>> {
    match next {
        Next::Send(r) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn done(next: Next) -> Result<Credentials, Error> {
    match next {
        Next::Done(r) => r,
        other => panic!("expected the end, got {other:?}"),
    }
}

#[test]
fn v2_token_then_role_then_credentials_and_the_token_is_kept() {
    let mut f = ImdsFetch::new(ImdsSettings::default(), None);
    let put = sent(f.next(now()));
    assert_eq!(put.method(), http::Method::PUT);
    assert_eq!(put.uri(), "http://169.254.169.254/latest/api/token");
    f.on_response(reply(200, "TOKEN-A"), now());
    let role = sent(f.next(now()));
    assert_eq!(role.headers()[TOKEN_HEADER], "TOKEN-A");
    assert_eq!(
        role.extensions().get::<RequestLimits>(),
        Some(&RequestLimits::new(Duration::from_secs(1), 1))
    );
    f.on_response(reply(200, "web-role"), now());
    let creds = sent(f.next(now()));
    assert!(
        creds
            .uri()
            .path()
            .ends_with("/security-credentials/web-role")
    );
    assert_eq!(creds.headers()[TOKEN_HEADER], "TOKEN-A");
    f.on_response(reply(200, CREDS), now());
    assert_eq!(done(f.next(now())).unwrap().access_key_id(), "ASIAIMDS");

    // The next fetch reuses the token until its TTL (minus the buffer) is over.
    let token = f.session_token().cloned().unwrap();
    assert_eq!(
        token.usable_until(),
        now() + TOKEN_TTL - TOKEN_REFRESH_BUFFER
    );
    let mut again = ImdsFetch::new(ImdsSettings::default(), Some(token.clone()));
    let first = sent(again.next(now() + Duration::from_secs(3600)));
    assert_eq!(first.method(), http::Method::GET);
    assert_eq!(first.headers()[TOKEN_HEADER], "TOKEN-A");
    let mut later = ImdsFetch::new(ImdsSettings::default(), Some(token));
    assert_eq!(
        sent(later.next(now() + TOKEN_TTL)).method(),
        http::Method::PUT
    );
}

#[test]
fn no_token_falls_back_to_v1_unless_disabled() {
    for status in [403, 404, 405] {
        let mut f = ImdsFetch::new(ImdsSettings::default(), None);
        sent(f.next(now()));
        f.on_response(reply(status, ""), now());
        let role = sent(f.next(now()));
        assert!(
            role.headers().get(TOKEN_HEADER).is_none(),
            "status {status}"
        );
        f.on_response(reply(200, "r"), now());
        sent(f.next(now()));
        f.on_response(reply(200, CREDS), now());
        assert!(done(f.next(now())).is_ok());
        assert!(f.session_token().is_none());
    }
    let settings = ImdsSettings {
        v1_disabled: true,
        ..Default::default()
    };
    let mut f = ImdsFetch::new(settings, None);
    sent(f.next(now()));
    f.on_response(reply(403, ""), now());
    let e = done(f.next(now())).unwrap_err();
    assert!(e.to_string().contains("IMDSv1 has been disabled"), "{e}");
}

#[test]
fn a_read_timeout_on_the_token_falls_back_but_a_refused_connection_ends_it() {
    let mut f = ImdsFetch::new(ImdsSettings::default(), None);
    sent(f.next(now()));
    f.on_response(
        Err(Error::Transport {
            kind: TransportKind::Timeout,
            message: "timed out".into(),
        }),
        now(),
    );
    assert!(sent(f.next(now())).headers().get(TOKEN_HEADER).is_none());

    let mut f = ImdsFetch::new(ImdsSettings::default(), None);
    sent(f.next(now()));
    f.on_response(
        Err(Error::Transport {
            kind: TransportKind::Connect,
            message: "connection refused".into(),
        }),
        now(),
    );
    let e = done(f.next(now())).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("http://169.254.169.254"), "{text}");
    assert!(text.contains("AWS_EC2_METADATA_DISABLED"), "{text}");
}

#[test]
fn disabled_sends_nothing() {
    let settings = ImdsSettings {
        disabled: true,
        ..Default::default()
    };
    let mut f = ImdsFetch::new(settings, None);
    let e = done(f.next(now())).unwrap_err();
    assert!(e.to_string().contains("AWS_EC2_METADATA_DISABLED"));
}

#[test]
fn a_bad_request_on_the_token_is_an_error() {
    let mut f = ImdsFetch::new(ImdsSettings::default(), None);
    sent(f.next(now()));
    f.on_response(reply(400, ""), now());
    assert_eq!(done(f.next(now())).unwrap_err().code(), Some("400"));
}

#[test]
fn a_rejected_token_is_replaced_once() {
    let stale = SessionToken::new("OLD", TOKEN_TTL, now());
    let mut f = ImdsFetch::new(ImdsSettings::default(), Some(stale));
    assert_eq!(sent(f.next(now())).headers()[TOKEN_HEADER], "OLD");
    f.on_response(reply(401, ""), now());
    assert_eq!(sent(f.next(now())).method(), http::Method::PUT);
    f.on_response(reply(200, "NEW"), now());
    assert_eq!(sent(f.next(now())).headers()[TOKEN_HEADER], "NEW");
    f.on_response(reply(200, "r"), now());
    sent(f.next(now()));
    f.on_response(reply(401, ""), now());
    assert_eq!(done(f.next(now())).unwrap_err().code(), Some("401"));
}

#[test]
fn no_role_attached_says_so() {
    let mut f = ImdsFetch::new(ImdsSettings::default(), None);
    sent(f.next(now()));
    f.on_response(reply(200, "T"), now());
    sent(f.next(now()));
    f.on_response(reply(404, ""), now());
    let e = done(f.next(now())).unwrap_err();
    assert!(e.to_string().contains("no IAM role"), "{e}");
}

#[test]
fn debug_hides_the_token() {
    let t = SessionToken::new("SECRETTOKEN", TOKEN_TTL, now());
    let f = ImdsFetch::new(ImdsSettings::default(), Some(t.clone()));
    assert!(!format!("{t:?}{f:?}").contains("SECRETTOKEN"));
}
