//! `awscred configure populate` against the emulator: every account and role of the session
//! becomes a profile that resolves (with awscred and the AWS CLI v2), the rest of the file stays
//! byte for byte, a second run changes nothing, `--prune` removes only its own sections.

mod common;

use std::time::Duration;

use awscred_emulator::{Account, Emulator, EmulatorConfig};
use common::*;

/// The user's own file: comments, blank lines, a profile that takes a generated name.
const MINE: &str = "\
# my settings; keep this comment
[default]
region = us-east-2

[sso-session S]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1

; a hand-written profile with a name the template also gives
[profile Staging.Deployer]
sso_session = S
sso_account_id = 444455556666
sso_role_name = Deployer
";

/// The demo fixture's assignments, in the order the generated sections are written.
const GENERATED: [(&str, &str, &str); 5] = [
    (
        "Development.AdministratorAccess",
        "111122223333",
        "AdministratorAccess",
    ),
    (
        "Development.PowerUserAccess",
        "111122223333",
        "PowerUserAccess",
    ),
    (
        "Development.ReadOnlyAccess",
        "111122223333",
        "ReadOnlyAccess",
    ),
    ("Staging.ReadOnlyAccess", "444455556666", "ReadOnlyAccess"),
    (
        "Production.ReadOnlyAccess",
        "777788889999",
        "ReadOnlyAccess",
    ),
];

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

fn config(home: &Home) -> String {
    std::fs::read_to_string(home.config_path()).expect("~/.aws/config")
}

fn section(name: &str, account: &str, role: &str, region: Option<&str>) -> String {
    let region = region
        .map(|r| format!("region = {r}\n"))
        .unwrap_or_default();
    format!(
        "\n[profile {name}]\nsso_session = S\nsso_account_id = {account}\nsso_role_name = {role}\n{region}awscred_populated_from = S\n"
    )
}

#[test]
fn every_role_becomes_a_profile_and_the_rest_of_the_file_is_kept() {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let url = emulator.url();
    let home = Home::new(MINE);
    seed_token(&emulator, &home);

    // --dry-run: the diff, and nothing written.
    let dry = run(awscred(
        &home,
        &url,
        &["configure", "populate", "--sso-session", "S", "--dry-run"],
    ));
    dry.ok();
    assert_eq!(config(&home), MINE, "--dry-run writes nothing");
    let path = home.config_path().display().to_string();
    assert!(
        dry.stdout
            .starts_with(&format!("--- {path}\n+++ {path}\n@@ -11,3 +11,")),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("+[profile Production.ReadOnlyAccess]\n"),
        "{}",
        dry.stdout
    );
    assert!(dry.stderr.contains("Would add (5)"), "{}", dry.stderr);

    let first = run(awscred(
        &home,
        &url,
        &[
            "configure",
            "populate",
            "--sso-session",
            "S",
            "--region",
            "eu-west-1",
        ],
    ));
    first.ok();
    assert!(first.stdout.contains("Added (5): "), "{}", first.stdout);
    // The hand-written profile keeps its name and its lines; the collision is reported.
    assert!(
        first.stderr.contains(
            "[profile Staging.Deployer] for account 444455556666 role Deployer not written"
        ),
        "{}",
        first.stderr
    );
    let expected: String = std::iter::once(MINE.to_string())
        .chain(
            GENERATED
                .iter()
                .map(|(n, a, r)| section(n, a, r, Some("eu-west-1"))),
        )
        .collect();
    assert_eq!(config(&home), expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.config_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Pages of two were followed: every account was listed.
    assert!(emulator.count("ListAccounts") >= 2);

    // A generated profile resolves.
    let creds = run(awscred(
        &home,
        &url,
        &["credentials", "--profile", "Development.ReadOnlyAccess"],
    ));
    creds.ok();
    let value: serde_json::Value = serde_json::from_str(&creds.stdout).unwrap();
    assert!(value["AccessKeyId"].as_str().is_some());

    // Again: nothing changes.
    let again = run(awscred(
        &home,
        &url,
        &[
            "configure",
            "populate",
            "--sso-session",
            "S",
            "--region",
            "eu-west-1",
        ],
    ));
    again.ok();
    assert!(again.stdout.contains("is up to date"), "{}", again.stdout);
    assert_eq!(config(&home), expected);
}

#[test]
fn prune_removes_only_its_own_sections_for_roles_that_are_gone() {
    let home = Home::new(MINE);
    {
        let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
        seed_token(&emulator, &home);
        run(awscred(
            &home,
            &emulator.url(),
            &["configure", "populate", "--sso-session", "S"],
        ))
        .ok();
    }
    // The user edits a generated section and adds one of their own after it.
    let edited = format!(
        "{}[profile later]\nregion = ap-south-1\n",
        config(&home).replace(
            "sso_role_name = PowerUserAccess\n",
            "sso_role_name = PowerUserAccess\noutput = json\n"
        )
    );
    std::fs::write(home.config_path(), &edited).unwrap();

    // The session now has fewer assignments.
    let fewer = EmulatorConfig {
        accounts: vec![Account::new(
            "111122223333",
            "Development",
            "dev@example.com",
            &["PowerUserAccess"],
        )],
        ..EmulatorConfig::demo()
    };
    let emulator = Emulator::start(fewer).expect("the emulator starts");
    seed_token(&emulator, &home);
    let url = emulator.url();

    let keep = run(awscred(
        &home,
        &url,
        &["configure", "populate", "--sso-session", "S"],
    ));
    keep.ok();
    assert!(
        keep.stdout
            .contains("No longer assigned (kept; --prune removes them) (4)"),
        "{}",
        keep.stdout
    );
    assert_eq!(config(&home), edited, "without --prune nothing goes");

    let pruned = run(awscred(
        &home,
        &url,
        &["configure", "populate", "--sso-session", "S", "--prune"],
    ));
    pruned.ok();
    assert!(pruned.stdout.contains("Removed (4)"), "{}", pruned.stdout);
    assert_eq!(
        config(&home),
        format!(
            "{MINE}\n[profile Development.PowerUserAccess]\nsso_session = S\nsso_account_id = 111122223333\nsso_role_name = PowerUserAccess\noutput = json\nawscred_populated_from = S\n[profile later]\nregion = ap-south-1\n"
        )
    );
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let url = emulator.url();
    let home = Home::new(MINE);
    let r = run(awscred(
        &home,
        &url,
        &[
            "configure",
            "populate",
            "--sso-session",
            "S",
            "--template",
            "{account}",
        ],
    ));
    r.expect_code(3);
    assert!(
        r.stderr.contains("unknown placeholder {account}"),
        "{}",
        r.stderr
    );
    let r = run(awscred(
        &home,
        &url,
        &["configure", "populate", "--sso-session", "nope"],
    ));
    r.expect_code(3);
    assert!(
        r.stderr.contains("has no [sso-session nope]: it has S"),
        "{}",
        r.stderr
    );
    // No token: the login to run is named.
    let r = run(awscred(
        &home,
        &url,
        &["configure", "populate", "--sso-session", "S"],
    ));
    r.expect_code(4);
    assert!(
        r.stderr.contains("awscred login --sso-session S"),
        "{}",
        r.stderr
    );
    assert_eq!(emulator.count("ListAccounts"), 0);
    assert_eq!(config(&home), MINE);
}

#[test]
fn the_aws_cli_uses_a_generated_profile() {
    let Some(tool) = aws_cli() else { return };
    let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
    let url = emulator.url();
    let home = Home::new(MINE);
    seed_token(&emulator, &home);
    run(awscred(
        &home,
        &url,
        &[
            "configure",
            "populate",
            "--sso-session",
            "S",
            "--region",
            "us-east-1",
        ],
    ))
    .ok();
    let mut cmd = std::process::Command::new(&tool);
    clean(&mut cmd, &home, &url);
    cmd.args([
        "configure",
        "export-credentials",
        "--profile",
        "Staging.ReadOnlyAccess",
    ]);
    let r = run(cmd);
    r.ok();
    let value: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout));
    assert!(value["AccessKeyId"].as_str().is_some(), "{}", r.stdout);
    assert!(
        emulator
            .requests()
            .iter()
            .any(|q| q.operation == "GetRoleCredentials"
                && q.query.contains("account_id=444455556666")
                && q.query.contains("role_name=ReadOnlyAccess")),
        "the AWS CLI asked for the generated profile's role"
    );
}
