//! Profiles resolved end to end against the emulator through `Provider::new(env, profile)`:
//! every test has its own emulator and HOME, and ends with the secrets audit of everything it
//! could have shown a user (errors' Display and Debug, Debug of providers, credentials and
//! resolutions).

mod common;

use std::time::{Duration, SystemTime};

use awscred_core::config::Env;
use awscred_core::flow::{Interact, NonInteractive, Prompt};
use awscred_core::login::{LoginFlow, LoginRequest};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::sts::GetCallerIdentity;
use awscred_core::token::CachedToken;
use awscred_core::{Credentials, Endpoint, Error};
use awscred_emulator::{EmulatorConfig, Fault};
use awscred_hyper::Provider;
use common::audit::Audit;
use common::world::{
    self, LEGACY_START_URL, SESSION, SESSION_START_URL, World, fast_client, temp_files,
};

const HOUR: Duration = Duration::from_secs(3600);

impl World {
    /// One resolution straight through `Client::run`, for the `Resolved` it returns.
    async fn resolve(&self, profile: &str) -> Result<Resolved, Error> {
        let request = ResolveRequest::new(self.env()).profile(profile);
        let result = fast_client()
            .run(ResolveFlow::new(request), NonInteractive)
            .await;
        match &result {
            Ok(r) => self.audit.debug("resolved", r),
            Err(e) => self.audit.error("resolve", e),
        }
        result
    }

    /// Who the emulator's STS says signed with `credentials` (SigV4 verified there).
    async fn caller(&self, credentials: &Credentials) -> (String, String) {
        let endpoint = Endpoint {
            url: self.emulator.url(),
            signing_region: "us-east-1".into(),
        };
        let identity = fast_client()
            .execute(&GetCallerIdentity::new(endpoint, credentials.clone()))
            .await
            .unwrap_or_else(|e| {
                self.audit.error("GetCallerIdentity", &e);
                panic!("GetCallerIdentity: {e}")
            });
        (identity.account, identity.arn)
    }
}

#[tokio::test]
async fn sso_session_profile() {
    let world = World::start();
    world.seed_session_token(8 * HOUR);
    let provider = world.provider("dev");
    let credentials = world.credentials(&provider).await.unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    assert!(credentials.session_token().is_some());
    assert!(credentials.expiry().is_some_and(|e| e > SystemTime::now()));
    assert_eq!(credentials.account_id(), Some("111122223333"));
    let (account, arn) = world.caller(&credentials).await;
    assert_eq!(account, "111122223333");
    assert!(arn.contains("ReadOnlyAccess"), "{arn}");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(
        world.emulator.count("CreateToken"),
        0,
        "the token was fresh"
    );

    // Served from memory now; a new provider finds the AWS CLI's cache and calls nothing.
    let again = world.credentials(&provider).await.unwrap();
    assert_eq!(again.access_key_id(), credentials.access_key_id());
    let resolved = world.resolve("dev").await.unwrap();
    assert!(resolved.from_cli_cache);
    assert_eq!(resolved.profile, "dev");
    assert_eq!(resolved.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        resolved.credentials.access_key_id(),
        credentials.access_key_id()
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    world.finish();
}

#[tokio::test]
async fn legacy_profile() {
    let world = World::start();
    world.seed_legacy_token(8 * HOUR);
    let provider = world.provider("legacy");
    let credentials = world.credentials(&provider).await.unwrap();
    let (account, arn) = world.caller(&credentials).await;
    assert_eq!(account, "444455556666");
    assert!(arn.contains("Deployer"), "{arn}");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    world.finish();
}

#[tokio::test]
async fn sso_then_a_three_deep_assume_role_chain() {
    let world = World::start();
    world.seed_session_token(8 * HOUR);
    let provider = world.provider("r3");
    let credentials = world.credentials(&provider).await.unwrap();
    // Each AssumeRole was signed with the previous step's credentials and verified by the
    // emulator; a wrong signature anywhere would have failed the chain.
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    assert_eq!(world.emulator.count("AssumeRole"), 3);
    let (account, arn) = world.caller(&credentials).await;
    assert_eq!(account, "333333333333");
    assert!(arn.contains(":assumed-role/three/"), "{arn}");

    // The middle of the chain resolves on its own too, from the AWS CLI's cache of each step.
    let resolved = world.resolve("r2").await.unwrap();
    assert!(resolved.from_cli_cache);
    let (account, _) = world.caller(&resolved.credentials).await;
    assert_eq!(account, "222222222222");
    assert_eq!(world.emulator.count("AssumeRole"), 3);
    world.finish();
}

#[tokio::test]
async fn static_keys_then_a_role() {
    let world = World::start();
    let (akid, _) = world.emulator.config().static_keys[0].clone();
    let keys = world.credentials(&world.provider("static")).await.unwrap();
    assert_eq!(keys.access_key_id(), akid);
    assert_eq!(keys.expiry(), None);
    let (_, arn) = world.caller(&keys).await;
    assert!(arn.ends_with(":user/emulator-static"), "{arn}");

    let provider = world.provider("static-role");
    let credentials = world.credentials(&provider).await.unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let (account, arn) = world.caller(&credentials).await;
    assert_eq!(account, "444455556666");
    assert!(arn.contains(":assumed-role/from-static/"), "{arn}");
    assert_eq!(world.emulator.count("AssumeRole"), 1);
    world.finish();
}

#[tokio::test]
async fn environment_selects_the_profile_and_keys_win_without_an_explicit_one() {
    let world = World::start();
    world.seed_session_token(8 * HOUR);
    let mut pairs = vec![
        ("HOME".to_string(), world.home.path().display().to_string()),
        ("AWS_ENDPOINT_URL".to_string(), world.emulator.url()),
        ("AWS_PROFILE".to_string(), "legacy".to_string()),
    ];
    // AWS_PROFILE picks the profile when none is named.
    world.seed_legacy_token(8 * HOUR);
    let provider = Provider::new(Env::from_pairs(pairs.clone()), None).with_client(fast_client());
    let c = world.credentials(&provider).await.unwrap();
    assert_eq!(world.caller(&c).await.0, "444455556666");
    // An explicit profile wins over AWS_PROFILE.
    let provider = Provider::new(Env::from_pairs(pairs.clone()), Some("dev".into()))
        .with_client(fast_client());
    let c = world.credentials(&provider).await.unwrap();
    assert_eq!(world.caller(&c).await.0, "111122223333");
    // Environment keys win when no profile is named, as with the AWS CLI.
    let (akid, secret) = world.emulator.config().static_keys[0].clone();
    pairs.push(("AWS_ACCESS_KEY_ID".into(), akid.clone()));
    pairs.push(("AWS_SECRET_ACCESS_KEY".into(), secret));
    let provider = Provider::new(Env::from_pairs(pairs), None);
    world
        .audit
        .debug("a provider with keys in its env", &provider);
    let c = world.credentials(&provider).await.unwrap();
    assert_eq!(c.access_key_id(), akid);
    world.finish();
}

#[tokio::test]
async fn a_token_inside_the_refresh_window_is_refreshed_and_written_back() {
    let world = World::start();
    // Five minutes left: inside the mandatory window (10 min).
    let issued = world.seed_session_token(Duration::from_secs(5 * 60));
    let path = world.token_path(SESSION);
    let before = std::fs::read(&path).unwrap();
    let credentials = world.credentials(&world.provider("dev")).await.unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    assert_eq!(world.emulator.count("CreateToken"), 1);
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);

    let after = std::fs::read(&path).unwrap();
    assert_ne!(before, after, "the token file was rewritten");
    let token = CachedToken::parse(&after).unwrap();
    assert!(
        token.access_token != issued.access_token,
        "a new access token"
    );
    assert!(
        token.refresh_token.as_deref() != Some(issued.refresh_token.as_str()),
        "the rotated refresh token is kept"
    );
    assert_eq!(token.client_id.as_deref(), Some(issued.client_id.as_str()));
    assert_eq!(token.start_url.as_deref(), Some(SESSION_START_URL));
    assert_eq!(token.region.as_deref(), Some("us-east-1"));
    let lifetime = world.emulator.config().access_token_lifetime;
    let left = token.expires_at.duration_since(SystemTime::now()).unwrap();
    assert!(left > lifetime - Duration::from_secs(60) && left <= lifetime);
    assert_cli_token_shape(&after);
    #[cfg(unix)]
    assert_eq!(world::mode(&path), 0o600);
    assert_eq!(
        temp_files(world.home.path()),
        Vec::<std::path::PathBuf>::new()
    );

    // The new token is used from now on: no second refresh.
    world.resolve("dev").await.unwrap();
    assert_eq!(world.emulator.count("CreateToken"), 1);
    world.finish();
}

/// The AWS CLI's `json.dumps` of the token: one line, `", "` and `": "` separators, its key
/// order, `Z` timestamps without fractions.
fn assert_cli_token_shape(bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap();
    assert!(text.starts_with("{\"startUrl\": \"") && text.ends_with("\"}"));
    assert!(!text.contains('\n'));
    let keys = [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\": \""))
                .unwrap_or_else(|| panic!("{k} missing"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "key order");
    assert_eq!(text.matches("\": ").count(), keys.len(), "no other keys");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    for key in ["expiresAt", "registrationExpiresAt"] {
        let t = value[key].as_str().unwrap_or_default();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{key} = {t}"
        );
    }
}

#[tokio::test]
async fn an_expired_token_without_a_refresh_token_needs_a_login() {
    let world = World::start();
    let expired = CachedToken {
        access_token: world
            .emulator
            .issue_access_token(Duration::from_secs(60))
            .access_token
            .into(),
        expires_at: SystemTime::now() - HOUR,
        refresh_token: None,
        client_id: None,
        client_secret: None,
        registration_expires_at: None,
        region: Some("us-east-1".into()),
        start_url: Some(SESSION_START_URL.into()),
        unknown: Default::default(),
    };
    for (key, profile, command) in [
        (SESSION, "dev", "awscred login --sso-session corp"),
        (LEGACY_START_URL, "legacy", "awscred login --profile legacy"),
        // Through a role chain, the command still names the SSO source.
        (SESSION, "r2", "awscred login --sso-session corp"),
    ] {
        awscred_files::write_private_atomic(world.token_path(key), &expired.to_json()).unwrap();
        let e = world
            .credentials(&world.provider(profile))
            .await
            .unwrap_err();
        match &e {
            Error::LoginNeeded { .. } => {
                assert_eq!(e.login_command().as_deref(), Some(command), "{profile}")
            }
            other => panic!("{profile}: expected LoginNeeded, got {other}"),
        }
        let shown = e.to_string();
        assert!(shown.contains(&format!("`{command}`")), "{shown}");
        assert!(shown.contains("expired"), "{shown}");
    }
    // And with no token file at all.
    std::fs::remove_file(world.token_path(SESSION)).unwrap();
    let e = world.credentials(&world.provider("dev")).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("run `awscred login --sso-session corp`"),
        "{e}"
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 0);
    assert_eq!(world.emulator.count("CreateToken"), 0);
    world.finish();
}

/// Shows nothing, records what it was asked to show.
/// Keeps the prompts shown, for the audit after the run (the run owns its `Interact`).
#[derive(Clone, Default)]
struct RecordingInteract(std::sync::Arc<std::sync::Mutex<Vec<Prompt>>>);

impl RecordingInteract {
    fn audit(&self, audit: &Audit) {
        for prompt in self.0.lock().unwrap().iter() {
            audit.debug("a login prompt", prompt);
        }
    }
}

impl Interact for RecordingInteract {
    fn show(&mut self, prompt: &Prompt) {
        self.0.lock().unwrap().push(prompt.clone());
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!("no MFA code for {serial}")))
    }
}

#[tokio::test]
async fn a_device_code_login_then_resolution() {
    let world = World::with(EmulatorConfig::demo().with_auto_approve(true));
    let request = LoginRequest {
        session_name: Some(SESSION.into()),
        start_url: SESSION_START_URL.into(),
        sso_region: "us-east-1".into(),
        scopes: vec!["sso:account:access".into()],
        use_device_code: true,
        oidc_endpoint: Endpoint {
            url: world.emulator.url(),
            signing_region: "us-east-1".into(),
        },
        token_dir: world.sso_cache(),
        random: std::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(7)),
    };
    let interact = RecordingInteract::default();
    let outcome = fast_client()
        .run(LoginFlow::new(request), interact.clone())
        .await
        .unwrap();
    interact.audit(&world.audit);
    world.audit.debug("the login outcome", &outcome);
    assert_eq!(outcome.token_path, world.token_path(SESSION));
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 1);
    let token = CachedToken::parse(&std::fs::read(&outcome.token_path).unwrap()).unwrap();
    assert!(token.can_refresh(SystemTime::now()));

    let provider = world.provider("r1");
    let credentials = world.credentials(&provider).await.unwrap();
    assert_eq!(world.caller(&credentials).await.0, "111111111111");
    world.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_callers_on_a_cold_provider_cause_one_call() {
    let world = World::start();
    world.seed_session_token(8 * HOUR);
    let provider = Provider::new(world.env(), Some("dev".into()));
    world.audit.debug("a cold provider", &provider);
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { p.credentials().await })
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(c) => {
                keys.insert(c.access_key_id().to_string());
            }
            Err(e) => {
                world.audit.error("a concurrent caller", &e);
                panic!("a caller failed: {e}");
            }
        }
    }
    assert_eq!(keys.len(), 1, "everyone got the same credentials");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    world.audit.debug("the warm provider", &provider);
    world.finish();
}

#[tokio::test]
async fn a_failed_refresh_keeps_serving_still_valid_credentials() {
    // Five-minute credentials are inside the refresh window (5 min + jitter) from the start,
    // and too short for the AWS CLI's cache to reuse them, so every call wants a new set.
    let world = World::with(EmulatorConfig {
        credential_lifetime: Duration::from_secs(5 * 60),
        ..EmulatorConfig::demo()
    });
    world.seed_session_token(8 * HOUR);
    let provider = world.provider("dev");
    let first = world.credentials(&provider).await.unwrap();
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);

    world
        .emulator
        .inject("GetRoleCredentials", Fault::Unavailable, 1000);
    let second = world.credentials(&provider).await.unwrap();
    assert_eq!(second.access_key_id(), first.access_key_id());
    assert_eq!(
        world.emulator.count("GetRoleCredentials"),
        1 + 3,
        "one failed refresh of three attempts"
    );
    // After a failure, the old credentials are served for a while without trying again.
    let third = world.credentials(&provider).await.unwrap();
    assert_eq!(third.access_key_id(), first.access_key_id());
    assert_eq!(world.emulator.count("GetRoleCredentials"), 4);

    // Once the service is back, invalidating gets a new set.
    world.emulator.clear_faults();
    provider.invalidate();
    let fresh = world.credentials(&provider).await.unwrap();
    assert_ne!(fresh.access_key_id(), first.access_key_id());
    assert_eq!(world.emulator.count("GetRoleCredentials"), 5);
    world.finish();
}

#[tokio::test]
async fn with_client_keeps_the_profile() {
    let world = World::start();
    let provider = Provider::new(world.env(), Some("legacy".into()));
    world.seed_legacy_token(8 * HOUR);
    let provider = provider.with_client(fast_client());
    let shown = format!("{provider:?}");
    assert!(
        shown.contains("legacy") && shown.contains("AWS_ENDPOINT_URL"),
        "{shown}"
    );
    assert!(
        !shown.contains(&world.emulator.url()),
        "env values are not shown: {shown}"
    );
    world.audit.text("provider", shown);
    let c = world.credentials(&provider).await.unwrap();
    assert_eq!(world.caller(&c).await.0, "444455556666");
    assert_eq!(provider.client().config().retry, world::fast_retry());
    // The process-environment constructors only differ in where the snapshot comes from.
    let named = format!("{:?}", Provider::from_profile("some-profile"));
    assert!(named.contains("Some(\"some-profile\")"), "{named}");
    let from_env = format!("{:?}", Provider::from_env());
    assert!(from_env.contains("profile: None"), "{from_env}");
    world.finish();
}

#[tokio::test]
async fn the_audit_catches_a_leak() {
    // The audit must be able to fail: a secret put into the collected text is found (and
    // named by its index only).
    let world = World::start();
    world.seed_session_token(8 * HOUR);
    let credentials = world.credentials(&world.provider("dev")).await.unwrap();
    let secrets = world.secrets();
    assert!(world.audit.leaks(&secrets).is_empty());
    world.audit.text(
        "a careless log line",
        format!("secret={}", credentials.secret_access_key()),
    );
    let leaks = world.audit.leaks(&secrets);
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert!(leaks[0].contains("a careless log line"));
    assert!(!leaks[0].contains(credentials.secret_access_key()));
}
