//! What every integration test of the blocking driver shares: a fresh emulator with a private
//! home directory pointed at it, helpers to write the AWS CLI's files, and the secrets audit.
//!
//! The audit collects every error's `Display` and `Debug` and the `Debug` of every provider,
//! flow, resolution and credentials a test touches. When a [`World`] is dropped (at the end of
//! a test that did not already fail) none of the secrets the emulator issued may appear in it.

#![allow(dead_code)]

use std::fmt::{Debug, Display};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awscred_core::config::Env;
use awscred_core::flow::{Flow, Input, Interact, Prompt, Step};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::retry::RetryPolicy;
use awscred_core::token::{CachedToken, token_file_name};
use awscred_core::{Credentials, Error};
use awscred_emulator::{Emulator, EmulatorConfig, IssuedToken};
use awscred_ureq::{Client, ClientConfig, Provider};

/// The start URL of the test sso-session.
pub const START_URL: &str = "https://d-emulator.awsapps.com/start";
/// The start URL of the legacy profile (its token is keyed by it).
pub const LEGACY_START_URL: &str = "https://d-legacy.awsapps.com/start";

/// A config with an sso-session profile (`dev`), a legacy profile (`legacy`), a three-deep
/// AssumeRole chain on top of `dev` (`r1` → `r2` → `r3`), and a role on static keys (`app`).
pub const CONFIG: &str = "\
[profile dev]
sso_session = dev
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[sso-session dev]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://d-legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444455556666
sso_role_name = Deployer
region = us-east-1

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

[profile app]
role_arn = arn:aws:iam::123456789012:role/app
source_profile = base
region = us-east-1
";

/// The static keys `app` assumes its role with: the emulator's demo key pair.
pub const CREDENTIALS: &str = "\
[base]
aws_access_key_id = AKIAEMULATORSTATIC01
aws_secret_access_key = emulator-static-secret-key
";

/// Everything a test collected that must not hold a secret.
#[derive(Clone, Default)]
pub struct Audit(Arc<Mutex<String>>);

impl Audit {
    /// Adds a line of text (child process output, say).
    pub fn text(&self, label: &str, text: &str) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.push_str(label);
        all.push_str(": ");
        all.push_str(text);
        all.push('\n');
    }

    /// Adds the `Debug` form of anything.
    pub fn debug(&self, label: &str, value: &dyn Debug) {
        self.text(label, &format!("{value:?}"));
        self.text(label, &format!("{value:#?}"));
    }

    /// Adds an error's `Display` and `Debug`.
    pub fn error(&self, label: &str, e: &Error) {
        self.text(label, &e.to_string());
        self.debug(label, e);
    }

    /// Adds a result: the value's `Debug`, or the error's `Display` and `Debug`.
    pub fn result<T: Debug>(&self, label: &str, r: &Result<T, Error>) {
        match r {
            Ok(v) => self.debug(label, v),
            Err(e) => self.error(label, e),
        }
    }

    /// Adds credentials: `Debug` and `Display`.
    pub fn credentials(&self, label: &str, c: &Credentials) {
        self.debug(label, c);
        self.text(label, &c.to_string());
    }

    /// Everything collected so far.
    pub fn collected(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Panics naming the kind of secret (never the secret) when any of `secrets` was collected.
    pub fn assert_clean(&self, secrets: &[String]) {
        let all = self.collected();
        assert!(
            all.len() > 100,
            "the audit collected almost nothing; is it wired in?"
        );
        for (i, secret) in secrets.iter().enumerate() {
            if secret.len() >= 8 && all.contains(secret.as_str()) {
                let at = all.find(secret.as_str()).unwrap_or(0);
                let line_start = all[..at].rfind('\n').map_or(0, |i| i + 1);
                let line = &all[line_start..at];
                let label = line.split(": ").next().unwrap_or_default();
                panic!(
                    "secret #{i} issued by the emulator leaked into the output (audit label {label:?})"
                );
            }
        }
    }
}

/// A flow wrapper that records the flow's `Debug` after every step and its result at the end.
pub struct Audited<F> {
    inner: F,
    audit: Audit,
    label: &'static str,
}

impl<F> Audited<F> {
    /// Wraps `inner`.
    pub fn new(inner: F, audit: &Audit, label: &'static str) -> Self {
        Audited {
            inner,
            audit: audit.clone(),
            label,
        }
    }
}

impl<F> Flow for Audited<F>
where
    F: Flow + Debug,
    F::Output: Debug,
{
    type Output = F::Output;

    fn next_step(&mut self, now: SystemTime) -> Step<F::Output> {
        let step = self.inner.next_step(now);
        self.audit.debug(self.label, &self.inner);
        if let Step::Done(result) = &step {
            self.audit.result(self.label, result);
        }
        step
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        if let Input::Response(Err(e)) | Input::File(Err(e)) | Input::Written(Err(e)) = &input {
            self.audit.error(self.label, e);
        }
        self.inner.handle(input, now);
        self.audit.debug(self.label, &self.inner);
    }

    fn retry_settings(&self) -> awscred_core::retry::RetrySettings {
        self.inner.retry_settings()
    }
}

/// An `Interact` that records every prompt's `Debug` and refuses MFA codes.
pub struct Recorder(pub Audit);

impl Interact for Recorder {
    fn show(&mut self, prompt: &Prompt) {
        self.0.debug("prompt", prompt);
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!("no MFA code for {serial}")))
    }
}

/// A fresh emulator, a private home directory pointed at it, and the audit.
pub struct World {
    pub emulator: Emulator,
    pub home: tempfile::TempDir,
    pub env: Env,
    pub audit: Audit,
}

impl World {
    /// The demo fixture.
    pub fn new() -> World {
        World::with(EmulatorConfig::demo())
    }

    /// A custom fixture, with the standard config and credentials files written.
    pub fn with(config: EmulatorConfig) -> World {
        let emulator = Emulator::start(config).expect("the emulator starts");
        let home = tempfile::tempdir().expect("a temporary home");
        let env = env_for(home.path(), &emulator.url());
        let world = World {
            emulator,
            home,
            env,
            audit: Audit::default(),
        };
        world.write_config(CONFIG);
        world.write_credentials(CREDENTIALS);
        world
    }

    pub fn write_config(&self, text: &str) {
        awscred_files::write_private_atomic(self.aws_dir().join("config"), text.as_bytes())
            .expect("config written");
    }

    pub fn write_credentials(&self, text: &str) {
        awscred_files::write_private_atomic(self.aws_dir().join("credentials"), text.as_bytes())
            .expect("credentials written");
    }

    pub fn aws_dir(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    pub fn sso_cache(&self) -> PathBuf {
        self.aws_dir().join("sso").join("cache")
    }

    pub fn cli_cache(&self) -> PathBuf {
        self.aws_dir().join("cli").join("cache")
    }

    /// The token file of an sso-session name or a legacy start URL.
    pub fn token_path(&self, key: &str) -> PathBuf {
        self.sso_cache().join(token_file_name(key))
    }

    /// Has the emulator issue a token living `lifetime` and writes it where the AWS CLI would,
    /// for the sso-session `dev`.
    pub fn seed_session(&self, lifetime: Duration) -> IssuedToken {
        self.seed("dev", START_URL, lifetime)
    }

    /// Has the emulator issue a token and writes it in the AWS CLI's format under `key`.
    pub fn seed(&self, key: &str, start_url: &str, lifetime: Duration) -> IssuedToken {
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
            start_url: Some(start_url.into()),
            unknown: Default::default(),
        };
        self.write_token(key, &token);
        issued
    }

    pub fn write_token(&self, key: &str, token: &CachedToken) {
        self.audit.debug("written token", token);
        awscred_files::write_private_atomic(self.token_path(key), &token.to_json())
            .expect("token written");
    }

    /// The token file under `key`, parsed (panics when it is missing or unreadable).
    pub fn read_token(&self, key: &str) -> CachedToken {
        let path = self.token_path(key);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let token = CachedToken::parse(&bytes)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        self.audit.debug("read token", &token);
        token
    }

    /// Every file of the SSO and CLI caches parses, and no temporary file is left behind.
    pub fn assert_files_intact(&self, context: &str) {
        for dir in [self.sso_cache(), self.cli_cache()] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let entry = entry.expect("a directory entry");
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = entry.path();
                assert!(
                    !name.starts_with('.'),
                    "{context}: a temporary file was left behind: {}",
                    path.display()
                );
                if !name.ends_with(".json") {
                    continue; // lock files
                }
                let bytes = std::fs::read(&path).expect("a cache file reads");
                let parsed = if dir == self.sso_cache() {
                    // Client registrations share the directory; tokens have an accessToken.
                    if String::from_utf8_lossy(&bytes).contains("\"accessToken\"") {
                        CachedToken::parse(&bytes).map(|_| ())
                    } else {
                        Ok(())
                    }
                } else {
                    awscred_core::cli_cache::parse_entry(&bytes).map(|_| ())
                };
                if let Err(e) = parsed {
                    panic!("{context}: {} is corrupted: {e}", path.display());
                }
            }
        }
    }

    /// A client with short backoffs (and the usual three attempts).
    pub fn client(&self) -> Client {
        fast_client(Duration::from_secs(10))
    }

    /// A provider for `profile` on a fast client.
    pub fn provider(&self, profile: &str) -> Provider {
        Provider::new(self.env.clone(), Some(profile.to_string())).with_client(self.client())
    }

    /// Resolves `profile` once (no in-memory cache) with `client`, auditing the flow.
    pub fn resolve_with(&self, client: &Client, profile: &str) -> Result<Resolved, Error> {
        let request = ResolveRequest::new(self.env.clone()).profile(profile);
        let flow = Audited::new(ResolveFlow::new(request), &self.audit, "resolve");
        let result = client.run(flow, &mut Recorder(self.audit.clone()));
        if let Ok(r) = &result {
            self.audit
                .credentials("resolved credentials", &r.credentials);
        }
        result
    }

    /// Resolves `profile` once with the fast client.
    pub fn resolve(&self, profile: &str) -> Result<Resolved, Error> {
        self.resolve_with(&self.client(), profile)
    }

    /// Every secret the emulator handed out, plus the static secret key it trusts.
    pub fn secrets(&self) -> Vec<String> {
        let mut all = self.emulator.issued_secrets();
        all.extend(
            self.emulator
                .config()
                .static_keys
                .iter()
                .map(|(_, s)| s.clone()),
        );
        all
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.audit.assert_clean(&self.secrets());
        }
    }
}

/// The environment a process pointed at the emulator sees: only HOME and the endpoint.
pub fn env_for(home: &Path, url: &str) -> Env {
    Env::from_pairs([
        ("HOME", home.display().to_string()),
        ("AWS_ENDPOINT_URL", url.to_string()),
    ])
}

/// A client with tiny backoffs and this read timeout.
pub fn fast_client(read_timeout: Duration) -> Client {
    Client::new(ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout,
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        },
    })
}

/// Renders something for an assertion message and the audit at once.
pub fn shown(audit: &Audit, label: &str, value: &dyn Display) -> String {
    let s = value.to_string();
    audit.text(label, &s);
    s
}
