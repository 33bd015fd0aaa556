//! The credentials provider: a profile (or any other source) behind the in-memory cache.
//!
//! What is resolved, when to refresh, and what to serve when a refresh fails are the core's
//! ([`awscred_core::provider::ProviderSource`], [`awscred_core::cache::CacheState`]); the
//! profile's flows run with [`Client::run`] and the cache is [`CredentialsCache`]. What does not
//! depend on async is written once, in `awscred_core::__driver_provider!`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use awscred_core::flow::Flow;
use awscred_core::resolve::Resolved;
use awscred_core::{Credentials, Error};

use crate::{Client, CredentialsCache, NonInteractive, SharedInteract};

/// A boxed, sendable future (what a [`Resolver`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Fetches fresh credentials; called whenever the cache needs a refresh.
pub type Resolver = Arc<dyn Fn() -> BoxFuture<'static, Result<Credentials, Error>> + Send + Sync>;

awscred_core::__driver_provider! {
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
    crate = "awscred_hyper",
    interact = SharedInteract,
    cache = CredentialsCache,
}

/// Builds a [`Provider`]; from [`Provider::builder`]. The options (the same in both drivers)
/// are [`Builder::profile`], [`Builder::env`], [`Builder::use_cli_cache`], [`Builder::client`],
/// [`Builder::interact`] and [`Builder::clock`]; then [`Builder::build`].
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

impl Provider {
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

    /// The region of the provider's profile by the AWS CLI v2's rules
    /// ([`awscred_core::region::profile_region`]): `AWS_REGION`, `AWS_DEFAULT_REGION`, then
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

    /// Resolves the profile once, and hands the flow back to the source to remember.
    async fn resolve_profile(&self) -> Result<Resolved, Error> {
        let mut flow = self.inner.source.resolve_flow()?;
        // Random bytes for a console login session's DPoP proof (the core takes them as input).
        if let Some(random) = awscred_files::random::fresh() {
            flow = flow.with_random(random);
        }
        let result = self.run(&mut flow, true).await;
        self.inner.source.record(&flow, result.as_ref().ok());
        result
    }

    /// Every flow this provider runs goes through here.
    async fn run<F>(&self, flow: F, interactive: bool) -> Result<F::Output, Error>
    where
        F: Flow + Send,
        F::Output: Send + 'static,
    {
        if interactive {
            let interact = SharedInteract::clone(&self.inner.interact);
            self.inner.client.run(flow, interact).await
        } else {
            self.inner.client.run(flow, NonInteractive).await
        }
    }
}
