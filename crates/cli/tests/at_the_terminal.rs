//! Issue 12, "at the terminal": errors that say where a value came from, vanity start URLs,
//! `exec` exit codes like a shell's, `logout` that says what it did, `status`, help and
//! completions — the binary end to end against the emulator in a throw-away home.

mod common;

use std::time::Duration;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::Value;

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).expect("the emulator starts")
}

/// The single line a failing command prints on stderr.
fn one_line(run: &Run) -> String {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "`{}` should print one line on stderr, printed:\n{}",
        run.what,
        run.stderr
    );
    lines[0].to_string()
}

/// The 1-based line of `config` that starts with `prefix`.
fn line_of(config: &str, prefix: &str) -> usize {
    config
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}"))
        + 1
}

/// Writes a live token of the emulator for sso-session `session` (cache key: its name).
fn live_token(home: &Home, emulator: &Emulator, session: &str) {
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
        home.sso_cache().join(format!("{}.json", sha1_hex(session))),
        token.to_string(),
    )
    .expect("token file");
}

#[test]
fn errors_name_the_file_line_key_or_variable_a_bad_value_came_from() {
    let emulator = emulator();
    let url = emulator.url();

    // A bad sso_region: file, line and key.
    let config = format!(
        "{CONFIG}\n[sso-session bad]\nsso_start_url = {START_URL}\nsso_region = not a region\n\n\
         [profile badregion]\nsso_session = bad\nsso_account_id = 111122223333\nsso_role_name = R\n\n\
         [profile badep]\nsso_session = S\nsso_account_id = 111122223333\nsso_role_name = ReadOnlyAccess\n\
         services = broken\n\n[services broken]\nsso =\n  endpoint_url = ftp://nope\n"
    );
    let home = Home::new(&config);
    live_token(&home, &emulator, "S");
    live_token(&home, &emulator, "bad");
    let at = format!(
        "{}:{}",
        home.config_path().display(),
        line_of(&config, "sso_region = not a region")
    );
    for args in [
        &["credentials", "--profile", "badregion"][..],
        &["login", "--sso-session", "bad", "--use-device-code"][..],
    ] {
        let r = run(awscred(&home, &url, args));
        r.expect_code(3);
        let line = one_line(&r);
        assert!(
            line.contains(&at) && line.contains("`sso_region` in [sso-session bad]"),
            "{args:?}: {line}"
        );
    }

    // A bad AWS_REGION names the variable (the role chain needs STS, which uses it).
    let mut cmd = awscred(&home, &url, &["credentials", "--profile", "chained"]);
    cmd.env("AWS_REGION", "bad region!");
    let r = run(cmd);
    r.expect_code(3);
    let line = one_line(&r);
    assert!(
        line.starts_with("awscred: AWS_REGION (environment variable)"),
        "{line}"
    );
    assert!(line.contains("unset AWS_REGION"), "{line}");

    // A bad endpoint names AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL or the [services] entry.
    for var in ["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"] {
        // The chained run above cached the SSO role's credentials; the portal must be called.
        let _ = std::fs::remove_dir_all(home.cli_cache());
        let mut cmd = awscred(&home, &url, &["credentials", "--profile", "sso"]);
        cmd.env_remove("AWS_ENDPOINT_URL").env(var, "ftp://x");
        let r = run(cmd);
        r.expect_code(3);
        let line = one_line(&r);
        assert!(
            line.contains(&format!("{var} (environment variable)")),
            "{line}"
        );
    }
    let mut cmd = awscred(&home, &url, &["credentials", "--profile", "badep"]);
    cmd.env_remove("AWS_ENDPOINT_URL");
    let r = run(cmd);
    r.expect_code(3);
    let line = one_line(&r);
    let services_at = format!(
        "{}:{}: `sso.endpoint_url` in [services broken]",
        home.config_path().display(),
        line_of(&config, "sso =")
    );
    assert!(line.contains(&services_at), "{line}");

    // A missing config file says so.
    let mut cmd = awscred(&home, &url, &["credentials", "--profile", "dev"]);
    cmd.env("AWS_CONFIG_FILE", home.path().join("no-such-config"));
    let r = run(cmd);
    r.expect_code(3);
    let line = one_line(&r);
    assert!(line.contains("no-such-config does not exist"), "{line}");

    // `login` with nothing selected lists the sessions and the flags to pick one.
    let r = run(awscred(&home, &url, &["login"]));
    r.expect_code(3);
    let line = one_line(&r);
    assert!(line.contains("has no [default] profile"), "{line}");
    assert!(
        line.contains("--sso-session NAME") && line.contains("(S, bad)"),
        "{line}"
    );
    assert!(line.contains("--profile NAME"), "{line}");
}

#[test]
fn a_role_profile_logs_in_to_the_session_of_its_sso_source() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["login", "--profile", "chained", "--use-device-code"],
    ));
    r.ok();
    assert!(r.stdout.contains(START_URL), "{}", r.stdout);
    let tokens = home.tokens();
    assert_eq!(tokens.len(), 1, "one token");
    assert_eq!(tokens[0].0, format!("{}.json", sha1_hex("S")));
}

/// A config whose only session has a vanity start URL served by the emulator.
fn vanity_config(emulator: &Emulator, query: &str, region: Option<&str>) -> String {
    let region = region
        .map(|r| format!("sso_region = {r}\n"))
        .unwrap_or_default();
    format!(
        "[sso-session V]\nsso_start_url = {}/vanity?{query}\n{region}\n\
         [profile v]\nsso_session = V\nsso_account_id = 111122223333\nsso_role_name = ReadOnlyAccess\n",
        emulator.url()
    )
}

#[test]
fn a_vanity_start_url_is_followed_to_the_portal_and_gives_the_region() {
    let emulator = emulator();
    let portal = "https://ssoins-72236e2ccd6d9b5a.portal.eu-west-1.app.aws/start/";
    for (query, methods) in [
        (format!("to={portal}"), vec!["HEAD"]),
        (format!("head=405&to={portal}"), vec!["HEAD", "GET"]),
    ] {
        emulator.clear_requests();
        let config = vanity_config(&emulator, &query, None);
        let home = Home::new(&config);
        let r = run(awscred(
            &home,
            &emulator.url(),
            &["login", "--sso-session", "V", "--use-device-code"],
        ));
        r.ok();
        let probes: Vec<String> = emulator
            .requests()
            .into_iter()
            .filter(|q| q.operation == "VanityStartUrl")
            .map(|q| q.method)
            .collect();
        assert_eq!(probes, methods, "{query}");
        let tokens = home.tokens();
        assert_eq!(tokens.len(), 1);
        let token = &tokens[0].1;
        // The cache keeps the configured URL; the region comes from the portal's host.
        let configured = format!("{}/vanity?{query}", emulator.url());
        assert_eq!(token["startUrl"], Value::from(configured));
        assert_eq!(token["region"], Value::from("eu-west-1"));
        // As the AWS CLI does, the region found is written into the session, and said.
        assert!(
            r.stderr
                .contains("SSO region updated to eu-west-1 in [sso-session V]"),
            "{}",
            r.stderr
        );
        let written = std::fs::read_to_string(home.config_path()).expect("config");
        assert_eq!(
            written,
            config.replacen("\n\n", "\nsso_region = eu-west-1\n\n", 1),
            "only the region line is added"
        );
        run(awscred(
            &home,
            &emulator.url(),
            &["credentials", "--profile", "v"],
        ))
        .ok();
    }

    // A redirect to a host that is not AWS-owned is refused before anything is registered.
    emulator.clear_requests();
    let home = Home::new(&vanity_config(
        &emulator,
        "to=https://login.example.net/start",
        Some("us-east-1"),
    ));
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["login", "--sso-session", "V", "--use-device-code"],
    ));
    r.expect_code(3);
    let line = one_line(&r);
    assert!(
        line.contains("https://login.example.net/start")
            && line.contains("not an IAM Identity Center portal"),
        "{line}"
    );
    assert_eq!(emulator.count("RegisterClient"), 0);

    // An AWS-owned URL without sso_region: no request, the error says what to add.
    let home =
        Home::new("[sso-session A]\nsso_start_url = https://d-1234567890.awsapps.com/start\n");
    emulator.clear_requests();
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["login", "--sso-session", "A", "--use-device-code"],
    ));
    r.expect_code(3);
    assert!(one_line(&r).contains("sso_region"), "{}", r.stderr);
    assert!(emulator.requests().is_empty());
}

#[test]
fn exec_exits_127_for_a_missing_command_and_126_for_one_that_cannot_run() {
    let home = Home::new(CONFIG);
    let not_executable = home.path().join("script.sh");
    std::fs::write(&not_executable, "#!/bin/sh\necho hi\n").expect("a script");
    let not_executable = not_executable.display().to_string();
    for (command, code, says) in [
        ("awscred-no-such-command", 127, "command not found"),
        (not_executable.as_str(), 126, "permission denied"),
    ] {
        let r = run(awscred(
            &home,
            "http://127.0.0.1:1",
            &["exec", "--profile", "static", "--", command],
        ));
        r.expect_code(code);
        let line = one_line(&r);
        assert!(line.contains(command) && line.contains(says), "{line}");
    }
    let r = run(awscred(&home, "http://127.0.0.1:1", &["exec", "--help"]));
    r.ok();
    assert!(
        r.stdout.contains("127") && r.stdout.contains("126"),
        "{}",
        r.stdout
    );
}

/// Runs `cmd` as an unprivileged user when the tests run as root (root may write anywhere, so
/// a read-only directory would not stop it): the home is handed to `nobody` first.
fn unprivileged(home: &Home, cmd: std::process::Command) -> std::process::Command {
    // SAFETY-free check of the effective user: `id -u` prints it.
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if uid != "0" {
        return cmd;
    }
    let status = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(home.path())
        .status()
        .expect("chown runs");
    assert!(status.success(), "chown of the test home");
    let mut wrapped = std::process::Command::new("setpriv");
    wrapped.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
    wrapped.arg(cmd.get_program()).args(cmd.get_args());
    wrapped.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn logout_says_what_it_did_and_can_log_out_of_one_session() {
    let emulator = emulator();
    let url = emulator.url();
    let config = format!(
        "{CONFIG}\n[sso-session T]\nsso_start_url = https://d-0987654321.awsapps.com/start\nsso_region = us-east-1\n\n\
         [profile t]\nsso_session = T\nsso_account_id = 111122223333\nsso_role_name = ReadOnlyAccess\n"
    );
    let home = Home::new(&config);
    live_token(&home, &emulator, "S");
    live_token(&home, &emulator, "T");
    run(awscred(&home, &url, &["credentials", "--profile", "sso"])).ok();
    run(awscred(&home, &url, &["credentials", "--profile", "t"])).ok();
    assert_eq!(home.cli_cache_entries().len(), 2);

    // One session: its token and its role's cache entry, nothing else.
    let r = run(awscred(&home, &url, &["logout", "--sso-session", "T"]));
    r.ok();
    assert!(
        r.stdout.contains("Logged out of [sso-session T]"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("[sso-session S]"), "{}", r.stdout);
    let t_token = home.sso_cache().join(format!("{}.json", sha1_hex("T")));
    assert!(
        r.stdout.contains(&format!("Removed {}", t_token.display())),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("Removed ").count(), 2, "{}", r.stdout);
    assert_eq!(home.tokens().len(), 1);
    assert_eq!(home.cli_cache_entries().len(), 1);
    assert_eq!(emulator.count("Logout"), 1);

    let r = run(awscred(&home, &url, &["logout", "--sso-session", "nope"]));
    r.expect_code(3);
    assert!(one_line(&r).contains("S, T"), "{}", r.stderr);

    // A read-only cache: refused before the service is called, nothing removed.
    chmod(&home.sso_cache(), 0o500);
    let r = run(unprivileged(&home, awscred(&home, &url, &["logout"])));
    r.expect_code(1);
    let line = one_line(&r);
    assert!(
        line.contains(&home.sso_cache().display().to_string())
            && line.contains("nothing was changed"),
        "{line}"
    );
    assert_eq!(emulator.count("Logout"), 1, "the service was not called");
    chmod(&home.sso_cache(), 0o700);
    assert_eq!(home.tokens().len(), 1);

    let r = run(unprivileged(&home, awscred(&home, &url, &["logout"])));
    r.ok();
    assert!(
        r.stdout.contains("Logged out of [sso-session S]"),
        "{}",
        r.stdout
    );
    let r = run(awscred(&home, &url, &["logout"]));
    r.ok();
    assert!(r.stdout.contains("nothing to log out of"), "{}", r.stdout);
}

#[test]
fn login_checks_that_it_can_save_the_token_before_asking_for_approval() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    // `~/.aws/sso` is a file: the cache directory cannot be made, whoever runs the test.
    std::fs::write(home.path().join(".aws/sso"), "not a directory").expect("a file");
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["login", "--sso-session", "S", "--use-device-code"],
    ));
    r.expect_code(1);
    assert!(
        one_line(&r).contains("cannot save the SSO token here"),
        "{}",
        r.stderr
    );
    assert!(
        emulator.requests().is_empty(),
        "nothing was asked of the service"
    );
}

#[test]
fn status_shows_tokens_and_cached_credentials_as_a_table_and_as_json() {
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new(CONFIG);
    live_token(&home, &emulator, "S");
    run(awscred(
        &home,
        &url,
        &["credentials", "--profile", "chained"],
    ))
    .ok();

    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["status", "--output", "json"],
    ));
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let sessions = v["ssoSessions"].as_array().expect("sessions");
    let s = sessions.iter().find(|s| s["ssoSession"] == "S").expect("S");
    assert_eq!(s["token"], "cached");
    assert_eq!(s["canRefresh"], true);
    let left = s["secondsLeft"].as_i64().expect("seconds");
    assert!((3000..=3600).contains(&left), "{left}");
    let legacy = sessions
        .iter()
        .find(|s| s["ssoSession"].is_null())
        .expect("legacy");
    assert_eq!(legacy["startUrl"], START_URL);
    assert_eq!(legacy["token"], "none");
    let creds = v["roleCredentials"].as_array().expect("credentials");
    assert_eq!(creds.len(), 2, "the SSO role and the chained role");
    let profiles: Vec<String> = creds.iter().map(|c| c["profiles"].to_string()).collect();
    assert!(
        profiles.iter().any(|p| p.contains("\"sso\"")),
        "{profiles:?}"
    );
    assert!(
        profiles.iter().any(|p| p.contains("\"chained\"")),
        "{profiles:?}"
    );
    for c in creds {
        assert!(c["secondsLeft"].as_i64().expect("seconds") > 0);
    }

    let r = run(awscred(&home, "http://127.0.0.1:1", &["status"]));
    r.ok();
    assert!(r.stdout.starts_with("SSO SESSION"), "{}", r.stdout);
    let s_line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("S "))
        .expect("a line for S");
    assert!(
        s_line.contains("cached") && s_line.contains("yes"),
        "{s_line}"
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("chained") && l.contains("assumed role")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("sso ") && l.contains("sso role")),
        "{}",
        r.stdout
    );
    assert_no_secrets(&emulator, &[("status".into(), r.stdout.clone())]);
}

#[test]
fn every_subcommand_help_has_examples_environment_and_exit_codes() {
    let home = Home::new(CONFIG);
    for sub in [
        "login",
        "logout",
        "credentials",
        "exec",
        "accounts",
        "profiles",
        "status",
    ] {
        let r = run(awscred(&home, "http://127.0.0.1:1", &[sub, "--help"]));
        r.ok();
        for part in ["Examples:", "Environment:", "AWS_PROFILE", "Exit codes"] {
            assert!(
                r.stdout.contains(part),
                "{sub} --help lacks {part:?}:\n{}",
                r.stdout
            );
        }
    }
    let r = run(awscred(&home, "http://127.0.0.1:1", &["login", "--help"]));
    assert!(r.stdout.contains("AWSCRED_NO_BROWSER"));
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--help"],
    ));
    for value in [
        "process",
        "env-no-export",
        "powershell",
        "windows-cmd",
        "fish",
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("- {value}:")))
            .unwrap_or_else(|| panic!("--format {value} is not explained:\n{}", r.stdout));
        assert!(line.len() > value.len() + 10, "{line}");
    }
}

#[test]
fn bash_completion_offers_config_names_and_commands_after_exec() {
    let config = format!(
        "{CONFIG}\n[sso-session other]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
    );
    let home = Home::new(&config);
    let script = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["completions", "bash"],
    ));
    script.ok();
    std::fs::write(home.path().join("completion.bash"), &script.stdout).expect("script");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_awscred"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let complete = |words: &str, cword: usize| {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("-c").arg(format!(
            "source completion.bash; COMP_WORDS=({words}); COMP_CWORD={cword}; _awscred_with_names; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        ));
        clean(&mut cmd, &home, "http://127.0.0.1:1");
        cmd.env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        let out = run(cmd);
        out.ok();
        let mut words: Vec<String> = out.stdout.lines().map(str::to_string).collect();
        words.sort();
        words.dedup();
        words
    };
    assert_eq!(
        complete("awscred credentials --profile ''", 3),
        ["chained", "legacy", "sso", "static"]
    );
    assert_eq!(
        complete("awscred login --sso-session ''", 3),
        ["S", "other"]
    );
    let commands = complete("awscred exec --profile sso -- bas", 5);
    assert!(
        commands.contains(&"bash".to_string()) && commands.iter().all(|c| c.starts_with("bas")),
        "{commands:?}"
    );

    for (shell, needles) in [
        (
            "zsh",
            &[
                ":PROFILE:_awscred_profiles",
                ":SSO_SESSION:_awscred_sso_sessions",
                "_cmdambivalent",
            ][..],
        ),
        (
            "fish",
            &[
                "-l profile -x -a \"(awscred completions --list-names profiles",
                "__fish_complete_command",
            ][..],
        ),
    ] {
        let r = run(awscred(
            &home,
            "http://127.0.0.1:1",
            &["completions", shell],
        ));
        r.ok();
        for n in needles {
            assert!(r.stdout.contains(n), "{shell}: no {n:?}");
        }
    }
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["completions", "--list-names", "sso-sessions"],
    ));
    assert_eq!(r.stdout, "S\nother\n");
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_explains_the_pending_polls_and_says_what_to_run_first() {
    let home = tempfile::tempdir().expect("a home without ~/.aws");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awscred"));
    cmd.env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("demo");
    let out = cmd.output().expect("the demo runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let pending: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("CreateToken") && l.contains(" 400"))
        .collect();
    assert!(
        !pending.is_empty(),
        "the emulator answers one pending poll:\n{text}"
    );
    for line in pending {
        assert!(line.contains("authorization pending"), "{line}");
    }
    let last = text.lines().last().expect("a last line");
    assert!(
        last.contains("no ~/.aws/config") && last.contains("awscred login --sso-session"),
        "{last}"
    );
}

/// `cmd` under a pseudo-terminal (util-linux `script`), its standard output sent to `stdout_file`
/// so the terminal shows only what awscred tells the user. Returns the command to run; its own
/// standard output is what the terminal showed.
fn in_pty(cmd: &std::process::Command, stdout_file: &std::path::Path) -> std::process::Command {
    let mut line = String::new();
    for part in std::iter::once(cmd.get_program()).chain(cmd.get_args()) {
        let part = part.to_string_lossy();
        assert!(
            !part.contains('\''),
            "test arguments are quoted with single quotes: {part}"
        );
        line.push_str(&format!("'{part}' "));
    }
    line.push_str(&format!("> '{}'", stdout_file.display()));
    let mut wrapped = std::process::Command::new("script");
    wrapped.args(["-q", "-e", "-c", &line, "/dev/null"]);
    wrapped.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

/// `cmd` in a session of its own, without a controlling terminal: nobody is watching.
fn without_terminal(cmd: &std::process::Command) -> std::process::Command {
    let mut wrapped = std::process::Command::new("setsid");
    wrapped
        .arg("-w")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    wrapped.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

#[test]
fn login_when_needed_is_opt_in_needs_a_terminal_and_happens_once_for_many_processes() {
    let emulator = emulator();
    let url = emulator.url();
    let config = format!(
        "{CONFIG}\n[profile auto]\nsso_start_url = https://d-2222222222.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 444455556666\nsso_role_name = Deployer\nawscred_auto_login = true\n"
    );
    let home = Home::new(&config);

    // Off by default; and with --login but no terminal, no login starts.
    let r = run(without_terminal(&awscred(
        &home,
        &url,
        &["credentials", "--profile", "legacy"],
    )));
    r.expect_code(4);
    let r = run(without_terminal(&awscred(
        &home,
        &url,
        &["credentials", "--profile", "legacy", "--login"],
    )));
    r.expect_code(4);
    assert!(
        one_line(&r).contains("awscred login --profile legacy"),
        "{}",
        r.stderr
    );
    assert_eq!(emulator.count("StartDeviceAuthorization"), 0);

    // Four processes at once, each on a terminal: one login, four sets of credentials.
    let runs: Vec<Running> = (0..4)
        .map(|i| {
            let out = home.path().join(format!("out-{i}.json"));
            let (args, _): (&[&str], ()) = if i % 2 == 0 {
                (&["credentials", "--profile", "legacy", "--login"], ())
            } else {
                (
                    &[
                        "exec",
                        "--profile",
                        "legacy",
                        "--login",
                        "--",
                        "sh",
                        "-c",
                        "echo {\\\"key\\\": \\\"$AWS_ACCESS_KEY_ID\\\"}",
                    ],
                    (),
                )
            };
            start(in_pty(&awscred(&home, &url, args), &out))
        })
        .collect();
    let finished: Vec<Run> = runs
        .into_iter()
        .map(|r| r.finish(COMMAND_TIMEOUT))
        .collect();
    for (i, r) in finished.iter().enumerate() {
        r.ok();
        let out =
            std::fs::read_to_string(home.path().join(format!("out-{i}.json"))).expect("output");
        let v: Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{i}: {e}: {out:?}"));
        let key = v
            .get("AccessKeyId")
            .or_else(|| v.get("key"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(key.starts_with("ASIA"), "{i}: no credentials");
    }
    assert_eq!(
        emulator.count("StartDeviceAuthorization"),
        1,
        "exactly one login"
    );
    let shown: String = finished.iter().map(|r| r.stdout.clone()).collect();
    assert_eq!(
        shown.matches("needs a login; starting it").count(),
        1,
        "{shown}"
    );
    assert_no_secrets(&emulator, &[("the terminals".into(), shown)]);

    // The profile key turns it on without the flag.
    let out = home.path().join("out-auto.json");
    let r = run(in_pty(
        &awscred(&home, &url, &["credentials", "--profile", "auto"]),
        &out,
    ));
    r.ok();
    assert!(
        r.stdout.contains("needs a login; starting it"),
        "{}",
        r.stdout
    );
    assert_eq!(
        emulator.count("StartDeviceAuthorization"),
        2,
        "a login of its own start URL"
    );
}

/// A command running under a pseudo-terminal that the test reads and types into.
struct Pty {
    child: std::process::Child,
    screen: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    /// Starts `shell_line` (run by `sh`, so it may redirect) under `script`, with `cmd`'s
    /// environment and directory.
    fn start(cmd: &std::process::Command, shell_line: &str) -> Pty {
        use std::io::Read;
        let mut script = std::process::Command::new("script");
        script.args(["-q", "-e", "-c", shell_line, "/dev/null"]);
        script.env_clear();
        for (k, v) in cmd.get_envs() {
            if let Some(v) = v {
                script.env(k, v);
            }
        }
        if let Some(dir) = cmd.get_current_dir() {
            script.current_dir(dir);
        }
        let mut child = script
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("script starts");
        let mut out = child.stdout.take().expect("stdout");
        let screen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let shared = std::sync::Arc::clone(&screen);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                shared.lock().expect("screen").push_str(&text);
            }
        });
        Pty {
            child,
            screen,
            reader: Some(reader),
        }
    }

    fn screen(&self) -> String {
        self.screen.lock().expect("screen").clone()
    }

    fn wait_for(&mut self, needle: &str) {
        let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
        while !self.screen().contains(needle) {
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the terminal never showed {needle:?}; it showed:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_line(&mut self, text: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin
            .write_all(format!("{text}\n").as_bytes())
            .expect("type");
        stdin.flush().expect("flush");
    }

    /// Waits for the end; the exit code and what the terminal showed.
    fn finish(mut self) -> (Option<i32>, String) {
        drop(self.child.stdin.take());
        let deadline = std::time::Instant::now() + COMMAND_TIMEOUT;
        let status = loop {
            match self.child.try_wait().expect("wait") {
                Some(s) => break s,
                None if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                None => {
                    let _ = self.child.kill();
                    panic!("did not finish; the terminal showed:\n{}", self.screen());
                }
            }
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status.code(), self.screen())
    }
}

const MFA_CONFIG: &str = "\
[profile static]
aws_access_key_id = AKIAEMULATORSTATIC01
aws_secret_access_key = emulator-static-secret-key
region = us-east-1

[profile mfa]
role_arn = arn:aws:iam::777788889999:role/Mfa
source_profile = static
mfa_serial = arn:aws:iam::123456789012:mfa/user
region = us-east-1
";

#[test]
fn the_mfa_prompt_reaches_the_terminal_when_stderr_and_stdout_are_captured() {
    let emulator = emulator();
    let home = Home::new(MFA_CONFIG);
    let bin = env!("CARGO_BIN_EXE_awscred");
    let out = home.path().join("out.json");
    let err = home.path().join("captured-stderr");
    // As under credential_process (stdout and stderr read by the caller), and with stdin a
    // pipe as in `… | awscred`.
    for (i, line) in [
        format!(
            "'{bin}' credentials --profile mfa > '{}' 2> '{}'",
            out.display(),
            err.display()
        ),
        format!(
            "true | '{bin}' credentials --profile mfa > '{}' 2> '{}'",
            out.display(),
            err.display()
        ),
    ]
    .iter()
    .enumerate()
    {
        let _ = std::fs::remove_dir_all(home.cli_cache());
        let mut pty = Pty::start(&awscred(&home, &emulator.url(), &[]), line);
        pty.wait_for("Enter MFA code for arn:aws:iam::123456789012:mfa/user: ");
        pty.type_line("123456");
        let (code, screen) = pty.finish();
        assert_eq!(code, Some(0), "{i}: {screen}");
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("out")).expect("JSON");
        assert!(
            v["AccessKeyId"]
                .as_str()
                .is_some_and(|k| k.starts_with("ASIA")),
            "{i}"
        );
        let captured = std::fs::read_to_string(&err).expect("stderr");
        assert!(
            !captured.contains("MFA"),
            "{i}: the prompt went to the captured stderr: {captured:?}"
        );
    }
}

#[test]
fn without_a_terminal_the_mfa_error_says_how_to_get_credentials_non_interactively() {
    let emulator = emulator();
    let home = Home::new(MFA_CONFIG);
    let mut cmd = without_terminal(&awscred(
        &home,
        &emulator.url(),
        &["credentials", "--profile", "mfa"],
    ));
    cmd.stdin(std::process::Stdio::null());
    let r = run(cmd);
    r.expect_code(3);
    let line = one_line(&r);
    assert!(line.contains("there is no terminal to ask on"), "{line}");
    assert!(
        line.contains("awscred credentials --profile mfa` once in a terminal"),
        "{line}"
    );
    assert_eq!(emulator.count("AssumeRole"), 0);
}

#[test]
fn headless_and_ssh_logins_use_the_device_code_and_say_so_in_one_line() {
    let emulator = emulator();
    for (case, set, says) in [
        (
            "no display",
            None,
            "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)",
        ),
        (
            "ssh",
            Some(("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")),
            "this is an SSH session (SSH_CONNECTION is set)",
        ),
    ] {
        let home = Home::new(CONFIG);
        let before = emulator.count("StartDeviceAuthorization");
        let mut cmd = awscred(&home, &emulator.url(), &["login", "--sso-session", "S"]);
        cmd.env_remove("AWSCRED_NO_BROWSER");
        match set {
            None => {
                cmd.env_remove("DISPLAY");
            }
            Some((k, v)) => {
                cmd.env(k, v);
            }
        }
        let r = run(cmd);
        r.ok();
        let notes: Vec<&str> = r.stderr.lines().filter(|l| l.contains(says)).collect();
        assert_eq!(notes.len(), 1, "{case}: {}", r.stderr);
        assert!(
            notes[0].contains("using the device code"),
            "{case}: {}",
            notes[0]
        );
        assert!(!r.stderr.contains("Attempting"), "{case}: {}", r.stderr);
        assert_eq!(
            emulator.count("StartDeviceAuthorization"),
            before + 1,
            "{case}"
        );
        assert_eq!(home.tokens().len(), 1, "{case}");
    }
}

#[test]
fn no_browser_never_says_it_opens_one_and_the_progress_line_does_not_say_in_the_browser() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    // The browser login, asked not to open a browser, by the flag or the variable.
    for (flag, env) in [(true, false), (false, true)] {
        let mut args = vec!["login", "--sso-session", "S"];
        if flag {
            args.push("--no-browser");
        }
        let mut cmd = awscred(&home, &emulator.url(), &args);
        if !env {
            cmd.env_remove("AWSCRED_NO_BROWSER");
        }
        let r = login_in_browser(cmd, &emulator);
        r.ok();
        assert!(!r.stderr.contains("Attempting"), "{}", r.stderr);
        assert!(
            r.stderr
                .contains("Browser will not be automatically opened"),
            "{}",
            r.stderr
        );
    }
    // The device code's progress line, on a terminal, with no browser opened. The emulator
    // answers one poll `authorization_pending` before it approves, so the line is shown.
    let bin = env!("CARGO_BIN_EXE_awscred");
    let pty = Pty::start(
        &awscred(&home, &emulator.url(), &[]),
        &format!("'{bin}' login --sso-session S --use-device-code --no-browser"),
    );
    let (code, screen) = pty.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("Waiting for authorization (approve it at the URL above, on any device)"),
        "{screen}"
    );
    assert!(!screen.contains("in the browser"), "{screen}");
    assert!(!screen.contains("Attempting"), "{screen}");
}

#[test]
fn the_listener_is_bound_before_the_browser_opens() {
    // A browser that follows the authorize URL the moment it is started: the emulator
    // approves and redirects to the loopback callback, which must already be listening.
    let emulator = emulator();
    let home = Home::new(CONFIG);
    let browser = home.path().join("browser.sh");
    std::fs::write(
        &browser,
        "#!/bin/sh\nexec curl -s -f -L -o /dev/null \"$1\"\n",
    )
    .expect("browser script");
    chmod(&browser, 0o755);
    let mut cmd = awscred(&home, &emulator.url(), &["login", "--sso-session", "S"]);
    cmd.env_remove("AWSCRED_NO_BROWSER")
        .env_remove("DISPLAY")
        .env("BROWSER", &browser);
    let r = run(cmd);
    r.ok();
    assert!(
        r.stderr.contains("Attempting to open your default browser"),
        "{}",
        r.stderr
    );
    assert_eq!(
        emulator.count("StartDeviceAuthorization"),
        0,
        "the browser login was used"
    );
    assert_eq!(home.tokens().len(), 1);
}

#[test]
fn a_remote_console_login_reads_the_verification_code_at_the_terminal() {
    // `awscred login --login-session --remote` (as `aws login --remote`): the URL is shown,
    // "another device" (this test) opens it, the emulator's confirmation page shows the code,
    // and the code typed at the terminal finishes the login.
    let emulator = emulator();
    let url = emulator.url();
    let home = Home::new("[profile console]\nregion = us-east-1\n");
    let bin = env!("CARGO_BIN_EXE_awscred");
    let mut pty = Pty::start(
        &awscred(&home, &url, &[]),
        &format!("'{bin}' login --login-session console --remote"),
    );
    pty.wait_for("Enter the verification code the browser shows: ");
    let screen = pty.screen();
    let authorize = screen
        .split_whitespace()
        .find(|w| w.contains("/v1/authorize?"))
        .unwrap_or_else(|| panic!("no authorize URL on the terminal:\n{screen}"))
        .to_string();
    assert!(authorize.starts_with(&url), "{authorize}");
    assert!(authorize.contains("devtools%2Fcross-device"), "{authorize}");
    // The browser on the other device: the authorize page redirects to Sign-In's own
    // confirmation page (no loopback listener in this flow), which shows the code.
    let (status, location, body) = http_get(&authorize);
    assert_eq!(status, 302, "the authorize page: {body}");
    let confirmation = location.expect("a redirect");
    assert!(
        confirmation.starts_with(&format!("{url}/v1/sessions/confirmation?")),
        "{confirmation}"
    );
    let (status, _, page) = http_get(&confirmation);
    assert_eq!(status, 200, "the confirmation page: {page}");
    let code = page
        .split("<code id=\"verification-code\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_else(|| panic!("no code on the confirmation page: {page}"))
        .to_string();
    pty.type_line(&code);
    let (exit, screen) = pty.finish();
    assert_eq!(exit, Some(0), "{screen}");
    let session = emulator.console_session_arn();
    assert!(
        screen.contains(&format!(
            "Updated profile console to use {session} credentials"
        )),
        "{screen}"
    );
    let cache = home.path().join(".aws/login/cache");
    let files = Home::json_files(&cache);
    assert_eq!(files.len(), 1, "one cache file in {}", cache.display());
    assert_eq!(
        files[0].1["clientId"], "arn:aws:signin:::devtools/cross-device",
        "the session refreshes with the cross-device client"
    );
    let config = std::fs::read_to_string(home.config_path()).expect("config");
    assert!(
        config.contains(&format!("login_session = {session}")),
        "{config}"
    );
    let creds = run(awscred(
        &home,
        &url,
        &["credentials", "--profile", "console"],
    ));
    creds.ok();
    let v: Value = serde_json::from_str(&creds.stdout).expect("JSON");
    assert_eq!(
        v["AccessKeyId"], files[0].1["accessToken"]["accessKeyId"],
        "the login's credentials are used"
    );
    assert_eq!(emulator.count("CreateOAuth2Token"), 1);
    assert!(emulator.refused_dpop_proofs().is_empty());

    // A wrong code ends the login with a clear error, and nothing is written.
    let home = Home::new("[profile console]\nregion = us-east-1\n");
    let mut pty = Pty::start(
        &awscred(&home, &url, &[]),
        &format!("'{bin}' login --login-session console --remote"),
    );
    pty.wait_for("Enter the verification code the browser shows: ");
    pty.type_line("not-a-code");
    let (exit, screen) = pty.finish();
    assert_ne!(exit, Some(0), "{screen}");
    assert!(
        screen.contains("verification code could not be decoded"),
        "{screen}"
    );
    assert!(!home.path().join(".aws/login/cache").exists(), "{screen}");
}
