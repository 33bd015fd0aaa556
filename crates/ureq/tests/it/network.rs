//! The network matrix of the blocking driver, over real sockets against the TLS emulator:
//! trust (CA bundle from the environment or the profile, default roots, broken settings) ×
//! proxy (recording CONNECT proxy, credentials, refusals, a TLS-inspecting proxy) × NO_PROXY
//! × timeouts and the call's deadline; then the main flows over TLS. The hyper driver's
//! `tests/network.rs` runs the same matrix.
//!
//! Loopback endpoints are never proxied, so requests meant for the proxy use the names of
//! the emulator's certificate that are not loopback names: `emulator.test` (resolved only by
//! the test proxy) and `::ffff:127.0.0.1` (an IPv4-mapped address that connects to 127.0.0.1).

use std::time::Duration;

use awscred_core::config::{Env, LoginTarget};
use awscred_core::network::{BundleSetting, CaBundle, NetworkSettings, TrustChoice};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::retry::RetryPolicy;
use awscred_core::{Error, TransportKind};
use awscred_emulator::proxy::{ConnectProxy, ProxyOptions};
use awscred_emulator::tls::{PROXIED_NAME, TestCa};
use awscred_emulator::{EmulatorConfig, Fault};
use awscred_ureq::{Client, ClientConfig};

use crate::common::{Recorder, World, fast_config};

/// The TLS world with the session `dev` logged in.
fn tls_world() -> World {
    let world = World::with_tls(EmulatorConfig::demo());
    world.seed_session(Duration::from_secs(3600));
    world
}

/// The world's environment with the endpoint on `host` and these extra variables (an empty
/// value sets the variable to "").
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

/// A client whose network settings come from `env` (and the world's config file), as a
/// user's would come from the process environment.
fn client_for(env: &Env, config: ClientConfig) -> Result<Client, Error> {
    let network = awscred_files::network::settings_for(env, Some("dev"))?;
    Ok(Client::new(ClientConfig {
        network: Some(network),
        ..config
    }))
}

/// Resolves `profile` with the CLI cache emptied first, so that every resolution calls the
/// emulator (the SSO and role credentials of the last one would be reused otherwise).
fn resolve(world: &World, env: &Env, client: &Client, profile: &str) -> Result<Resolved, Error> {
    let _ = std::fs::remove_dir_all(world.cli_cache());
    let request = ResolveRequest::new(env.clone()).profile(profile);
    let result = client.run(
        ResolveFlow::new(request),
        &mut Recorder(world.audit.clone()),
    );
    if let Err(e) = &result {
        world.audit.error("network resolve", e);
    }
    result
}

fn resolve_dev(world: &World, env: &Env) -> Result<Resolved, Error> {
    let client = client_for(env, fast_config(Duration::from_secs(10)))?;
    resolve(world, env, &client, "dev")
}

fn transport_kind(e: &Error) -> Option<TransportKind> {
    match e {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

// --- trust ---------------------------------------------------------------------------------

#[test]
fn trust_ca_bundle_from_the_environment() {
    let world = tls_world();
    let env = env_with(&world, "127.0.0.1", &[("AWS_CA_BUNDLE", &bundle(&world))]);
    resolve_dev(&world, &env).expect("trusted through AWS_CA_BUNDLE");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
}

#[test]
fn trust_ca_bundle_from_the_profile() {
    let world = tls_world();
    let config = crate::common::CONFIG.replacen(
        "[profile dev]\n",
        &format!("[profile dev]\nca_bundle = {}\n", bundle(&world)),
        1,
    );
    world.write_config(&config);
    let env = env_with(&world, "localhost", &[]);
    resolve_dev(&world, &env).expect("trusted through ca_bundle");
}

#[test]
fn trust_default_roots_refuse_an_unknown_ca_and_name_the_fix() {
    let world = tls_world();
    let env = env_with(&world, "127.0.0.1", &[]);
    let e = resolve_dev(&world, &env).expect_err("the emulator's CA is not a default root");
    let m = e.to_string();
    assert_eq!(transport_kind(&e), Some(TransportKind::Tls), "{e:?}");
    assert!(
        m.contains("the TLS certificate of 127.0.0.1 is not trusted (")
            && m.contains("if your network inspects TLS, set AWS_CA_BUNDLE or ca_bundle to your organisation's CA bundle"),
        "{m}"
    );
    assert_eq!(
        world.emulator.count("GetRoleCredentials"),
        0,
        "not retried, never answered"
    );
}

#[test]
fn trust_a_bundle_without_the_ca_names_the_bundle() {
    let world = tls_world();
    let other = world.home.path().join("other.pem");
    std::fs::write(&other, TestCa::generate("other").unwrap().pem()).unwrap();
    let env = env_with(
        &world,
        "127.0.0.1",
        &[("AWS_CA_BUNDLE", &other.display().to_string())],
    );
    let m = resolve_dev(&world, &env)
        .expect_err("another CA")
        .to_string();
    assert!(
        m.contains("(from AWS_CA_BUNDLE) replaces the default roots"),
        "{m}"
    );
}

#[test]
fn trust_broken_settings_are_configuration_errors() {
    let world = tls_world();
    let empty = env_with(&world, "127.0.0.1", &[("AWS_CA_BUNDLE", "")]);
    let e = resolve_dev(&world, &empty).expect_err("an empty AWS_CA_BUNDLE");
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
            ..fast_config(Duration::from_secs(5))
        });
        let env = env_with(&world, "127.0.0.1", &[]);
        let e = resolve(&world, &env, &client, "dev").expect_err(name);
        let m = e.to_string();
        assert!(matches!(e, Error::Config(_)), "{name}: {e:?}");
        assert!(
            m.contains(&path.display().to_string()) && m.contains("AWS_CA_BUNDLE"),
            "{m}"
        );
    }
    assert_eq!(world.emulator.count("GetRoleCredentials"), 0);
}

/// The trusted certificates are read for the first https request only: a run that speaks plain
/// http (the loopback, IMDS, the container endpoint) is not slowed down by them, nor failed by a
/// CA bundle it never needs — which https requests still report.
#[test]
fn trust_is_loaded_for_https_only() {
    let missing = TrustChoice::Bundle(CaBundle {
        path: "/nonexistent/awscred-test/ca.pem".into(),
        setting: BundleSetting::Env("AWS_CA_BUNDLE"),
    });
    let client = Client::new(ClientConfig {
        network: Some(NetworkSettings {
            trust: missing,
            ..NetworkSettings::default()
        }),
        ..fast_config(Duration::from_secs(5))
    });

    let plain = World::new();
    plain.seed_session(Duration::from_secs(3600));
    let resolved = plain
        .resolve_with(&client, "dev")
        .expect("plain http needs no CA");
    assert!(resolved.credentials.access_key_id().starts_with("ASIA"));

    let tls = tls_world();
    let env = env_with(&tls, "127.0.0.1", &[]);
    let e = resolve(&tls, &env, &client, "dev").expect_err("https needs the bundle");
    assert!(
        matches!(&e, Error::Config(m) if m.contains("cannot read the CA bundle /nonexistent/awscred-test/ca.pem (from AWS_CA_BUNDLE)")),
        "{e:?}"
    );
    assert_eq!(tls.emulator.count("GetRoleCredentials"), 0);
}

// --- proxies -------------------------------------------------------------------------------

#[test]
fn proxy_tunnels_https_and_records_it() {
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
    resolve_dev(&world, &env).expect("through the proxy");
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty());
    for t in &tunnels {
        assert_eq!(
            t.target,
            format!("{PROXIED_NAME}:{}", world.emulator.port())
        );
        assert_eq!((t.status, t.authorization.as_deref()), (200, None));
    }
}

#[test]
fn proxy_credentials_go_as_basic_authorization() {
    let world = tls_world();
    let proxy =
        ConnectProxy::start(ProxyOptions::default().with_credentials("al ice", "pa:ss")).unwrap();
    let url = format!("http://al%20ice:pa%3Ass@127.0.0.1:{}", proxy.port());
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[("AWS_CA_BUNDLE", &bundle(&world)), ("https_proxy", &url)],
    );
    let client = client_for(&env, fast_config(Duration::from_secs(10))).unwrap();
    resolve(&world, &env, &client, "dev").expect("the proxy accepts the credentials");
    let tunnels = proxy.tunnels();
    assert_eq!(
        tunnels[0].authorization.as_deref(),
        Some("Basic YWwgaWNlOnBhOnNz")
    );
    assert!(
        !format!("{client:?}").contains("pa:ss") && !format!("{client:?}").contains("YWwgaWNl")
    );
}

#[test]
fn proxy_asking_for_credentials_names_status_and_variable() {
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
    let e = resolve_dev(&world, &env).expect_err("407");
    let m = e.to_string();
    assert!(
        m.contains("HTTP 407") && m.contains("(from HTTPS_PROXY)") && m.contains("USER:PASSWORD"),
        "{m}"
    );
    assert_eq!(proxy.tunnels().len(), 1, "a refusal is not retried");
}

#[test]
fn proxy_refusing_connect_names_status_and_variable() {
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
    let m = resolve_dev(&world, &env).expect_err("403").to_string();
    assert!(
        m.contains("HTTP 403") && m.contains("(from https_proxy)") && m.contains("NO_PROXY"),
        "{m}"
    );
}

#[test]
fn proxy_never_carries_loopback() {
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
        resolve_dev(&world, &env).expect("direct");
    }
    assert!(proxy.tunnels().is_empty());
}

#[test]
fn no_proxy_addresses_and_ranges_go_direct() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    let mapped = "[::ffff:127.0.0.1]";
    let base = [
        ("AWS_CA_BUNDLE", bundle(&world)),
        ("HTTPS_PROXY", proxy.url()),
    ];
    let with = |extra: Option<(&str, &str)>| {
        let mut vars: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vars.extend(extra);
        env_with(&world, mapped, &vars)
    };
    resolve_dev(&world, &with(None)).expect("proxied");
    let proxied = proxy.tunnels().len();
    assert!(proxied > 0);
    for no_proxy in [
        "::ffff:127.0.0.1",
        "::ffff:0:0/96",
        "*",
        "example.com, [::ffff:127.0.0.1]",
    ] {
        resolve_dev(&world, &with(Some(("NO_PROXY", no_proxy)))).expect(no_proxy);
        assert_eq!(proxy.tunnels().len(), proxied, "{no_proxy}: direct");
    }
    resolve_dev(&world, &with(Some(("no_proxy", "other.example")))).expect("still proxied");
    assert!(proxy.tunnels().len() > proxied);
}

#[test]
fn inspecting_proxy_passes_only_with_its_ca_trusted() {
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
        .expect_err("the middlebox's certificate")
        .to_string();
    assert!(
        m.contains(&format!(
            "the TLS certificate of {PROXIED_NAME} is not trusted"
        )),
        "{m}"
    );
    // The proxy notes the refused handshake just after the client hung up.
    let refused = (0..200).find_map(|_| {
        let seen = proxy.tunnels()[0].client_trusted_inspection;
        std::thread::sleep(Duration::from_millis(10));
        seen
    });
    assert_eq!(refused, Some(false));
    let corporate = middlebox_pem.display().to_string();
    let env = env_with(
        &world,
        PROXIED_NAME,
        &[("AWS_CA_BUNDLE", &corporate), ("HTTPS_PROXY", &proxy.url())],
    );
    resolve_dev(&world, &env).expect("trusted middlebox");
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
}

// --- timeouts ------------------------------------------------------------------------------

fn timing(read: Duration, deadline: Duration) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_millis(200),
        read_timeout: read,
        deadline,
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(5),
            max_backoff: Duration::from_millis(10),
        },
        ..ClientConfig::default()
    }
}

#[test]
fn timeouts_per_attempt_and_per_call() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    // A request cut short is never logged by the emulator (its handler is dropped with the
    // connection), but each attempt opens its own tunnel: the proxy counts the attempts.
    let attempts = |env: &Env, config: ClientConfig| -> (Error, usize) {
        let before = proxy.tunnels().len();
        world.emulator.inject(
            "GetRoleCredentials",
            Fault::Delay(Duration::from_millis(1500)),
            3,
        );
        let client = client_for(env, config).unwrap();
        let e = resolve(&world, env, &client, "dev").expect_err("too slow");
        world.emulator.clear_faults();
        (e, proxy.tunnels().len() - before)
    };
    for (host, via_proxy) in [("127.0.0.1", false), (PROXIED_NAME, true)] {
        let env = env_with(
            &world,
            host,
            &[
                ("AWS_CA_BUNDLE", &bundle(&world)),
                ("HTTPS_PROXY", &proxy.url()),
            ],
        );
        // No answer within the 300 ms read timeout: three attempts time out.
        let (e, made) = attempts(
            &env,
            timing(Duration::from_millis(300), Duration::from_secs(60)),
        );
        assert_eq!(
            transport_kind(&e),
            Some(TransportKind::Timeout),
            "{host}: {e:?}"
        );
        assert_eq!(
            made,
            if via_proxy { 3 } else { 0 },
            "{host}: three attempts"
        );
        // Attempts end after 300 ms without an answer: a 500 ms deadline leaves room for two.
        let (e, made) = attempts(
            &env,
            timing(Duration::from_millis(300), Duration::from_millis(500)),
        );
        assert_eq!(
            transport_kind(&e),
            Some(TransportKind::Timeout),
            "{host}: {e:?}"
        );
        if via_proxy {
            assert!(
                (1..3).contains(&made),
                "{host}: the deadline cut the attempts ({made})"
            );
        }
    }
}

// --- the main flows over TLS ----------------------------------------------------------------

/// A browser that trusts the emulator's CA: opens the authorization URL (the emulator
/// approves and redirects to the driver's callback listener).
struct TlsBrowser {
    audit: crate::common::Audit,
    ca: String,
}

impl awscred_core::flow::Interact for TlsBrowser {
    fn show(&mut self, prompt: &awscred_core::flow::Prompt) {
        self.audit.debug("prompt", prompt);
        if let awscred_core::flow::Prompt::Authorize { url } = prompt {
            let (url, audit, ca) = (url.clone(), self.audit.clone(), self.ca.clone());
            std::thread::spawn(move || {
                let roots: Vec<ureq::tls::Certificate<'static>> =
                    ureq::tls::parse_pem(ca.as_bytes())
                        .filter_map(|item| match item {
                            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                            _ => None,
                        })
                        .collect();
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .tls_config(
                        ureq::tls::TlsConfig::builder()
                            .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                            .build(),
                    )
                    .build()
                    .into();
                match agent.get(&url).call() {
                    Ok(r) => audit.text("browser", &format!("callback page: {}", r.status())),
                    Err(e) => audit.text("browser", &format!("browser failed: {e}")),
                }
            });
        }
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!("no MFA code for {serial}")))
    }
}

#[test]
fn main_flows_over_tls() {
    let world = World::with_tls(EmulatorConfig::demo().with_auto_approve(true));
    assert!(world.emulator.url().starts_with("https://"));
    let client = world.client();
    let mut recorder = Recorder(world.audit.clone());

    // Device-code login, then GetRoleCredentials and a three-deep AssumeRole chain.
    client
        .login(
            &world.env,
            LoginTarget::SsoSession("dev"),
            true,
            &mut recorder,
        )
        .expect("device-code login over TLS");
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 1);
    world.resolve("dev").expect("GetRoleCredentials over TLS");
    world.resolve("r3").expect("the AssumeRole chain over TLS");
    assert!(
        world.emulator.count("AssumeRole") >= 2,
        "the chain's roles were assumed"
    );

    // An SSO token inside the refresh window is refreshed over TLS.
    world.seed_session(Duration::from_secs(12 * 60));
    let _ = std::fs::remove_dir_all(world.cli_cache());
    let creates = world.emulator.count("CreateToken");
    world.resolve("dev").expect("refresh over TLS");
    assert_eq!(world.emulator.count("CreateToken"), creates + 1);

    // The authorization-code (PKCE) login through a browser.
    let mut browser = TlsBrowser {
        audit: world.audit.clone(),
        ca: world.emulator.ca_pem().unwrap().to_string(),
    };
    client
        .login(&world.env, LoginTarget::Profile("dev"), false, &mut browser)
        .expect("PKCE login over TLS");
    assert_eq!(world.emulator.count("Authorize"), 1);
    world.resolve("r1").expect("r1 after the PKCE login");
}
