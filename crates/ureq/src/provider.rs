//! The credentials provider: a profile (or any other source) behind the in-memory cache.
//!
//! What is resolved, when to refresh, and what to serve when a refresh fails are the core's
//! ([`awscred_core::provider::ProviderSource`], [`CacheState`]); this file holds them behind std
//! locks: a read-write lock around an `Arc` for reads that only take a shared lock for an atomic
//! increment, and a mutex so that one caller refreshes at a time.
//! What does not depend on the I/O model is written once, in `awscred_core::__driver_provider!`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use awscred_core::cache::{BeforeRefresh, CacheState, Clock};
use awscred_core::flow::Flow;
use awscred_core::resolve::Resolved;
use awscred_core::{Credentials, Error};

use crate::{Client, Interact, NonInteractive};

/// Fetches fresh credentials for a provider made with [`Provider::from_resolver`]; called
/// whenever the cache needs a refresh, never by two callers at once.
pub type Resolver = Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>;

awscred_core::__driver_provider! {
    /// Gives credentials to any number of threads, caching them in memory until their refresh
    /// window opens ([`awscred_core::cache`]) and refreshing them once for everyone. Cheap to
    /// clone: clones share the client, the source and the cache.
    ///
    /// `credentials()` only takes a shared lock (no waiting behind a refresh) while the cached
    /// credentials are outside their refresh window. When they are due, one caller resolves again while the others wait for its result;
    /// if that fails, still-valid credentials keep being served for
    /// [`FAILED_REFRESH_BACKOFF`](awscred_core::cache::FAILED_REFRESH_BACKOFF) before the next try,
    /// and the error comes only when nothing valid is left.
    ///
    /// ```no_run
    /// // Like `aws --profile dev`: ~/.aws/config, the SSO token cache, AssumeRole chains…
    /// let provider = awscred_ureq::Provider::from_profile("dev");
    /// let credentials = provider.credentials()?;
    /// let region = provider.region()?; // Some("eu-west-1"), say
    /// # Ok::<(), awscred_ureq::Error>(())
    /// ```
    crate = "awscred_ureq",
    interact = Mutex<Box<dyn Interact + Send>>,
    cache = Cache,
}

/// Builds a [`Provider`]; from [`Provider::builder`]. The options (the same in both drivers)
/// are [`Builder::profile`], [`Builder::env`], [`Builder::use_cli_cache`], [`Builder::client`],
/// [`Builder::interact`] and [`Builder::clock`]; then [`Builder::build`].
///
/// ```no_run
/// use awscred_ureq::{Client, ClientConfig, Env, NonInteractive, Provider};
/// let provider = Provider::builder()
///     .profile("dev")
///     .env(Env::from_pairs(std::env::vars()))
///     .use_cli_cache(false)
///     .client(Client::new(ClientConfig::default()))
///     .interact(NonInteractive)
///     .build();
/// ```
pub type Builder = awscred_core::provider::Builder<Provider>;

impl Provider {
    /// A provider whose credentials come from `resolver` (a custom source), cached and
    /// refreshed like a profile's. [`Provider::region`] reports the region this process's
    /// environment selects (`AWS_REGION`, then the `region` of `AWS_PROFILE` or `default`).
    ///
    /// ```
    /// use awscred_ureq::{Client, Credentials, Provider};
    /// let provider = Provider::from_resolver(Client::default(), || {
    ///     Ok(Credentials::new("AKIDEXAMPLE", "secret", None, None))
    /// });
    /// assert_eq!(provider.credentials()?.access_key_id(), "AKIDEXAMPLE");
    /// # Ok::<(), awscred_ureq::Error>(())
    /// ```
    pub fn from_resolver<R>(client: Client, resolver: R) -> Self
    where
        R: Fn() -> Result<Credentials, Error> + Send + Sync + 'static,
    {
        Provider::from_boxed_resolver(client, Arc::new(resolver))
    }

    /// Current credentials: from memory when fresh, otherwise resolved once for all callers.
    pub fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_shared().map(|c| (*c).clone())
    }

    /// Like [`Provider::credentials`], without copying the credentials (the secret and the
    /// session token are long strings): the cheapest read for a caller that signs a request.
    pub fn credentials_shared(&self) -> Result<Arc<Credentials>, Error> {
        self.inner.cache.get(|| match self.inner.source.resolver() {
            Some(resolver) => resolver(),
            None => self.resolve_profile().map(|r| r.credentials),
        })
    }

    /// The region of the provider's profile by the AWS CLI v2's rules
    /// ([`awscred_core::region::profile_region`]): `AWS_REGION`, `AWS_DEFAULT_REGION`, then
    /// the profile's `region`; `None` when none is set. Read from the config files on the first
    /// call that succeeds, then kept.
    pub fn region(&self) -> Result<Option<String>, Error> {
        if let Some(known) = self.inner.source.known_region() {
            return Ok(known);
        }
        let region = self.run(self.inner.source.region_flow(), false)?;
        Ok(self.inner.source.remember_region(region))
    }

    /// Resolves the profile now, bypassing the in-memory cache (the files' caches still apply);
    /// waits for a refresh in progress, so it too counts as the one refresh at a time. For a
    /// provider made with [`Provider::from_resolver`] this is an error: it has no profile.
    pub fn resolve_now(&self) -> Result<Resolved, Error> {
        let _one_at_a_time = lock(&self.inner.cache.gate);
        self.resolve_profile()
    }

    /// Resolves the profile once, and hands the flow back to the source to remember.
    fn resolve_profile(&self) -> Result<Resolved, Error> {
        let mut flow = self.inner.source.resolve_flow()?;
        // Random bytes for a console login session's DPoP proof (the core takes them as input).
        if let Some(random) = awscred_files::random::fresh() {
            flow = flow.with_random(random);
        }
        let result = self.run(&mut flow, true);
        self.inner.source.record(&flow, result.as_ref().ok());
        result
    }

    /// Every flow this provider runs goes through here.
    fn run<F: Flow>(&self, flow: F, interactive: bool) -> Result<F::Output, Error> {
        if interactive {
            let mut interact = lock(&self.inner.interact);
            self.inner.client.run(flow, &mut **interact)
        } else {
            self.inner.client.run(flow, &mut NonInteractive)
        }
    }
}

/// The core's [`CacheState`] behind std locks.
struct Cache {
    /// Replaced whole on every change; readers clone the `Arc` and let go of the lock.
    state: RwLock<Arc<CacheState>>,
    /// Held while refreshing, so that concurrent callers make one refresh.
    gate: Mutex<()>,
    clock: Clock,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // CacheState's Debug shows the credentials through their own redacting Debug.
        self.load().fmt(f)
    }
}

impl Cache {
    fn with_clock(clock: Clock) -> Self {
        Cache {
            state: RwLock::new(Arc::new(CacheState::default())),
            gate: Mutex::new(()),
            clock,
        }
    }

    fn get(
        &self,
        refresh: impl FnOnce() -> Result<Credentials, Error>,
    ) -> Result<Arc<Credentials>, Error> {
        let seen = {
            let state = self.load();
            if let Some(credentials) = state.fresh((self.clock)()) {
                return Ok(credentials);
            }
            state.generation()
        };
        let _gate = lock(&self.gate);
        let state = self.load();
        match state.before_refresh(seen, (self.clock)()) {
            BeforeRefresh::Serve(credentials) => Ok(credentials),
            BeforeRefresh::Fail(error) => Err(error),
            BeforeRefresh::Refresh => {
                let outcome = refresh();
                let (next, served) =
                    state.after_refresh(outcome, (self.clock)(), crate::transport::jitter());
                self.store(next);
                served
            }
        }
    }

    fn clock(&self) -> Clock {
        self.clock.clone()
    }

    fn clear(&self) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        *state = Arc::new(state.cleared());
    }

    /// The current state (a poisoned lock only means a panic elsewhere: the state is replaced
    /// whole, so it is still consistent).
    fn load(&self) -> Arc<CacheState> {
        Arc::clone(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn store(&self, next: CacheState) {
        *self.state.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
    }
}

/// A poisoned lock only means a panic elsewhere; what it guards is still consistent (every
/// value is replaced whole).
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
