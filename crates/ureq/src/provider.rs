//! A credentials provider that resolves a profile once and serves it from memory until the
//! refresh window, with exactly one refresh at a time.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwapOption;
use awscred_core::config::Env;
use awscred_core::metadata::MetadataMemory;
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::{Credentials, Error};

use crate::{Client, Interact, NonInteractive};

/// The credentials being served and when to stop serving them without a refresh.
#[derive(Debug)]
struct Current {
    credentials: Arc<Credentials>,
    refresh_at: Option<SystemTime>,
}

/// Resolves credentials for a profile like the AWS CLI v2, caching them in memory.
///
/// `credentials()` is a lock-free read while the cached credentials are outside their refresh
/// window (expiry minus five minutes, with jitter). When they are due, one caller resolves again
/// while the others wait for its result; if that fails, still-valid credentials keep being served.
pub struct Provider {
    client: Client,
    env: Env,
    profile: Option<String>,
    current: ArcSwapOption<Current>,
    // Held while resolving, so concurrent callers make one refresh; remembers the last token
    // refresh attempt for the core's 60-second back-off.
    refresh: Mutex<Option<SystemTime>>,
    // What the instance metadata source remembers (session token, last good credentials for
    // static stability); only touched under `refresh`.
    metadata: Mutex<MetadataMemory>,
    interact: Mutex<Box<dyn Interact + Send>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("profile", &self.profile)
            .field("current", &self.current.load())
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// A provider for the environment of this process: AWS_PROFILE, AWS_CONFIG_FILE, HOME…,
    /// resolved as the AWS CLI v2 does without `--profile` — botocore's default chain
    /// (environment keys, the profile, web identity, the container endpoint, the EC2 instance
    /// metadata service; [`awscred_core::config::default_plan`]).
    pub fn from_env() -> Self {
        Provider::new(Env::from_pairs(std::env::vars()), None)
    }

    /// A provider for `profile`, with the rest of this process's environment.
    pub fn from_profile(profile: impl Into<String>) -> Self {
        Provider::new(Env::from_pairs(std::env::vars()), Some(profile.into()))
    }

    /// A provider for an explicit environment snapshot and, optionally, an explicit profile
    /// (which, as with the AWS CLI's `--profile`, takes precedence over AWS_ACCESS_KEY_ID).
    pub fn new(env: Env, profile: Option<String>) -> Self {
        Provider {
            client: Client::default(),
            env,
            profile,
            current: ArcSwapOption::empty(),
            refresh: Mutex::new(None),
            metadata: Mutex::new(MetadataMemory::default()),
            interact: Mutex::new(Box::new(NonInteractive)),
        }
    }

    /// Uses `client` (timeouts, retries) for the network calls.
    pub fn with_client(mut self, client: Client) -> Self {
        self.client = client;
        self
    }

    /// Lets resolution ask the user (an MFA code) through `interact`.
    pub fn with_interact(mut self, interact: impl Interact + Send + 'static) -> Self {
        self.interact = Mutex::new(Box::new(interact));
        self
    }

    /// Current credentials: from memory when fresh, else resolved again.
    pub fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_shared().map(|c| (*c).clone())
    }

    /// Like [`Provider::credentials`], without copying the credentials.
    pub fn credentials_shared(&self) -> Result<Arc<Credentials>, Error> {
        if let Some(fresh) = self.fresh(SystemTime::now()) {
            return Ok(fresh);
        }
        let mut last_attempt = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        // Someone else may have refreshed while we waited for the lock.
        if let Some(fresh) = self.fresh(SystemTime::now()) {
            return Ok(fresh);
        }
        match self.resolve(&mut last_attempt) {
            Ok(resolved) => {
                let credentials = Arc::new(resolved.credentials);
                let refresh_at = awscred_core::cache::refresh_at(
                    credentials.expiry(),
                    crate::transport::jitter(),
                );
                self.current.store(Some(Arc::new(Current {
                    credentials: credentials.clone(),
                    refresh_at,
                })));
                Ok(credentials)
            }
            Err(e) => match self.current.load_full() {
                Some(c)
                    if awscred_core::cache::still_valid(
                        c.credentials.expiry(),
                        SystemTime::now(),
                    ) =>
                {
                    Ok(c.credentials.clone())
                }
                _ => Err(e),
            },
        }
    }

    /// Resolves now, bypassing the in-memory cache (the files' caches still apply); waits for
    /// a refresh in progress, so it too counts as the one refresh at a time.
    pub fn resolve_now(&self) -> Result<Resolved, Error> {
        let mut last_attempt = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        self.resolve(&mut last_attempt)
    }

    fn fresh(&self, now: SystemTime) -> Option<Arc<Credentials>> {
        let guard = self.current.load();
        let current = guard.as_ref()?;
        match current.refresh_at {
            Some(at) if now >= at => None,
            _ => Some(current.credentials.clone()),
        }
    }

    /// Resolves once and updates `last_attempt` with this resolution's SSO token refresh
    /// attempt, if it made one.
    fn resolve(&self, last_attempt: &mut Option<SystemTime>) -> Result<Resolved, Error> {
        let mut request = ResolveRequest::new(self.env.clone());
        request.profile = self.profile.clone();
        request.last_refresh_attempt = *last_attempt;
        let mut memory = self.metadata.lock().unwrap_or_else(|p| p.into_inner());
        request.metadata = memory.clone();
        let mut flow = ResolveFlow::new(request);
        let mut interact = self.interact.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.client.run(&mut flow, &mut **interact);
        if let Ok(resolved) = &result {
            *memory = resolved.metadata.clone();
            for w in &resolved.warnings {
                tracing::warn!("{w}");
            }
        }
        // A failed resolution's refresh attempt counts too: without it every call would retry
        // CreateToken at once (botocore waits 60 s and meanwhile uses the token it has).
        let at = flow.refresh_attempted_at();
        if at.is_some() {
            *last_attempt = at;
        }
        result
    }
}
