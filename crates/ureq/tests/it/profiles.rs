//! Each kind of profile resolves against the emulator, and the emulator saw the calls it should.

use std::time::Duration;

use awscred_core::sts::GetCallerIdentity;
use awscred_core::{Credentials, Endpoint, Error};

use crate::common::{LEGACY_START_URL, World};

/// Who the emulator's STS says these credentials belong to (it verifies the signature).
fn caller_arn(world: &World, credentials: &Credentials) -> String {
    let op = GetCallerIdentity::new(
        Endpoint {
            url: world.emulator.url(),
            signing_region: "us-east-1".into(),
        },
        credentials.clone(),
    );
    let identity = world.client().execute(&op);
    world.audit.result("caller identity", &identity);
    identity.expect("the credentials are accepted by STS").arn
}

#[test]
fn sso_session_profile() {
    let world = World::new();
    world.seed_session(Duration::from_secs(3600));
    let resolved = world.resolve("dev").expect("dev resolves");
    assert_eq!(resolved.profile, "dev");
    assert_eq!(resolved.region.as_deref(), Some("us-east-1"));
    let c = &resolved.credentials;
    assert!(c.access_key_id().starts_with("ASIA"), "{c:?}");
    assert!(c.session_token().is_some());
    assert!(c.expiry().is_some());
    assert_eq!(c.account_id(), Some("111122223333"));
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(
        world.emulator.count("CreateToken"),
        0,
        "a fresh token is used as is"
    );
    let arn = caller_arn(&world, c);
    assert!(
        arn.contains("111122223333") && arn.contains("ReadOnlyAccess"),
        "{arn}"
    );

    // The AWS CLI's cache now holds them: a second resolution makes no call.
    let again = world.resolve("dev").expect("dev resolves again");
    assert!(again.from_cli_cache);
    assert_eq!(again.credentials.access_key_id(), c.access_key_id());
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    world.assert_files_intact("after sso-session resolutions");
}

#[test]
fn legacy_profile() {
    let world = World::new();
    world.seed(
        LEGACY_START_URL,
        LEGACY_START_URL,
        Duration::from_secs(3600),
    );
    let resolved = world.resolve("legacy").expect("legacy resolves");
    assert_eq!(resolved.credentials.account_id(), Some("444455556666"));
    let arn = caller_arn(&world, &resolved.credentials);
    assert!(
        arn.contains("444455556666") && arn.contains("Deployer"),
        "{arn}"
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);

    // A legacy token inside the refresh window is used as is, never refreshed.
    std::fs::remove_dir_all(world.cli_cache()).expect("cli cache removed");
    let issued = world.seed(LEGACY_START_URL, LEGACY_START_URL, Duration::from_secs(300));
    world
        .resolve("legacy")
        .expect("a legacy token with 5 minutes left still works");
    assert_eq!(world.emulator.count("CreateToken"), 0);
    assert_eq!(
        world.read_token(LEGACY_START_URL).access_token,
        issued.access_token
    );
}

#[test]
fn sso_with_three_deep_assume_role_chain() {
    let world = World::new();
    world.seed_session(Duration::from_secs(3600));
    let resolved = world.resolve("r3").expect("r3 resolves");
    assert_eq!(resolved.profile, "r3");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(world.emulator.count("AssumeRole"), 3);
    let arn = caller_arn(&world, &resolved.credentials);
    assert!(
        arn.contains("777788889999") && arn.contains("assumed-role/three/deep-chain"),
        "{arn}"
    );
    // Every link is cached by the AWS CLI's rules: resolving again calls nothing.
    world.emulator.clear_requests();
    let again = world.resolve("r3").expect("r3 resolves again");
    assert!(again.from_cli_cache);
    assert_eq!(
        world.emulator.requests().len(),
        0,
        "{:?}",
        world.emulator.requests()
    );
    world.assert_files_intact("after the chain");
}

#[test]
fn static_keys_and_role() {
    let world = World::new();
    let resolved = world.resolve("app").expect("app resolves");
    assert_eq!(world.emulator.count("AssumeRole"), 1);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 0);
    let arn = caller_arn(&world, &resolved.credentials);
    assert!(
        arn.contains("123456789012") && arn.contains("assumed-role/app/"),
        "{arn}"
    );

    // A wrong secret: STS rejects the signature, clearly and without retrying.
    let world = World::new();
    world.write_credentials(
        "[base]\naws_access_key_id = AKIAEMULATORSTATIC01\naws_secret_access_key = not-the-secret\n",
    );
    let e = world.resolve("app").expect_err("a bad signature fails");
    world.audit.error("bad signature", &e);
    assert!(matches!(e, Error::Service(_)), "{e:?}");
    assert_eq!(world.emulator.count("AssumeRole"), 1, "not retried");
    assert!(e.to_string().contains("Signature"), "{e}");
}

#[test]
fn expired_token_without_refresh_token_needs_login() {
    let world = World::new();
    let issued = world.emulator.issue_access_token(Duration::from_secs(3600));
    world.audit.debug("issued", &issued);
    let mut token = awscred_core::token::CachedToken {
        access_token: issued.access_token.clone().into(),
        expires_at: std::time::SystemTime::now() - Duration::from_secs(60),
        refresh_token: None,
        client_id: Some(issued.client_id.clone()),
        client_secret: Some(issued.client_secret.clone().into()),
        registration_expires_at: Some(issued.registration_expires_at),
        region: Some("us-east-1".into()),
        start_url: Some(crate::common::START_URL.into()),
        unknown: Default::default(),
    };
    world.write_token("dev", &token);
    let before = std::fs::read(world.token_path("dev")).unwrap();
    for profile in ["dev", "r3"] {
        let e = world.resolve(profile).expect_err("an expired token fails");
        match &e {
            Error::LoginNeeded { reason, .. } => {
                assert_eq!(
                    e.login_command().as_deref(),
                    Some("awscred login --sso-session dev")
                );
                assert!(reason.contains("expired"), "{reason}");
            }
            other => panic!("expected LoginNeeded, got {other:?}"),
        }
        assert!(
            e.to_string()
                .contains("run `awscred login --sso-session dev`"),
            "{e}"
        );
    }
    assert_eq!(world.emulator.requests().len(), 0, "nothing was sent");
    assert_eq!(
        std::fs::read(world.token_path("dev")).unwrap(),
        before,
        "file untouched"
    );

    // A legacy profile names its own login command.
    token.start_url = Some(LEGACY_START_URL.into());
    world.write_token(LEGACY_START_URL, &token);
    let e = world
        .resolve("legacy")
        .expect_err("an expired legacy token fails");
    world.audit.error("legacy expired", &e);
    assert!(
        e.login_command().as_deref() == Some("awscred login --profile legacy"),
        "{e:?}"
    );

    // No token at all: the same error kind, naming the file it looked for.
    std::fs::remove_file(world.token_path("dev")).unwrap();
    let e = world.resolve("dev").expect_err("no token fails");
    world.audit.error("no token", &e);
    assert!(
        matches!(&e, Error::LoginNeeded { reason, .. } if reason.contains("no SSO token")),
        "{e:?}"
    );
}
