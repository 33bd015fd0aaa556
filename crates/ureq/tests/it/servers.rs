//! The sources servers run on, end to end over real HTTP against the emulator: IMDSv2 (token
//! reuse, v1 fallback rules, static stability), the container endpoint (token file re-read,
//! CR/LF refused), web identity from the environment (and its AWS CLI cache entry),
//! `credential_source` chains, the default chain's error, and IMDS never stalling.

use std::net::TcpListener;
use std::time::Duration;

use awscred_core::Error;
use awscred_core::config::Env;
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_emulator::{EmulatorConfig, Fault};
use awscred_ureq::{Client, ClientConfig, Provider};

use crate::common::{Recorder, World};

/// A world with no profiles at all, and `extra` in the environment.
fn bare(config: EmulatorConfig) -> World {
    let world = World::with(config);
    world.write_config("");
    world.write_credentials("");
    world
}

fn env_with(world: &World, extra: &[(&str, String)]) -> Env {
    let mut pairs: Vec<(String, String)> = vec![
        ("HOME".into(), world.home.path().display().to_string()),
        ("AWS_ENDPOINT_URL".into(), world.emulator.url()),
        ("AWS_REGION".into(), "us-east-1".into()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Env::from_pairs(pairs)
}

fn imds_env(world: &World, extra: &[(&str, String)]) -> Env {
    let mut all = vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", world.emulator.url())];
    all.extend_from_slice(extra);
    env_with(world, &all)
}

fn resolve(world: &World, env: Env, profile: Option<&str>) -> Result<Resolved, Error> {
    let mut request = ResolveRequest::new(env);
    request.profile = profile.map(str::to_string);
    let result = world.client().run(
        ResolveFlow::new(request),
        &mut Recorder(world.audit.clone()),
    );
    world.audit.result("resolved", &result);
    result
}

#[test]
fn provider_from_env_gets_the_instance_role_and_reuses_the_imds_token() {
    let world = bare(EmulatorConfig::demo());
    let provider = Provider::new(imds_env(&world, &[]), None).with_client(world.client());
    let first = provider.resolve_now().expect("IMDS credentials");
    world.audit.debug("resolved", &first);
    assert!(first.credentials.access_key_id().starts_with("ASIA"));
    assert_eq!(world.emulator.count("GetMetadataToken"), 1);
    assert_eq!(world.emulator.count("GetInstanceRoleName"), 1);
    assert_eq!(world.emulator.count("GetInstanceCredentials"), 1);
    provider.resolve_now().expect("again");
    assert_eq!(world.emulator.count("GetMetadataToken"), 1, "token reused");
    assert_eq!(world.emulator.count("GetInstanceCredentials"), 2);
    // An instance restart invalidates the token: one 401, a new token, success.
    world.emulator.expire_imds_tokens();
    provider.resolve_now().expect("after a restart");
    assert_eq!(world.emulator.count("GetMetadataToken"), 2);
}

#[test]
fn imds_v1_fallback_follows_botocore() {
    let world = bare(EmulatorConfig {
        imds_v1: true,
        ..EmulatorConfig::demo()
    });
    world
        .emulator
        .inject("GetMetadataToken", Fault::status(403, "Forbidden"), 1);
    let r = resolve(&world, imds_env(&world, &[]), None).expect("IMDSv1");
    assert!(r.credentials.access_key_id().starts_with("ASIA"));

    world
        .emulator
        .inject("GetMetadataToken", Fault::status(404, "NotFound"), 1);
    let env = imds_env(&world, &[("AWS_EC2_METADATA_V1_DISABLED", "true".into())]);
    let e = resolve(&world, env, None).unwrap_err();
    assert!(e.to_string().contains("IMDSv1 has been disabled"), "{e}");

    world
        .emulator
        .inject("GetMetadataToken", Fault::status(400, "Bad"), 1);
    let e = resolve(&world, imds_env(&world, &[]), None).unwrap_err();
    assert!(e.to_string().contains("instance metadata"), "{e}");
}

#[test]
fn static_stability_serves_the_last_credentials_through_an_imds_outage() {
    let world = bare(EmulatorConfig::demo());
    let soon = world.emulator.now() + Duration::from_secs(60);
    world.emulator.set_metadata_expiry(Some(soon));
    let provider = Provider::new(imds_env(&world, &[]), None).with_client(world.client());
    let first = provider.credentials().expect("first");
    let first_expiry = first.expiry().expect("an expiry");
    assert!(first_expiry <= soon && first_expiry + Duration::from_secs(1) > soon);
    world
        .emulator
        .inject("GetInstanceCredentials", Fault::ServerError, 10);
    // The credentials are inside the refresh window: the provider asks IMDS, which fails.
    let served = provider.credentials().expect("served through the outage");
    world.audit.credentials("served", &served);
    assert_eq!(served.access_key_id(), first.access_key_id());
    let expiry = served.expiry().expect("an expiry");
    assert!(expiry > soon + Duration::from_secs(4 * 60), "extended");

    // IMDS handing out credentials that already expired: served, extended, with a warning.
    world.emulator.clear_faults();
    world
        .emulator
        .set_metadata_expiry(Some(world.emulator.now() - Duration::from_secs(1)));
    // (A new provider: the first one is still in the same outage and has warned already.)
    let fresh = Provider::new(imds_env(&world, &[]), None).with_client(world.client());
    let r = fresh.resolve_now().expect("expired but extended");
    world.audit.debug("resolved", &r);
    assert!(r.credentials.expiry().unwrap() > world.emulator.now());
    assert!(
        r.warnings.iter().any(|w| w.message.contains("extension")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn role_chains_on_instance_and_container_credentials() {
    let world = World::new();
    let token_file = world.home.path().join("pod-token");
    std::fs::write(&token_file, "pod-token-1").unwrap();
    world
        .emulator
        .set_container_authorization(Some("pod-token-1"));
    world.write_config(
        "[profile on-ec2]\nrole_arn = arn:aws:iam::111122223333:role/app\ncredential_source = Ec2InstanceMetadata\n\
         [profile deeper]\nrole_arn = arn:aws:iam::444455556666:role/two\nsource_profile = on-ec2\n\
         [profile on-eks]\nrole_arn = arn:aws:iam::111122223333:role/eks-app\ncredential_source = EcsContainer\n",
    );
    let env = imds_env(
        &world,
        &[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                world.emulator.container_url(),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                token_file.display().to_string(),
            ),
        ],
    );
    let r = resolve(&world, env.clone(), Some("deeper")).expect("IMDS → role → role");
    assert_eq!(r.credentials.account_id(), Some("444455556666"));
    assert_eq!(world.emulator.count("AssumeRole"), 2);
    let r = resolve(&world, env.clone(), Some("on-eks")).expect("container → role");
    assert_eq!(r.credentials.account_id(), Some("111122223333"));
    assert_eq!(world.emulator.count("GetContainerCredentials"), 1);

    // EKS rotates the token file: the next fetch reads it again.
    std::fs::write(&token_file, "pod-token-2").unwrap();
    world
        .emulator
        .set_container_authorization(Some("pod-token-2"));
    let no_cache = |env: &Env| {
        let mut request = ResolveRequest::new(env.clone()).profile("on-eks");
        request.use_cli_cache = false;
        world.client().run(
            ResolveFlow::new(request),
            &mut Recorder(world.audit.clone()),
        )
    };
    no_cache(&env).expect("rotated token");
    assert_eq!(world.emulator.count("GetContainerCredentials"), 2);

    // A token with a line break is never sent.
    std::fs::write(&token_file, "pod-token-2\nX-Injected: 1").unwrap();
    let e = no_cache(&env).unwrap_err();
    world.audit.error("crlf", &e);
    assert!(e.to_string().contains("line break"), "{e}");
    assert_eq!(world.emulator.count("GetContainerCredentials"), 2);
}

#[test]
fn container_endpoint_in_the_default_chain_checks_authorization() {
    let world = bare(EmulatorConfig {
        container_authorization: Some("env-token".into()),
        ..EmulatorConfig::demo()
    });
    let base = [(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        world.emulator.container_url(),
    )];
    let e = resolve(&world, imds_env(&world, &base), None).unwrap_err();
    assert!(e.to_string().contains("401"), "{e}");
    // botocore stops at a configured container endpoint that fails: no IMDS fallback.
    assert_eq!(world.emulator.count("GetMetadataToken"), 0);
    let mut with_token = base.to_vec();
    with_token.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token".into()));
    let r = resolve(&world, imds_env(&world, &with_token), None).expect("authorized");
    assert_eq!(r.credentials.account_id(), Some("111122223333"));
}

#[test]
fn web_identity_from_the_environment_is_cached_like_the_aws_cli() {
    let world = bare(EmulatorConfig::demo());
    let token_file = world.home.path().join("oidc-token");
    let claims =
        base64url(r#"{"sub":"repo:org/app:ref:refs/heads/main","aud":"sts.amazonaws.com"}"#);
    std::fs::write(
        &token_file,
        format!("{}.{claims}.c2ln", base64url(r#"{"alg":"RS256"}"#)),
    )
    .unwrap();
    let env = env_with(
        &world,
        &[
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                token_file.display().to_string(),
            ),
            ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/ci".into()),
            ("AWS_ROLE_SESSION_NAME", "ci-run".into()),
        ],
    );
    let provider = Provider::new(env.clone(), None).with_client(world.client());
    let c = provider.credentials().expect("web identity");
    world.audit.credentials("web identity", &c);
    assert_eq!(c.account_id(), Some("111122223333"));
    assert_eq!(world.emulator.count("AssumeRoleWithWebIdentity"), 1);
    let cached: Vec<_> = std::fs::read_dir(world.cli_cache()).unwrap().collect();
    assert_eq!(cached.len(), 1);
    let again = resolve(&world, env, None).expect("from the cache");
    assert!(again.from_cli_cache);
    assert_eq!(world.emulator.count("AssumeRoleWithWebIdentity"), 1);
    world.assert_files_intact("web identity cache");
}

#[test]
fn nothing_anywhere_is_one_readable_error() {
    let world = bare(EmulatorConfig::demo());
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = env_with(
        &world,
        &[(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{closed}"),
        )],
    );
    let e = resolve(&world, env, None).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    for line in [
        "Unable to locate credentials",
        "  - environment:",
        "  - web identity:",
        "  - profile \"default\":",
        "  - container:",
        &format!("  - instance metadata (http://127.0.0.1:{closed}):"),
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    // No IMDSv1 request follows a refused connection.
    assert!(!text.contains("IMDSv1"), "{text}");
}

/// IMDS must never stall a machine where it does not exist. The client's own timeouts are ten
/// minutes here: only the metadata request limits (1 s, 1 attempt) can end these in time.
#[test]
fn imds_that_accepts_and_never_answers_times_out_on_its_own_limits() {
    let world = bare(EmulatorConfig::demo());
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in silent.incoming().take(4) {
            conns.push(c);
        }
        std::thread::sleep(Duration::from_secs(30));
        drop(conns);
    });
    let env = env_with(
        &world,
        &[(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )],
    );
    let slow_client = Client::new(ClientConfig {
        connect_timeout: Duration::from_secs(600),
        read_timeout: Duration::from_secs(600),
        ..ClientConfig::default()
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(slow_client.run(
            ResolveFlow::new(ResolveRequest::new(env)),
            &mut awscred_ureq::NonInteractive,
        ));
    });
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("resolution ended on the metadata limits, not the client's ten minutes");
    let e = result.unwrap_err();
    world.audit.error("silent IMDS", &e);
    assert!(e.to_string().contains("instance metadata"), "{e}");
    drop(held);
}

#[test]
fn the_transport_keeps_refusing_plain_http_for_everything_else() {
    let world = bare(EmulatorConfig::demo());
    let request = http::Request::get("http://169.254.169.254/latest/api/token")
        .body(Vec::new())
        .unwrap();
    let e = world.client().send(request).unwrap_err();
    world.audit.error("plain http", &e);
    world.audit.text(
        "note",
        "a request without metadata limits is refused over plain HTTP",
    );
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
}

fn base64url(s: &str) -> String {
    use std::fmt::Write;
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            let _ = write!(out, "{}", A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}
