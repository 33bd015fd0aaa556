//! The network matrix of the async driver, over real sockets against the TLS emulator — the
//! same as the blocking driver's `tests/it/network.rs`: trust (CA bundle from the environment
//! or the profile, default roots, broken settings) × proxy (recording CONNECT proxy,
//! credentials, refusals, a TLS-inspecting proxy) × NO_PROXY × timeouts and the call's
//! deadline; then the main flows over TLS.
//!
//! Loopback endpoints are never proxied, so requests meant for the proxy use the names of
//! the emulator's certificate that are not loopback names: `emulator.test` (resolved only by
//! the test proxy) and `::ffff:127.0.0.1` (an IPv4-mapped address that connects to 127.0.0.1).

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use awscred_core::config::Env;
use awscred_core::flow::{Interact, NonInteractive, Prompt};
use awscred_core::login::{LoginFlow, LoginRequest};
use awscred_core::network::{BundleSetting, CaBundle, NetworkSettings, TrustChoice};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::{Endpoint, Error, TransportKind};
use awscred_emulator::proxy::{ConnectProxy, ProxyOptions};
use awscred_emulator::tls::{PROXIED_NAME, TestCa};
use awscred_emulator::{EmulatorConfig, Fault};
use awscred_hyper::{Client, ClientConfig};
use common::world::{CONFIG, SESSION, SESSION_START_URL, World, fast_config, fast_retry};

fn tls_world() -> World {
    let world = World::with_tls(EmulatorConfig::demo());
    world.seed_session_token(Duration::from_secs(3600));
    world
}

/// The world's environment with the endpoint on `host` and these extra variables.
fn env_with(world: &World, host: &str, extra: &[(&str, &str)]) -> Env {
    let mut pairs = vec![
        ("HOME".to_string(), world.home.path().display().to_string()),
        (
            "AWS_ENDPOINT_URL".to_string(),
            format!("https://{host}:{}", world.emulator.port()),
        ),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Env::from_pairs(pairs)
}

fn bundle(world: &World) -> String {
    world.ca_bundle.as_ref().unwrap().display().to_string()
}

fn cli_cache(world: &World) -> std::path::PathBuf {
    world.home.path().join(".aws").join("cli").join("cache")
}

fn client_for(env: &Env, config: ClientConfig) -> Result<Client, Error> {
    let network = awscred_files::network::settings_for(env, Some("dev"))?;
    Ok(Client::new(ClientConfig {
        network: Some(network),
        ..config
    }))
}

/// Resolves `profile` with the CLI cache emptied first, so that every resolution calls the
/// emulator.
async fn resolve(
    world: &World,
    env: &Env,
    client: &Client,
    profile: &str,
) -> Result<Resolved, Error> {
    let _ = std::fs::remove_dir_all(cli_cache(world));
    let request = ResolveRequest::new(env.clone()).profile(profile);
    let result = client.run(ResolveFlow::new(request), NonInteractive).await;
    match &result {
        Ok(r) => world.audit.debug("network resolve", r),
        Err(e) => world.audit.error("network resolve", e),
    }
    result
}

async fn resolve_dev(world: &World, env: &Env) -> Result<Resolved, Error> {
    let client = client_for(env, fast_config())?;
    resolve(world, env, &client, "dev").await
}

fn transport_kind(e: &Error) -> Option<TransportKind> {
    match e {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

// --- trust ---------------------------------------------------------------------------------

#[tokio::test]
async fn trust_ca_bundle_from_the_environment() {
    let world = tls_world();
    let env = env_with(&world, "127.0.0.1", &[("AWS_CA_BUNDLE", &bundle(&world))]);
    resolve_dev(&world, &env)
        .await
        .expect("trusted through AWS_CA_BUNDLE");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
    world.finish();
}

#[tokio::test]
async fn trust_ca_bundle_from_the_profile() {
    let world = tls_world();
    let config = CONFIG.replacen(
        "[profile dev]\n",
        &format!("[profile dev]\nca_bundle = {}\n", bundle(&world)),
        1,
    );
    std::fs::write(world.home.path().join(".aws").join("config"), config).unwrap();
    let env = env_with(&world, "localhost", &[]);
    resolve_dev(&world, &env)
        .await
        .expect("trusted through ca_bundle");
    world.finish();
}

#[tokio::test]
async fn trust_default_roots_refuse_an_unknown_ca_and_name_the_fix() {
    let world = tls_world();
    let env = env_with(&world, "127.0.0.1", &[]);
    let e = resolve_dev(&world, &env)
        .await
        .expect_err("the emulator's CA is not a default root");
    let m = e.to_string();
    assert_eq!(transport_kind(&e), Some(TransportKind::Tls), "{e:?}");
    assert!(
        m.contains("the TLS certificate of 127.0.0.1 is not trusted (")
            && m.contains("if your network inspects TLS, set AWS_CA_BUNDLE or ca_bundle to your organisation's CA bundle"),
        "{m}"
    );
    assert_eq!(world.emulator.count("GetRoleCredentials"), 0);
    world.finish();
}

#[tokio::test]
async fn trust_a_bundle_without_the_ca_names_the_bundle() {
    let world = tls_world();
    let other = world.home.path().join("other.pem");
    std::fs::write(&other, TestCa::generate("other").unwrap().pem()).unwrap();
    let env = env_with(
        &world,
        "127.0.0.1",
        &[("AWS_CA_BUNDLE", &other.display().to_string())],
    );
    let m = resolve_dev(&world, &env)
        .await
        .expect_err("another CA")
        .to_string();
    assert!(
        m.contains("(from AWS_CA_BUNDLE) replaces the default roots"),
        "{m}"
    );
    world.finish();
}

#[tokio::test]
async fn trust_broken_settings_are_configuration_errors() {
    let world = tls_world();
    let empty = env_with(&world, "127.0.0.1", &[("AWS_CA_BUNDLE", "")]);
    let e = resolve_dev(&world, &empty)
        .await
        .expect_err("an empty AWS_CA_BUNDLE");
    assert!(
        matches!(&e, Error::Config(m) if m.contains("AWS_CA_BUNDLE is set but empty")),
        "{e:?}"
    );
    for (name, bytes) in [
        ("missing.pem", None),
        ("empty.pem", Some(&b""[..])),
        (
            "key.pem",
            Some(&b"-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n"[..]),
        ),
    ] {
        let path = world.home.path().join(name);
        if let Some(bytes) = bytes {
            std::fs::write(&path, bytes).unwrap();
        }
        let client = Client::new(ClientConfig {
            network: Some(NetworkSettings {
                trust: TrustChoice::Bundle(CaBundle {
                    path: path.clone(),
                    setting: BundleSetting::Env("AWS_CA_BUNDLE"),
                }),
                ..NetworkSettings::default()
            }),
            ..fast_config()
        });
        let env = env_with(&world, "127.0.0.1", &[]);
        let e = resolve(&world, &env, &client, "dev").await.expect_err(name);
        let m = e.to_string();
        assert!(matches!(e, Error::Config(_)), "{name}: {e:?}");
        assert!(
            m.contains(&path.display().to_string()) && m.contains("AWS_CA_BUNDLE"),
            "{m}"
        );
    }
    assert_eq!(world.emulator.count("GetRoleCredentials"), 0);
    world.finish();
}

// --- proxies -------------------------------------------------------------------------------

/// The trusted certificates are read for the first https request only: a client that speaks
/// plain http (the loopback, IMDS, the container endpoint) is neither slowed down by them nor
/// failed by a CA bundle it never needs — which https requests still report.
#[tokio::test]
async fn trust_is_loaded_for_https_only() {
    let missing = TrustChoice::Bundle(CaBundle {
        path: "/nonexistent/awscred-test/ca.pem".into(),
        setting: BundleSetting::Env("AWS_CA_BUNDLE"),
    });
    let client = Client::new(ClientConfig {
        network: Some(NetworkSettings {
            trust: missing,
            ..NetworkSettings::default()
        }),
        ..fast_config()
    });

    let plain = World::start();
    plain.seed_session_token(Duration::from_secs(3600));
    let resolved = resolve(&plain, &plain.env(), &client, "dev")
        .await
        .expect("plain http needs no CA");
    assert!(resolved.credentials.access_key_id().starts_with("ASIA"));

    let tls = tls_world();
    let env = env_with(&tls, "127.0.0.1", &[]);
    let e = resolve(&tls, &env, &client, "dev")
        .await
        .expect_err("https needs the bundle");
    assert!(
        matches!(&e, Error::Config(m) if m.contains("cannot read the CA bundle /nonexistent/awscred-test/ca.pem (from AWS_CA_BUNDLE)")),
        "{e:?}"
    );
    assert_eq!(tls.emulator.count("GetRoleCredentials"), 0);
}

#[tokio::test]
async fn proxy_tunnels_https_and_records_it() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &bundle(&world)),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    resolve_dev(&world, &env).await.expect("through the proxy");
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty());
    for t in &tunnels {
        assert_eq!(
            t.target,
            format!("{PROXIED_NAME}:{}", world.emulator.port())
        );
        assert_eq!((t.status, t.authorization.as_deref()), (200, None));
    }
    world.finish();
}

#[tokio::test]
async fn proxy_credentials_go_as_basic_authorization() {
    let world = tls_world();
    let proxy =
        ConnectProxy::start(ProxyOptions::default().with_credentials("al ice", "pa:ss")).unwrap();
    let url = format!("http://al%20ice:pa%3Ass@127.0.0.1:{}", proxy.port());
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[("AWS_CA_BUNDLE", &bundle(&world)), ("https_proxy", &url)],
    );
    let client = client_for(&env, fast_config()).unwrap();
    resolve(&world, &env, &client, "dev")
        .await
        .expect("the proxy accepts the credentials");
    assert_eq!(
        proxy.tunnels()[0].authorization.as_deref(),
        Some("Basic YWwgaWNlOnBhOnNz")
    );
    assert!(
        !format!("{client:?}").contains("pa:ss") && !format!("{client:?}").contains("YWwgaWNl")
    );
    world.finish();
}

#[tokio::test]
async fn proxy_asking_for_credentials_names_status_and_variable() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default().with_credentials("u", "p")).unwrap();
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &bundle(&world)),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    let m = resolve_dev(&world, &env)
        .await
        .expect_err("407")
        .to_string();
    assert!(
        m.contains("HTTP 407") && m.contains("(from HTTPS_PROXY)") && m.contains("USER:PASSWORD"),
        "{m}"
    );
    assert_eq!(proxy.tunnels().len(), 1, "a refusal is not retried");
    world.finish();
}

#[tokio::test]
async fn proxy_refusing_connect_names_status_and_variable() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default().refusing_with(403)).unwrap();
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &bundle(&world)),
            ("https_proxy", &proxy.url()),
        ],
    );
    let m = resolve_dev(&world, &env)
        .await
        .expect_err("403")
        .to_string();
    assert!(
        m.contains("HTTP 403") && m.contains("(from https_proxy)") && m.contains("NO_PROXY"),
        "{m}"
    );
    world.finish();
}

#[tokio::test]
async fn proxy_never_carries_loopback() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let env = env_with(
            &world,
            host,
            &[
                ("AWS_CA_BUNDLE", &bundle(&world)),
                ("HTTPS_PROXY", &proxy.url()),
                ("ALL_PROXY", &proxy.url()),
            ],
        );
        resolve_dev(&world, &env).await.expect("direct");
    }
    assert!(proxy.tunnels().is_empty());
    world.finish();
}

#[tokio::test]
async fn no_proxy_addresses_and_ranges_go_direct() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    let (ca, proxy_url) = (bundle(&world), proxy.url());
    let with = |extra: Option<(&str, &str)>| {
        let mut vars = vec![
            ("AWS_CA_BUNDLE", ca.as_str()),
            ("HTTPS_PROXY", proxy_url.as_str()),
        ];
        vars.extend(extra);
        env_with(&world, "[::ffff:127.0.0.1]", &vars)
    };
    resolve_dev(&world, &with(None)).await.expect("proxied");
    let proxied = proxy.tunnels().len();
    assert!(proxied > 0);
    for no_proxy in [
        "::ffff:127.0.0.1",
        "::ffff:0:0/96",
        "*",
        "example.com, [::ffff:127.0.0.1]",
    ] {
        resolve_dev(&world, &with(Some(("NO_PROXY", no_proxy))))
            .await
            .expect(no_proxy);
        assert_eq!(proxy.tunnels().len(), proxied, "{no_proxy}: direct");
    }
    resolve_dev(&world, &with(Some(("no_proxy", "other.example"))))
        .await
        .expect("still proxied");
    assert!(proxy.tunnels().len() > proxied);
    world.finish();
}

#[tokio::test]
async fn inspecting_proxy_passes_only_with_its_ca_trusted() {
    let world = tls_world();
    let middlebox = TestCa::generate("corporate inspection CA").unwrap();
    let middlebox_pem = world.home.path().join("corporate.pem");
    middlebox.write_pem(&middlebox_pem).unwrap();
    let proxy = ConnectProxy::start(
        ProxyOptions::default()
            .inspecting_tls(middlebox, world.emulator.ca_pem().unwrap())
            .unwrap(),
    )
    .unwrap();
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &bundle(&world)),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    let m = resolve_dev(&world, &env)
        .await
        .expect_err("the middlebox's certificate")
        .to_string();
    assert!(
        m.contains(&format!(
            "the TLS certificate of {PROXIED_NAME} is not trusted"
        )),
        "{m}"
    );
    let mut refused = None;
    for _ in 0..200 {
        refused = proxy.tunnels()[0].client_trusted_inspection;
        if refused.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(refused, Some(false));
    let corporate = middlebox_pem.display().to_string();
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[("AWS_CA_BUNDLE", &corporate), ("HTTPS_PROXY", &proxy.url())],
    );
    resolve_dev(&world, &env).await.expect("trusted middlebox");
    let seen: Vec<String> = proxy
        .tunnels()
        .into_iter()
        .flat_map(|t| t.inspected_requests)
        .collect();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /federation/credentials?")),
        "{seen:?}"
    );
    world.finish();
}

// --- timeouts ------------------------------------------------------------------------------

fn timing(read: Duration, deadline: Duration) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_millis(200),
        read_timeout: read,
        deadline,
        retry: fast_retry(),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn timeouts_per_attempt_and_per_call() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    // A request cut short is never logged by the emulator, but each attempt opens its own
    // tunnel: the proxy counts the attempts.
    for (host, via_proxy) in [("127.0.0.1", false), (PROXIED_NAME, true)] {
        let env = env_with(
            &world,
            host,
            &[
                ("AWS_CA_BUNDLE", &bundle(&world)),
                ("HTTPS_PROXY", &proxy.url()),
            ],
        );
        for (deadline, expected) in [
            (Duration::from_secs(60), 3..4),
            (Duration::from_millis(500), 1..3),
        ] {
            let before = proxy.tunnels().len();
            world.emulator.inject(
                "GetRoleCredentials",
                Fault::Delay(Duration::from_millis(1500)),
                3,
            );
            // No answer within the 300 ms read timeout: every attempt times out, and a 500 ms
            // deadline leaves room for two.
            let client = client_for(&env, timing(Duration::from_millis(300), deadline)).unwrap();
            let e = resolve(&world, &env, &client, "dev")
                .await
                .expect_err("too slow");
            world.emulator.clear_faults();
            assert_eq!(
                transport_kind(&e),
                Some(TransportKind::Timeout),
                "{host}: {e:?}"
            );
            let made = proxy.tunnels().len() - before;
            if via_proxy {
                assert!(
                    expected.contains(&made),
                    "{host}, deadline {deadline:?}: {made} attempts"
                );
            } else {
                assert_eq!(made, 0, "{host} is not proxied");
            }
        }
    }
    world.finish();
}

// --- the main flows over TLS ----------------------------------------------------------------

/// A browser that trusts the emulator's CA: opens the authorization URL over TLS, then
/// follows the emulator's redirect to the driver's callback listener (plain HTTP on loopback).
#[derive(Clone)]
struct TlsBrowser {
    ca: String,
}

fn tls_get(ca: &str, url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let (authority, path) = rest.split_at(rest.find('/')?);
    let host = authority.rsplit_once(':')?.0.to_string();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(awscred_core::network::parse_pem_bundle(ca.as_bytes()).ok()?);
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .ok()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.clone()).ok()?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    let mut tls = rustls::StreamOwned::new(conn, std::net::TcpStream::connect(authority).ok()?);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = Vec::new();
    let _ = tls.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_string)
}

fn plain_get(url: &str) {
    let Some(rest) = url.strip_prefix("http://") else {
        return;
    };
    let Some(slash) = rest.find('/') else { return };
    let (authority, path) = rest.split_at(slash);
    if let Ok(mut tcp) = std::net::TcpStream::connect(authority) {
        let _ = write!(
            tcp,
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        );
        let _ = tcp.read_to_end(&mut Vec::new());
    }
}

impl Interact for TlsBrowser {
    fn show(&mut self, prompt: &Prompt) {
        if let Prompt::Authorize { url } = prompt {
            let (url, ca) = (url.clone(), self.ca.clone());
            std::thread::spawn(move || {
                if let Some(callback) = tls_get(&ca, &url) {
                    plain_get(&callback);
                }
            });
        }
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!("no MFA code for {serial}")))
    }
}

fn login_request(world: &World, use_device_code: bool) -> LoginRequest {
    LoginRequest {
        session_name: Some(SESSION.into()),
        start_url: SESSION_START_URL.into(),
        sso_region: "us-east-1".into(),
        scopes: vec!["sso:account:access".into()],
        use_device_code,
        oidc_endpoint: Endpoint {
            url: world.emulator.url(),
            signing_region: "us-east-1".into(),
        },
        token_dir: world.sso_cache(),
        random: std::array::from_fn(|i| (i as u8).wrapping_mul(29).wrapping_add(3)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_flows_over_tls() {
    let world = World::with_tls(EmulatorConfig::demo().with_auto_approve(true));
    assert!(world.emulator.url().starts_with("https://"));
    let client = world.client();
    let env = world.env();

    // Device-code login, then GetRoleCredentials and a three-deep AssumeRole chain.
    client
        .run(LoginFlow::new(login_request(&world, true)), NonInteractive)
        .await
        .expect("device-code login over TLS");
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 1);
    resolve(&world, &env, &client, "dev")
        .await
        .expect("GetRoleCredentials over TLS");
    resolve(&world, &env, &client, "r3")
        .await
        .expect("the AssumeRole chain over TLS");
    assert!(world.emulator.count("AssumeRole") >= 2);

    // An SSO token inside the refresh window is refreshed over TLS.
    world.seed_session_token(Duration::from_secs(12 * 60));
    let creates = world.emulator.count("CreateToken");
    resolve(&world, &env, &client, "dev")
        .await
        .expect("refresh over TLS");
    assert_eq!(world.emulator.count("CreateToken"), creates + 1);

    // The authorization-code (PKCE) login through a browser.
    let browser = TlsBrowser {
        ca: world.emulator.ca_pem().unwrap().to_string(),
    };
    client
        .run(LoginFlow::new(login_request(&world, false)), browser)
        .await
        .expect("PKCE login over TLS");
    assert_eq!(world.emulator.count("Authorize"), 1);
    let provider = world.provider("r1");
    world
        .credentials(&provider)
        .await
        .expect("r1 through the provider after the PKCE login");
    world.finish();
}
