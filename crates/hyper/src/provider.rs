//! The credentials provider: a resolver that fetches credentials, behind the in-memory cache.
//!
//! The usual resolver is a profile's: it runs the core's [`ResolveFlow`] with [`Client::run`],
//! the way the AWS CLI v2 resolves `--profile` (files, SSO token and its refresh, AssumeRole
//! chain, the AWS CLI's credential cache).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use awscred_core::config::Env;
use awscred_core::metadata::MetadataMemory;
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::{Credentials, Error};

use crate::{Client, CredentialsCache, NonInteractive};

/// A boxed, sendable future (what a [`Resolver`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Fetches fresh credentials; called whenever the cache needs a refresh.
pub type Resolver = Arc<dyn Fn() -> BoxFuture<'static, Result<Credentials, Error>> + Send + Sync>;

/// Gives credentials to any number of concurrent callers, caching them in memory until their
/// refresh window opens and refreshing them once for everyone. Cheap to clone: clones share the
/// client, the resolver and the cache.
///
/// ```no_run
/// # async fn demo() -> Result<(), awscred_core::Error> {
/// // Like `aws --profile dev`: ~/.aws/config, the SSO token cache, AssumeRole chains…
/// let provider = awscred_hyper::Provider::from_profile("dev");
/// let credentials = provider.credentials().await?;
/// println!("{}", credentials.access_key_id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    cache: CredentialsCache,
    resolver: Resolver,
    /// Set for providers of a profile, so that [`Provider::with_client`] can rebuild the resolver.
    profile: Option<Arc<ProfileSource>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Provider");
        if let Some(source) = &self.inner.profile {
            // Env's Debug shows variable names only, never their values.
            d.field("profile", &source.profile)
                .field("env", &source.env);
        }
        d.field("client", &self.inner.client)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

/// What a profile provider resolves, and what it remembers between resolutions.
struct ProfileSource {
    env: Env,
    profile: Option<String>,
    /// The last SSO token refresh attempt, handed back to the core so that it tries at most one
    /// refresh a minute. Only touched while resolving, which the cache already serialises.
    last_refresh_attempt: Mutex<Option<SystemTime>>,
    /// What the instance metadata source remembers (its session token, the last good
    /// credentials for static stability), handed back to the core on every resolution.
    metadata: Mutex<MetadataMemory>,
}

impl ProfileSource {
    async fn resolve(&self, client: &Client) -> Result<Resolved, Error> {
        let mut request = ResolveRequest::new(self.env.clone());
        request.profile = self.profile.clone();
        request.last_refresh_attempt = *self.last_attempt();
        request.metadata = self.metadata().clone();
        let mut flow = ResolveFlow::new(request);
        let result = client.run(&mut flow, NonInteractive).await;
        if let Ok(resolved) = &result {
            *self.metadata() = resolved.metadata.clone();
        }
        // A failed resolution's refresh attempt counts too (botocore's one-a-minute back-off).
        if let Some(at) = flow.refresh_attempted_at() {
            *self.last_attempt() = Some(at);
        }
        result
    }

    fn metadata(&self) -> std::sync::MutexGuard<'_, MetadataMemory> {
        self.metadata.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn last_attempt(&self) -> std::sync::MutexGuard<'_, Option<SystemTime>> {
        // A poisoned lock only means a panic elsewhere; the time inside is still right.
        self.last_refresh_attempt
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

fn profile_resolver(client: Client, source: Arc<ProfileSource>) -> Resolver {
    Arc::new(move || {
        let (client, source) = (client.clone(), source.clone());
        Box::pin(async move { source.resolve(&client).await.map(|r| r.credentials) })
    })
}

impl Provider {
    /// A provider for the environment of this process, resolved as the AWS CLI v2 does without
    /// `--profile`: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` when set, else the profile
    /// `AWS_PROFILE` (or `default`) selects from `AWS_CONFIG_FILE` / `~/.aws/config`, with
    /// web identity from `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, and — when that
    /// profile has no credentials — the container endpoint (ECS, EKS Pod Identity) and the EC2
    /// instance metadata service: botocore's default chain
    /// ([`awscred_core::config::default_plan`]).
    ///
    /// The environment is read once, now.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), awscred_core::Error> {
    /// let provider = awscred_hyper::Provider::from_env();
    /// let credentials = provider.credentials().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Self {
        Provider::new(Env::from_pairs(std::env::vars()), None)
    }

    /// A provider for the profile `name`, as with the AWS CLI's `--profile name` (environment
    /// keys then do not apply), with the rest of this process's environment read now.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), awscred_core::Error> {
    /// let provider = awscred_hyper::Provider::from_profile("dev");
    /// let credentials = provider.credentials().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_profile(name: impl Into<String>) -> Self {
        Provider::new(Env::from_pairs(std::env::vars()), Some(name.into()))
    }

    /// A provider for an explicit environment snapshot and, optionally, an explicit profile
    /// (`None` lets the environment choose, as [`Provider::from_env`] does). Uses
    /// [`Client::default`]; see [`Provider::with_client`].
    ///
    /// Resolution never asks the user anything: a role that needs an MFA code fails with a
    /// clear error, and an SSO session that needs a login fails with [`Error::LoginNeeded`]
    /// naming the `awscred login` command to run.
    ///
    /// ```no_run
    /// use awscred_core::config::Env;
    /// # async fn demo() -> Result<(), awscred_core::Error> {
    /// let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_REGION", "eu-west-1")]);
    /// let provider = awscred_hyper::Provider::new(env, Some("dev".into()));
    /// let credentials = provider.credentials().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(env: Env, profile: Option<String>) -> Self {
        let source = Arc::new(ProfileSource {
            env,
            profile,
            last_refresh_attempt: Mutex::new(None),
            metadata: Mutex::new(MetadataMemory::default()),
        });
        let client = Client::default();
        Provider {
            inner: Arc::new(Inner {
                resolver: profile_resolver(client.clone(), source.clone()),
                client,
                cache: CredentialsCache::new(),
                profile: Some(source),
            }),
        }
    }

    /// The same provider using `client` (timeouts, retries) for its calls, with an empty cache.
    /// Meant for building: clones taken before keep the old client and cache.
    ///
    /// For a provider made with [`Provider::from_resolver`], the resolver keeps whatever client
    /// it captured; only [`Provider::client`] changes.
    ///
    /// ```no_run
    /// use awscred_hyper::{Client, ClientConfig, Provider};
    /// let client = Client::new(ClientConfig { read_timeout: std::time::Duration::from_secs(5), ..Default::default() });
    /// let provider = Provider::from_profile("dev").with_client(client);
    /// ```
    pub fn with_client(self, client: Client) -> Self {
        let (resolver, profile) = match &self.inner.profile {
            Some(source) => (
                profile_resolver(client.clone(), source.clone()),
                Some(source.clone()),
            ),
            None => (self.inner.resolver.clone(), None),
        };
        Provider {
            inner: Arc::new(Inner {
                client,
                cache: CredentialsCache::new(),
                resolver,
                profile,
            }),
        }
    }

    /// A provider whose credentials come from `resolver`. The resolver usually captures a clone
    /// of `client` (or one made from the same [`crate::ClientConfig`]) to do its calls.
    ///
    /// ```no_run
    /// use awscred_core::Credentials;
    /// use awscred_hyper::{Client, Provider};
    /// let provider = Provider::from_resolver(Client::default(), || async {
    ///     Ok(Credentials::new("AKIDEXAMPLE", "secret", None, None))
    /// });
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
        Provider {
            inner: Arc::new(Inner {
                client,
                cache: CredentialsCache::new(),
                resolver,
                profile: None,
            }),
        }
    }

    /// Current credentials: from memory when fresh, otherwise resolved once for all callers.
    ///
    /// When a refresh fails while the cached credentials are still valid, those are served
    /// (and the refresh is tried again later); the error comes only when nothing valid is left.
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_shared().await.map(|c| (*c).clone())
    }

    /// Like [`Provider::credentials`], without copying the credentials (the secret and the
    /// session token are long strings): the cheapest read for a caller that signs a request.
    pub async fn credentials_shared(&self) -> Result<Arc<Credentials>, Error> {
        let resolver = &self.inner.resolver;
        self.inner.cache.get_or_refresh_shared(|| resolver()).await
    }

    /// Forgets the cached credentials, so the next call resolves again (after the caller learnt
    /// they were revoked, say).
    pub fn invalidate(&self) {
        self.inner.cache.clear();
    }

    /// The HTTP client the provider was built with.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }
}
