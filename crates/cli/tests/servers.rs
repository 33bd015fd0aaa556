//! `awscred` on the sources servers run on, end to end against the emulator: `credentials` and
//! `exec` with no profile through the default chain (IMDS, the container endpoint), a
//! `credential_source = Ec2InstanceMetadata` role, `profiles` showing them, and the default
//! chain's error with its exit code.

mod common;

use std::net::TcpListener;

use awscred_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::Value;

fn emulator(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).expect("the emulator starts")
}

fn on_ec2(home: &Home, emulator: &Emulator, args: &[&str]) -> std::process::Command {
    let mut cmd = awscred(home, &emulator.url(), args);
    cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", emulator.url())
        .env("AWS_REGION", "us-east-1");
    cmd
}

#[test]
fn credentials_without_a_profile_come_from_imds() {
    let emu = emulator(EmulatorConfig::demo());
    let home = Home::new("");
    let out = run(on_ec2(&home, &emu, &["credentials", "--format", "process"]));
    out.ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("process JSON");
    assert_eq!(v["Version"], 1);
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(v["Expiration"].is_string());
    assert_eq!(emu.count("GetMetadataToken"), 1);
    assert_no_secrets(&emu, &[("stderr".into(), out.stderr.clone())]);

    // `exec` hands the instance role to the command.
    let out = run(on_ec2(
        &home,
        &emu,
        &["exec", "--", "sh", "-c", "printf %s \"$AWS_ACCESS_KEY_ID\""],
    ));
    out.ok();
    assert!(out.stdout.starts_with("ASIA"), "{}", out.stdout);
}

#[test]
fn container_and_instance_role_chains_and_profiles() {
    let emu = emulator(EmulatorConfig {
        container_authorization: Some("task-token".into()),
        ..EmulatorConfig::demo()
    });
    let home = Home::new(
        "[profile app]\nrole_arn = arn:aws:iam::444455556666:role/app\ncredential_source = Ec2InstanceMetadata\nregion = us-east-1\n",
    );
    let out = run(on_ec2(
        &home,
        &emu,
        &["credentials", "--profile", "app", "--format", "process"],
    ));
    out.ok();
    assert_eq!(emu.count("AssumeRole"), 1);

    let mut cmd = on_ec2(&home, &emu, &["credentials", "--format", "process"]);
    cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", emu.container_url())
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-token");
    run(cmd).ok();
    assert_eq!(emu.count("GetContainerCredentials"), 1);

    let mut cmd = on_ec2(&home, &emu, &["profiles", "--output", "json"]);
    cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", emu.container_url());
    let out = run(cmd);
    out.ok();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let rows = v["profiles"].as_array().unwrap();
    let app = rows.iter().find(|r| r["profile"] == "app").unwrap();
    assert_eq!(app["resolvesThrough"], "instance metadata + role chain");
    assert_eq!(rows.len(), 1, "the default chain is not a profile");
    let chain = &v["defaultChain"];
    assert_eq!(chain["profile"], "(default chain)");
    assert_eq!(chain["resolvesThrough"], "container");
    assert_eq!(chain["source"], emu.container_url());

    let out = run(on_ec2(&home, &emu, &["profiles"]));
    out.ok();
    assert!(out.stdout.contains("(default chain)"), "{}", out.stdout);
    assert!(out.stdout.contains("instance metadata"), "{}", out.stdout);
}

#[test]
fn no_source_anywhere_is_one_error_with_exit_code_3() {
    let emu = emulator(EmulatorConfig::demo());
    let home = Home::new("");
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = awscred(&home, &emu.url(), &["credentials"]);
    cmd.env(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://127.0.0.1:{closed}"),
    );
    let out = run(cmd);
    out.expect_code(3);
    for line in [
        "Unable to locate credentials",
        "  - environment: AWS_ACCESS_KEY_ID is not set",
        "  - web identity:",
        "  - container:",
        "  - instance metadata",
    ] {
        assert!(out.stderr.contains(line), "{line} in\n{}", out.stderr);
    }
    // IMDS disabled: no request at all, and the chain says so.
    let mut cmd = awscred(&home, &emu.url(), &["credentials"]);
    cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", emu.url())
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let out = run(cmd);
    out.expect_code(3);
    assert!(
        out.stderr.contains("AWS_EC2_METADATA_DISABLED"),
        "{}",
        out.stderr
    );
    assert_eq!(emu.count("GetMetadataToken"), 0);
}
