//! The credentials provider: a profile (or any other source) behind the in-memory cache.
//!
//! What is resolved, when to refresh, and what to serve when a refresh fails are the core's
//! ([`ProfileSource`], [`awscred_core::cache::CacheState`]); the profile's flows run with
//! [`Client::run`] and the cache is [`CredentialsCache`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use awscred_core::cache::Clock;
use awscred_core::config::Env;
use awscred_core::flow::Flow;
use awscred_core::provider::{BuildProvider, ProviderOptions, ProviderSource};
use awscred_core::resolve::Resolved;
use awscred_core::{Credentials, Error};

use crate::{Client, CredentialsCache, Interact, NonInteractive};

/// A boxed, sendable future (what a [`Resolver`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Fetches fresh credentials; called whenever the cache needs a refresh.
pub type Resolver = Arc<dyn Fn() -> BoxFuture<'static, Result<Credentials, Error>> + Send + Sync>;

/// The user's side of a flow, shared by the clones of a provider.
type SharedInteract = Arc<tokio::sync::Mutex<Box<dyn Interact + Send>>>;

/// Gives credentials to any number of concurrent callers, caching them in memory until their
/// refresh window opens ([`awscred_core::cache`]) and refreshing them once for everyone. Cheap
/// to clone: clones share the client, the source and the cache.
///
/// When a refresh fails while the cached credentials are still valid, those are served for
/// [`FAILED_REFRESH_BACKOFF`](crate::FAILED_REFRESH_BACKOFF) before the next try; the error
/// comes only when nothing valid is left.
///
/// ```no_run
/// # async fn demo() -> Result<(), awscred_hyper::Error> {
/// // Like `aws --profile dev`: ~/.aws/config, the SSO token cache, AssumeRole chains…
/// let provider = awscred_hyper::Provider::from_profile("dev");
/// let credentials = provider.credentials().await?;
/// let region = provider.region().await?; // Some("eu-west-1"), say
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    source: ProviderSource<Resolver>,
    interact: SharedInteract,
    cache: CredentialsCache,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The source's Debug shows variable names only; Credentials' Debug redacts.
        f.debug_struct("Provider")
            .field("source", &self.inner.source)
            .field("client", &self.inner.client)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Provider`]; from [`Provider::builder`].
///
/// ```no_run
/// use awscred_hyper::{Client, ClientConfig, Env, NonInteractive, Provider};
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
            Arc::new(tokio::sync::Mutex::new(interact)),
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
    /// # async fn demo() -> Result<(), awscred_hyper::Error> {
    /// let provider = awscred_hyper::Provider::from_env();
    /// let credentials = provider.credentials().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Self {
        Provider::builder().build()
    }

    /// A provider for the profile `name`, as with the AWS CLI's `--profile name` (environment
    /// keys then do not apply), with the rest of this process's environment read now.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), awscred_hyper::Error> {
    /// let provider = awscred_hyper::Provider::from_profile("dev");
    /// let credentials = provider.credentials().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_profile(name: impl Into<String>) -> Self {
        Provider::builder().profile(name).build()
    }

    /// A provider for an explicit environment snapshot and, optionally, an explicit profile
    /// (`None` lets the environment choose, as [`Provider::from_env`] does), on
    /// [`Client::default`].
    ///
    /// Resolution never asks the user anything: a role that needs an MFA code fails with a
    /// clear error, and an SSO session that needs a login fails with [`Error::LoginNeeded`]
    /// naming the `awscred login` command to run.
    ///
    /// ```no_run
    /// use awscred_hyper::Env;
    /// # async fn demo() -> Result<(), awscred_hyper::Error> {
    /// let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_REGION", "eu-west-1")]);
    /// let provider = awscred_hyper::Provider::new(env, Some("dev".into()));
    /// let credentials = provider.credentials().await?;
    /// # Ok(())
    /// # }
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
    /// refreshed like a profile's. The resolver usually captures a clone of `client` (or one
    /// made from the same [`crate::ClientConfig`]) to do its calls. [`Provider::region`]
    /// reports the region this process's environment selects (`AWS_REGION`, then the `region`
    /// of `AWS_PROFILE` or `default`).
    ///
    /// ```
    /// use awscred_hyper::{Client, Credentials, Provider};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), awscred_hyper::Error> {
    /// let provider = Provider::from_resolver(Client::default(), || async {
    ///     Ok(Credentials::new("AKIDEXAMPLE", "secret", None, None))
    /// });
    /// assert_eq!(provider.credentials().await?.access_key_id(), "AKIDEXAMPLE");
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_resolver<R, Fut>(client: Client, resolver: R) -> Self
    where
        R: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Credentials, Error>> + Send + 'static,
    {
        let resolver: Resolver = Arc::new(move || Box::pin(resolver()));
        Self::from_boxed_resolver(client, resolver)
    }

    /// A provider from an already boxed [`Resolver`].
    pub fn from_boxed_resolver(client: Client, resolver: Resolver) -> Self {
        Provider::assemble(
            client,
            ProviderSource::custom(resolver, process_env()),
            Arc::new(tokio::sync::Mutex::new(Box::new(NonInteractive))),
            Arc::new(SystemTime::now),
        )
    }

    fn assemble(
        client: Client,
        source: ProviderSource<Resolver>,
        interact: SharedInteract,
        clock: Clock,
    ) -> Self {
        Provider {
            inner: Arc::new(Inner {
                client,
                source,
                interact,
                cache: CredentialsCache::with_clock(clock),
            }),
        }
    }

    /// The same provider with another part, and an empty cache. Meant for building: clones
    /// taken before keep their parts and cache.
    fn rebuilt(&self, client: Client, interact: SharedInteract) -> Self {
        Provider::assemble(
            client,
            self.inner.source.renewed(),
            interact,
            self.inner.cache.clock(),
        )
    }

    /// The same provider using `client` (timeouts, retries) for its calls, with an empty cache.
    /// For a provider made with [`Provider::from_resolver`], the resolver keeps whatever client
    /// it captured; only [`Provider::client`] changes.
    ///
    /// ```no_run
    /// use awscred_hyper::{Client, ClientConfig, Provider};
    /// let client = Client::new(ClientConfig { read_timeout: std::time::Duration::from_secs(5), ..Default::default() });
    /// let provider = Provider::from_profile("dev").with_client(client);
    /// ```
    pub fn with_client(self, client: Client) -> Self {
        self.rebuilt(client, self.inner.interact.clone())
    }

    /// The same provider asking the user (an MFA code) through `interact`, with an empty cache.
    pub fn with_interact(self, interact: impl Interact + Send + 'static) -> Self {
        let interact: Box<dyn Interact + Send> = Box::new(interact);
        self.rebuilt(
            self.inner.client.clone(),
            Arc::new(tokio::sync::Mutex::new(interact)),
        )
    }

    /// Current credentials: from memory when fresh, otherwise resolved once for all callers.
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_shared().await.map(|c| (*c).clone())
    }

    /// Like [`Provider::credentials`], without copying the credentials (the secret and the
    /// session token are long strings): the cheapest read for a caller that signs a request.
    pub async fn credentials_shared(&self) -> Result<Arc<Credentials>, Error> {
        self.inner
            .cache
            .get_or_refresh_shared(|| async {
                match self.inner.source.resolver() {
                    Some(resolver) => resolver().await,
                    None => self.resolve_profile().await.map(|r| r.credentials),
                }
            })
            .await
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
    pub async fn region(&self) -> Result<Option<String>, Error> {
        if let Some(known) = self.inner.source.known_region() {
            return Ok(known);
        }
        let region = self.run(self.inner.source.region_flow(), false).await?;
        Ok(self.inner.source.remember_region(region))
    }

    /// Resolves the profile now, bypassing the in-memory cache (the files' caches still apply);
    /// waits for a refresh in progress, so it too counts as the one refresh at a time. For a
    /// provider made with [`Provider::from_resolver`] this is an error: it has no profile.
    pub async fn resolve_now(&self) -> Result<Resolved, Error> {
        self.inner.cache.exclusive(self.resolve_profile()).await
    }

    /// The HTTP client the provider was built with.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Resolves the profile once, and hands the flow back to the source to remember.
    async fn resolve_profile(&self) -> Result<Resolved, Error> {
        let mut flow = self.inner.source.resolve_flow()?;
        let result = self.run(&mut flow, true).await;
        self.inner.source.record(&flow);
        result
    }

    /// Every flow this provider runs goes through here.
    async fn run<F: Flow + Send>(&self, flow: F, interactive: bool) -> Result<F::Output, Error> {
        if interactive {
            let mut interact = self.inner.interact.lock().await;
            self.inner.client.run(flow, &mut **interact).await
        } else {
            self.inner.client.run(flow, &mut NonInteractive).await
        }
    }
}

fn process_env() -> Env {
    Env::from_pairs(std::env::vars())
}
