//! Every refresh window and back-off of awscred, and the in-memory credentials cache's policy.
//!
//! # The windows, in one place
//!
//! | What | Value | Meaning | Public source |
//! | --- | --- | --- | --- |
//! | [`REFRESH_WINDOW`] | 5 min (+ up to 2.5 min jitter) | a provider refreshes in-memory credentials this long before they expire | awscred's choice: early enough that a slow refresh never serves expired keys, jittered so that processes started together spread out |
//! | [`FAILED_REFRESH_BACKOFF`] | 30 s | after a failed refresh, still-valid credentials are served this long before the next try | awscred's choice, the same in both drivers |
//! | [`SSO_TOKEN_ADVISORY_REFRESH_WINDOW`] | 15 min | an SSO token this close to expiry is refreshed, and a failure keeps the old token | botocore `SSOTokenProvider._REFRESH_WINDOW` |
//! | [`SSO_TOKEN_MANDATORY_REFRESH_WINDOW`] | 10 min | an SSO token this close to expiry must be refreshed; a failure is an error | botocore `SSOTokenProvider._MANDATORY_REFRESH_WINDOW` |
//! | [`SSO_TOKEN_MIN_TIME_BETWEEN_REFRESHES`] | 60 s | at most one SSO token refresh attempt per this interval | botocore `SSOTokenProvider._attempt_timeout` |
//! | [`CLI_CACHE_REUSE_WINDOW`] | 15 min | an entry of `~/.aws/cli/cache` is reused only while it has this long left | AWS CLI `DEFAULT_EXPIRY_WINDOW_SECONDS` |
//!
//! The token and CLI-cache constants are re-exported under their historical names by
//! [`crate::token`] and [`crate::cli_cache`].
//!
//! # The in-memory cache
//!
//! [`CacheState`] is what a provider knows about the credentials it holds: the credentials, when
//! to refresh them, and how the last refresh ended. It is an immutable value with pure
//! transitions, so a driver keeps it behind whatever it likes — the async driver in an
//! `ArcSwap` for lock-free reads, the blocking one in a std `RwLock<Arc<_>>` (a shared lock
//! held for one atomic increment; no extra crate for its users) — and serialises refreshes with
//! its own mutex (std in the blocking driver, tokio in the async one):
//!
//! 1. [`CacheState::fresh`] on the current state: serve without waiting when it answers.
//! 2. Otherwise remember [`CacheState::generation`], take the mutex, and ask
//!    [`CacheState::before_refresh`] on the state now current: a refresh that finished while
//!    this caller waited is shared ([`BeforeRefresh::Serve`] / [`BeforeRefresh::Fail`]), so any
//!    number of concurrent callers cause one refresh.
//! 3. On [`BeforeRefresh::Refresh`], refresh, and store what [`CacheState::after_refresh`]
//!    returns before releasing the mutex.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use awscred_core::Credentials;
//! use awscred_core::cache::{BeforeRefresh, CacheState, FAILED_REFRESH_BACKOFF};
//!
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
//! let empty = CacheState::default();
//! assert!(empty.fresh(now).is_none());
//! assert!(matches!(empty.before_refresh(empty.generation(), now), BeforeRefresh::Refresh));
//!
//! // A refresh brought credentials living one minute: inside the refresh window at once.
//! let minute = Credentials::new("AKIDEXAMPLE", "secret", None, Some(now + Duration::from_secs(60)));
//! let (state, served) = empty.after_refresh(Ok(minute), now, 0.0);
//! assert_eq!(served?.access_key_id(), "AKIDEXAMPLE");
//! assert!(state.fresh(now).is_none());
//!
//! // The next refresh fails: the still-valid credentials are served, and for 30 s they are fresh.
//! let down = awscred_core::Error::Config("down".into());
//! let (state, served) = state.after_refresh(Err(down), now, 0.0);
//! assert_eq!(served?.access_key_id(), "AKIDEXAMPLE");
//! assert!(state.fresh(now + FAILED_REFRESH_BACKOFF - Duration::from_secs(1)).is_some());
//! assert!(state.fresh(now + FAILED_REFRESH_BACKOFF).is_none());
//! # Ok::<(), awscred_core::Error>(())
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::{Credentials, Error};

/// The base refresh window of in-memory credentials before their expiry. The actual window is
/// widened by up to half of this with jitter ([`refresh_at`]), so that many processes started
/// together do not all refresh in the same second.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// After a failed refresh, still-valid credentials are served this long (at most until they
/// expire) before the next refresh is tried, so that an unreachable endpoint does not make
/// every call wait for a refresh to fail. Both drivers' providers use it.
pub const FAILED_REFRESH_BACKOFF: Duration = Duration::from_secs(30);

/// Within this much of expiry an SSO token refresh is attempted, but failure is not fatal
/// (botocore's advisory window).
pub const SSO_TOKEN_ADVISORY_REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Within this much of expiry an SSO token must be refreshed; failures propagate (botocore's
/// mandatory window).
pub const SSO_TOKEN_MANDATORY_REFRESH_WINDOW: Duration = Duration::from_secs(10 * 60);

/// How errors say that an SSO token is inside [`SSO_TOKEN_MANDATORY_REFRESH_WINDOW`] (a unit
/// test keeps the two in step).
pub const SSO_TOKEN_INSIDE_MANDATORY_WINDOW: &str = "expires in less than 10 minutes";

/// At most one SSO token refresh attempt per this interval (botocore's `_attempt_timeout`).
pub const SSO_TOKEN_MIN_TIME_BETWEEN_REFRESHES: Duration = Duration::from_secs(60);

/// An entry of the AWS CLI's credential cache is reused only while it has at least this long
/// left (the AWS CLI's `DEFAULT_EXPIRY_WINDOW_SECONDS`).
pub const CLI_CACHE_REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The clock a provider's in-memory cache decides with: the system's in production
/// (`Arc::new(SystemTime::now)`), a test's to step through refresh windows and back-offs.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// When credentials expiring at `expiry` should be refreshed, given `jitter` in [0, 1).
/// Long-term credentials (no expiry) never need it.
pub fn refresh_at(expiry: Option<SystemTime>, jitter: f64) -> Option<SystemTime> {
    let expiry = expiry?;
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let window = REFRESH_WINDOW + REFRESH_WINDOW.mul_f64(jitter / 2.0);
    // Clamp at the epoch: a time before it only means "refresh now".
    let at = match expiry.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => SystemTime::UNIX_EPOCH + since.saturating_sub(window),
        Err(_) => SystemTime::UNIX_EPOCH,
    };
    Some(at)
}

/// Whether credentials expiring at `expiry` can still be used at `now` (a refresh failed, say).
pub fn still_valid(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_none_or(|e| e > now)
}

/// Credentials held in memory and when to stop serving them without a refresh.
#[derive(Debug, Clone)]
struct Entry {
    // Shared, so that a cached read costs one reference count rather than a copy of every field.
    credentials: Arc<Credentials>,
    /// When to try a refresh; `None` for credentials that never expire.
    refresh_at: Option<SystemTime>,
}

/// What an in-memory credentials cache knows: the credentials it holds, when to refresh them,
/// and how the last refresh ended. See the [module documentation](self) for how a driver uses
/// it. `Debug` shows the credentials redacted, as their own `Debug` does.
#[derive(Debug, Clone, Default)]
pub struct CacheState {
    entry: Option<Entry>,
    /// The error of the last refresh, when it failed; shared with the callers that waited.
    last_error: Option<Error>,
    /// How many refreshes have finished (successful or not).
    generation: u64,
}

/// What a caller holding the refresh lock should do, from [`CacheState::before_refresh`].
#[derive(Debug)]
pub enum BeforeRefresh {
    /// Serve these: a refresh finished while the caller waited (or they are fresh).
    Serve(Arc<Credentials>),
    /// Report this: a refresh finished while the caller waited, failed, and left nothing valid.
    Fail(Error),
    /// Refresh, then store [`CacheState::after_refresh`].
    Refresh,
}

impl CacheState {
    /// The credentials when they need no refresh at `now`.
    pub fn fresh(&self, now: SystemTime) -> Option<Arc<Credentials>> {
        let entry = self.entry.as_ref()?;
        entry
            .refresh_at
            .is_none_or(|at| now < at)
            .then(|| entry.credentials.clone())
    }

    /// The credentials when they have not expired at `now` (due for a refresh or not).
    pub fn valid(&self, now: SystemTime) -> Option<Arc<Credentials>> {
        let entry = self.entry.as_ref()?;
        still_valid(entry.credentials.expiry(), now).then(|| entry.credentials.clone())
    }

    /// When the held credentials are due for a refresh (`None`: never, or nothing is held).
    pub fn refresh_at(&self) -> Option<SystemTime> {
        self.entry.as_ref().and_then(|e| e.refresh_at)
    }

    /// How many refreshes have finished; read it before waiting for the refresh lock and hand
    /// it to [`CacheState::before_refresh`].
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Decides, for a caller that read [`CacheState::generation`] `seen` before waiting for the
    /// refresh lock and now holds it, whether to refresh or to share the outcome of a refresh
    /// that finished meanwhile.
    pub fn before_refresh(&self, seen: u64, now: SystemTime) -> BeforeRefresh {
        if let Some(credentials) = self.fresh(now) {
            return BeforeRefresh::Serve(credentials);
        }
        if self.generation != seen {
            if let Some(credentials) = self.valid(now) {
                return BeforeRefresh::Serve(credentials);
            }
            if let Some(error) = &self.last_error {
                return BeforeRefresh::Fail(error.clone());
            }
        }
        BeforeRefresh::Refresh
    }

    /// The state after a refresh that ended with `outcome` at `now` (`jitter` in [0, 1) widens
    /// the next refresh window), and what the refreshing caller gets.
    ///
    /// On success the new credentials are served until [`refresh_at`]. On failure, credentials
    /// still valid at `now` are served (and fresh for [`FAILED_REFRESH_BACKOFF`], at most until
    /// they expire); the error is returned only when nothing valid is left.
    pub fn after_refresh(
        &self,
        outcome: Result<Credentials, Error>,
        now: SystemTime,
        jitter: f64,
    ) -> (CacheState, Result<Arc<Credentials>, Error>) {
        let generation = self.generation.wrapping_add(1);
        match outcome {
            Ok(credentials) => {
                let credentials = Arc::new(credentials);
                let entry = Entry {
                    refresh_at: refresh_at(credentials.expiry(), jitter),
                    credentials: credentials.clone(),
                };
                let state = CacheState {
                    entry: Some(entry),
                    last_error: None,
                    generation,
                };
                (state, Ok(credentials))
            }
            Err(error) => match self.valid(now) {
                Some(credentials) => {
                    let retry = now + FAILED_REFRESH_BACKOFF;
                    let at = credentials
                        .expiry()
                        .map_or(retry, |expiry| retry.min(expiry));
                    let state = CacheState {
                        entry: Some(Entry {
                            credentials: credentials.clone(),
                            refresh_at: Some(at),
                        }),
                        last_error: Some(error),
                        generation,
                    };
                    (state, Ok(credentials))
                }
                None => {
                    let state = CacheState {
                        entry: None,
                        last_error: Some(error.clone()),
                        generation,
                    };
                    (state, Err(error))
                }
            },
        }
    }

    /// The state with nothing held: the next caller refreshes. The generation stays, so that
    /// callers already waiting refresh rather than share an outcome.
    pub fn cleared(&self) -> CacheState {
        CacheState {
            entry: None,
            last_error: None,
            generation: self.generation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn creds(key: &str, expiry: Option<SystemTime>) -> Credentials {
        Credentials::new(key, "secret", None, expiry)
    }

    fn down() -> Error {
        Error::Config("the endpoint is down".into())
    }

    #[test]
    fn window_is_five_minutes_plus_jitter() {
        let e = at(10_000);
        assert_eq!(refresh_at(Some(e), 0.0), Some(e - REFRESH_WINDOW));
        assert_eq!(refresh_at(Some(e), 1.0), Some(e - Duration::from_secs(450)));
        assert_eq!(refresh_at(Some(e), f64::NAN), Some(e - REFRESH_WINDOW));
        assert_eq!(refresh_at(None, 0.3), None);
        assert_eq!(refresh_at(Some(at(5)), 0.0), Some(SystemTime::UNIX_EPOCH));
    }

    #[test]
    fn the_mandatory_window_in_words_matches_its_value() {
        let minutes = SSO_TOKEN_MANDATORY_REFRESH_WINDOW.as_secs() / 60;
        assert_eq!(
            SSO_TOKEN_INSIDE_MANDATORY_WINDOW,
            format!("expires in less than {minutes} minutes")
        );
    }

    #[test]
    fn validity() {
        let now = at(100);
        assert!(still_valid(None, now));
        assert!(still_valid(Some(now + Duration::from_secs(1)), now));
        assert!(!still_valid(Some(now), now));
    }

    #[test]
    fn fresh_until_the_window_then_refresh() {
        let now = at(1_000_000);
        let hour = creds("AKID", Some(now + Duration::from_secs(3600)));
        let (state, served) = CacheState::default().after_refresh(Ok(hour), now, 0.5);
        assert_eq!(served.unwrap().access_key_id(), "AKID");
        let due = now + Duration::from_secs(3600) - REFRESH_WINDOW.mul_f64(1.25);
        assert!(state.fresh(due - Duration::from_secs(1)).is_some());
        assert!(state.fresh(due).is_none());
        assert!(matches!(
            state.before_refresh(state.generation(), due),
            BeforeRefresh::Refresh
        ));
        assert_eq!(state.refresh_at(), Some(due));
    }

    #[test]
    fn long_term_credentials_are_always_fresh() {
        let (state, _) = CacheState::default().after_refresh(Ok(creds("AKID", None)), at(1), 0.0);
        assert!(state.fresh(at(u32::MAX as u64)).is_some());
        assert_eq!(state.refresh_at(), None);
    }

    #[test]
    fn a_failed_refresh_serves_valid_credentials_for_the_backoff() {
        let now = at(1_000_000);
        let expiry = now + Duration::from_secs(120);
        let (state, _) =
            CacheState::default().after_refresh(Ok(creds("OLD", Some(expiry))), now, 0.0);
        let (state, served) = state.after_refresh(Err(down()), now, 0.0);
        assert_eq!(served.unwrap().access_key_id(), "OLD");
        assert_eq!(state.refresh_at(), Some(now + FAILED_REFRESH_BACKOFF));
        assert!(state.fresh(now + Duration::from_secs(29)).is_some());
        assert!(state.fresh(now + FAILED_REFRESH_BACKOFF).is_none());
        // The back-off never outlives the credentials.
        let late = expiry - Duration::from_secs(10);
        let (state, _) = state.after_refresh(Err(down()), late, 0.0);
        assert_eq!(state.refresh_at(), Some(expiry));
        // Once they expire, the error comes out.
        let (state, served) = state.after_refresh(Err(down()), expiry, 0.0);
        assert!(served.is_err());
        assert!(state.valid(expiry).is_none());
    }

    #[test]
    fn waiters_share_the_outcome_of_a_refresh_they_waited_for() {
        let now = at(1_000_000);
        let empty = CacheState::default();
        let seen = empty.generation();
        // The refresh a waiter waited for failed with nothing to fall back on.
        let (failed, _) = empty.after_refresh(Err(down()), now, 0.0);
        match failed.before_refresh(seen, now) {
            BeforeRefresh::Fail(e) => assert_eq!(e.to_string(), down().to_string()),
            other => panic!("expected the shared error, got {other:?}"),
        }
        // A caller that arrives afterwards tries again.
        assert!(matches!(
            failed.before_refresh(failed.generation(), now),
            BeforeRefresh::Refresh
        ));
        // A refresh that succeeded is shared too.
        let (ok, _) = failed.after_refresh(Ok(creds("NEW", None)), now, 0.0);
        assert!(matches!(
            ok.before_refresh(seen, now),
            BeforeRefresh::Serve(_)
        ));
    }

    #[test]
    fn clearing_forgets_the_credentials_and_the_error() {
        let now = at(10);
        let (state, _) = CacheState::default().after_refresh(Ok(creds("AKID", None)), now, 0.0);
        let cleared = state.cleared();
        assert!(cleared.fresh(now).is_none());
        assert!(matches!(
            cleared.before_refresh(state.generation(), now),
            BeforeRefresh::Refresh
        ));
    }
}
