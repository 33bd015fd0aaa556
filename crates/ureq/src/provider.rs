//! The credentials provider: a profile (or any other source) behind the in-memory cache.
//!
//! What is resolved, when to refresh, and what to serve when a refresh fails are the core's
//! ([`ProfileSource`], [`CacheState`]); this file holds them behind std locks: an `ArcSwap` for
//! lock-free reads and a mutex so that one caller refreshes at a time.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use awscred_core::cache::{BeforeRefresh, CacheState, Clock};
use awscred_core::config::Env;
use awscred_core::flow::Flow;
use awscred_core::provider::{BuildProvider, ProviderOptions, ProviderSource};
use awscred_core::resolve::Resolved;
use awscred_core::{Credentials, Error};

use crate::{Client, Interact, NonInteractive};

/// Fetches fresh credentials for a provider made with [`Provider::from_resolver`]; called
/// whenever the cache needs a refresh, never by two callers at once.
pub type Resolver = Arc<dyn Fn() -> Result<Credentials, Error> + Send + Sync>;

/// Gives credentials to any number of threads, caching them in memory until their refresh
/// window opens ([`awscred_core::cache`]) and refreshing them once for everyone. Cheap to
/// clone: clones share the client, the source and the cache.
///
/// `credentials()` is a lock-free read while the cached credentials are outside their refresh
/// window. When they are due, one caller resolves again while the others wait for its result;
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
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    source: ProviderSource<Resolver>,
    interact: Arc<Mutex<Box<dyn Interact + Send>>>,
    cache: Cache,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The source's Debug shows variable names only; Credentials' Debug redacts.
        f.debug_struct("Provider")
            .field("source", &self.inner.source)
            .field("client", &self.inner.client)
            .field("cache", &*self.inner.cache.state.load())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Provider`]; from [`Provider::builder`].
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

impl BuildProvider for Provider {
    type Client = Client;

    fn from_options(mut options: ProviderOptions<Client>) -> Provider {
        let source = ProviderSource::profile(options.source(process_env));
        let interact = options.interact.unwrap_or_else(|| Box::new(NonInteractive));
        Provider::assemble(
            options.client.unwrap_or_default(),
            source,
            Arc::new(Mutex::new(interact)),
            options.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
        )
    }
}

impl Provider {
    /// A provider for the environment of this process, resolved as the AWS CLI v2 does without
    /// `--profile`: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` when set, else the profile
    /// `AWS_PROFILE` (or `default`) selects from `AWS_CONFIG_FILE` / `~/.aws/config`.
    /// The environment is read once, now.
    ///
    /// ```no_run
    /// let credentials = awscred_ureq::Provider::from_env().credentials()?;
    /// # Ok::<(), awscred_ureq::Error>(())
    /// ```
    pub fn from_env() -> Self {
        Provider::builder().build()
    }

    /// A provider for the profile `name`, as with the AWS CLI's `--profile name` (environment
    /// keys then do not apply), with the rest of this process's environment read now.
    ///
    /// ```no_run
    /// let provider = awscred_ureq::Provider::from_profile("dev");
    /// println!("{}", provider.credentials()?); // never prints the secret
    /// # Ok::<(), awscred_ureq::Error>(())
    /// ```
    pub fn from_profile(name: impl Into<String>) -> Self {
        Provider::builder().profile(name).build()
    }

    /// A provider for an explicit environment snapshot and, optionally, an explicit profile
    /// (`None` lets the environment choose, as [`Provider::from_env`] does), on
    /// [`Client::default`], never asking the user anything (see [`Builder::interact`]).
    ///
    /// ```no_run
    /// use awscred_ureq::{Env, Provider};
    /// let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_PROFILE", "dev")]);
    /// let provider = Provider::new(env, None); // `dev`, from AWS_PROFILE
    /// # let _ = provider;
    /// ```
    pub fn new(env: Env, profile: Option<String>) -> Self {
        let builder = Provider::builder().env(env);
        match profile {
            Some(name) => builder.profile(name).build(),
            None => builder.build(),
        }
    }

    /// A builder, for the options the constructors above do not take.
    pub fn builder() -> Builder {
        Builder::default()
    }

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

    /// A provider from an already boxed [`Resolver`].
    pub fn from_boxed_resolver(client: Client, resolver: Resolver) -> Self {
        Provider::assemble(
            client,
            ProviderSource::custom(resolver, process_env()),
            Arc::new(Mutex::new(Box::new(NonInteractive))),
            Arc::new(SystemTime::now),
        )
    }

    fn assemble(
        client: Client,
        source: ProviderSource<Resolver>,
        interact: Arc<Mutex<Box<dyn Interact + Send>>>,
        clock: Clock,
    ) -> Self {
        Provider {
            inner: Arc::new(Inner {
                client,
                source,
                interact,
                cache: Cache::new(clock),
            }),
        }
    }

    /// The same provider with another part, and an empty cache. Meant for building: clones
    /// taken before keep their parts and cache.
    fn rebuilt(&self, client: Client, interact: Arc<Mutex<Box<dyn Interact + Send>>>) -> Self {
        Provider::assemble(
            client,
            self.inner.source.renewed(),
            interact,
            self.inner.cache.clock.clone(),
        )
    }

    /// The same provider using `client` (timeouts, retries) for its calls, with an empty cache.
    /// For a provider made with [`Provider::from_resolver`], the resolver keeps whatever client
    /// it captured; only [`Provider::client`] changes.
    pub fn with_client(self, client: Client) -> Self {
        self.rebuilt(client, self.inner.interact.clone())
    }

    /// The same provider asking the user (an MFA code) through `interact`, with an empty cache.
    pub fn with_interact(self, interact: impl Interact + Send + 'static) -> Self {
        let interact: Box<dyn Interact + Send> = Box::new(interact);
        self.rebuilt(self.inner.client.clone(), Arc::new(Mutex::new(interact)))
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

    /// Forgets the cached credentials, so the next call resolves again (after the caller learnt
    /// they were revoked, say).
    pub fn invalidate(&self) {
        self.inner.cache.clear();
    }

    /// The region of the provider's profile by the AWS CLI v2's rules
    /// ([`awscred_core::provider::profile_region`]): `AWS_REGION`, `AWS_DEFAULT_REGION`, then
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

    /// The HTTP client the provider was built with.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Resolves the profile once, and hands the flow back to the source to remember.
    fn resolve_profile(&self) -> Result<Resolved, Error> {
        let mut flow = self.inner.source.resolve_flow()?;
        let result = self.run(&mut flow, true);
        self.inner.source.record(&flow);
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
    state: ArcSwap<CacheState>,
    /// Held while refreshing, so that concurrent callers make one refresh.
    gate: Mutex<()>,
    clock: Clock,
}

impl Cache {
    fn new(clock: Clock) -> Self {
        Cache {
            state: ArcSwap::from_pointee(CacheState::default()),
            gate: Mutex::new(()),
            clock,
        }
    }

    fn get(
        &self,
        refresh: impl FnOnce() -> Result<Credentials, Error>,
    ) -> Result<Arc<Credentials>, Error> {
        let seen = {
            let state = self.state.load();
            if let Some(credentials) = state.fresh((self.clock)()) {
                return Ok(credentials);
            }
            state.generation()
        };
        let _gate = lock(&self.gate);
        let state = self.state.load_full();
        match state.before_refresh(seen, (self.clock)()) {
            BeforeRefresh::Serve(credentials) => Ok(credentials),
            BeforeRefresh::Fail(error) => Err(error),
            BeforeRefresh::Refresh => {
                let outcome = refresh();
                let (next, served) =
                    state.after_refresh(outcome, (self.clock)(), crate::transport::jitter());
                self.state.store(Arc::new(next));
                served
            }
        }
    }

    fn clear(&self) {
        self.state.rcu(|state| state.cleared());
    }
}

fn process_env() -> Env {
    Env::from_pairs(std::env::vars())
}

/// A poisoned lock only means a panic elsewhere; what it guards is still consistent (every
/// value is replaced whole).
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
