//! The credentials provider: a resolver that fetches credentials, behind the in-memory cache.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use awscred_core::{Credentials, Error};

use crate::{Client, CredentialsCache};

/// A boxed, sendable future (what a [`Resolver`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Fetches fresh credentials; called whenever the cache needs a refresh.
pub type Resolver = Arc<dyn Fn() -> BoxFuture<'static, Result<Credentials, Error>> + Send + Sync>;

/// Gives credentials to any number of concurrent callers, caching them in memory until their
/// refresh window opens and refreshing them once for everyone. Cheap to clone: clones share the
/// client, the resolver and the cache.
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    cache: CredentialsCache,
    resolver: Resolver,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("client", &self.inner.client)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// A provider whose credentials come from `resolver`. The resolver usually captures a clone
    /// of `client` (or one made from the same [`crate::ClientConfig`]) to do its calls.
    pub fn from_resolver<R, Fut>(client: Client, resolver: R) -> Self
    where
        R: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Credentials, Error>> + Send + 'static,
    {
        let resolver: Resolver = Arc::new(move || Box::pin(resolver()));
        Self::from_boxed_resolver(client, resolver)
    }

    /// A provider from an already boxed [`Resolver`].
    ///
    /// Constructors for a profile, the environment or an explicit plan build such a resolver
    /// (running the core's resolve flow with [`Client::run`]) and end up here.
    pub fn from_boxed_resolver(client: Client, resolver: Resolver) -> Self {
        Provider {
            inner: Arc::new(Inner {
                client,
                cache: CredentialsCache::new(),
                resolver,
            }),
        }
    }

    /// Current credentials: from memory when fresh, otherwise resolved once for all callers.
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        let resolver = &self.inner.resolver;
        self.inner.cache.get_or_refresh(|| resolver()).await
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
