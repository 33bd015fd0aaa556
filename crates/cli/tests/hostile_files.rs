//! Local files an attacker (or an accident) put in the way get nowhere (issue 16, items 6–7),
//! with the real `awscred` binary against the emulator on 127.0.0.1: a planted AWS CLI cache
//! entry is not used and is named with its fix, and a config "file" that is a device or a FIFO
//! is a clear error instead of a hang or an out-of-memory.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use awscred_core::token::CachedToken;
use awscred_emulator::{Emulator, EmulatorConfig};
use common::{CONFIG, Home, START_URL, awscred, run, sha1_hex};

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::demo()).expect("the emulator starts")
}

/// A valid SSO session for sso-session `S`, eight hours left.
fn seed(home: &Home, emulator: &Emulator) {
    let issued = emulator.issue_access_token(Duration::from_secs(8 * 3600));
    let token = CachedToken {
        access_token: issued.access_token.into(),
        expires_at: issued.expires_at,
        refresh_token: Some(issued.refresh_token.into()),
        client_id: Some(issued.client_id),
        client_secret: Some(issued.client_secret.into()),
        registration_expires_at: Some(issued.registration_expires_at),
        region: Some("us-east-1".into()),
        start_url: Some(START_URL.into()),
        unknown: Default::default(),
    };
    let path = home.sso_cache().join(format!("{}.json", sha1_hex("S")));
    awscred_files::write_private_atomic(path, &token.to_json()).unwrap();
}

/// Runs `awscred credentials --profile sso` once so that the AWS CLI cache holds an entry,
/// then plants keys of the test's own in it: what another user who could write there would do.
fn planted_entry(home: &Home, emulator: &Emulator) -> PathBuf {
    run(awscred(
        home,
        &emulator.url(),
        &["credentials", "--profile", "sso"],
    ))
    .ok();
    let entries = Home::json_files(&home.cli_cache());
    assert_eq!(entries.len(), 1, "one AWS CLI cache entry: {entries:?}");
    let path = home.cli_cache().join(&entries[0].0);
    let mut value = entries[0].1.clone();
    value["Credentials"]["AccessKeyId"] = "ASIAPLANTEDBYANOTHER".into();
    std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
    path
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn a_cache_entry_in_a_world_writable_directory_is_not_used_and_named_with_its_fix() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    seed(&home, &emulator);
    let entry = planted_entry(&home, &emulator);
    let dir = home.cli_cache();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["credentials", "--profile", "sso"],
    ));
    r.ok();
    assert!(
        !r.stdout.contains("ASIAPLANTED"),
        "the planted keys were used"
    );
    assert!(r.stdout.contains("AccessKeyId"), "{}", r.stdout);
    let warning = r
        .stderr
        .lines()
        .find(|l| l.contains(&entry.display().to_string()))
        .unwrap_or_else(|| panic!("no warning names {}: {:?}", entry.display(), r.stderr));
    assert!(warning.starts_with("awscred: warning: "), "{warning}");
    assert!(
        warning.contains(&format!("chmod 700 {}", dir.display())),
        "{warning}"
    );
}

#[test]
fn a_cache_entry_owned_by_another_user_is_not_used() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    seed(&home, &emulator);
    let entry = planted_entry(&home, &emulator);
    if is_root() {
        let chown = std::process::Command::new("chown")
            .arg("4242")
            .arg(&entry)
            .status()
            .unwrap();
        assert!(chown.success());
    } else {
        // A user cannot give a file away; a link to a file root owns reads as that file.
        std::fs::remove_file(&entry).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", &entry).unwrap();
    }
    let r = run(awscred(
        &home,
        &emulator.url(),
        &["credentials", "--profile", "sso"],
    ));
    r.ok();
    assert!(
        !r.stdout.contains("ASIAPLANTED"),
        "the planted keys were used"
    );
    assert!(
        r.stderr.contains("not by you") && r.stderr.contains(&entry.display().to_string()),
        "{}",
        r.stderr
    );
}

#[test]
fn a_config_file_that_is_a_device_or_a_fifo_is_a_clear_error() {
    let emulator = emulator();
    let home = Home::new(CONFIG);
    let mut cmd = awscred(&home, &emulator.url(), &["credentials", "--profile", "sso"]);
    cmd.env("AWS_CONFIG_FILE", "/dev/zero");
    let r = run(cmd);
    assert_ne!(r.code, Some(0));
    assert!(
        r.stderr.contains("/dev/zero") && r.stderr.contains("a device, not a regular file"),
        "{}",
        r.stderr
    );

    let fifo = home.path().join("config-fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut cmd = awscred(&home, &emulator.url(), &["credentials", "--profile", "sso"]);
    cmd.env("AWS_CONFIG_FILE", &fifo);
    let r = run(cmd);
    assert_ne!(r.code, Some(0));
    assert!(
        r.stderr.contains("a FIFO, not a regular file"),
        "{}",
        r.stderr
    );
}
