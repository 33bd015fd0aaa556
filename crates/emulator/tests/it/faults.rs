use std::time::{Duration, Instant};

use awscred_emulator::{Emulator, EmulatorConfig, Fault};
use serde_json::json;

use crate::client::{portal, post_json, send};

fn start() -> (Emulator, String) {
    let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
    let token = emu
        .issue_access_token(Duration::from_secs(3600))
        .access_token;
    (emu, token)
}

const CREDS: &str = "/federation/credentials?role_name=ReadOnlyAccess&account_id=111122223333";

fn sts(emu: &Emulator) -> crate::client::Resp {
    send(
        emu.port(),
        "POST",
        "/",
        &[("content-type", "application/x-www-form-urlencoded")],
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
}

#[test]
fn throttle_then_recover() {
    let (emu, token) = start();
    emu.inject("GetRoleCredentials", Fault::Throttle, 2);
    for _ in 0..2 {
        let r = portal(&emu, CREDS, &token);
        assert_eq!(r.status, 429);
        assert_eq!(r.error_type(), "TooManyRequestsException");
        assert_eq!(
            r.json()["__type"],
            "com.amazonaws.switchboard.portal#TooManyRequestsException"
        );
    }
    assert_eq!(portal(&emu, CREDS, &token).status, 200);
    assert_eq!(emu.count("GetRoleCredentials"), 3);
    let statuses: Vec<u16> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);

    emu.inject("CreateToken", Fault::Throttle, 1);
    let r = post_json(&emu, "/token", &json!({}));
    assert_eq!(r.status, 429);
    assert_eq!(r.error_type(), "TooManyRequestsException");

    emu.inject("/", Fault::Throttle, 1);
    let r = sts(&emu);
    assert_eq!(r.status, 400);
    assert_eq!(r.xml("Code").as_deref(), Some("Throttling"));
    assert_eq!(r.xml("Type").as_deref(), Some("Sender"));
    assert_eq!(r.xml("RequestId").as_deref(), r.header("x-amzn-requestid"));
    assert_eq!(r.header("content-type"), Some("text/xml"));
}

#[test]
fn status_server_error_and_unavailable() {
    let (emu, token) = start();
    emu.inject(
        "/assignment/accounts",
        Fault::status(401, "UnauthorizedException"),
        1,
    );
    let r = portal(&emu, "/assignment/accounts", &token);
    assert_eq!(
        (r.status, r.error_type().as_str()),
        (401, "UnauthorizedException")
    );
    assert_eq!(portal(&emu, "/assignment/accounts", &token).status, 200);

    emu.inject("CreateToken", Fault::ServerError, 1);
    let r = post_json(&emu, "/token", &json!({}));
    assert_eq!(r.status, 500);
    assert_eq!(r.error_type(), "InternalServerException");
    assert_eq!(r.json()["error"], "internal_server");

    emu.inject("GetCallerIdentity", Fault::ServerError, 1);
    let r = sts(&emu);
    assert_eq!(
        (r.status, r.xml("Code").as_deref(), r.xml("Type").as_deref()),
        (500, Some("InternalFailure"), Some("Receiver"))
    );

    emu.inject("*", Fault::Unavailable, 2);
    for r in [portal(&emu, CREDS, &token), sts(&emu)] {
        assert_eq!(r.status, 503);
        assert!(r.body.is_empty());
        assert_eq!(r.header("content-length"), Some("0"));
    }
    assert_eq!(portal(&emu, CREDS, &token).status, 200);
}

#[test]
fn delay() {
    let (emu, token) = start();
    emu.inject("ListAccounts", Fault::Delay(Duration::from_millis(400)), 1);
    let t = Instant::now();
    assert_eq!(portal(&emu, "/assignment/accounts", &token).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(400));
    let t = Instant::now();
    assert_eq!(portal(&emu, "/assignment/accounts", &token).status, 200);
    assert!(t.elapsed() < Duration::from_millis(400));
}

#[test]
fn cut_connection_sends_headers_and_part_of_the_body() {
    let (emu, token) = start();
    emu.inject("GetRoleCredentials", Fault::CutConnection, 1);
    let r = portal(&emu, CREDS, &token);
    assert_eq!(r.status, 200);
    let declared: usize = r.header("content-length").unwrap().parse().unwrap();
    assert!(
        !r.body.is_empty() && r.body.len() < declared,
        "{} of {declared}",
        r.body.len()
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    // The server is fine afterwards.
    assert_eq!(portal(&emu, CREDS, &token).status, 200);
}

#[test]
fn malformed_bodies() {
    let (emu, token) = start();
    emu.inject("GetRoleCredentials", Fault::MalformedBody, 1);
    let r = portal(&emu, CREDS, &token);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());

    emu.inject("GetCallerIdentity", Fault::MalformedBody, 1);
    let r = sts(&emu);
    assert_eq!(r.status, 200);
    assert!(
        r.text().starts_with("<AssumeRoleResponse") && !r.text().contains("</AssumeRoleResponse>")
    );
    // Faults are per target: other routes are untouched.
    emu.inject("RegisterClient", Fault::MalformedBody, 1);
    assert_eq!(portal(&emu, CREDS, &token).status, 200);
    emu.clear_faults();
    let r = post_json(
        &emu,
        "/client/register",
        &json!({"clientName": "a", "clientType": "public"}),
    );
    assert_eq!(r.status, 200);
}
