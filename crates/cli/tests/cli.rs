//! The `awscred` binary end to end against the emulator, in a throw-away home and a clean
//! environment: both login flows, every credentials format, exec, accounts, profiles, logout,
//! the documented exit codes, completions, and that `--debug` output never shows a secret.

mod common;

use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::Value;

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).expect("the emulator starts")
}

/// Collects what a run printed for the secrets audit.
#[derive(Default)]
struct Audit(Vec<(String, String)>);

impl Audit {
    /// Both streams of a run that prints no credentials.
    fn all(&mut self, run: &Run) {
        self.0
            .push((format!("stdout of `{}`", run.what), run.stdout.clone()));
        self.stderr(run);
    }

    /// Only standard error (stdout holds credentials on purpose).
    fn stderr(&mut self, run: &Run) {
        self.0
            .push((format!("stderr of `{}`", run.what), run.stderr.clone()));
    }
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string {name:?} in {}", redact(v)))
}

/// A JSON value's keys, for failure messages that must not print secrets.
fn redact(v: &Value) -> String {
    match v.as_object() {
        Some(map) => format!("{{keys: {:?}}}", map.keys().collect::<Vec<_>>()),
        None => "(not an object)".into(),
    }
}

/// The single line a failing command prints on stderr.
fn one_line(run: &Run) -> &str {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "`{}` should print exactly one line on stderr, printed:\n{}",
        run.what,
        run.stderr
    );
    lines[0]
}

/// Checks a `credentials` print in `format` and returns the access key id it holds.
fn check_export(format: &str, text: &str, temporary: bool) -> String {
    let names: &[&str] = if temporary {
        &[
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
        ]
    } else {
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    };
    if format == "process" {
        let v: Value = serde_json::from_str(text).expect("process output is JSON");
        assert_eq!(v.get("Version").and_then(Value::as_i64), Some(1));
        assert!(!field(&v, "SecretAccessKey").is_empty());
        assert_eq!(v.get("SessionToken").is_some(), temporary, "{}", redact(&v));
        assert_eq!(v.get("Expiration").is_some(), temporary, "{}", redact(&v));
        return field(&v, "AccessKeyId").to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), names.len(), "{format}: one line per variable");
    let mut key_id = String::new();
    for (line, name) in lines.iter().zip(names) {
        let (prefix, value) = match format {
            "env" => ("export ", line.strip_prefix(&format!("export {name}="))),
            "env-no-export" => ("", line.strip_prefix(&format!("{name}="))),
            "powershell" => ("$Env:", line.strip_prefix(&format!("$Env:{name}=\""))),
            "windows-cmd" => ("set ", line.strip_prefix(&format!("set {name}="))),
            "fish" => ("set -gx ", line.strip_prefix(&format!("set -gx {name} \""))),
            other => panic!("unknown format {other}"),
        };
        let value = value
            .unwrap_or_else(|| panic!("{format}: a line does not set {name} as `{prefix}{name}…`"));
        let value = value.trim_end_matches('"');
        assert!(!value.is_empty(), "{format}: {name} is empty");
        if *name == "AWS_ACCESS_KEY_ID" {
            key_id = value.to_string();
        }
    }
    key_id
}

#[test]
fn device_code_login_then_credentials_exec_accounts_profiles_logout() {
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    let mut audit = Audit::default();

    // Log in to the sso-session with the device code (the emulator approves by itself).
    let login = run(awscred(
        &home,
        &url,
        &[
            "--debug",
            "login",
            "--sso-session",
            "S",
            "--use-device-code",
        ],
    ));
    login.ok();
    audit.all(&login);
    assert!(
        login
            .stdout
            .contains(&format!("Successfully logged into Start URL: {START_URL}")),
        "{}",
        login.stdout
    );
    assert!(
        login.stderr.contains(&format!("{url}/device")),
        "the device prompt names the verification URL: {}",
        login.stderr
    );
    let tokens = home.tokens();
    assert_eq!(tokens.len(), 1);
    let (name, token) = &tokens[0];
    assert_eq!(name, &format!("{}.json", sha1_hex("S")));
    assert_eq!(field(token, "startUrl"), START_URL);
    assert_eq!(field(token, "region"), "us-east-1");
    for key in [
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(!field(token, key).is_empty(), "{key}");
    }
    assert!(
        emulator
            .issued_secrets()
            .contains(&field(token, "accessToken").to_string()),
        "the cached access token is the one the emulator issued"
    );
    let registrations = home.registrations();
    assert_eq!(registrations.len(), 1);
    let registration = &registrations[0].1;
    assert_eq!(field(registration, "clientId"), field(token, "clientId"));
    assert!(!field(registration, "expiresAt").is_empty());
    assert_eq!(emulator.count("StartDeviceAuthorization"), 1);

    // A legacy profile logs in with the device code too, under its start URL's key.
    let legacy = run(awscred(
        &home,
        &url,
        &["--debug", "login", "--profile", "legacy"],
    ));
    legacy.ok();
    audit.all(&legacy);
    assert!(
        home.tokens()
            .iter()
            .any(|(n, _)| n == &format!("{}.json", sha1_hex(START_URL))),
        "the legacy token is cached under sha1(start URL)"
    );

    // Every profile in every format; after the first print the AWS CLI cache answers.
    for profile in PROFILES {
        let mut key_ids = Vec::new();
        for (i, format) in FORMATS.iter().enumerate() {
            let before = emulator.requests().len();
            let r = run(awscred(
                &home,
                &url,
                &[
                    "--debug",
                    "credentials",
                    "--profile",
                    profile,
                    "--format",
                    format,
                ],
            ));
            r.ok();
            audit.stderr(&r);
            if profile == "sso" && i == 0 {
                assert!(
                    r.stderr.contains("/federation/credentials"),
                    "--debug traces the requests: {}",
                    r.stderr
                );
            }
            key_ids.push(check_export(format, &r.stdout, profile != "static"));
            if i > 0 {
                assert_eq!(
                    emulator.requests().len(),
                    before,
                    "`credentials --profile {profile} --format {format}` used the network instead of the cache"
                );
            }
            if profile != "static" && *format == "process" {
                let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
                assert!(
                    emulator
                        .issued_secrets()
                        .contains(&field(&v, "SecretAccessKey").to_string()),
                    "{profile}: the secret key comes from the emulator"
                );
            }
        }
        key_ids.dedup();
        assert_eq!(key_ids.len(), 1, "{profile}: one key id in every format");
        if profile == "static" {
            assert_eq!(key_ids[0], "AKIAEMULATORSTATIC01");
        }
    }
    assert_eq!(
        emulator.count("AssumeRole"),
        1,
        "the chained role was assumed once"
    );

    // exec: the child gets the credentials and the region, and its exit code is passed on.
    let chained_key = check_export(
        "process",
        &run(awscred(
            &home,
            &url,
            &["credentials", "--profile", "chained"],
        ))
        .ok()
        .stdout,
        true,
    );
    let exec = run(awscred(
        &home,
        &url,
        &[
            "--debug",
            "exec",
            "--profile",
            "chained",
            "--",
            "sh",
            "-c",
            "echo $AWS_ACCESS_KEY_ID $AWS_REGION ${AWS_SECRET_ACCESS_KEY:+secret-set} ${AWS_SESSION_TOKEN:+token-set} ${AWS_PROFILE:-no-profile}; exit 7",
        ],
    ));
    exec.expect_code(7);
    audit.all(&exec);
    assert_eq!(
        exec.stdout.trim(),
        format!("{chained_key} us-east-1 secret-set token-set no-profile")
    );

    // accounts: every page of accounts and of roles.
    let expected: Vec<(String, String, String, Vec<String>)> = emulator
        .config()
        .accounts
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                a.name.clone(),
                a.email.clone(),
                a.roles.clone(),
            )
        })
        .collect();
    for target in [["--sso-session", "S"], ["--profile", "sso"]] {
        let r = run(awscred(
            &home,
            &url,
            &[
                "--debug", "accounts", target[0], target[1], "--output", "json",
            ],
        ));
        r.ok();
        audit.all(&r);
        let v: Value = serde_json::from_str(&r.stdout).expect("accounts JSON");
        let mut got: Vec<(String, String, String, Vec<String>)> = v
            .as_array()
            .expect("a JSON array")
            .iter()
            .map(|a| {
                (
                    field(a, "accountId").to_string(),
                    field(a, "accountName").to_string(),
                    field(a, "emailAddress").to_string(),
                    a["roles"]
                        .as_array()
                        .expect("roles")
                        .iter()
                        .map(|r| r.as_str().expect("a role name").to_string())
                        .collect(),
                )
            })
            .collect();
        got.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(got, want);
    }
    assert!(
        emulator.count("ListAccounts") >= 4,
        "pages of two: two ListAccounts calls per listing"
    );
    let table = run(awscred(
        &home,
        &url,
        &["--debug", "accounts", "--sso-session", "S"],
    ));
    table.ok();
    audit.all(&table);
    let rows: Vec<Vec<&str>> = table
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["ACCOUNT", "NAME", "ROLE"]);
    let total_roles: usize = expected.iter().map(|a| a.3.len()).sum();
    assert_eq!(rows.len(), 1 + total_roles, "{}", table.stdout);
    for (id, name, _, roles) in &expected {
        for role in roles {
            assert!(
                rows.iter()
                    .any(|r| r == &[id.as_str(), name.as_str(), role.as_str()]),
                "no row for {id} {name} {role}:\n{}",
                table.stdout
            );
        }
    }

    // profiles.
    let r = run(awscred(
        &home,
        &url,
        &["--debug", "profiles", "--output", "json"],
    ));
    r.ok();
    audit.all(&r);
    let v: Value = serde_json::from_str(&r.stdout).expect("profiles JSON");
    assert_eq!(
        field(&v, "configFile"),
        home.config_path().display().to_string()
    );
    let profiles = v["profiles"].as_array().expect("profiles");
    let through = |name: &str| {
        profiles
            .iter()
            .find(|p| p["profile"] == name)
            .unwrap_or_else(|| panic!("no profile {name}"))
    };
    assert_eq!(profiles.len(), PROFILES.len());
    assert_eq!(field(through("sso"), "resolvesThrough"), "sso-session");
    assert_eq!(field(through("legacy"), "resolvesThrough"), "legacy sso");
    assert_eq!(field(through("static"), "resolvesThrough"), "static keys");
    assert_eq!(
        through("chained")["roleChain"],
        serde_json::json!(["arn:aws:iam::777788889999:role/Chained"])
    );
    assert_eq!(field(through("sso"), "region"), "eu-west-1");
    let r = run(awscred(&home, &url, &["--debug", "profiles"]));
    r.ok();
    audit.all(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("PROFILE"), "{}", r.stdout);
    // The profiles, then the default chain's row (this config has no [default] profile).
    assert_eq!(lines.len(), 1 + PROFILES.len() + 1);
    assert!(
        lines[lines.len() - 1].starts_with("(default chain)"),
        "{}",
        r.stdout
    );
    for profile in PROFILES {
        assert!(
            lines
                .iter()
                .any(|l| l.split_whitespace().next() == Some(profile)),
            "{profile} missing:\n{}",
            r.stdout
        );
    }

    // logout: tokens and SSO role credentials go; registrations and assumed roles stay.
    let sso_entries = |home: &Home| {
        home.cli_cache_entries()
            .iter()
            .filter(|(_, v)| v["ProviderType"] == "sso")
            .count()
    };
    assert_eq!(
        sso_entries(&home),
        2,
        "sso and legacy role credentials cached"
    );
    let others = home.cli_cache_entries().len() - 2;
    let registrations = home.registrations().len();
    assert_eq!(
        registrations, 2,
        "one registration per session key (sso-session, legacy)"
    );
    assert!(others >= 1, "the chained role's AssumeRole entry is cached");
    let r = run(awscred(&home, &url, &["--debug", "logout"]));
    r.ok();
    audit.all(&r);
    assert!(home.tokens().is_empty(), "tokens removed");
    assert_eq!(
        home.registrations().len(),
        registrations,
        "registrations are kept"
    );
    assert_eq!(sso_entries(&home), 0, "SSO role credentials removed");
    assert_eq!(home.cli_cache_entries().len(), others);
    assert_eq!(emulator.count("Logout"), 2, "each session logged out");

    let after = run(awscred(&home, &url, &["credentials", "--profile", "sso"]));
    after.expect_code(4);
    assert!(one_line(&after).contains("awscred login --sso-session S"));

    assert_no_secrets(&emulator, &audit.0);
}

#[test]
fn pkce_login_with_the_browser_played_by_the_test() {
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    let mut audit = Audit::default();

    let login = login_in_browser(
        awscred(&home, &url, &["--debug", "login", "--sso-session", "S"]),
        &emulator,
    );
    login.ok();
    audit.all(&login);
    assert!(
        login
            .stdout
            .contains(&format!("Successfully logged into Start URL: {START_URL}")),
        "{}",
        login.stdout
    );
    assert_eq!(emulator.count("Authorize"), 1);
    assert_eq!(emulator.count("CreateToken"), 1);
    assert_eq!(emulator.count("StartDeviceAuthorization"), 0);
    let tokens = home.tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].0, format!("{}.json", sha1_hex("S")));
    assert!(!field(&tokens[0].1, "refreshToken").is_empty());
    let registration = &home.registrations()[0].1;
    assert!(
        registration["grantTypes"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g == "authorization_code")),
        "a PKCE registration says so: {}",
        redact(registration)
    );

    let creds = run(awscred(
        &home,
        &url,
        &["--debug", "credentials", "--profile", "sso"],
    ));
    creds.ok();
    audit.stderr(&creds);
    check_export("process", &creds.stdout, true);
    assert_eq!(emulator.count("GetRoleCredentials"), 1);

    // A second login reuses the PKCE registration.
    let again = login_in_browser(
        awscred(&home, &url, &["--debug", "login", "--sso-session", "S"]),
        &emulator,
    );
    again.ok();
    audit.all(&again);
    assert_eq!(emulator.count("RegisterClient"), 1);
    assert_eq!(emulator.count("CreateToken"), 2);

    assert_no_secrets(&emulator, &audit.0);
}

#[test]
fn errors_are_one_line_with_the_documented_exit_code() {
    let emulator = emulator();
    let url = emulator.url();
    let mut audit = Audit::default();

    // No token: exit 4, naming the login command to run.
    let home = Home::new(CONFIG);
    for (args, command) in [
        (
            &["credentials", "--profile", "sso"][..],
            "awscred login --sso-session S",
        ),
        (
            &["credentials", "--profile", "chained"][..],
            "awscred login --sso-session S",
        ),
        (
            &["accounts", "--sso-session", "S"][..],
            "awscred login --sso-session S",
        ),
        (
            &["credentials", "--profile", "legacy"][..],
            "awscred login --profile legacy",
        ),
    ] {
        let r = run(awscred(&home, &url, args));
        r.expect_code(4);
        let line = one_line(&r);
        assert!(line.contains(command), "{line}");
        assert!(r.stdout.is_empty());
    }

    // A config error: exit 3, naming file:line.
    let broken = format!("{CONFIG}\n[profile broken]\nthis line has no equals sign\n");
    let bad_line = broken
        .lines()
        .position(|l| l.starts_with("this line"))
        .expect("the bad line")
        + 1;
    let home = Home::new(&broken);
    for args in [
        &["credentials", "--profile", "sso"][..],
        &["profiles"][..],
        &["login", "--sso-session", "S", "--use-device-code"][..],
    ] {
        let r = run(awscred(&home, &url, args));
        r.expect_code(3);
        let line = one_line(&r);
        let at = format!("{}:{bad_line}", home.config_path().display());
        assert!(line.contains(&at), "{line} should name {at}");
    }
    let r = run(awscred(
        &Home::new(CONFIG),
        &url,
        &["credentials", "--profile", "nope"],
    ));
    r.expect_code(3);
    assert!(one_line(&r).contains("nope"));

    // An unreachable endpoint: exit 6. The token is live, so the CLI has to call the portal.
    let home = Home::new(CONFIG);
    let issued = emulator.issue_access_token(Duration::from_secs(3600));
    std::fs::create_dir_all(home.sso_cache()).expect("sso cache dir");
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
    let started = std::time::Instant::now();
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "sso"],
    ));
    r.expect_code(6);
    one_line(&r);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "giving up took {:?}",
        started.elapsed()
    );
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["--debug", "accounts", "--profile", "sso"],
    ));
    r.expect_code(6);
    audit.all(&r);
    // The same token works against the emulator: only the network was wrong.
    let r = run(awscred(
        &home,
        &url,
        &["--debug", "credentials", "--profile", "sso"],
    ));
    r.ok();
    audit.stderr(&r);

    // Usage errors: exit 2.
    for args in [
        &["no-such-command"][..],
        &["credentials", "--format", "yaml"][..],
        &["exec", "--profile", "sso"][..],
        &["login", "--profile", "sso", "--sso-session", "S"][..],
        &[][..],
    ] {
        let r = run(awscred(&home, &url, args));
        r.expect_code(2);
        assert!(r.stdout.is_empty(), "usage errors go to stderr");
        assert!(!r.stderr.is_empty());
    }

    assert_no_secrets(&emulator, &audit.0);
}

#[test]
fn completions_for_each_shell() {
    let home = Home::new(CONFIG);
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef awscred"),
        ("fish", "complete -c awscred"),
    ] {
        let r = run(awscred(
            &home,
            "http://127.0.0.1:1",
            &["completions", shell],
        ));
        r.ok();
        assert!(r.stdout.contains(marker), "{shell}: no {marker:?}");
        for sub in [
            "login",
            "logout",
            "credentials",
            "exec",
            "accounts",
            "profiles",
        ] {
            assert!(r.stdout.contains(sub), "{shell}: no {sub}");
        }
        assert!(r.stdout.contains("use-device-code"), "{shell}: no flags");
    }
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["completions", "tcsh"],
    ));
    r.expect_code(2);
}

#[test]
fn a_closed_stdout_is_an_error_not_a_panic() {
    let home = Home::new(CONFIG);
    for args in [
        &["completions", "bash"][..],
        &["profiles"][..],
        &["credentials", "--profile", "static"][..],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let mut cmd = awscred(&home, "http://127.0.0.1:1", args);
        cmd.stdout(writer);
        let out = cmd
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("awscred runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(0), "{args:?}: output was lost");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
    }
}
