use std::path::PathBuf;
use std::time::SystemTime;

use super::*;

const CREDS: &str = r#"{"AccessKeyId":"ASIACONT","SecretAccessKey":"sk","Token":"tok",
    "Expiration":"2026-12-01T15:00:00Z","AccountId":"123456789012","RoleArn":"arn:aws:iam::123456789012:role/task"}"#;

fn reply(status: u16, body: &str) -> Result<http::Response<Vec<u8>>, Error> {
    Ok(http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

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
fn relative_uri_is_resolved_against_the_ecs_host() {
    let s = ContainerSettings::relative("/v2/credentials/abc").unwrap();
    assert_eq!(s.uri, "http://169.254.170.2/v2/credentials/abc");
    assert_eq!(s.limits, RequestLimits::new(TIMEOUT, ATTEMPTS));
    assert!(ContainerSettings::relative("v2/credentials").is_err());
}

#[test]
fn full_uri_allow_list() {
    for ok in [
        "http://127.0.0.1:8080/creds",
        "http://127.0.0.2/creds",
        "http://[::1]:9/creds",
        "http://localhost/creds",
        "http://169.254.170.2/creds",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "https://creds.example.com/x",
    ] {
        assert!(ContainerSettings::full(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://169.254.170.3/creds",
        "http://example.com/creds",
        "http://[fd00:ec2::2]/creds",
        "ftp://127.0.0.1/creds",
        "not a url",
        "/relative",
    ] {
        let e = ContainerSettings::full(bad).unwrap_err();
        assert!(e.to_string().contains(ENV_FULL_URI), "{bad}: {e}");
    }
}

#[test]
fn token_from_the_environment_is_sent() {
    let s = ContainerSettings::full("http://127.0.0.1:1/creds")
        .unwrap()
        .with_authorization(Some(Authorization::Token(Secret::new("Bearer abc"))));
    let mut f = ContainerFetch::new(s);
    let r = sent(f.next(SystemTime::UNIX_EPOCH));
    assert_eq!(r.headers()[http::header::AUTHORIZATION], "Bearer abc");
    assert_eq!(r.headers()[http::header::ACCEPT], "application/json");
    f.on_response(reply(200, CREDS));
    let c = done(f.next(SystemTime::UNIX_EPOCH)).unwrap();
    assert_eq!(c.access_key_id(), "ASIACONT");
    assert_eq!(c.account_id(), Some("123456789012"));
}

#[test]
fn token_file_is_read_every_fetch_and_cr_lf_refused() {
    let path = PathBuf::from("/var/run/secrets/pods.eks.amazonaws.com/token");
    let s = ContainerSettings::full("http://169.254.170.23/v1/credentials")
        .unwrap()
        .with_authorization(Some(Authorization::File(path.clone())));
    for round in ["first", "rotated"] {
        let mut f = ContainerFetch::new(s.clone());
        match f.next(SystemTime::UNIX_EPOCH) {
            Next::Read(p) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
        f.on_file(Ok(Some(round.as_bytes().to_vec())));
        let r = sent(f.next(SystemTime::UNIX_EPOCH));
        assert_eq!(r.headers()[http::header::AUTHORIZATION], round);
    }
    for bad in ["tok\n", "a\r\nX-Injected: 1", ""] {
        let mut f = ContainerFetch::new(s.clone());
        f.next(SystemTime::UNIX_EPOCH);
        f.on_file(Ok(Some(bad.as_bytes().to_vec())));
        let e = done(f.next(SystemTime::UNIX_EPOCH)).unwrap_err();
        assert!(
            e.to_string().contains("pods.eks.amazonaws.com/token"),
            "{e}"
        );
        assert!(!e.to_string().contains("X-Injected"), "{e}");
    }
    let mut f = ContainerFetch::new(s);
    f.next(SystemTime::UNIX_EPOCH);
    f.on_file(Ok(None));
    assert!(
        done(f.next(SystemTime::UNIX_EPOCH))
            .unwrap_err()
            .to_string()
            .contains("does not exist")
    );
}

#[test]
fn env_token_with_a_newline_is_refused_before_sending() {
    let s = ContainerSettings::relative("/creds")
        .unwrap()
        .with_authorization(Some(Authorization::Token(Secret::new("abc\r\nEvil: 1"))));
    let mut f = ContainerFetch::new(s);
    let e = done(f.next(SystemTime::UNIX_EPOCH)).unwrap_err();
    assert!(e.to_string().contains(ENV_TOKEN), "{e}");
    assert!(!e.to_string().contains("Evil"));
}

#[test]
fn errors_name_the_endpoint() {
    let s = ContainerSettings::relative("/creds").unwrap();
    let mut f = ContainerFetch::new(s.clone());
    f.next(SystemTime::UNIX_EPOCH);
    f.on_response(reply(403, "denied"));
    assert_eq!(
        done(f.next(SystemTime::UNIX_EPOCH)).unwrap_err().code(),
        Some("403")
    );
    let mut f = ContainerFetch::new(s);
    f.next(SystemTime::UNIX_EPOCH);
    f.on_response(Err(Error::Transport {
        kind: crate::TransportKind::Connect,
        message: "refused".into(),
    }));
    let e = done(f.next(SystemTime::UNIX_EPOCH)).unwrap_err();
    assert!(e.to_string().contains(ENV_RELATIVE_URI), "{e}");
}

#[test]
fn debug_hides_tokens() {
    let a = Authorization::Token(Secret::new("SECRETTOKEN"));
    let op = GetContainerCredentials {
        uri: "http://127.0.0.1/".into(),
        authorization: Some(Secret::new("SECRETTOKEN")),
        limits: RequestLimits::new(TIMEOUT, 1),
    };
    assert!(!format!("{a:?}{op:?}").contains("SECRETTOKEN"));
}
