//! `login_session` profiles (`aws login`) in the command line — `credentials`, `exec`, a role
//! chained on the session — and side by side with the real AWS CLI v2: each tool reads and
//! refreshes the login cache file the other wrote, against the emulator's Sign-In endpoint
//! (both honour `AWS_ENDPOINT_URL`). The AWS CLI is found as in `aws_cli_interop.rs`: without
//! it the interop test is skipped with a notice, except under CI (`CI` set), where that fails.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use awscred_core::Credentials;
use awscred_core::config::{Env, Platform};
use awscred_core::signin::{self, DpopKey, LoginToken, SAME_DEVICE_CLIENT_ID};
use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::Value;

const CONFIG: &str = "\
[profile console]
login_session = LOGIN_SESSION
region = us-east-1

[profile console-role]
role_arn = arn:aws:iam::111122223333:role/FromConsole
source_profile = console
role_session_name = from-console
region = us-east-1
";

/// A home with a console session whose credentials expire in `expires_in`, its cache file in
/// the layout `aws login` writes (awscred's codec, which the unit tests hold to that layout).
fn console_home(emulator: &Emulator, expires_in: Duration) -> (Home, PathBuf, String) {
    let key = DpopKey::from_random(&[3; 32]).unwrap();
    let issued =
        emulator.issue_console_session(SAME_DEVICE_CLIENT_ID, &key.thumbprint(), expires_in);
    let home = Home::new(&CONFIG.replace("LOGIN_SESSION", &issued.login_session));
    let token = LoginToken {
        credentials: Credentials::new(
            issued.access_key_id.clone(),
            issued.secret_access_key.clone(),
            Some(issued.session_token.clone()),
            Some(emulator.now() + expires_in),
        )
        .with_account_id(Some(issued.account_id.clone())),
        token_type: Some("aws_sigv4".into()),
        client_id: SAME_DEVICE_CLIENT_ID.into(),
        refresh_token: issued.refresh_token.clone().into(),
        id_token: None,
        dpop_key: key.to_pem(),
        unknown: Default::default(),
    };
    let env = Env::from_pairs([("HOME", home.path().display().to_string())]);
    let path = signin::cache_dir(&env, home.path(), Platform::Unix)
        .join(signin::cache_file_name(&issued.login_session));
    awscred_files::write_private_atomic(&path, &token.to_json()).unwrap();
    (home, path, issued.access_key_id)
}

/// Moves the file's expiry to `expires_in` from now, keeping everything else.
fn make_due(path: &PathBuf, expires_in: Duration) {
    let mut token = LoginToken::parse(&std::fs::read(path).unwrap()).unwrap();
    let c = &token.credentials;
    token.credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        c.session_token().map(str::to_string),
        Some(std::time::SystemTime::now() + expires_in),
    )
    .with_account_id(c.account_id().map(str::to_string));
    std::fs::write(path, token.to_json()).unwrap();
}

fn key_id(stdout: &str) -> String {
    let v: Value = serde_json::from_str(stdout).expect("JSON");
    v["AccessKeyId"].as_str().expect("AccessKeyId").to_string()
}

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo()).expect("the emulator starts")
}

#[test]
fn credentials_and_exec_refresh_a_login_session_and_chain_a_role() {
    let emulator = emulator();
    let url = emulator.url();
    let (home, path, old) = console_home(&emulator, Duration::from_secs(60));
    let run1 = run(awscred(
        &home,
        &url,
        &["credentials", "--profile", "console"],
    ));
    let refreshed = key_id(&run1.ok().stdout);
    assert_ne!(refreshed, old);
    assert_eq!(emulator.count("CreateOAuth2Token"), 1);
    let saved = LoginToken::parse(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved.credentials.access_key_id(), refreshed);
    let exec = run(awscred(
        &home,
        &url,
        &[
            "exec",
            "--profile",
            "console-role",
            "--",
            "sh",
            "-c",
            "echo $AWS_ACCESS_KEY_ID; exit 3",
        ],
    ));
    exec.expect_code(3);
    let role_key = exec.stdout.trim().to_string();
    assert!(
        role_key.starts_with("ASIA") && role_key != refreshed,
        "{role_key}"
    );
    assert_eq!(emulator.count("AssumeRole"), 1);
    assert_eq!(
        emulator.count("CreateOAuth2Token"),
        1,
        "the saved credentials were reused"
    );
    // profiles shows the source.
    let profiles = run(awscred(&home, &url, &["profiles"]));
    assert!(
        profiles.ok().stdout.contains("login session"),
        "{}",
        profiles.stdout
    );
    // An ended session: one line naming the command, the login-needed exit code.
    emulator.end_console_sessions();
    make_due(&path, Duration::from_secs(30));
    let ended = run(awscred(
        &home,
        &url,
        &["credentials", "--profile", "console"],
    ));
    assert_ne!(ended.code, Some(0));
    assert!(
        ended
            .stderr
            .contains("awscred login --login-session console"),
        "{}",
        ended.stderr
    );
    assert_no_secrets(&emulator, &[("stderr".into(), ended.stderr.clone())]);
}

fn aws_export(tool: &PathBuf, home: &Home, url: &str) -> Run {
    let mut cmd = std::process::Command::new(tool);
    clean(&mut cmd, home, url);
    cmd.env("AWS_REGION", "us-east-1");
    cmd.args([
        "configure",
        "export-credentials",
        "--profile",
        "console",
        "--format",
        "process",
    ]);
    run(cmd)
}

#[test]
fn the_aws_cli_and_awscred_read_and_refresh_each_others_login_cache() {
    let Some(tool) = aws_cli() else { return };
    let emulator = emulator();
    let url = emulator.url();
    let (home, path, _) = console_home(&emulator, Duration::from_secs(60));
    // awscred refreshes the file; the AWS CLI reads what awscred wrote, with no call.
    let ours = key_id(
        &run(awscred(
            &home,
            &url,
            &["credentials", "--profile", "console"],
        ))
        .ok()
        .stdout,
    );
    assert_eq!(emulator.count("CreateOAuth2Token"), 1);
    let ours_bytes = std::fs::read(&path).unwrap();
    let theirs = key_id(&aws_export(&tool, &home, &url).ok().stdout);
    assert_eq!(
        theirs, ours,
        "the AWS CLI used awscred's refreshed credentials"
    );
    assert_eq!(emulator.count("CreateOAuth2Token"), 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        ours_bytes,
        "the AWS CLI left the file as it was"
    );
    // Due again: the AWS CLI refreshes with its own DPoP proof, which the emulator verifies…
    make_due(&path, Duration::from_secs(60));
    let before_cli = LoginToken::parse(&std::fs::read(&path).unwrap()).unwrap();
    let cli_key = key_id(&aws_export(&tool, &home, &url).ok().stdout);
    assert_eq!(
        emulator.count("CreateOAuth2Token"),
        2,
        "the AWS CLI refreshed"
    );
    assert!(
        emulator.refused_dpop_proofs().is_empty(),
        "{:?}",
        emulator.refused_dpop_proofs()
    );
    assert_ne!(cli_key, ours);
    let after_cli_bytes = std::fs::read(&path).unwrap();
    let after_cli = LoginToken::parse(&after_cli_bytes).unwrap();
    assert_ne!(
        after_cli.refresh_token, before_cli.refresh_token,
        "it saved the rotated token"
    );
    // …its file is byte for byte what awscred writes for the same token…
    assert_eq!(
        String::from_utf8(after_cli.to_json()).unwrap(),
        String::from_utf8(after_cli_bytes).unwrap(),
        "awscred's layout is the AWS CLI's"
    );
    // …and awscred uses it without a call, then refreshes it with the rotated token.
    let reused = key_id(
        &run(awscred(
            &home,
            &url,
            &["credentials", "--profile", "console"],
        ))
        .ok()
        .stdout,
    );
    assert_eq!(reused, cli_key);
    assert_eq!(emulator.count("CreateOAuth2Token"), 2);
    make_due(&path, Duration::from_secs(60));
    let again = key_id(
        &run(awscred(
            &home,
            &url,
            &["credentials", "--profile", "console"],
        ))
        .ok()
        .stdout,
    );
    assert_ne!(again, cli_key);
    assert_eq!(emulator.count("CreateOAuth2Token"), 3);
}

#[test]
fn status_shows_and_logout_removes_console_logins() {
    let emulator = emulator();
    let url = emulator.url();
    let (home, path, _) = console_home(&emulator, Duration::from_secs(600));
    let status = run(awscred(&home, &url, &["status"]));
    let out = &status.ok().stdout;
    assert!(
        out.contains("LOGIN SESSION") && out.contains("console") && out.contains("cached"),
        "{out}"
    );
    let json = run(awscred(&home, &url, &["status", "--output", "json"]));
    let v: Value = serde_json::from_str(&json.ok().stdout).expect("JSON");
    assert_eq!(v["loginSessions"][0]["profile"], "console");
    assert_eq!(v["loginSessions"][0]["credentials"], "cached");
    // logout --login-session PROFILE removes that profile's file.
    run(awscred(
        &home,
        &url,
        &["logout", "--login-session", "console"],
    ))
    .ok();
    assert!(!path.exists());
    let none = run(awscred(
        &home,
        &url,
        &["logout", "--login-session", "nobody"],
    ));
    assert!(
        none.ok()
            .stdout
            .contains("no login session found for profile 'nobody'")
    );
    // logout --all removes every login session file, and nothing else of the directory.
    let (home2, path2, _) = console_home(&emulator, Duration::from_secs(600));
    let other = path2.with_file_name("not-a-login.json");
    std::fs::write(&other, br#"{"accessToken": "x"}"#).unwrap();
    let all = run(awscred(&home2, &url, &["logout", "--all"]));
    assert!(
        all.ok().stdout.contains("Removed 1 cached console login."),
        "{}",
        all.stdout
    );
    assert!(!path2.exists());
    assert!(other.exists());
    let after = run(awscred(
        &home2,
        &url,
        &["credentials", "--profile", "console"],
    ));
    assert!(
        after
            .stderr
            .contains("awscred login --login-session console"),
        "{}",
        after.stderr
    );
}

#[test]
fn login_with_console_credentials_writes_the_cache_and_the_profile() {
    let emulator = Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).unwrap();
    let url = emulator.url();
    let home = Home::new("[profile console]\nregion = us-east-1\n");
    let login = login_in_browser(
        awscred(&home, &url, &["login", "--login-session", "console"]),
        &emulator,
    );
    login.ok();
    let session = emulator.console_session_arn();
    assert!(
        login.stdout.contains(&format!(
            "Updated profile console to use {session} credentials"
        )),
        "{}",
        login.stdout
    );
    let config = std::fs::read_to_string(home.config_path()).unwrap();
    assert!(
        config.contains(&format!(
            "[profile console]\nregion = us-east-1\nlogin_session = {session}\n"
        )),
        "{config}"
    );
    assert_eq!(emulator.count("CreateOAuth2Token"), 1);
    assert!(emulator.refused_dpop_proofs().is_empty());
    let env = Env::from_pairs([("HOME", home.path().display().to_string())]);
    let file = signin::cache_dir(&env, home.path(), Platform::Unix)
        .join(signin::cache_file_name(&session));
    let token = LoginToken::parse(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(token.to_json()).unwrap(),
        std::fs::read_to_string(&file).unwrap()
    );
    let ours = key_id(
        &run(awscred(
            &home,
            &url,
            &["credentials", "--profile", "console"],
        ))
        .ok()
        .stdout,
    );
    assert_eq!(ours, token.credentials.access_key_id());
    assert_eq!(
        emulator.count("CreateOAuth2Token"),
        1,
        "the login's credentials are used"
    );
    // The AWS CLI v2 uses the file our login wrote.
    if let Some(tool) = aws_cli() {
        let theirs = key_id(&aws_export(&tool, &home, &url).ok().stdout);
        assert_eq!(theirs, ours);
    }
    // A profile with other credentials is refused, as `aws login` refuses it.
    let home2 = Home::new(
        "[profile keys]\naws_access_key_id = A\naws_secret_access_key = S\nregion = us-east-1\n",
    );
    let refused = run(awscred(&home2, &url, &["login", "--login-session", "keys"]));
    assert_ne!(refused.code, Some(0));
    assert!(
        refused
            .stderr
            .contains("already has access key credentials"),
        "{}",
        refused.stderr
    );
}
