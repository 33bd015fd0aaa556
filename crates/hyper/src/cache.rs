//! Credentials kept in memory until their refresh window opens, refreshed by one caller at a time.
//!
//! Reading is lock-free (one atomic load) as long as the credentials are fresh. When they are
//! not, callers queue on an async mutex; the first one refreshes and the others take its outcome
//! instead of refreshing again, so any number of concurrent callers cause exactly one refresh.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use awscred_core::cache::{refresh_at, still_valid};
use awscred_core::{Credentials, Error};

use crate::transport::jitter;

/// After a failed refresh, still-valid credentials are served this long before the next try,
/// so that an unreachable endpoint does not make every call wait for a refresh to fail.
pub const FAILED_REFRESH_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Entry {
    // Shared, so that a cached read costs one reference count rather than a copy of every field.
    credentials: Arc<Credentials>,
    /// When to try a refresh; `None` for credentials that never expire.
    refresh_at: Option<SystemTime>,
}

/// An in-memory credentials cache with single-flight refresh.
#[derive(Default)]
pub struct CredentialsCache {
    current: ArcSwapOption<Entry>,
    /// Refresh attempts finished (successful or not), to tell waiters that one happened.
    refreshes: AtomicU64,
    /// Held during a refresh; keeps the error of the last failed one for the waiters.
    gate: tokio::sync::Mutex<Option<Error>>,
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials' own Debug redacts the secret and the token.
        let current = self.current.load();
        let mut d = f.debug_struct("CredentialsCache");
        d.field("credentials", &current.as_ref().map(|e| &*e.credentials));
        d.field(
            "refresh_at",
            &current
                .as_ref()
                .and_then(|e| e.refresh_at.map(awscred_core::time::format_z)),
        );
        d.finish_non_exhaustive()
    }
}

impl CredentialsCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached credentials when they need no refresh yet; never waits.
    pub fn fresh(&self) -> Option<Credentials> {
        self.fresh_at(SystemTime::now()).map(|c| (*c).clone())
    }

    /// Forgets the cached credentials: the next call refreshes.
    pub fn clear(&self) {
        self.current.store(None);
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
        if let Some(credentials) = self.fresh_at(SystemTime::now()) {
            return Ok(credentials);
        }
        let seen = self.refreshes.load(Ordering::Acquire);
        let mut last_error = self.gate.lock().await;
        let now = SystemTime::now();
        if let Some(credentials) = self.fresh_at(now) {
            return Ok(credentials);
        }
        if self.refreshes.load(Ordering::Acquire) != seen {
            // A refresh finished while we waited and it failed: share its outcome.
            if let Some(credentials) = self.valid_at(now) {
                return Ok(credentials);
            }
            if let Some(error) = last_error.as_ref() {
                return Err(error.clone());
            }
        }
        // If this future is dropped here, the counter stays put and the next waiter refreshes.
        let result = refresh().await;
        let now = SystemTime::now();
        let outcome = match result {
            Ok(credentials) => {
                let credentials = Arc::new(credentials);
                let at = refresh_at(credentials.expiry(), jitter());
                self.current.store(Some(Arc::new(Entry {
                    credentials: credentials.clone(),
                    refresh_at: at,
                })));
                *last_error = None;
                Ok(credentials)
            }
            Err(error) => match self.valid_at(now) {
                Some(credentials) => {
                    let retry = now + FAILED_REFRESH_BACKOFF;
                    let at = credentials
                        .expiry()
                        .map_or(retry, |expiry| retry.min(expiry));
                    self.current.store(Some(Arc::new(Entry {
                        credentials: credentials.clone(),
                        refresh_at: Some(at),
                    })));
                    *last_error = Some(error);
                    Ok(credentials)
                }
                None => {
                    *last_error = Some(error.clone());
                    Err(error)
                }
            },
        };
        self.refreshes.fetch_add(1, Ordering::AcqRel);
        outcome
    }

    fn fresh_at(&self, now: SystemTime) -> Option<Arc<Credentials>> {
        let guard = self.current.load();
        let entry = guard.as_ref()?;
        entry
            .refresh_at
            .is_none_or(|at| now < at)
            .then(|| entry.credentials.clone())
    }

    fn valid_at(&self, now: SystemTime) -> Option<Arc<Credentials>> {
        let guard = self.current.load();
        let entry = guard.as_ref()?;
        still_valid(entry.credentials.expiry(), now).then(|| entry.credentials.clone())
    }
}
