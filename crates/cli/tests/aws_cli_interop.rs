//! `awscred` side by side with the real AWS CLI v2, both against the emulator, in one
//! throw-away home: each tool uses the SSO tokens, client registrations and `~/.aws/cli/cache`
//! entries the other wrote, and both print credentials in the same shapes.
//!
//! The AWS CLI is the one `.ci/install-interop` puts under `target/interop/awscli/aws` (or the
//! one named by `AWSCRED_AWS_CLI`). Without it the tests are skipped with a notice, except under
//! CI (`CI` set), where that is a failure.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::Value;

/// Both tools get the same clean environment; the AWS CLI also gets a region so it never asks
/// IMDS for one.
fn region(mut cmd: Command) -> Command {
    cmd.env("AWS_REGION", "us-east-1");
    cmd
}

fn aws(tool: &PathBuf, home: &Home, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(tool);
    clean(&mut cmd, home, endpoint);
    cmd.args(args);
    region(cmd)
}

fn ours(home: &Home, endpoint: &str, args: &[&str]) -> Command {
    region(awscred(home, endpoint, args))
}

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).expect("the emulator starts")
}

fn process_json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("`{}` did not print JSON: {e}", run.what))
}

fn key_id(run: &Run) -> String {
    process_json(run)["AccessKeyId"]
        .as_str()
        .expect("AccessKeyId")
        .to_string()
}

/// Seeds a live SSO token for the sso-session `S` and the legacy start URL, as a login would.
fn seed_tokens(emulator: &Emulator, home: &Home) {
    std::fs::create_dir_all(home.sso_cache()).expect("sso cache dir");
    for key in ["S", START_URL] {
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
            home.sso_cache().join(format!("{}.json", sha1_hex(key))),
            token.to_string(),
        )
        .expect("token file");
    }
}

fn clear_cli_cache(home: &Home) {
    for (name, _) in home.cli_cache_entries() {
        std::fs::remove_file(home.cli_cache().join(name)).expect("remove a cache entry");
    }
}

/// Counts of the requests that mean a login happened.
fn login_counts(emulator: &Emulator) -> [usize; 4] {
    [
        emulator.count("RegisterClient"),
        emulator.count("StartDeviceAuthorization"),
        emulator.count("Authorize"),
        emulator.count("CreateToken"),
    ]
}

#[test]
fn tokens_from_aws_sso_login_are_used_by_awscred() {
    let Some(tool) = aws_cli() else { return };
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);

    // Device code: the AWS CLI prints the URL and code and polls; the emulator approves.
    let login = run(aws(
        &tool,
        &home,
        &url,
        &[
            "sso",
            "login",
            "--use-device-code",
            "--sso-session",
            "S",
            "--no-browser",
        ],
    ));
    login.ok();
    assert!(
        login
            .stdout
            .contains(&format!("Successfully logged into Start URL: {START_URL}")),
        "{}",
        login.stdout
    );
    assert_eq!(
        emulator.count("StartDeviceAuthorization"),
        1,
        "the AWS CLI honours AWS_ENDPOINT_URL for sso-oidc"
    );
    let logins = login_counts(&emulator);
    let r = run(ours(&home, &url, &["credentials", "--profile", "chained"]));
    r.ok();
    assert_eq!(login_counts(&emulator), logins, "awscred logged in again");
    assert_eq!(emulator.count("GetRoleCredentials"), 1);
    assert_eq!(emulator.count("AssumeRole"), 1);
    assert!(
        emulator.issued_secrets().contains(
            &process_json(&r)["SecretAccessKey"]
                .as_str()
                .unwrap_or("")
                .to_string()
        )
    );

    // Authorization code + PKCE: the test is the browser.
    let login = login_in_browser(
        aws(
            &tool,
            &home,
            &url,
            &["sso", "login", "--sso-session", "S", "--no-browser"],
        ),
        &emulator,
    );
    login.ok();
    assert_eq!(emulator.count("Authorize"), 1);
    let logins = login_counts(&emulator);
    clear_cli_cache(&home);
    let r = run(ours(&home, &url, &["credentials", "--profile", "sso"]));
    r.ok();
    let r = run(ours(
        &home,
        &url,
        &["accounts", "--sso-session", "S", "--output", "json"],
    ));
    r.ok();
    assert_eq!(login_counts(&emulator), logins, "awscred logged in again");
    assert_eq!(emulator.count("GetRoleCredentials"), 2);

    // A legacy profile (device code, token under sha1(start URL)).
    let login = run(aws(
        &tool,
        &home,
        &url,
        &["sso", "login", "--profile", "legacy", "--no-browser"],
    ));
    login.ok();
    let logins = login_counts(&emulator);
    run(ours(&home, &url, &["credentials", "--profile", "legacy"])).ok();
    assert_eq!(login_counts(&emulator), logins, "awscred logged in again");
    assert_eq!(emulator.count("GetRoleCredentials"), 3);
}

#[test]
fn tokens_from_awscred_login_are_used_by_the_aws_cli() {
    let Some(tool) = aws_cli() else { return };
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    let export = |profile: &str| {
        let r = run(aws(
            &tool,
            &home,
            &url,
            &["configure", "export-credentials", "--profile", profile],
        ));
        r.ok();
        r
    };

    run(ours(
        &home,
        &url,
        &["login", "--sso-session", "S", "--use-device-code"],
    ))
    .ok();
    let logins = login_counts(&emulator);
    let r = export("sso");
    assert_eq!(login_counts(&emulator), logins);
    assert_eq!(emulator.count("GetRoleCredentials"), 1);
    assert!(
        emulator.issued_secrets().contains(
            &process_json(&r)["SecretAccessKey"]
                .as_str()
                .unwrap_or("")
                .to_string()
        )
    );

    // PKCE; the AWS CLI's cached role credentials are cleared so it must use the new token.
    login_in_browser(
        ours(&home, &url, &["login", "--sso-session", "S"]),
        &emulator,
    )
    .ok();
    clear_cli_cache(&home);
    let logins = login_counts(&emulator);
    export("chained");
    assert_eq!(login_counts(&emulator), logins);
    assert_eq!(emulator.count("GetRoleCredentials"), 2);
    assert_eq!(emulator.count("AssumeRole"), 1);

    // The AWS CLI's own PKCE login reuses the client registration awscred cached.
    let registered = emulator.count("RegisterClient");
    login_in_browser(
        aws(
            &tool,
            &home,
            &url,
            &["sso", "login", "--sso-session", "S", "--no-browser"],
        ),
        &emulator,
    )
    .ok();
    assert_eq!(
        emulator.count("RegisterClient"),
        registered,
        "the AWS CLI registered a new client instead of reusing awscred's"
    );

    run(ours(&home, &url, &["login", "--profile", "legacy"])).ok();
    let logins = login_counts(&emulator);
    export("legacy");
    assert_eq!(login_counts(&emulator), logins);
    assert_eq!(emulator.count("GetRoleCredentials"), 3);
}

#[test]
fn cli_cache_entries_written_by_the_aws_cli_are_reused_by_awscred() {
    let Some(tool) = aws_cli() else { return };
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    seed_tokens(&emulator, &home);

    let export = |profile: &str| {
        let r = run(aws(
            &tool,
            &home,
            &url,
            &["configure", "export-credentials", "--profile", profile],
        ));
        r.ok();
        key_id(&r)
    };
    let reuse = |profile: &str, key: &str| {
        let before = emulator.requests().len();
        let r = run(ours(&home, &url, &["credentials", "--profile", profile]));
        r.ok();
        assert_eq!(key_id(&r), key, "{profile}: not the cached credentials");
        assert_eq!(
            emulator.requests().len(),
            before,
            "{profile}: awscred made requests instead of using the AWS CLI's cache"
        );
    };

    // The AWS CLI caches the chain's AssumeRole result; the SSO credentials of its source stay
    // in its memory. awscred, like the AWS CLI, looks at the role's entry first.
    let chained = export("chained");
    assert_eq!(emulator.count("GetRoleCredentials"), 1);
    assert_eq!(emulator.count("AssumeRole"), 1);
    assert_eq!(home.cli_cache_entries().len(), 1);
    reuse("chained", &chained);

    for profile in ["legacy", "sso"] {
        let key = export(profile);
        reuse(profile, &key);
    }
    assert_eq!(home.cli_cache_entries().len(), 3);

    // With the SSO tokens gone, the cached entries still answer, as they do for the AWS CLI.
    for (name, _) in home.tokens() {
        std::fs::remove_file(home.sso_cache().join(name)).expect("remove a token");
    }
    reuse("chained", &chained);
}

/// Replaces the credential values (taken from the same tool's `process` print) by placeholders.
fn shape(text: &str, process: &Value) -> String {
    let mut out = text.to_string();
    for (key, placeholder) in [
        ("SecretAccessKey", "<SECRET>"),
        ("SessionToken", "<TOKEN>"),
        ("AccessKeyId", "<KEY>"),
        ("Expiration", "<EXPIRATION>"),
    ] {
        if let Some(value) = process[key].as_str() {
            out = out.replace(value, placeholder);
        }
    }
    out
}

#[test]
fn both_tools_print_every_format_alike_and_the_aws_cli_reuses_awscred_cache() {
    let Some(tool) = aws_cli() else { return };
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    seed_tokens(&emulator, &home);

    // awscred fills ~/.aws/cli/cache; from then on neither tool may touch the network.
    let mut ours_process = Vec::new();
    for profile in PROFILES {
        let r = run(ours(&home, &url, &["credentials", "--profile", profile]));
        r.ok();
        ours_process.push(process_json(&r));
    }
    let before = emulator.requests().len();

    let jobs: Vec<(&str, &str)> = PROFILES
        .iter()
        .flat_map(|p| FORMATS.iter().map(move |f| (*p, *f)))
        .collect();
    // Two AWS CLI processes at a time: each takes a second or two just to start.
    let theirs: Vec<Run> = std::thread::scope(|s| {
        let chunks: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|chunk| {
                let (tool, home, url) = (&tool, &home, &url);
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(p, f)| {
                            run(aws(
                                tool,
                                home,
                                url,
                                &[
                                    "configure",
                                    "export-credentials",
                                    "--profile",
                                    p,
                                    "--format",
                                    f,
                                ],
                            ))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|h| h.join().expect("an AWS CLI runner thread"))
            .collect()
    });
    assert_eq!(
        emulator.requests().len(),
        before,
        "the AWS CLI made requests instead of using awscred's cache entries"
    );

    for ((profile, format), their) in jobs.iter().zip(&theirs) {
        their.ok();
        let i = PROFILES
            .iter()
            .position(|p| p == profile)
            .expect("a profile");
        let their_process = process_json(&theirs[i * FORMATS.len()]);
        let our = run(ours(
            &home,
            &url,
            &["credentials", "--profile", profile, "--format", format],
        ));
        our.ok();
        let (our_shape, their_shape) = (
            shape(&our.stdout, &ours_process[i]),
            shape(&their.stdout, &their_process),
        );
        assert_eq!(
            our_shape, their_shape,
            "{profile} --format {format}: the shapes differ"
        );
        assert!(
            our_shape.contains("<KEY>") && our_shape.contains("<SECRET>"),
            "{profile} --format {format}: no credentials in {our_shape}"
        );
        // Both read the same cache entry, so even the values agree.
        assert!(
            our.stdout == their.stdout,
            "{profile} --format {format}: same shape, different values"
        );
    }
    assert_eq!(emulator.requests().len(), before);
}

/// The fields both tools print for credentials from a metadata service, with the values that
/// differ per fetch (each fetch issues new keys) replaced by their shape.
fn metadata_shape(process: &Value) -> Value {
    let key = process["AccessKeyId"].as_str().unwrap_or("");
    let expiration = process["Expiration"].as_str().unwrap_or("");
    serde_json::json!({
        "Version": process["Version"],
        "AccessKeyId": key.starts_with("ASIA"),
        "SecretAccessKey": process["SecretAccessKey"].is_string(),
        "SessionToken": process["SessionToken"].is_string(),
        "Expiration": awscred_core::time::parse(expiration).is_some(),
    })
}

/// With no profile, both tools take the instance role from IMDS at
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` (IMDSv2 required, as on current instances) and print it
/// alike; both keys are ones the emulator issued.
#[test]
fn both_tools_get_the_instance_role_from_imds() {
    let Some(tool) = aws_cli() else { return };
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new("");
    let with_imds = |mut cmd: Command| {
        cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url);
        cmd
    };
    let theirs = run(with_imds(aws(
        &tool,
        &home,
        &url,
        &["configure", "export-credentials", "--format", "process"],
    )));
    theirs.ok();
    let tokens = emulator.count("GetMetadataToken");
    assert!(tokens >= 1, "the AWS CLI used IMDSv2");
    let mine = run(with_imds(ours(
        &home,
        &url,
        &["credentials", "--format", "process"],
    )));
    mine.ok();
    assert_eq!(emulator.count("GetMetadataToken"), tokens + 1);
    assert_eq!(
        metadata_shape(&process_json(&mine)),
        metadata_shape(&process_json(&theirs))
    );
    for run in [&mine, &theirs] {
        let secret = process_json(run)["SecretAccessKey"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(emulator.issued_secrets().contains(&secret), "{}", run.what);
    }
}

/// With no profile, both tools take the task role from the container endpoint at
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (loopback is allowed over http), sending the token.
#[test]
fn both_tools_get_the_task_role_from_the_container_endpoint() {
    let Some(tool) = aws_cli() else { return };
    let emulator = Emulator::start(EmulatorConfig {
        container_authorization: Some("task-token".into()),
        ..EmulatorConfig::demo()
    })
    .expect("the emulator starts");
    let url = emulator.url();
    let home = Home::new("");
    let token_file = home.path().join("container-token");
    std::fs::write(&token_file, "task-token").expect("token file");
    let with_container = |mut cmd: Command| {
        cmd.env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            emulator.container_url(),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file);
        cmd
    };
    let theirs = run(with_container(aws(
        &tool,
        &home,
        &url,
        &["configure", "export-credentials", "--format", "process"],
    )));
    theirs.ok();
    let mine = run(with_container(ours(
        &home,
        &url,
        &["credentials", "--format", "process"],
    )));
    mine.ok();
    assert_eq!(emulator.count("GetContainerCredentials"), 2);
    assert_eq!(
        metadata_shape(&process_json(&mine)),
        metadata_shape(&process_json(&theirs))
    );
}
