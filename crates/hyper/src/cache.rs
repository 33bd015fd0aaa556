//! Credentials kept in memory until their refresh window opens, refreshed by one caller at a time.
//!
//! The policy (refresh window and jitter, sharing a refresh's outcome with the callers that
//! waited for it, serving still-valid credentials for a back-off after a failed refresh) is the
//! core's [`CacheState`]; this file only holds it: an `ArcSwap` for lock-free reads and a tokio
//! mutex that callers queue on while one of them refreshes.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use awscred_core::cache::{BeforeRefresh, CacheState, Clock};
use awscred_core::{Credentials, Error};

use crate::transport::jitter;

pub use awscred_core::cache::FAILED_REFRESH_BACKOFF;

/// An in-memory credentials cache with single-flight refresh.
pub struct CredentialsCache {
    state: ArcSwap<CacheState>,
    /// Held during a refresh.
    gate: tokio::sync::Mutex<()>,
    clock: Clock,
}

impl Default for CredentialsCache {
    fn default() -> Self {
        CredentialsCache::with_clock(Arc::new(SystemTime::now))
    }
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // CacheState's Debug shows the credentials through their own redacting Debug.
        f.debug_struct("CredentialsCache")
            .field("state", &*self.state.load())
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    /// An empty cache on the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache deciding with `clock` (a test's, to step through refresh windows).
    pub fn with_clock(clock: Clock) -> Self {
        CredentialsCache {
            state: ArcSwap::from_pointee(CacheState::default()),
            gate: tokio::sync::Mutex::new(()),
            clock,
        }
    }

    /// The cached credentials when they need no refresh yet; never waits.
    pub fn fresh(&self) -> Option<Credentials> {
        self.state
            .load()
            .fresh((self.clock)())
            .map(|c| (*c).clone())
    }

    /// Forgets the cached credentials: the next call refreshes.
    pub fn clear(&self) {
        self.state.rcu(|state| state.cleared());
    }

    /// The cached credentials if fresh; otherwise refreshes them with `refresh` (or waits for the
    /// refresh another caller has started, and takes its outcome).
    ///
    /// When a refresh fails, credentials that have not expired yet are still returned (and
    /// served for [`FAILED_REFRESH_BACKOFF`] before trying again); the error is returned only
    /// when no valid credentials are left.
    pub async fn get_or_refresh<F, Fut>(&self, refresh: F) -> Result<Credentials, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, Error>>,
    {
        self.get_or_refresh_shared(refresh)
            .await
            .map(|c| (*c).clone())
    }

    /// Like [`CredentialsCache::get_or_refresh`], without copying the credentials: a fresh
    /// cached read is one atomic load, one clock read and one reference count.
    pub async fn get_or_refresh_shared<F, Fut>(&self, refresh: F) -> Result<Arc<Credentials>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, Error>>,
    {
        let seen = {
            let state = self.state.load();
            if let Some(credentials) = state.fresh((self.clock)()) {
                return Ok(credentials);
            }
            state.generation()
        };
        let _gate = self.gate.lock().await;
        let state = self.state.load_full();
        match state.before_refresh(seen, (self.clock)()) {
            BeforeRefresh::Serve(credentials) => Ok(credentials),
            BeforeRefresh::Fail(error) => Err(error),
            BeforeRefresh::Refresh => {
                // If this future is dropped here, nothing is stored and the next waiter refreshes.
                let outcome = refresh().await;
                let (next, served) = state.after_refresh(outcome, (self.clock)(), jitter());
                self.state.store(Arc::new(next));
                served
            }
        }
    }

    /// The clock the cache decides with.
    pub(crate) fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// Runs `work` while holding the refresh lock, so that it never overlaps a refresh.
    pub(crate) async fn exclusive<T>(&self, work: impl Future<Output = T>) -> T {
        let _gate = self.gate.lock().await;
        work.await
    }
}
