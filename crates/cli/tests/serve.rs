//! `awscred serve` and `awscred exec --server` against the emulator: the endpoint answers
//! the container-credentials protocol with the profile's credentials, only with its token;
//! the AWS CLI v2 uses it; `exec --server` passes the command's exit code and stops the
//! endpoint with it. (Refreshes across an expiry, with raw clients and the AWS CLI, are tested
//! in-process on the endpoint itself, crates/ureq/tests/shared/server_scenarios.rs, where the
//! clock can be the emulator's.)

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;

/// Seeds a live SSO token for the sso-session `S`, as a login would.
fn seed_token(emulator: &Emulator, home: &Home) {
    std::fs::create_dir_all(home.sso_cache()).expect("sso cache dir");
    let issued = emulator.issue_access_token(Duration::from_secs(3600));
    let token = serde_json::json!({
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": issued.access_token,
        "expiresAt": awscred_core::time::format_z(issued.expires_at),
        "clientId": issued.client_id,
        "clientSecret": issued.client_secret,
        "registrationExpiresAt": awscred_core::time::format_z(issued.registration_expires_at),
        "refreshToken": issued.refresh_token,
    });
    std::fs::write(
        home.sso_cache().join(format!("{}.json", sha1_hex("S"))),
        token.to_string(),
    )
    .expect("token file");
}

/// A raw GET of the endpoint: the status line and the body.
fn get(url: &str, host: &str, token: Option<&str>) -> (String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(authority).unwrap();
    let auth = token
        .map(|t| format!("Authorization: {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

fn value_of(line: &str, var: &str) -> String {
    line.trim()
        .strip_prefix(&format!("export {var}="))
        .unwrap_or_else(|| panic!("not an export of {var}: {line}"))
        .to_string()
}

#[test]
fn serve_answers_only_with_its_token_and_the_aws_cli_uses_it() {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let url = emulator.url();
    let home = Home::new(CONFIG);
    seed_token(&emulator, &home);
    let mut server = awscred(
        &home,
        &url,
        &[
            "--debug",
            "serve",
            "--profile",
            "chained",
            "--format",
            "env",
        ],
    )
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("awscred serve starts");
    // Serving until killed: read the two lines, then the endpoint is up.
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut line = || {
        let mut l = String::new();
        std::io::BufRead::read_line(&mut lines, &mut l).unwrap();
        l
    };
    let uri = value_of(&line(), "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    let token = value_of(&line(), "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let authority = uri
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();

    let (status, body) = get(&uri, &authority, Some(&token));
    assert!(status.contains(" 200 "), "{status} {body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(v["Token"].as_str().is_some() && v["Expiration"].as_str().is_some());
    assert!(get(&uri, &authority, None).0.contains(" 401 "));
    assert!(get(&uri, &authority, Some("nope")).0.contains(" 403 "));
    assert!(
        get(&uri, "rebind.example", Some(&token))
            .0
            .contains(" 403 ")
    );
    assert_eq!(
        emulator.count("AssumeRole"),
        1,
        "resolved once, then from memory"
    );

    if let Some(aws) = aws_cli() {
        let mut cmd = std::process::Command::new(aws);
        clean(&mut cmd, &home, &url);
        cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &token)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", home.path().join("no-config"))
            .args(["sts", "get-caller-identity"]);
        let r = run(cmd);
        r.ok();
        assert!(r.stdout.contains("assumed-role/Chained"), "{}", r.stdout);
        assert_eq!(emulator.count("AssumeRole"), 1);
    }
    server.kill().expect("stop awscred serve");
    let mut stderr = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let _ = server.wait();
    assert!(
        stderr.contains("credentials served"),
        "--debug logs requests: {stderr}"
    );
    assert!(stderr.contains("credentials request refused"), "{stderr}");
    assert!(!stderr.contains(&token), "the token is not logged");
    assert_no_secrets(&emulator, &[("stderr".into(), stderr)]);
}

#[test]
fn exec_server_gives_the_endpoint_and_the_exit_code_and_stops_with_the_command() {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let url = emulator.url();
    let home = Home::new(CONFIG);
    seed_token(&emulator, &home);
    let mut cmd = awscred(
        &home,
        &url,
        &[
            "exec",
            "--server",
            "--profile",
            "sso",
            "--",
            "sh",
            "-c",
            "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI ${AWS_CONTAINER_AUTHORIZATION_TOKEN:+token} ${AWS_ACCESS_KEY_ID:-nokeys} ${AWS_PROFILE:-noprofile} $AWS_REGION\"; exit 7",
        ],
    );
    cmd.env("AWS_PROFILE", "sso")
        .env("AWS_ACCESS_KEY_ID", "AKIASHOULDGO");
    let r = run(cmd);
    r.expect_code(7);
    let words: Vec<&str> = r.stdout.split_whitespace().collect();
    assert_eq!(words.len(), 5, "{}", r.stdout);
    assert!(words[0].starts_with("http://127.0.0.1:"), "{}", r.stdout);
    assert_eq!(&words[1..], ["token", "nokeys", "noprofile", "eu-west-1"]);
    // Gone with the command.
    let authority = words[0]
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    assert!(
        std::net::TcpStream::connect(authority).is_err(),
        "the endpoint stopped"
    );

    if let Some(aws) = aws_cli() {
        let r = run(awscred(
            &home,
            &url,
            &[
                "exec",
                "--server",
                "--profile",
                "chained",
                "--",
                aws.to_str().unwrap(),
                "sts",
                "get-caller-identity",
            ],
        ));
        r.ok();
        assert!(r.stdout.contains("assumed-role/Chained"), "{}", r.stdout);
    }
}

#[test]
fn long_term_keys_are_not_served() {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let home = Home::new(CONFIG);
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["exec", "--server", "--profile", "static", "--", "true"],
    ));
    r.expect_code(3);
    assert!(
        r.stderr.contains("profile static") && r.stderr.contains("long-term"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("emulator-static-secret-key"));
}
