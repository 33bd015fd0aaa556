//! The instance metadata service and the container endpoint, over real HTTP.

use std::time::Duration;

use awscred_core::Credentials;
use awscred_emulator::{Emulator, EmulatorConfig, Fault};

use crate::client::{Resp, get, send};

const ROLE_PATH: &str = "/latest/meta-data/iam/security-credentials/";

fn token(emu: &Emulator, ttl: &str) -> Resp {
    send(
        emu.port(),
        "PUT",
        "/latest/api/token",
        &[("x-aws-ec2-metadata-token-ttl-seconds", ttl)],
        b"",
    )
}

fn credentials(r: &Resp) -> Credentials {
    let v = r.json();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    Credentials::new(
        s("AccessKeyId"),
        s("SecretAccessKey"),
        Some(s("Token")),
        None,
    )
}

#[test]
fn imds_v2_token_role_and_credentials() {
    let emu = Emulator::start(EmulatorConfig::demo()).unwrap();
    let t = token(&emu, "21600");
    assert_eq!(t.status, 200);
    assert_eq!(
        t.header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    let tok = t.text();
    let role = get(&emu, ROLE_PATH, &[("x-aws-ec2-metadata-token", &tok)]);
    assert_eq!(
        (role.status, role.text().as_str()),
        (200, "emulator-instance-role")
    );
    let c = get(
        &emu,
        &format!("{ROLE_PATH}emulator-instance-role"),
        &[("x-aws-ec2-metadata-token", &tok)],
    );
    assert_eq!(c.status, 200);
    let v = c.json();
    assert_eq!(v["Code"], "Success");
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    // The instance credentials sign STS calls: they can start a role chain.
    let who = crate::sts::signed(&emu, &credentials(&c), crate::sts::WHOAMI);
    assert_eq!(who.status, 200, "{}", who.text());
    assert!(who.text().contains("assumed-role/emulator-instance-role/"));
    assert_eq!(emu.count("GetMetadataToken"), 1);
    assert_eq!(emu.count("GetInstanceCredentials"), 1);
}

#[test]
fn imds_token_checks() {
    let emu = Emulator::start(EmulatorConfig::demo()).unwrap();
    for bad in ["0", "21601", "soon"] {
        assert_eq!(token(&emu, bad).status, 400, "{bad}");
    }
    assert_eq!(
        send(emu.port(), "PUT", "/latest/api/token", &[], b"").status,
        400
    );
    // IMDSv2 is required by default.
    assert_eq!(get(&emu, ROLE_PATH, &[]).status, 401);
    assert_eq!(
        get(&emu, ROLE_PATH, &[("x-aws-ec2-metadata-token", "forged")]).status,
        401
    );
    // A token lives its TTL by the emulator's clock.
    let tok = token(&emu, "60").text();
    emu.advance(Duration::from_secs(61));
    assert_eq!(
        get(&emu, ROLE_PATH, &[("x-aws-ec2-metadata-token", &tok)]).status,
        401
    );
    let tok = token(&emu, "60").text();
    emu.expire_imds_tokens();
    assert_eq!(
        get(&emu, ROLE_PATH, &[("x-aws-ec2-metadata-token", &tok)]).status,
        401
    );
}

#[test]
fn imds_v1_no_role_expiry_and_faults() {
    let emu = Emulator::start(EmulatorConfig {
        imds_v1: true,
        ..EmulatorConfig::demo()
    })
    .unwrap();
    assert_eq!(get(&emu, ROLE_PATH, &[]).status, 200);
    assert_eq!(
        get(&emu, &format!("{ROLE_PATH}other-role"), &[]).status,
        404
    );
    let expired = emu.now() - Duration::from_secs(60);
    emu.set_metadata_expiry(Some(expired));
    let c = get(&emu, &format!("{ROLE_PATH}emulator-instance-role"), &[]);
    assert_eq!(
        c.json()["Expiration"],
        awscred_core::time::format_z(expired)
    );
    emu.inject("GetMetadataToken", Fault::status(403, "Forbidden"), 1);
    assert_eq!(token(&emu, "21600").status, 403);
    emu.inject("GetInstanceCredentials", Fault::ServerError, 1);
    assert_eq!(
        get(&emu, &format!("{ROLE_PATH}emulator-instance-role"), &[]).status,
        500
    );

    let none = Emulator::start(EmulatorConfig {
        instance_role: None,
        imds_v1: true,
        ..EmulatorConfig::demo()
    })
    .unwrap();
    assert_eq!(get(&none, ROLE_PATH, &[]).status, 404);
}

#[test]
fn container_endpoint_checks_the_authorization() {
    let emu = Emulator::start(EmulatorConfig {
        container_authorization: Some("pod-token-1".into()),
        ..EmulatorConfig::demo()
    })
    .unwrap();
    assert!(emu.container_url().ends_with("/v1/credentials"));
    assert_eq!(get(&emu, "/v1/credentials", &[]).status, 401);
    assert_eq!(
        get(&emu, "/v1/credentials", &[("authorization", "wrong")]).status,
        401
    );
    let ok = get(&emu, "/v1/credentials", &[("authorization", "pod-token-1")]);
    assert_eq!(ok.status, 200);
    let v = ok.json();
    assert_eq!(v["AccountId"], "111122223333");
    assert_eq!(
        v["RoleArn"],
        "arn:aws:iam::111122223333:role/emulator-task-role"
    );
    let who = crate::sts::signed(&emu, &credentials(&ok), crate::sts::WHOAMI);
    assert_eq!(who.status, 200, "{}", who.text());
    emu.set_container_authorization(Some("pod-token-2"));
    assert_eq!(
        get(&emu, "/v1/credentials", &[("authorization", "pod-token-1")]).status,
        401
    );
    emu.set_container_authorization(None);
    assert_eq!(get(&emu, "/v2/credentials/abc-123", &[]).status, 200);
}
