//! One provider test suite for both drivers: `awscred_ureq::Provider` and
//! `awscred_hyper::Provider` go through the same scenarios, against the emulator over real
//! sockets on 127.0.0.1, and must give the same results (the same credentials served, the same
//! number of calls made, the same errors).
//!
//! Each driver's `tests/provider_suite.rs` includes this file with `#[path]`, implements
//! [`Driver`] for its provider (the async one through a tokio runtime's `block_on`) and
//! expands [`provider_scenarios!`] into one `#[test]` per scenario.
//!
//! Time is injected: the providers' cache runs on a [`TestClock`] the scenarios move forward,
//! so the 30 s back-off after a failed refresh is stepped through, not waited for.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, SystemTime};

use awscred_core::cache::FAILED_REFRESH_BACKOFF;
use awscred_core::config::Env;
use awscred_core::flow::{Interact, Prompt};
use awscred_core::resolve::Resolved;
use awscred_core::retry::RetryPolicy;
use awscred_core::token::{CachedToken, token_file_name};
use awscred_core::transport::ClientConfig;
use awscred_core::{Credentials, Error};
use awscred_emulator::{Emulator, EmulatorConfig, Fault};

/// The profiles the scenarios use: an SSO profile (`dev`), a role on top of it (`chain`), a
/// role on static keys that needs an MFA code (`mfa`), a profile without a region
/// (`no-region`), one with a region that is not one (`bad-region`), and roles on good and on
/// wrong static keys for the example programs (`signer`, `wrong-signer`).
const CONFIG: &str = "\
[profile dev]
sso_session = dev
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = eu-west-1

[sso-session dev]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile chain]
role_arn = arn:aws:iam::444455556666:role/two
source_profile = dev
region = ap-southeast-2

[profile mfa]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/me

[profile no-region]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base

[profile bad-region]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base
region = eu west 1

[profile signer]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base
region = eu-west-1

[profile wrong-signer]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = wrong
region = eu-west-1
";

const CREDENTIALS: &str = "\
[base]
aws_access_key_id = AKIAEMULATORSTATIC01
aws_secret_access_key = emulator-static-secret-key

[wrong]
aws_access_key_id = AKIAEMULATORSTATIC01
aws_secret_access_key = not-the-secret-key
";

/// The cache's clock: real time plus an offset the scenario moves.
#[derive(Clone, Default)]
pub struct TestClock(Arc<Mutex<Duration>>);

impl TestClock {
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + *self.0.lock().unwrap()
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

/// Answers MFA prompts with a fixed code and counts them.
#[derive(Clone, Default)]
pub struct CodeTyper(Arc<AtomicUsize>);

impl Interact for CodeTyper {
    fn show(&mut self, _prompt: &Prompt) {}
    fn token_code(&mut self, _serial: &str) -> Result<String, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok("123456".into())
    }
}

/// What a scenario builds a provider with; every driver maps it onto its own
/// `Provider::builder()`.
#[derive(Clone)]
pub struct Options {
    pub env: Env,
    pub profile: Option<String>,
    pub use_cli_cache: bool,
    pub clock: TestClock,
    /// The HTTP client's configuration (`.client(Client::new(config))`).
    pub client: ClientConfig,
    /// `.interact(…)` when set.
    pub interact: Option<CodeTyper>,
}

/// A driver's provider, as the scenarios drive it. Results are the driver's own, unchanged.
pub trait Driver: Clone + Send + Sync + std::fmt::Debug + 'static {
    /// `Provider::builder()` with every option of `options`, then `.build()`.
    fn build(options: Options) -> Self;
    /// `Provider::new(env, profile)` followed by `.with_client(Client::new(client))` and, when
    /// given, `.with_interact(typer)`.
    fn new(
        env: Env,
        profile: Option<String>,
        client: ClientConfig,
        interact: Option<CodeTyper>,
    ) -> Self;
    /// `Provider::from_resolver(Client::default(), resolver)`.
    fn from_resolver(resolver: Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>) -> Self;
    fn credentials(&self) -> Result<Credentials, Error>;
    fn credentials_shared(&self) -> Result<Arc<Credentials>, Error>;
    fn invalidate(&self);
    fn region(&self) -> Result<Option<String>, Error>;
    fn resolve_now(&self) -> Result<Resolved, Error>;
}

/// A fresh emulator, a private home pointed at it with [`CONFIG`] and [`CREDENTIALS`], and an
/// SSO token for `dev` living an hour.
pub struct World {
    pub emulator: Emulator,
    pub home: tempfile::TempDir,
    pub clock: TestClock,
}

impl World {
    /// Role credentials living `lifetime`.
    pub fn new(lifetime: Duration) -> World {
        let emulator = Emulator::start(EmulatorConfig {
            credential_lifetime: lifetime,
            ..EmulatorConfig::demo()
        })
        .expect("the emulator starts");
        let home = tempfile::tempdir().expect("a temporary home");
        let world = World {
            emulator,
            home,
            clock: TestClock::default(),
        };
        world.write(".aws/config", CONFIG);
        world.write(".aws/credentials", CREDENTIALS);
        world.seed_token();
        world
    }

    /// Credentials living ten minutes: outside the refresh window (at most 7.5 minutes) but
    /// too short for the AWS CLI's cache (15 minutes), so only memory can spare a call.
    pub fn memory_only() -> World {
        World::new(Duration::from_secs(10 * 60))
    }

    /// Credentials living just under five minutes: inside the refresh window at once,
    /// whatever the jitter, but valid for a while.
    pub fn short_lived() -> World {
        World::new(Duration::from_secs(5 * 60 - 10))
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.home.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn seed_token(&self) {
        let issued = self.emulator.issue_access_token(Duration::from_secs(3600));
        let token = CachedToken {
            access_token: issued.access_token.clone().into(),
            expires_at: issued.expires_at,
            refresh_token: Some(issued.refresh_token.clone().into()),
            client_id: Some(issued.client_id.clone()),
            client_secret: Some(issued.client_secret.clone().into()),
            registration_expires_at: Some(issued.registration_expires_at),
            region: Some("us-east-1".into()),
            start_url: Some("https://d-emulator.awsapps.com/start".into()),
            unknown: Default::default(),
        };
        let path = self.sso_cache().join(token_file_name("dev"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, token.to_json()).unwrap();
    }

    pub fn sso_cache(&self) -> PathBuf {
        self.home.path().join(".aws/sso/cache")
    }

    pub fn cli_cache(&self) -> PathBuf {
        self.home.path().join(".aws/cli/cache")
    }

    /// Only HOME and the emulator's URL.
    pub fn env(&self) -> Env {
        self.env_with(&[])
    }

    pub fn env_with(&self, extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![
            ("HOME".to_string(), self.home.path().display().to_string()),
            ("AWS_ENDPOINT_URL".to_string(), self.emulator.url()),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env::from_pairs(pairs)
    }

    /// The options of a provider for `profile` on the world's clock and a fast client.
    pub fn options(&self, profile: &str) -> Options {
        Options {
            env: self.env(),
            profile: Some(profile.into()),
            use_cli_cache: true,
            clock: self.clock.clone(),
            client: fast_client(3),
            interact: None,
        }
    }

    pub fn calls(&self, operation: &str) -> usize {
        self.emulator.count(operation)
    }

    /// No secret the emulator issued appears in `text`.
    pub fn assert_no_secret(&self, what: &str, text: &str) {
        let mut secrets = self.emulator.issued_secrets();
        secrets.push("emulator-static-secret-key".into());
        for (i, secret) in secrets.iter().enumerate() {
            assert!(
                secret.len() < 8 || !text.contains(secret.as_str()),
                "{what}: secret #{i} leaked"
            );
        }
    }

    /// Audits the provider's `Debug` and an error's `Display` and `Debug`.
    pub fn audit<D: Driver>(&self, provider: &D, error: Option<&Error>) {
        self.assert_no_secret("provider Debug", &format!("{provider:?} {provider:#?}"));
        if let Some(e) = error {
            self.assert_no_secret("error", &format!("{e} {e:?}"));
        }
    }
}

/// Tiny backoffs and `attempts` attempts.
pub fn fast_client(attempts: u32) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts: attempts,
            base: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        },
        ..ClientConfig::default()
    }
}

/// What the example programs print for the profile `signer`: its region, and the role STS
/// says signed the request. The secret never appears.
pub fn assert_signed_answer(world: &World, answer: &str) {
    assert!(answer.contains("region eu-west-1"), "{answer}");
    assert!(
        answer.contains("signed as arn:aws:sts::123456789012:assumed-role/app/"),
        "{answer}"
    );
    assert_eq!(world.calls("AssumeRole"), 1);
    assert_eq!(world.calls("GetCallerIdentity"), 1);
    world.assert_no_secret("the program's answer", answer);
}

fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}

// ---------------------------------------------------------------------------------------------
// The scenarios.

/// Fresh credentials are served from memory: one call, the same shared value every time.
pub fn cached_read<D: Driver>() {
    assert_clone_send_sync::<D>();
    let world = World::memory_only();
    let provider = D::build(world.options("dev"));
    let first = provider.credentials_shared().expect("dev resolves");
    let second = provider.credentials_shared().unwrap();
    assert!(
        Arc::ptr_eq(&first, &second),
        "a cached read hands out the same credentials"
    );
    let copy = provider.credentials().unwrap();
    assert_eq!(copy.access_key_id(), first.access_key_id());
    // Clones share the cache.
    let clone = provider.clone();
    assert!(Arc::ptr_eq(&clone.credentials_shared().unwrap(), &first));
    world.clock.advance(Duration::from_secs(60));
    assert!(Arc::ptr_eq(&provider.credentials_shared().unwrap(), &first));
    assert_eq!(world.calls("GetRoleCredentials"), 1);
    world.audit(&provider, None);
}

/// Any number of concurrent callers on a cold provider cause one resolution.
pub fn single_refresh_under_concurrency<D: Driver>() {
    let world = World::memory_only();
    let provider = D::build(world.options("chain"));
    let barrier = Arc::new(Barrier::new(32));
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let (provider, barrier) = (provider.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                provider.credentials_shared()
            })
        })
        .collect();
    let mut keys: Vec<String> = threads
        .into_iter()
        .map(|t| {
            t.join()
                .expect("no thread panicked")
                .expect("every caller gets credentials")
                .access_key_id()
                .to_string()
        })
        .collect();
    keys.dedup();
    assert_eq!(keys.len(), 1, "every caller got the same credentials");
    assert_eq!(world.calls("GetRoleCredentials"), 1);
    assert_eq!(world.calls("AssumeRole"), 1);
    world.audit(&provider, None);
}

/// Credentials inside their refresh window are refreshed on the next call.
pub fn refresh_inside_the_window<D: Driver>() {
    let world = World::short_lived();
    let provider = D::build(world.options("dev"));
    let first = provider.credentials().unwrap();
    let second = provider.credentials().unwrap();
    assert_ne!(first.access_key_id(), second.access_key_id());
    assert_eq!(world.calls("GetRoleCredentials"), 2);
}

/// A failed refresh serves the still-valid credentials, and for the next 30 s nothing is
/// tried; then the refresh is tried again, and once the service is back it succeeds.
pub fn serve_stale_with_backoff<D: Driver>() {
    let world = World::short_lived();
    let provider = D::build(world.options("dev"));
    let first = provider.credentials().unwrap();
    assert_eq!(world.calls("GetRoleCredentials"), 1);

    world
        .emulator
        .inject("GetRoleCredentials", Fault::ServerError, 1000);
    let stale = provider
        .credentials()
        .expect("still-valid credentials are served");
    assert_eq!(stale.access_key_id(), first.access_key_id());
    assert_eq!(
        world.calls("GetRoleCredentials"),
        1 + 3,
        "one refresh, three attempts"
    );

    // Inside the back-off: served from memory, no call.
    world
        .clock
        .advance(FAILED_REFRESH_BACKOFF - Duration::from_secs(1));
    for _ in 0..5 {
        let again = provider.credentials().unwrap();
        assert_eq!(again.access_key_id(), first.access_key_id());
    }
    assert_eq!(world.calls("GetRoleCredentials"), 1 + 3);

    // After it: tried again (and failed again, still serving the old credentials).
    world.clock.advance(Duration::from_secs(2));
    let again = provider.credentials().unwrap();
    assert_eq!(again.access_key_id(), first.access_key_id());
    assert_eq!(world.calls("GetRoleCredentials"), 1 + 3 + 3);

    // The service is back: the next try after the back-off gets new credentials.
    world.emulator.clear_faults();
    world.clock.advance(FAILED_REFRESH_BACKOFF);
    let fresh = provider.credentials().unwrap();
    assert_ne!(fresh.access_key_id(), first.access_key_id());
    assert_eq!(world.calls("GetRoleCredentials"), 1 + 3 + 3 + 1);
    world.audit(&provider, None);
}

/// With nothing valid in memory a failure is an error, and it is not cached: the next call
/// tries again.
pub fn nothing_valid_is_an_error<D: Driver>() {
    let world = World::memory_only();
    world
        .emulator
        .inject("GetRoleCredentials", Fault::ServerError, 1000);
    let provider = D::build(world.options("dev"));
    let e = provider.credentials().expect_err("nothing to fall back on");
    assert!(e.to_string().contains("500"), "{e}");
    assert!(matches!(e, Error::Service(_)), "{e:?}");
    assert_eq!(world.calls("GetRoleCredentials"), 3);
    let _ = provider.credentials().expect_err("still down");
    assert_eq!(world.calls("GetRoleCredentials"), 6);
    world.emulator.clear_faults();
    provider.credentials().expect("back up");
    world.audit(&provider, Some(&e));
}

/// `invalidate` forgets the credentials: the next call resolves again; clones see it too.
pub fn invalidate<D: Driver>() {
    let world = World::memory_only();
    let provider = D::build(world.options("dev"));
    let first = provider.credentials().unwrap();
    provider.clone().invalidate();
    let second = provider.credentials().unwrap();
    assert_ne!(first.access_key_id(), second.access_key_id());
    assert_eq!(world.calls("GetRoleCredentials"), 2);
    assert_eq!(
        provider.credentials().unwrap().access_key_id(),
        second.access_key_id()
    );
    assert_eq!(world.calls("GetRoleCredentials"), 2);
}

/// `region()`: the profile's `region`, unless AWS_REGION or AWS_DEFAULT_REGION is set; `None`
/// without one; a clear error for a region that is not one. No network call.
pub fn region<D: Driver>() {
    let world = World::memory_only();
    let region = |env: Env, profile: &str| {
        D::build(Options {
            env,
            ..world.options(profile)
        })
        .region()
    };
    assert_eq!(
        region(world.env(), "dev").unwrap().as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        region(world.env(), "chain").unwrap().as_deref(),
        Some("ap-southeast-2")
    );
    assert_eq!(region(world.env(), "no-region").unwrap(), None);
    let env = world.env_with(&[("AWS_DEFAULT_REGION", "sa-east-1")]);
    assert_eq!(region(env, "dev").unwrap().as_deref(), Some("sa-east-1"));
    let env = world.env_with(&[
        ("AWS_DEFAULT_REGION", "sa-east-1"),
        ("AWS_REGION", "af-south-1"),
    ]);
    assert_eq!(region(env, "dev").unwrap().as_deref(), Some("af-south-1"));
    // Without an explicit profile, AWS_PROFILE selects it.
    let env = world.env_with(&[("AWS_PROFILE", "chain")]);
    let provider = D::build(Options {
        env,
        profile: None,
        ..world.options("unused")
    });
    assert_eq!(
        provider.region().unwrap().as_deref(),
        Some("ap-southeast-2")
    );

    let e = region(world.env(), "bad-region").expect_err("not a region");
    let text = e.to_string();
    assert!(
        text.contains("\"bad-region\"") && text.contains("`region`"),
        "{text}"
    );
    assert!(text.contains("eu west 1"), "{text}");

    // A missing config file is no region, not an error.
    let env = world.env_with(&[("AWS_CONFIG_FILE", "/nonexistent/awscred-test/config")]);
    assert_eq!(region(env, "dev").unwrap(), None);
    assert_eq!(world.emulator.requests().len(), 0, "region() makes no call");
}

/// The builder's options: the profile (or AWS_PROFILE), `use_cli_cache`, the client, and
/// `interact`.
pub fn builder_options<D: Driver>() {
    let world = World::new(Duration::from_secs(3600));
    // use_cli_cache(false): nothing written to ~/.aws/cli/cache, and every provider calls.
    for _ in 0..2 {
        let provider = D::build(Options {
            use_cli_cache: false,
            ..world.options("dev")
        });
        provider.credentials().unwrap();
    }
    assert_eq!(world.calls("GetRoleCredentials"), 2);
    assert!(
        std::fs::read_dir(world.cli_cache()).map_or(true, |mut d| d.next().is_none()),
        "use_cli_cache(false) writes nothing there"
    );
    // use_cli_cache(true), the default: the second provider reads what the first cached.
    for _ in 0..2 {
        D::build(world.options("dev")).credentials().unwrap();
    }
    assert_eq!(world.calls("GetRoleCredentials"), 3);
    assert_eq!(std::fs::read_dir(world.cli_cache()).unwrap().count(), 1);

    // No explicit profile: AWS_PROFILE selects it.
    let provider = D::build(Options {
        env: world.env_with(&[("AWS_PROFILE", "chain")]),
        profile: None,
        ..world.options("unused")
    });
    let resolved = provider.resolve_now().unwrap();
    assert_eq!(resolved.profile, "chain");
    assert_eq!(world.calls("AssumeRole"), 1);

    // The client: one attempt instead of three.
    world.emulator.clear_requests();
    world
        .emulator
        .inject("AssumeRole", Fault::ServerError, 1000);
    let one_attempt = D::build(Options {
        client: fast_client(1),
        use_cli_cache: false,
        ..world.options("chain")
    });
    one_attempt.credentials().expect_err("AssumeRole is down");
    assert_eq!(world.calls("AssumeRole"), 1);
    world.emulator.clear_faults();

    // interact: the MFA code is asked once, and only with it does the role resolve.
    let e = D::build(world.options("mfa"))
        .credentials()
        .expect_err("no one to ask for the code");
    assert!(e.to_string().contains("MFA"), "{e}");
    let typer = CodeTyper::default();
    let provider = D::build(Options {
        interact: Some(typer.clone()),
        ..world.options("mfa")
    });
    provider.credentials().expect("the code was typed");
    provider.credentials().unwrap();
    assert_eq!(typer.0.load(Ordering::SeqCst), 1);
    world.audit(&provider, Some(&e));
}

/// `Provider::new(env, profile)` with `with_client` and `with_interact`, and `resolve_now`.
pub fn new_and_resolve_now<D: Driver>() {
    let world = World::memory_only();
    let provider = D::new(world.env(), Some("chain".into()), fast_client(3), None);
    let resolved = provider.resolve_now().unwrap();
    assert_eq!(resolved.profile, "chain");
    assert_eq!(resolved.region.as_deref(), Some("ap-southeast-2"));
    assert!(!resolved.from_cli_cache);
    // resolve_now bypasses memory but not the AWS CLI's cache... which these short-lived
    // credentials are not written to, so each is a call; `credentials` then caches.
    provider.resolve_now().unwrap();
    assert_eq!(world.calls("AssumeRole"), 2);
    provider.credentials().unwrap();
    provider.credentials().unwrap();
    assert_eq!(world.calls("AssumeRole"), 3);

    let typer = CodeTyper::default();
    let mfa = D::new(
        world.env(),
        Some("mfa".into()),
        fast_client(3),
        Some(typer.clone()),
    );
    assert_eq!(mfa.resolve_now().unwrap().profile, "mfa");
    assert_eq!(typer.0.load(Ordering::SeqCst), 1);
}

/// A custom source: called once for many reads, again after `invalidate`; no profile to
/// `resolve_now`; a failing source keeps the valid credentials it gave.
pub fn from_resolver<D: Driver>() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let provider = D::from_resolver(Arc::new(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        Ok(Credentials::new(
            format!("AKIDCUSTOM{n}"),
            "custom-secret-value",
            None,
            None,
        ))
    }));
    for _ in 0..3 {
        assert_eq!(
            provider.credentials().unwrap().access_key_id(),
            "AKIDCUSTOM0"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    provider.invalidate();
    assert_eq!(
        provider.credentials().unwrap().access_key_id(),
        "AKIDCUSTOM1"
    );
    let e = provider.resolve_now().expect_err("no profile");
    assert!(e.to_string().contains("from_resolver"), "{e}");
    assert!(!format!("{provider:?}").contains("custom-secret-value"));

    let failing = D::from_resolver(Arc::new(|| Err(Error::Config("no source today".into()))));
    let e = failing.credentials().expect_err("the source fails");
    assert_eq!(e.to_string(), "no source today");
}

/// Expands into one `#[test]` per scenario for the driver type `$driver`.
macro_rules! provider_scenarios {
    ($driver:ty) => {
        #[test]
        fn cached_read() {
            provider_scenarios::cached_read::<$driver>();
        }
        #[test]
        fn single_refresh_under_concurrency() {
            provider_scenarios::single_refresh_under_concurrency::<$driver>();
        }
        #[test]
        fn refresh_inside_the_window() {
            provider_scenarios::refresh_inside_the_window::<$driver>();
        }
        #[test]
        fn serve_stale_with_backoff() {
            provider_scenarios::serve_stale_with_backoff::<$driver>();
        }
        #[test]
        fn nothing_valid_is_an_error() {
            provider_scenarios::nothing_valid_is_an_error::<$driver>();
        }
        #[test]
        fn invalidate() {
            provider_scenarios::invalidate::<$driver>();
        }
        #[test]
        fn region() {
            provider_scenarios::region::<$driver>();
        }
        #[test]
        fn builder_options() {
            provider_scenarios::builder_options::<$driver>();
        }
        #[test]
        fn new_and_resolve_now() {
            provider_scenarios::new_and_resolve_now::<$driver>();
        }
        #[test]
        fn from_resolver() {
            provider_scenarios::from_resolver::<$driver>();
        }
    };
}
