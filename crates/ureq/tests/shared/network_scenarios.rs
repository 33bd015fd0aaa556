//! One network test suite for both drivers: `awscred_ureq::Client` and `awscred_hyper::Client`
//! go through the same scenarios over real sockets against the TLS emulator, and must give the
//! same results: trust (CA bundle from the environment or the profile, default roots, broken
//! settings) × proxy (recording CONNECT proxy, credentials, refusals, a TLS-inspecting proxy)
//! × NO_PROXY × timeouts and the call's deadline; then the main flows over TLS.
//!
//! The blocking driver's `tests/it/network.rs` and the async driver's `tests/network.rs`
//! include this file with `#[path]`, implement [`Driver`] for their client (the async one
//! through a tokio runtime's `block_on`) and expand [`network_scenarios!`] into one `#[test]`
//! per scenario.
//!
//! Loopback endpoints are never proxied, so requests meant for the proxy use the names of
//! the emulator's certificate that are not loopback names: `emulator.test` (resolved only by
//! the test proxy) and `::ffff:127.0.0.1` (an IPv4-mapped address that connects to 127.0.0.1).
//!
//! Every scenario's world collects the `Display` and `Debug` of the errors, resolutions and
//! prompts it sees; when the world is dropped (at the end of a scenario that did not already
//! fail) none of the secrets the emulator issued may appear in them.

#![allow(dead_code)]

use std::fmt::Debug;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use awscred_core::config::Env;
use awscred_core::flow::{Flow, Interact, Prompt};
use awscred_core::login::{LoginFlow, LoginRequest};
use awscred_core::network::{BundleSetting, CaBundle, NetworkSettings, TrustChoice};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::retry::RetryPolicy;
use awscred_core::token::{CachedToken, token_file_name};
use awscred_core::transport::ClientConfig;
use awscred_core::{Credentials, Endpoint, Error, TransportKind};
use awscred_emulator::proxy::{ConnectProxy, ProxyOptions};
use awscred_emulator::tls::{PROXIED_NAME, TestCa};
use awscred_emulator::{Emulator, EmulatorConfig, Fault};

/// A driver's HTTP client, as the scenarios drive it. Results are the driver's own, unchanged.
pub trait Driver: Debug + Sized {
    /// `Client::new(config)`.
    fn new(config: ClientConfig) -> Self;
    /// `client.run(flow, interact)`, driven to its end.
    fn run<F>(&self, flow: F, interact: impl Interact + Send + 'static) -> Result<F::Output, Error>
    where
        F: Flow + Send,
        F::Output: Send + 'static;
    /// `Provider::new(env, Some(profile)).with_client(client)`, then its `credentials()`.
    fn provider_credentials(&self, env: Env, profile: &str) -> Result<Credentials, Error>;
}

/// The sso-session the profiles log in with.
const SESSION: &str = "dev";
const START_URL: &str = "https://d-emulator.awsapps.com/start";

/// An SSO profile (`dev`) and a three-deep AssumeRole chain on top of it (`r1` → `r2` → `r3`).
const CONFIG: &str = "\
[profile dev]
sso_session = dev
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[sso-session dev]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile r1]
role_arn = arn:aws:iam::111122223333:role/one
source_profile = dev
region = us-east-1

[profile r2]
role_arn = arn:aws:iam::444455556666:role/two
source_profile = r1
region = us-east-1

[profile r3]
role_arn = arn:aws:iam::777788889999:role/three
role_session_name = deep-chain
source_profile = r2
region = us-east-1
";

/// Everything a scenario saw that must not hold a secret.
#[derive(Clone, Default)]
pub struct Audit(Arc<Mutex<String>>);

impl Audit {
    pub fn debug(&self, label: &str, value: &dyn Debug) {
        let mut seen = self.0.lock().unwrap();
        seen.push_str(&format!("{label}: {value:?}\n"));
    }

    pub fn error(&self, label: &str, e: &Error) {
        let mut seen = self.0.lock().unwrap();
        seen.push_str(&format!("{label}: {e}\n{label}: {e:?}\n"));
    }

    /// Everything collected so far.
    pub fn seen(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

/// An `Interact` that records every prompt and refuses MFA codes.
pub struct Recorder(pub Audit);

impl Interact for Recorder {
    fn show(&mut self, prompt: &Prompt) {
        self.0.debug("prompt", prompt);
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!("no MFA code for {serial}")))
    }
}

/// A fresh emulator, a private home with [`CONFIG`], and the audit.
pub struct World {
    pub emulator: Emulator,
    pub home: tempfile::TempDir,
    /// With [`World::tls`]: the emulator's CA bundle (trusted only where a scenario says so).
    pub ca_bundle: Option<PathBuf>,
    pub audit: Audit,
}

impl World {
    /// The emulator on plain http.
    pub fn plain() -> World {
        World::around(Emulator::start(EmulatorConfig::demo()).expect("the emulator starts"))
    }

    /// The emulator on https, its CA written into the home.
    pub fn tls(config: EmulatorConfig) -> World {
        let mut world =
            World::around(Emulator::start_tls(config).expect("the TLS emulator starts"));
        let ca_bundle = world.home.path().join("emulator-ca.pem");
        world
            .emulator
            .write_ca(&ca_bundle)
            .expect("the CA is written");
        world.ca_bundle = Some(ca_bundle);
        world
    }

    fn around(emulator: Emulator) -> World {
        let world = World {
            emulator,
            home: tempfile::tempdir().expect("a temporary home"),
            ca_bundle: None,
            audit: Audit::default(),
        };
        world.write_config(CONFIG);
        world
    }

    pub fn write_config(&self, text: &str) {
        awscred_files::write_private_atomic(self.aws_dir().join("config"), text.as_bytes())
            .expect("config written");
    }

    fn aws_dir(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    pub fn sso_cache(&self) -> PathBuf {
        self.aws_dir().join("sso").join("cache")
    }

    pub fn cli_cache(&self) -> PathBuf {
        self.aws_dir().join("cli").join("cache")
    }

    /// The emulator's CA bundle, as a path for `AWS_CA_BUNDLE`.
    pub fn bundle(&self) -> String {
        self.ca_bundle.as_ref().unwrap().display().to_string()
    }

    /// What a process pointed at the emulator sees: HOME, the endpoint and, on https, the
    /// emulator's CA through `AWS_CA_BUNDLE`.
    pub fn env(&self) -> Env {
        let mut pairs = vec![
            ("HOME".to_string(), self.home.path().display().to_string()),
            ("AWS_ENDPOINT_URL".to_string(), self.emulator.url()),
        ];
        if self.ca_bundle.is_some() {
            pairs.push(("AWS_CA_BUNDLE".to_string(), self.bundle()));
        }
        Env::from_pairs(pairs)
    }

    /// HOME, the https endpoint on `host` and these extra variables (an empty value sets the
    /// variable to ""): nothing is trusted unless `extra` says so.
    pub fn env_with(&self, host: &str, extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![
            ("HOME".to_string(), self.home.path().display().to_string()),
            (
                "AWS_ENDPOINT_URL".to_string(),
                format!("https://{host}:{}", self.emulator.port()),
            ),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env::from_pairs(pairs)
    }

    /// Has the emulator issue an SSO token living `lifetime` and writes it where the AWS CLI
    /// would, for the sso-session `dev`.
    pub fn seed_session(&self, lifetime: Duration) {
        let issued = self.emulator.issue_access_token(lifetime);
        self.audit.debug("issued token", &issued);
        let token = CachedToken {
            access_token: issued.access_token.clone().into(),
            expires_at: issued.expires_at,
            refresh_token: Some(issued.refresh_token.clone().into()),
            client_id: Some(issued.client_id.clone()),
            client_secret: Some(issued.client_secret.clone().into()),
            registration_expires_at: Some(issued.registration_expires_at),
            region: Some("us-east-1".into()),
            start_url: Some(START_URL.into()),
            unknown: Default::default(),
        };
        awscred_files::write_private_atomic(
            self.sso_cache().join(token_file_name(SESSION)),
            &token.to_json(),
        )
        .expect("token written");
    }

    /// A login of the sso-session `dev` with the emulator as its OIDC endpoint.
    pub fn login_request(&self, use_device_code: bool) -> LoginRequest {
        LoginRequest {
            session_name: Some(SESSION.into()),
            start_url: START_URL.into(),
            sso_region: "us-east-1".into(),
            scopes: vec!["sso:account:access".into()],
            use_device_code,
            oidc_endpoint: Endpoint {
                url: self.emulator.url(),
                signing_region: "us-east-1".into(),
            },
            token_dir: self.sso_cache(),
            random: std::array::from_fn(|i| (i as u8).wrapping_mul(29).wrapping_add(3)),
        }
    }

    /// Every secret the emulator handed out, plus the static secret keys it trusts.
    fn secrets(&self) -> Vec<String> {
        let mut all = self.emulator.issued_secrets();
        let config = self.emulator.config();
        all.extend(config.static_keys.iter().map(|(_, s)| s.clone()));
        all
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let seen = self.audit.seen();
        for secret in self.secrets() {
            assert!(
                !seen.contains(&secret),
                "a secret the emulator issued appears in an error, a Debug or a prompt"
            );
        }
    }
}

/// A client with short backoffs, three attempts and this read timeout.
pub fn fast_config(read_timeout: Duration) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout,
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        },
        ..ClientConfig::default()
    }
}

/// A client whose network settings come from `env` (and the world's config file), as a
/// user's would come from the process environment.
pub fn client_for<D: Driver>(env: &Env, config: ClientConfig) -> Result<D, Error> {
    let network = awscred_files::network::settings_for(env, Some("dev"))?;
    Ok(D::new(ClientConfig {
        network: Some(network),
        ..config
    }))
}

/// The world's client: its network settings from [`World::env`] (so a TLS world's client
/// trusts the emulator's CA), never the process's.
pub fn world_client<D: Driver>(world: &World) -> D {
    let network = awscred_files::network::settings_for(&world.env(), None)
        .expect("the world's network settings are valid");
    D::new(ClientConfig {
        network: Some(network),
        ..fast_config(Duration::from_secs(10))
    })
}

/// Resolves `profile` with the CLI cache emptied first, so that every resolution calls the
/// emulator (the SSO and role credentials of the last one would be reused otherwise).
pub fn resolve<D: Driver>(
    world: &World,
    env: &Env,
    client: &D,
    profile: &str,
) -> Result<Resolved, Error> {
    let _ = std::fs::remove_dir_all(world.cli_cache());
    let request = ResolveRequest::new(env.clone()).profile(profile);
    let result = client.run(ResolveFlow::new(request), Recorder(world.audit.clone()));
    match &result {
        Ok(r) => world.audit.debug("network resolve", r),
        Err(e) => world.audit.error("network resolve", e),
    }
    result
}

fn resolve_dev<D: Driver>(world: &World, env: &Env) -> Result<Resolved, Error> {
    let client: D = client_for(env, fast_config(Duration::from_secs(10)))?;
    resolve(world, env, &client, "dev")
}

fn transport_kind(e: &Error) -> Option<TransportKind> {
    match e {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// The TLS world with the session `dev` logged in.
fn tls_world() -> World {
    let world = World::tls(EmulatorConfig::demo());
    world.seed_session(Duration::from_secs(3600));
    world
}

// --- trust ---------------------------------------------------------------------------------

pub fn trust_ca_bundle_from_the_environment<D: Driver>() {
    let world = tls_world();
    let env = world.env_with("127.0.0.1", &[("AWS_CA_BUNDLE", &world.bundle())]);
    resolve_dev::<D>(&world, &env).expect("trusted through AWS_CA_BUNDLE");
    assert_eq!(world.emulator.count("GetRoleCredentials"), 1);
}

pub fn trust_ca_bundle_from_the_profile<D: Driver>() {
    let world = tls_world();
    let config = CONFIG.replacen(
        "[profile dev]\n",
        &format!("[profile dev]\nca_bundle = {}\n", world.bundle()),
        1,
    );
    world.write_config(&config);
    let env = world.env_with("localhost", &[]);
    resolve_dev::<D>(&world, &env).expect("trusted through ca_bundle");
}

pub fn trust_default_roots_refuse_an_unknown_ca_and_name_the_fix<D: Driver>() {
    let world = tls_world();
    let env = world.env_with("127.0.0.1", &[]);
    let e = resolve_dev::<D>(&world, &env).expect_err("the emulator's CA is not a default root");
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

pub fn trust_a_bundle_without_the_ca_names_the_bundle<D: Driver>() {
    let world = tls_world();
    let other = world.home.path().join("other.pem");
    std::fs::write(&other, TestCa::generate("other").unwrap().pem()).unwrap();
    let env = world.env_with(
        "127.0.0.1",
        &[("AWS_CA_BUNDLE", &other.display().to_string())],
    );
    let m = resolve_dev::<D>(&world, &env)
        .expect_err("another CA")
        .to_string();
    assert!(
        m.contains("(from AWS_CA_BUNDLE) replaces the default roots"),
        "{m}"
    );
}

pub fn trust_broken_settings_are_configuration_errors<D: Driver>() {
    let world = tls_world();
    let empty = world.env_with("127.0.0.1", &[("AWS_CA_BUNDLE", "")]);
    let e = resolve_dev::<D>(&world, &empty).expect_err("an empty AWS_CA_BUNDLE");
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
        let client = D::new(ClientConfig {
            network: Some(NetworkSettings {
                trust: TrustChoice::Bundle(CaBundle {
                    path: path.clone(),
                    setting: BundleSetting::Env("AWS_CA_BUNDLE"),
                }),
                ..NetworkSettings::default()
            }),
            ..fast_config(Duration::from_secs(5))
        });
        let env = world.env_with("127.0.0.1", &[]);
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

/// The trusted certificates are read for the first https request only: a client that speaks
/// plain http (the loopback, IMDS, the container endpoint) is neither slowed down by them nor
/// failed by a CA bundle it never needs — which https requests still report.
pub fn trust_is_loaded_for_https_only<D: Driver>() {
    let missing = TrustChoice::Bundle(CaBundle {
        path: "/nonexistent/awscred-test/ca.pem".into(),
        setting: BundleSetting::Env("AWS_CA_BUNDLE"),
    });
    let client = D::new(ClientConfig {
        network: Some(NetworkSettings {
            trust: missing,
            ..NetworkSettings::default()
        }),
        ..fast_config(Duration::from_secs(5))
    });

    let plain = World::plain();
    plain.seed_session(Duration::from_secs(3600));
    let resolved = resolve(&plain, &plain.env(), &client, "dev").expect("plain http needs no CA");
    assert!(resolved.credentials.access_key_id().starts_with("ASIA"));

    let tls = tls_world();
    let env = tls.env_with("127.0.0.1", &[]);
    let e = resolve(&tls, &env, &client, "dev").expect_err("https needs the bundle");
    assert!(
        matches!(&e, Error::Config(m) if m.contains("cannot read the CA bundle /nonexistent/awscred-test/ca.pem (from AWS_CA_BUNDLE)")),
        "{e:?}"
    );
    assert_eq!(tls.emulator.count("GetRoleCredentials"), 0);
}

// --- proxies -------------------------------------------------------------------------------

pub fn proxy_tunnels_https_and_records_it<D: Driver>() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    let env = world.env_with(
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &world.bundle()),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    resolve_dev::<D>(&world, &env).expect("through the proxy");
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

pub fn proxy_credentials_go_as_basic_authorization<D: Driver>() {
    let world = tls_world();
    let proxy =
        ConnectProxy::start(ProxyOptions::default().with_credentials("al ice", "pa:ss")).unwrap();
    let url = format!("http://al%20ice:pa%3Ass@127.0.0.1:{}", proxy.port());
    let env = world.env_with(
        PROXIED_NAME,
        &[("AWS_CA_BUNDLE", &world.bundle()), ("https_proxy", &url)],
    );
    let client: D = client_for(&env, fast_config(Duration::from_secs(10))).unwrap();
    resolve(&world, &env, &client, "dev").expect("the proxy accepts the credentials");
    assert_eq!(
        proxy.tunnels()[0].authorization.as_deref(),
        Some("Basic YWwgaWNlOnBhOnNz")
    );
    let shown = format!("{client:?}");
    assert!(!shown.contains("pa:ss") && !shown.contains("YWwgaWNl"));
}

pub fn proxy_asking_for_credentials_names_status_and_variable<D: Driver>() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default().with_credentials("u", "p")).unwrap();
    let env = world.env_with(
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &world.bundle()),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    let m = resolve_dev::<D>(&world, &env).expect_err("407").to_string();
    assert!(
        m.contains("HTTP 407") && m.contains("(from HTTPS_PROXY)") && m.contains("USER:PASSWORD"),
        "{m}"
    );
    assert_eq!(proxy.tunnels().len(), 1, "a refusal is not retried");
}

pub fn proxy_refusing_connect_names_status_and_variable<D: Driver>() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default().refusing_with(403)).unwrap();
    let env = world.env_with(
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &world.bundle()),
            ("https_proxy", &proxy.url()),
        ],
    );
    let m = resolve_dev::<D>(&world, &env).expect_err("403").to_string();
    assert!(
        m.contains("HTTP 403") && m.contains("(from https_proxy)") && m.contains("NO_PROXY"),
        "{m}"
    );
}

pub fn proxy_never_carries_loopback<D: Driver>() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let env = world.env_with(
            host,
            &[
                ("AWS_CA_BUNDLE", &world.bundle()),
                ("HTTPS_PROXY", &proxy.url()),
                ("ALL_PROXY", &proxy.url()),
            ],
        );
        resolve_dev::<D>(&world, &env).expect("direct");
    }
    assert!(proxy.tunnels().is_empty());
}

pub fn no_proxy_addresses_and_ranges_go_direct<D: Driver>() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    let (ca, proxy_url) = (world.bundle(), proxy.url());
    let with = |extra: Option<(&str, &str)>| {
        let mut vars = vec![
            ("AWS_CA_BUNDLE", ca.as_str()),
            ("HTTPS_PROXY", proxy_url.as_str()),
        ];
        vars.extend(extra);
        world.env_with("[::ffff:127.0.0.1]", &vars)
    };
    resolve_dev::<D>(&world, &with(None)).expect("proxied");
    let proxied = proxy.tunnels().len();
    assert!(proxied > 0);
    for no_proxy in [
        "::ffff:127.0.0.1",
        "::ffff:0:0/96",
        "*",
        "example.com, [::ffff:127.0.0.1]",
    ] {
        resolve_dev::<D>(&world, &with(Some(("NO_PROXY", no_proxy)))).expect(no_proxy);
        assert_eq!(proxy.tunnels().len(), proxied, "{no_proxy}: direct");
    }
    resolve_dev::<D>(&world, &with(Some(("no_proxy", "other.example")))).expect("still proxied");
    assert!(proxy.tunnels().len() > proxied);
}

pub fn inspecting_proxy_passes_only_with_its_ca_trusted<D: Driver>() {
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
    let env = world.env_with(
        PROXIED_NAME,
        &[
            ("AWS_CA_BUNDLE", &world.bundle()),
            ("HTTPS_PROXY", &proxy.url()),
        ],
    );
    let m = resolve_dev::<D>(&world, &env)
        .expect_err("the middlebox's certificate")
        .to_string();
    assert!(
        m.contains(&format!(
            "the TLS certificate of {PROXIED_NAME} is not trusted"
        )),
        "{m}"
    );
    // The proxy notes the refused handshake just after the client hung up.
    let mut refused = None;
    for _ in 0..200 {
        refused = proxy.tunnels()[0].client_trusted_inspection;
        if refused.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(refused, Some(false));
    let corporate = middlebox_pem.display().to_string();
    let env = world.env_with(
        PROXIED_NAME,
        &[("AWS_CA_BUNDLE", &corporate), ("HTTPS_PROXY", &proxy.url())],
    );
    resolve_dev::<D>(&world, &env).expect("trusted middlebox");
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

pub fn timeouts_per_attempt_and_per_call<D: Driver>() {
    let world = tls_world();
    let proxy = ConnectProxy::start(ProxyOptions::default()).unwrap();
    // A request cut short is never logged by the emulator (its handler is dropped with the
    // connection), but each attempt opens its own tunnel: the proxy counts the attempts.
    for (host, via_proxy) in [("127.0.0.1", false), (PROXIED_NAME, true)] {
        let env = world.env_with(
            host,
            &[
                ("AWS_CA_BUNDLE", &world.bundle()),
                ("HTTPS_PROXY", &proxy.url()),
            ],
        );
        // No answer within the 300 ms read timeout: all three attempts time out; attempts
        // end after 300 ms without an answer, so a 500 ms deadline leaves room for two.
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
            let client: D = client_for(&env, timing(Duration::from_millis(300), deadline)).unwrap();
            let e = resolve(&world, &env, &client, "dev").expect_err("too slow");
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
}

// --- the main flows over TLS ----------------------------------------------------------------

/// A browser that trusts the emulator's CA: opens the authorization URL over TLS, then
/// follows the emulator's redirect to the driver's callback listener (plain HTTP on loopback).
pub struct TlsBrowser {
    pub audit: Audit,
    pub ca: String,
}

/// GETs an https URL trusting only `ca`; the `Location` it redirects to.
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
    let name = rustls::pki_types::ServerName::try_from(host).ok()?;
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

/// GETs a plain http URL; whether it answers shows in the login's outcome.
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
        self.audit.debug("prompt", prompt);
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

pub fn main_flows_over_tls<D: Driver>() {
    let world = World::tls(EmulatorConfig::demo().with_auto_approve(true));
    assert!(world.emulator.url().starts_with("https://"));
    let client: D = world_client(&world);
    let env = world.env();

    // Device-code login, then GetRoleCredentials and a three-deep AssumeRole chain.
    client
        .run(
            LoginFlow::new(world.login_request(true)),
            Recorder(world.audit.clone()),
        )
        .expect("device-code login over TLS");
    assert_eq!(world.emulator.count("StartDeviceAuthorization"), 1);
    resolve(&world, &env, &client, "dev").expect("GetRoleCredentials over TLS");
    resolve(&world, &env, &client, "r3").expect("the AssumeRole chain over TLS");
    assert!(
        world.emulator.count("AssumeRole") >= 2,
        "the chain's roles were assumed"
    );

    // An SSO token inside the refresh window is refreshed over TLS.
    world.seed_session(Duration::from_secs(12 * 60));
    let creates = world.emulator.count("CreateToken");
    resolve(&world, &env, &client, "dev").expect("refresh over TLS");
    assert_eq!(world.emulator.count("CreateToken"), creates + 1);

    // The authorization-code (PKCE) login through a browser.
    let browser = TlsBrowser {
        audit: world.audit.clone(),
        ca: world.emulator.ca_pem().unwrap().to_string(),
    };
    client
        .run(LoginFlow::new(world.login_request(false)), browser)
        .expect("PKCE login over TLS");
    assert_eq!(world.emulator.count("Authorize"), 1);
    let credentials = client
        .provider_credentials(env.clone(), "r1")
        .expect("r1 through the provider after the PKCE login");
    world.audit.debug("provider credentials", &credentials);
    resolve(&world, &env, &client, "r1").expect("r1 after the PKCE login");
}

/// One `#[test]` per scenario, on `$driver` (a type implementing [`Driver`]).
macro_rules! network_scenarios {
    ($driver:ty) => {
        network_scenarios!(@tests $driver;
            trust_ca_bundle_from_the_environment,
            trust_ca_bundle_from_the_profile,
            trust_default_roots_refuse_an_unknown_ca_and_name_the_fix,
            trust_a_bundle_without_the_ca_names_the_bundle,
            trust_broken_settings_are_configuration_errors,
            trust_is_loaded_for_https_only,
            proxy_tunnels_https_and_records_it,
            proxy_credentials_go_as_basic_authorization,
            proxy_asking_for_credentials_names_status_and_variable,
            proxy_refusing_connect_names_status_and_variable,
            proxy_never_carries_loopback,
            no_proxy_addresses_and_ranges_go_direct,
            inspecting_proxy_passes_only_with_its_ca_trusted,
            timeouts_per_attempt_and_per_call,
            main_flows_over_tls,
        );
    };
    (@tests $driver:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                network_scenarios::$name::<$driver>();
            }
        )*
    };
}
