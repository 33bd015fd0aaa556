//! No `Debug` of the flow vocabulary (`flow::Step`, `Effect`, `Input`, `ProcessOutput`) shows
//! a secret: secret headers are redacted, bodies, file contents and process output appear as
//! their length, the MFA code and the OAuth redirect's query are redacted.

use std::path::PathBuf;
use std::time::Duration;

use awscred_core::Error;
use awscred_core::flow::{Effect, Input, ProcessOutput, Prompt, Step};

const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

/// Every way `SECRET` could leak: as text, and as the decimal bytes a derived `Debug` of a
/// `Vec<u8>` prints.
fn assert_hidden(what: &str, debug: &str) {
    assert!(!debug.contains(SECRET), "{what} shows the secret: {debug}");
    let decimal = SECRET.as_bytes()[..6]
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    assert!(
        !debug.contains(&decimal),
        "{what} shows the secret's bytes: {debug}"
    );
}

fn request() -> http::Request<Vec<u8>> {
    let mut marked = http::HeaderValue::from_static(SECRET);
    marked.set_sensitive(true);
    http::Request::builder()
        .method("POST")
        .uri("https://sts.eu-west-1.amazonaws.com/")
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Signature={SECRET}"),
        )
        .header("x-amz-security-token", SECRET)
        .header("x-amz-sso_bearer_token", SECRET)
        .header("cookie", format!("session={SECRET}"))
        .header("proxy-authorization", format!("Basic {SECRET}"))
        .header("x-custom-secret", marked)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("Action=AssumeRole&WebIdentityToken={SECRET}").into_bytes())
        .unwrap()
}

fn response() -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("set-cookie", format!("id={SECRET}"))
        .header("x-amzn-requestid", "req-1")
        .body(format!(r#"{{"accessToken":"{SECRET}"}}"#).into_bytes())
        .unwrap()
}

/// One of each effect, every field that can hold a secret holding it.
fn effects() -> Vec<Effect> {
    vec![
        Effect::Read(PathBuf::from("/home/u/.aws/config")),
        Effect::Send(request()),
        Effect::Write {
            path: PathBuf::from("/home/u/.aws/sso/cache/x.json"),
            contents: SECRET.as_bytes().to_vec(),
        },
        Effect::Remove(PathBuf::from("/home/u/.aws/sso/cache/x.json")),
        Effect::List(PathBuf::from("/home/u/.aws/sso/cache")),
        Effect::Lock(PathBuf::from("/home/u/.aws/sso/cache/x.json.lock")),
        Effect::Unlock(PathBuf::from("/home/u/.aws/sso/cache/x.json.lock")),
        Effect::Wait(Duration::from_secs(5)),
        Effect::Run(format!("/usr/bin/get-creds --token {SECRET}")),
        Effect::AskTokenCode {
            serial: "arn:aws:iam::123456789012:mfa/u".into(),
        },
        Effect::Prompt(Prompt::Polling),
        Effect::Listen,
        Effect::AwaitCallback {
            timeout: Duration::from_secs(600),
            check: awscred_core::oidc::callback::CallbackCheck::new(SECRET),
        },
    ]
}

/// One of each input, every field that can hold a secret holding it.
fn inputs() -> Vec<Input> {
    vec![
        Input::File(Ok(Some(SECRET.as_bytes().to_vec()))),
        Input::File(Ok(None)),
        Input::Response(Ok(response())),
        Input::Response(Err(Error::Transport {
            kind: awscred_core::TransportKind::Timeout,
            message: "timed out".into(),
        })),
        Input::Written(Ok(())),
        Input::Listed(Ok(vec![PathBuf::from("/home/u/.aws/sso/cache/x.json")])),
        Input::Locked(Ok(())),
        Input::Unlocked,
        Input::Waited,
        Input::ProcessOutput(Ok(ProcessOutput {
            status: Some(0),
            stdout: format!(r#"{{"Version":1,"SecretAccessKey":"{SECRET}"}}"#).into_bytes(),
            stderr: format!("debug: using {SECRET}").into_bytes(),
        })),
        Input::TokenCode(Ok(SECRET.into())),
        Input::Shown,
        Input::Listening(Ok(4321)),
        Input::Callback(Ok(format!("code={SECRET}&state=abc"))),
    ]
}

#[test]
fn no_effect_shows_a_secret() {
    for effect in effects() {
        let kind = effect.kind();
        assert_hidden(&format!("Effect::{kind:?}"), &format!("{effect:?}"));
        let step: Step<()> = Step::Effect(effect);
        assert_hidden(&format!("Step::Effect({kind:?})"), &format!("{step:?}"));
        assert_hidden(
            &format!("Step::Effect({kind:?}) pretty"),
            &format!("{step:#?}"),
        );
    }
}

#[test]
fn no_input_shows_a_secret() {
    for input in inputs() {
        let name = input.name();
        assert_hidden(&format!("Input::{name}"), &format!("{input:?}"));
        assert_hidden(&format!("Input::{name} pretty"), &format!("{input:#?}"));
    }
    let output = ProcessOutput {
        status: Some(1),
        stdout: SECRET.as_bytes().to_vec(),
        stderr: SECRET.as_bytes().to_vec(),
    };
    assert_hidden("ProcessOutput", &format!("{output:?}"));
}

#[test]
fn what_is_not_secret_stays_readable() {
    let send = format!("{:?}", Effect::Send(request()));
    for shown in [
        "POST",
        "https://sts.eu-west-1.amazonaws.com/",
        "\"content-type\": \"application/x-www-form-urlencoded\"",
        "\"x-amz-security-token\": \"** redacted **\"",
        "\"x-custom-secret\": \"** redacted **\"",
    ] {
        assert!(send.contains(shown), "{shown} missing from {send}");
    }
    let body_len = format!("Action=AssumeRole&WebIdentityToken={SECRET}").len();
    assert!(send.contains(&format!("<{body_len} bytes>")), "{send}");

    let file = format!("{:?}", Input::File(Ok(Some(SECRET.as_bytes().to_vec()))));
    assert_eq!(file, format!("File(Ok(Some(<{} bytes>)))", SECRET.len()));
    let response = format!("{:?}", Input::Response(Ok(response())));
    assert!(
        response.contains("200") && response.contains("\"req-1\""),
        "{response}"
    );
    assert_eq!(
        format!("{:?}", Input::Callback(Ok(format!("code={SECRET}")))),
        "Callback(Ok(\"** redacted **\"))"
    );
    assert_eq!(
        format!(
            "{:?}",
            Effect::Run(format!("/usr/bin/get-creds --token {SECRET}"))
        ),
        "Run(\"/usr/bin/get-creds …\")"
    );
    // Errors stay whole: they carry no secret by construction.
    let err = Input::Written(Err(Error::Io {
        path: "/home/u/.aws/sso/cache/x.json".into(),
        message: "read-only file system".into(),
    }));
    assert!(format!("{err:?}").contains("read-only file system"));
}
