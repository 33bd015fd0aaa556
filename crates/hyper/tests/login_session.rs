//! Console login sessions (`login_session`) through the async driver's provider and, behind the
//! `aws-sdk` feature, an `aws-sdk-sts` client: the cache file refreshed with a DPoP proof the
//! emulator verifies, and a role chained on the session.
#![cfg(feature = "login-session")]

mod common;

use std::time::Duration;

use awscred_core::Credentials;
use awscred_core::config::Platform;
use awscred_core::signin::{self, DpopKey, LoginToken, SAME_DEVICE_CLIENT_ID};
use common::world::World;

/// `login_session` (due for a refresh) and a role chained on it, added to the fixture's config.
fn console_world() -> (World, String, String) {
    let world = World::start();
    let key = DpopKey::from_random(&[9; 32]).unwrap();
    let expires_in = Duration::from_secs(60);
    let issued =
        world
            .emulator
            .issue_console_session(SAME_DEVICE_CLIENT_ID, &key.thumbprint(), expires_in);
    let token = LoginToken {
        credentials: Credentials::new(
            issued.access_key_id.clone(),
            issued.secret_access_key.clone(),
            Some(issued.session_token.clone()),
            Some(world.emulator.now() + expires_in),
        )
        .with_account_id(Some(issued.account_id.clone())),
        token_type: Some("aws_sigv4".into()),
        client_id: SAME_DEVICE_CLIENT_ID.into(),
        refresh_token: issued.refresh_token.clone().into(),
        id_token: None,
        dpop_key: key.to_pem(),
        unknown: Default::default(),
    };
    let dir = signin::cache_dir(&world.env(), world.home.path(), Platform::Unix);
    awscred_files::write_private_atomic(
        dir.join(signin::cache_file_name(&issued.login_session)),
        &token.to_json(),
    )
    .unwrap();
    let config_path = world.home.path().join(".aws").join("config");
    let mut config = std::fs::read_to_string(&config_path).unwrap();
    config.push_str(&format!(
        "\n[profile console]\nlogin_session = {}\nregion = us-east-1\n\n\
         [profile console-role]\nrole_arn = arn:aws:iam::111122223333:role/FromConsole\n\
         source_profile = console\nregion = us-east-1\n",
        issued.login_session
    ));
    std::fs::write(&config_path, config).unwrap();
    (world, issued.access_key_id.clone(), issued.login_session)
}

#[tokio::test]
async fn provider_refreshes_a_login_session_and_chains_a_role() {
    let (world, old_key, _) = console_world();
    let provider = world.provider("console");
    let c = world.credentials(&provider).await.expect("refreshed");
    assert_ne!(c.access_key_id(), old_key);
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    assert!(world.emulator.refused_dpop_proofs().is_empty());
    // Served from memory now.
    let again = world.credentials(&provider).await.unwrap();
    assert_eq!(again.access_key_id(), c.access_key_id());
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    // A role chained on it: the rotated file is read, STS verifies the signature.
    let role = world.provider("console-role");
    let r = world.credentials(&role).await.expect("role credentials");
    assert_ne!(r.access_key_id(), c.access_key_id());
    assert_eq!(world.emulator.count("AssumeRole"), 1);
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    world.finish();
}

#[tokio::test]
async fn an_ended_session_names_the_login_command() {
    let (world, _, _) = console_world();
    world.emulator.end_console_sessions();
    let e = world
        .credentials(&world.provider("console"))
        .await
        .unwrap_err();
    assert_eq!(
        e.login_command().as_deref(),
        Some("awscred login --login-session console")
    );
    world.finish();
}

#[cfg(feature = "aws-sdk")]
#[tokio::test]
async fn an_aws_sdk_client_signs_with_a_role_chained_on_a_login_session() {
    use aws_sdk_sts::config::{BehaviorVersion, Region};
    let (world, _, _) = console_world();
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(world.emulator.url())
        .credentials_provider(world.provider("console-role"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let identity = aws_sdk_sts::Client::from_conf(config)
        .get_caller_identity()
        .send()
        .await
        .expect("the emulator verified the signature");
    assert!(
        identity.arn().unwrap_or_default().contains("FromConsole"),
        "{:?}",
        identity.arn()
    );
    assert_eq!(world.emulator.count("CreateOAuth2Token"), 1);
    world.finish();
}
