//! The `aws-sdk` feature: an `aws-sdk-sts` client signs with credentials from our [`Provider`],
//! and the emulator verifies the SigV4 signature.

#![cfg(feature = "aws-sdk")]

use std::time::{Duration, SystemTime};

use aws_config::meta::credentials::CredentialsProviderChain;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use awscred_core::sso::GetRoleCredentials;
use awscred_core::{Credentials, Endpoint, Error};
use awscred_emulator::{Emulator, EmulatorConfig, Fault};
use awscred_hyper::{Client, Provider};

/// An STS client of the AWS SDK for Rust talking plain HTTP to the emulator on loopback.
fn sts(emulator: &Emulator, provider: Provider) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emulator.url())
        .credentials_provider(provider)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn static_provider(akid: String, secret: String) -> Provider {
    Provider::from_resolver(Client::default(), move || {
        let credentials = Credentials::new(akid.clone(), secret.clone(), None, None);
        async move { Ok(credentials) }
    })
}

#[tokio::test]
async fn sdk_calls_are_signed_with_static_keys_from_the_provider() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let (akid, secret) = emulator.config().static_keys[0].clone();
    let identity = sts(&emulator, static_provider(akid, secret))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some("111122223333"));
    assert_eq!(
        identity.arn(),
        Some("arn:aws:iam::111122223333:user/emulator-static")
    );
    assert_eq!(emulator.count("GetCallerIdentity"), 1);
}

#[tokio::test]
async fn sdk_calls_carry_the_session_token_of_temporary_credentials() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let token = emulator
        .issue_access_token(Duration::from_secs(3600))
        .access_token;
    let op = GetRoleCredentials {
        endpoint: Endpoint {
            url: emulator.url(),
            signing_region: "us-east-1".into(),
        },
        access_token: token.into(),
        account_id: "444455556666".into(),
        role_name: "Deployer".into(),
    };
    let client = Client::default();
    let resolver_client = client.clone();
    let provider = Provider::from_resolver(client, move || {
        let (client, op) = (resolver_client.clone(), op.clone());
        async move { client.execute(&op).await }
    });
    let sts = sts(&emulator, provider.clone());
    for _ in 0..3 {
        let identity = sts.get_caller_identity().send().await.unwrap();
        assert_eq!(identity.account(), Some("444455556666"));
        assert!(
            identity.arn().is_some_and(|a| a.contains("Deployer")),
            "{identity:?}"
        );
    }
    assert_eq!(
        emulator.count("GetRoleCredentials"),
        1,
        "the SDK's calls share our cache"
    );
    assert_eq!(emulator.count("GetCallerIdentity"), 3);

    let sdk = provider.provide_credentials().await.unwrap();
    let ours = provider.credentials().await.unwrap();
    assert_eq!(sdk.access_key_id(), ours.access_key_id());
    assert_eq!(sdk.secret_access_key(), ours.secret_access_key());
    assert_eq!(sdk.session_token(), ours.session_token());
    assert_eq!(sdk.expiry(), ours.expiry());
    assert!(sdk.expiry().is_some_and(|e| e > SystemTime::now()));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_signature_check() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let (akid, _) = emulator.config().static_keys[0].clone();
    let e = sts(&emulator, static_provider(akid, "not-the-secret".into()))
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    let e = e.into_service_error();
    assert_eq!(e.meta().code(), Some("SignatureDoesNotMatch"), "{e:?}");
}

#[tokio::test]
async fn provider_errors_reach_the_sdk_as_credentials_errors() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let provider = Provider::from_resolver(Client::default(), || async {
        Err(Error::login_needed(
            "the SSO session has expired",
            awscred_core::LoginHint::sso_session("dev"),
        ))
    });
    let e = provider.provide_credentials().await.unwrap_err();
    let mut shown = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        shown.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(shown.contains("awscred login --sso-session dev"), "{shown}");
    assert!(
        sts(&emulator, provider)
            .get_caller_identity()
            .send()
            .await
            .is_err()
    );
    assert_eq!(
        emulator.count("GetCallerIdentity"),
        0,
        "nothing is sent without credentials"
    );
}

mod common;

#[tokio::test]
async fn sdk_calls_are_signed_with_a_profile_providers_credentials() {
    let world = common::world::World::start();
    world.seed_session_token(Duration::from_secs(8 * 3600));
    // The profile as the brief's users write it: an SSO profile, and a role chain on top.
    for (profile, account, role) in [
        ("dev", "111122223333", "ReadOnlyAccess"),
        ("r3", "333333333333", "three"),
    ] {
        let provider = Provider::new(world.env(), Some(profile.into()))
            .with_client(common::world::fast_client());
        let sts = sts(&world.emulator, provider.clone());
        for _ in 0..2 {
            let identity = sts.get_caller_identity().send().await.unwrap();
            assert_eq!(identity.account(), Some(account), "{profile}");
            assert!(
                identity.arn().is_some_and(|a| a.contains(role)),
                "{profile}: {identity:?}"
            );
            world.audit.debug("the SDK's answer", &identity);
        }
        let sdk = provider.provide_credentials().await.unwrap();
        world.audit.debug("the SDK's credentials", &sdk);
        world.audit.debug("the provider", &provider);
        assert_eq!(
            sdk.access_key_id(),
            provider.credentials().await.unwrap().access_key_id()
        );
    }
    assert_eq!(
        world.emulator.count("GetRoleCredentials"),
        1,
        "r3's chain starts from the cache of dev"
    );
    assert_eq!(world.emulator.count("AssumeRole"), 3);
    assert_eq!(world.emulator.count("GetCallerIdentity"), 4);

    // A provider whose profile needs a login: the SDK's error carries our message.
    let provider = Provider::new(world.env(), Some("legacy".into()));
    let e = provider.provide_credentials().await.unwrap_err();
    let mut shown = format!("{e} {e:?}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        shown.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(shown.contains("awscred login --profile legacy"), "{shown}");
    world.audit.text("the SDK's credentials error", shown);
    world.finish();
}

/// A temporary home with these config and credentials files.
fn home_with(config: &str, credentials: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(home.path().join(".aws/config"), config).unwrap();
    std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
    home
}

/// A profile provider in `home`, talking to `endpoint`, with one quick attempt per call.
fn profile_provider(home: &tempfile::TempDir, endpoint: &str, profile: &str) -> Provider {
    let env = awscred_hyper::Env::from_pairs([
        ("HOME", home.path().display().to_string()),
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
    ]);
    Provider::builder()
        .env(env)
        .profile(profile)
        .client(Client::new(awscred_hyper::ClientConfig {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_millis(300),
            retry: awscred_core::retry::RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            },
            ..Default::default()
        }))
        .build()
}

/// aws-config's chain: awscred first, then the emulator's static keys.
fn chain(first: Provider, emulator: &Emulator) -> CredentialsProviderChain {
    let (akid, secret) = emulator.config().static_keys[0].clone();
    let fallback = aws_credential_types::Credentials::new(akid, secret, None, None, "fallback");
    CredentialsProviderChain::first_try("awscred", first).or_else("fallback", fallback)
}

const SSO_PROFILE: &str = "\
[profile sso]
sso_session = dev
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[sso-session dev]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
";

const ROLE_PROFILE: &str = "\
[profile role]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base
";

const BASE_KEYS: &str = "\
[base]
aws_access_key_id = AKIAEMULATORSTATIC01
aws_secret_access_key = emulator-static-secret-key
";

#[tokio::test]
async fn a_chain_falls_through_a_profile_that_does_not_exist() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let home = home_with(SSO_PROFILE, "");
    let ours = profile_provider(&home, &emulator.url(), "missing");
    let e = ours.provide_credentials().await.unwrap_err();
    assert!(
        matches!(e, CredentialsError::CredentialsNotLoaded(_)),
        "{e:?}"
    );

    let chain = chain(ours, &emulator);
    let credentials = chain.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "AKIAEMULATORSTATIC01");
    // And an SDK client on the chain signs with the fallback's keys.
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emulator.url())
        .credentials_provider(chain)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let identity = aws_sdk_sts::Client::from_conf(config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        identity.arn(),
        Some("arn:aws:iam::111122223333:user/emulator-static")
    );
}

#[tokio::test]
async fn a_chain_falls_through_an_sso_session_that_needs_a_login() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    // No token in ~/.aws/sso/cache: the user never logged in.
    let home = home_with(SSO_PROFILE, "");
    let ours = profile_provider(&home, &emulator.url(), "sso");
    let e = ours.provide_credentials().await.unwrap_err();
    assert!(
        matches!(e, CredentialsError::CredentialsNotLoaded(_)),
        "{e:?}"
    );
    let source = std::error::Error::source(&e).map(|s| s.to_string());
    assert!(
        source
            .as_deref()
            .is_some_and(|s| s.contains("awscred login")),
        "{source:?}"
    );
    let credentials = chain(ours, &emulator).provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "AKIAEMULATORSTATIC01");
    assert_eq!(emulator.requests().len(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_chain_stops_at_a_provider_that_cannot_reach_its_endpoint() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    let home = home_with(ROLE_PROFILE, BASE_KEYS);
    // A port nothing listens on: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let ours = profile_provider(&home, &url, "role");
    let e = ours.provide_credentials().await.unwrap_err();
    assert!(matches!(e, CredentialsError::ProviderError(_)), "{e:?}");
    let e = chain(ours, &emulator)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(e, CredentialsError::ProviderError(_)),
        "the chain reports our failure instead of moving on: {e:?}"
    );
}

#[tokio::test]
async fn a_chain_stops_at_a_provider_that_timed_out() {
    let emulator = Emulator::start(EmulatorConfig::demo()).unwrap();
    emulator.inject("AssumeRole", Fault::Delay(Duration::from_secs(3)), 10);
    let home = home_with(ROLE_PROFILE, BASE_KEYS);
    let ours = profile_provider(&home, &emulator.url(), "role");
    let e = chain(ours, &emulator)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(e, CredentialsError::ProviderTimedOut(_)), "{e:?}");
}
