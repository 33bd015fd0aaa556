//! Loading the SSO token from `~/.aws/sso/cache` and refreshing it when due (docs/token-cache.md §3, §4),
//! shared by [`super::ResolveFlow`] and [`super::SsoAccessFlow`]. The loader is generic over
//! [`TokenKind`]: a console login session's cache file (`login_session.rs`) is read, locked,
//! refreshed, written and recovered from orphans by the same state machine.
//!
//! A refresh happens under the token file's lock, after reading the file again: another process
//! (or another awscred) may have refreshed it in the meantime, and then no call is made. Under
//! the lock the loader also adopts the newest complete token that a writer killed before its
//! rename left in a temporary file, and removes every such orphan: they hold secrets.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::file_warning::{FileWarning, FileWarningKind};
use super::{Action, Poll, unexpected};
use crate::flow::Input;
use crate::oidc::{CreateToken, Grant, TokenResponse};
use crate::token::{
    CachedToken, RefreshDecision, TokenGrant, TokenOrigin, refresh_decision, token_file_name,
};
use crate::{Endpoint, Error, Operation};

/// The names of the loader's steps, for errors about answers out of step.
pub(crate) struct StepNames {
    pub(crate) reading: &'static str,
    pub(crate) locking: &'static str,
    pub(crate) probing_lock: &'static str,
    pub(crate) rereading: &'static str,
    pub(crate) listing_orphans: &'static str,
    pub(crate) reading_orphan: &'static str,
    pub(crate) adopting: &'static str,
    pub(crate) removing_orphans: &'static str,
    pub(crate) refreshing: &'static str,
    pub(crate) writing: &'static str,
    pub(crate) unlocking: &'static str,
    pub(crate) done: &'static str,
}

/// A cached token file refreshed under a cross-process lock with rotating refresh tokens: what
/// [`TokenLoader`] needs to know about it. The loader owns the order of effects (read, lock,
/// re-read, adopt orphans, refresh, write, unlock) and the no-loss rules; a kind only says how
/// its file reads, when it is due, how it is refreshed and how errors are worded.
pub(crate) trait TokenKind {
    /// The parsed file.
    type Token: Clone;
    /// The refresh call kept while its answer is awaited.
    type Refresh;
    /// The loader's step names.
    const NAMES: StepNames;
    /// What the user calls the token in messages (`SSO token`).
    const NOUN: &'static str;

    /// The token file.
    fn token_path(&self) -> &Path;
    /// Whose token it is, for messages: `sso-session "dev"`.
    fn label(&self) -> String;
    /// The command that replaces the token.
    fn login_command(&self) -> String;
    /// Reads the file's bytes.
    fn parse(&self, bytes: &[u8]) -> Result<Self::Token, Error>;
    /// When the token expires (a later expiry means a later issue: orphans are compared by it).
    fn expires_at(token: &Self::Token) -> SystemTime;
    /// Whether an orphan may replace `current` (it belongs to the same session).
    fn same_session(orphan: &Self::Token, current: &Self::Token) -> bool;
    /// Whether to refresh now.
    fn decide(
        &self,
        token: &Self::Token,
        now: SystemTime,
        last_attempt: Option<SystemTime>,
    ) -> RefreshDecision;
    /// The refresh call for `token`.
    fn refresh_request(
        &self,
        token: &Self::Token,
        now: SystemTime,
    ) -> Result<(Self::Refresh, http::Request<Vec<u8>>), Error>;
    /// The refreshed token from the call's answer.
    fn refreshed(
        &self,
        token: &Self::Token,
        call: &Self::Refresh,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Result<Self::Token, Error>;
    /// The bytes to write.
    fn to_json(token: &Self::Token) -> Vec<u8>;
    /// The error when there is no file.
    fn missing(&self) -> Error;
    /// The error when the file cannot be used.
    fn unusable(&self, error: &Error) -> Error;
    /// The error when the token has expired and cannot be refreshed.
    fn expired(&self) -> Error;
    /// What a failed refresh leaves: the old token (an advisory refresh) or an error.
    fn refresh_failed(
        &self,
        old: Self::Token,
        decision: RefreshDecision,
        error: Error,
        now: SystemTime,
    ) -> Result<Self::Token, Error>;
}

/// `<token file>.lock`.
pub(crate) fn lock_path_of(token_path: &Path) -> PathBuf {
    let mut p = token_path.to_path_buf().into_os_string();
    p.push(".lock");
    PathBuf::from(p)
}

/// The lock every process of this user takes when the usual lock file cannot be opened (a
/// root-owned 0600 file that `sudo awscred` left): they all fail on that file alike, so they
/// all meet here.
fn fallback_lock_path_of(token_path: &Path) -> PathBuf {
    let mut p = token_path.to_path_buf().into_os_string();
    p.push(".user.lock");
    PathBuf::from(p)
}

/// An advisory refresh that fails keeps a token that is still valid (botocore, for the SSO
/// token and for login sessions alike).
pub(crate) fn keeps_old_token(
    decision: RefreshDecision,
    expires_at: SystemTime,
    now: SystemTime,
) -> bool {
    decision == RefreshDecision::RefreshAdvisory && expires_at > now
}

/// Which token to load and how to tell the user to replace it.
pub(crate) struct TokenSpec {
    /// The sso-session name; `None` for a legacy profile.
    pub(crate) session_name: Option<String>,
    /// `sso_start_url` as configured.
    pub(crate) start_url: String,
    /// Which login replaces the token.
    pub(crate) login: crate::LoginHint,
    /// `~/.aws/sso/cache/<sha1>.json`.
    pub(crate) token_path: PathBuf,
    /// The SSO-OIDC endpoint of `sso_region`, needed only for a refresh.
    pub(crate) oidc: Result<Endpoint, Error>,
}

impl TokenSpec {
    /// The spec for a session (or legacy start URL) whose tokens live in `sso_cache`.
    pub(crate) fn new(
        session_name: Option<String>,
        start_url: String,
        login: crate::LoginHint,
        sso_cache: &std::path::Path,
        oidc: Result<Endpoint, Error>,
    ) -> Self {
        let key = session_name.as_deref().unwrap_or(&start_url);
        let token_path = sso_cache.join(token_file_name(key));
        TokenSpec {
            session_name,
            start_url,
            login,
            token_path,
            oidc,
        }
    }

    fn origin(&self) -> TokenOrigin {
        if self.session_name.is_some() {
            TokenOrigin::SsoSession
        } else {
            TokenOrigin::LegacyStartUrl
        }
    }

    /// How the user knows this login: `sso-session "dev"` or `start URL https://…`.
    fn label(&self) -> String {
        match &self.session_name {
            Some(s) => format!("sso-session \"{s}\""),
            None => format!("start URL {}", self.start_url),
        }
    }

    fn login_needed(&self, reason: String) -> Error {
        Error::login_needed(reason, self.login.clone())
    }
}

/// A token ready for use.
pub(crate) struct LoadedToken<T = CachedToken> {
    pub(crate) token: T,
    /// When a refresh was attempted, if one was.
    pub(crate) refresh_attempted_at: Option<SystemTime>,
    /// What went wrong with the token's files without failing the call.
    pub(crate) warnings: Vec<FileWarning>,
}

/// What the loader knows once it holds a lock (or gave up on one): the token to decide on and
/// which lock file to release.
struct Held<T> {
    token: T,
    lock: Option<PathBuf>,
}

enum State<K: TokenKind> {
    Start,
    Reading,
    Locking {
        token: K::Token,
        decision: RefreshDecision,
        lock: PathBuf,
    },
    /// The token's lock could not be taken: reading its lock file tells an unopenable file
    /// (fall back to another lock) from a lock that is merely held too long (give up).
    ProbingLock {
        token: K::Token,
        decision: RefreshDecision,
        error: Error,
        lock: PathBuf,
    },
    Rereading(Held<K::Token>),
    ListingOrphans(Held<K::Token>),
    ReadingOrphans {
        held: Held<K::Token>,
        /// The orphans not read yet, next last.
        unread: Vec<PathBuf>,
        /// Every orphan: all are removed once the best is adopted.
        all: Vec<PathBuf>,
        /// The newest valid orphan so far: its token and its bytes as written.
        best: Option<(K::Token, Vec<u8>)>,
    },
    Adopting {
        held: Held<K::Token>,
        orphans: Vec<PathBuf>,
    },
    RemovingOrphans {
        held: Held<K::Token>,
        /// Next last.
        orphans: Vec<PathBuf>,
    },
    Refreshing {
        held: Held<K::Token>,
        decision: RefreshDecision,
        op: Box<K::Refresh>,
    },
    Writing(Held<K::Token>),
    Unlocking(Result<K::Token, Error>),
    Done,
}

/// The token state machine.
pub(crate) struct TokenLoader<K: TokenKind = TokenSpec> {
    spec: K,
    last_attempt: Option<SystemTime>,
    attempted_at: Option<SystemTime>,
    warnings: Vec<FileWarning>,
    state: State<K>,
}

impl<K: TokenKind> TokenLoader<K> {
    pub(crate) fn new(spec: K, last_attempt: Option<SystemTime>) -> Self {
        TokenLoader {
            spec,
            last_attempt,
            attempted_at: None,
            warnings: Vec::new(),
            state: State::Start,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        let n = &K::NAMES;
        match self.state {
            State::Start | State::Reading => n.reading,
            State::Locking { .. } => n.locking,
            State::ProbingLock { .. } => n.probing_lock,
            State::Rereading(_) => n.rereading,
            State::ListingOrphans(_) => n.listing_orphans,
            State::ReadingOrphans { .. } => n.reading_orphan,
            State::Adopting { .. } => n.adopting,
            State::RemovingOrphans { .. } => n.removing_orphans,
            State::Refreshing { .. } => n.refreshing,
            State::Writing(_) => n.writing,
            State::Unlocking(_) => n.unlocking,
            State::Done => n.done,
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(
        &mut self,
        input: Option<Input>,
        now: SystemTime,
    ) -> Poll<LoadedToken<K::Token>> {
        let state = std::mem::replace(&mut self.state, State::Done);
        let step = match (state, input) {
            (State::Start, None) => {
                self.state = State::Reading;
                return Poll::Act(Action::Read(self.spec.token_path().to_path_buf()));
            }
            (State::Reading, Some(Input::File(file))) => self.on_first_read(file, now),
            (
                State::Locking {
                    token,
                    decision,
                    lock,
                },
                Some(Input::Locked(result)),
            ) => self.on_locked(token, decision, lock, result),
            (
                State::ProbingLock {
                    token,
                    decision,
                    error,
                    lock,
                },
                Some(Input::File(file)),
            ) => self.on_lock_probed(token, decision, error, lock, file, now),
            (State::Rereading(held), Some(Input::File(file))) => self.on_reread(held, file, now),
            (State::ListingOrphans(held), Some(Input::Listed(listed))) => {
                self.on_orphans_listed(held, listed, now)
            }
            (
                State::ReadingOrphans {
                    held,
                    unread,
                    all,
                    best,
                },
                Some(Input::File(file)),
            ) => self.on_orphan_read(held, unread, all, best, file, now),
            (State::Adopting { held, orphans }, Some(Input::Written(result))) => {
                self.on_adopted(held, orphans, result, now)
            }
            (State::RemovingOrphans { held, orphans }, Some(Input::Written(_))) => {
                // An orphan that cannot be removed is tried again next time.
                self.remove_orphans(held, orphans, now)
            }
            (State::Refreshing { held, decision, op }, Some(Input::Response(response))) => {
                self.on_refreshed(held, decision, &op, response, now)
            }
            (State::Writing(held), Some(Input::Written(result))) => {
                if let Err(e) = result {
                    self.warnings.push(self.not_saved(&e));
                }
                // A token that cannot be written is still good for this call.
                self.finish(Ok(held.token), held.lock)
            }
            (State::Unlocking(outcome), Some(Input::Unlocked)) => Step::Ready(outcome),
            (state, input) => {
                self.state = state;
                let name = self.name();
                self.state = State::Done;
                return match input {
                    Some(input) => Poll::Ready(Err(unexpected(&input, name))),
                    None => Poll::Ready(Err(Error::InvalidInput(format!(
                        "the SSO token loader was resumed without an answer while {name}"
                    )))),
                };
            }
        };
        match step {
            Step::Act(state, action) => {
                self.state = state;
                Poll::Act(action)
            }
            Step::Ready(outcome) => Poll::Ready(outcome.map(|token| LoadedToken {
                token,
                refresh_attempted_at: self.attempted_at,
                warnings: std::mem::take(&mut self.warnings),
            })),
        }
    }

    fn on_first_read(&mut self, file: Result<Option<Vec<u8>>, Error>, now: SystemTime) -> Step<K> {
        let bytes = match file {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Step::Ready(Err(self.spec.missing())),
            Err(e) => return Step::Ready(Err(e)),
        };
        let token = match self.spec.parse(&bytes) {
            Ok(t) => t,
            Err(e) => return Step::Ready(Err(self.spec.unusable(&e))),
        };
        match self.spec.decide(&token, now, self.last_attempt) {
            RefreshDecision::UseAsIs => Step::Ready(Ok(token)),
            RefreshDecision::Expired => Step::Ready(Err(self.spec.expired())),
            decision @ (RefreshDecision::RefreshAdvisory | RefreshDecision::RefreshMandatory) => {
                let lock = lock_path_of(self.spec.token_path());
                Step::Act(
                    State::Locking {
                        token,
                        decision,
                        lock: lock.clone(),
                    },
                    Action::Lock(lock),
                )
            }
        }
    }

    /// With rotating refresh tokens a second, concurrent refresh is not harmless: each one
    /// replaces the refresh token the other used. So the refresh happens only under a lock;
    /// when the usual lock file cannot be opened the loader falls back to another one, and
    /// when the lock is held too long it gives up rather than refresh beside its holder.
    fn on_locked(
        &mut self,
        token: K::Token,
        decision: RefreshDecision,
        lock: PathBuf,
        result: Result<(), Error>,
    ) -> Step<K> {
        match result {
            Ok(()) => {
                let held = Held {
                    token,
                    lock: Some(lock),
                };
                Step::Act(
                    State::Rereading(held),
                    Action::Read(self.spec.token_path().to_path_buf()),
                )
            }
            Err(error) => Step::Act(
                State::ProbingLock {
                    token,
                    decision,
                    error,
                    lock: lock.clone(),
                },
                Action::Read(lock),
            ),
        }
    }

    /// A lock file that exists and can be read but not locked is held by someone (the lock
    /// error says who and for how long); one that cannot be read, or not even created, is
    /// unusable, and every process of this user fails on it alike: they all take the fallback
    /// lock instead. When that one is unusable too (a cache directory nobody may write to),
    /// nothing can be saved anyway: the refresh goes ahead without a lock, so that this call
    /// at least has credentials, and the write's warning says what the next run needs.
    fn on_lock_probed(
        &mut self,
        token: K::Token,
        decision: RefreshDecision,
        error: Error,
        lock: PathBuf,
        probe: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step<K> {
        if matches!(probe, Ok(Some(_))) {
            return self.give_up(token, decision, error, now);
        }
        let primary = lock_path_of(self.spec.token_path());
        let fallback = fallback_lock_path_of(self.spec.token_path());
        if lock != primary {
            self.warnings.push(FileWarning::new(
                FileWarningKind::LockUnopenable,
                lock.clone(),
                format!(
                    "neither {} nor {} can be used as the {}'s lock ({}); awscred \
                     refreshed the token without a lock",
                    primary.display(),
                    lock.display(),
                    K::NOUN,
                    io_reason(&error)
                ),
            ));
            let held = Held { token, lock: None };
            return Step::Act(
                State::Rereading(held),
                Action::Read(self.spec.token_path().to_path_buf()),
            );
        }
        self.warnings.push(FileWarning::new(
            FileWarningKind::LockUnopenable,
            primary.clone(),
            format!(
                "the lock file {} cannot be used ({}); awscred locked {} instead. It was                  probably left by `sudo awscred`: remove it (`sudo rm {}`) so that every                  awscred shares one lock again",
                primary.display(),
                io_reason(&error),
                fallback.display(),
                primary.display()
            ),
        ));
        Step::Act(
            State::Locking {
                token,
                decision,
                lock: fallback.clone(),
            },
            Action::Lock(fallback),
        )
    }

    /// No lock: a token that is still valid is used as it is (another process is refreshing
    /// it, or will); one that must be refreshed now fails with the lock's own error, which
    /// names the holder and what to do.
    fn give_up(
        &mut self,
        token: K::Token,
        decision: RefreshDecision,
        error: Error,
        now: SystemTime,
    ) -> Step<K> {
        if decision == RefreshDecision::RefreshAdvisory && K::expires_at(&token) > now {
            self.warnings.push(FileWarning::new(
                FileWarningKind::RefreshSkipped,
                lock_path_of(self.spec.token_path()),
                format!(
                    "the {} for {} was not refreshed, it is still valid: {}",
                    K::NOUN,
                    self.spec.label(),
                    io_reason(&error)
                ),
            ));
            return Step::Ready(Ok(token));
        }
        Step::Ready(Err(error))
    }

    /// Under the lock: take the file's current token (it may have been refreshed meanwhile),
    /// then look for a newer one a killed writer left behind.
    fn on_reread(
        &mut self,
        held: Held<K::Token>,
        file: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step<K> {
        let token = match file {
            Ok(Some(bytes)) => self.spec.parse(&bytes).unwrap_or(held.token),
            _ => held.token,
        };
        let held = Held {
            token,
            lock: held.lock,
        };
        if held.lock.is_none() {
            // Orphans are adopted and removed under the lock only.
            return self.decide(held, now);
        }
        Step::Act(
            State::ListingOrphans(held),
            Action::ListOrphans(self.spec.token_path().to_path_buf()),
        )
    }

    fn on_orphans_listed(
        &mut self,
        held: Held<K::Token>,
        listed: Result<Vec<PathBuf>, Error>,
        now: SystemTime,
    ) -> Step<K> {
        match listed {
            Ok(all) if !all.is_empty() => {
                let mut unread = all.clone();
                unread.reverse();
                self.read_next_orphan(held, unread, all, None, now)
            }
            // Nothing to adopt (or the directory cannot be listed: the token read decides).
            _ => self.decide(held, now),
        }
    }

    fn read_next_orphan(
        &mut self,
        held: Held<K::Token>,
        mut unread: Vec<PathBuf>,
        all: Vec<PathBuf>,
        best: Option<(K::Token, Vec<u8>)>,
        now: SystemTime,
    ) -> Step<K> {
        match unread.pop() {
            Some(path) => Step::Act(
                State::ReadingOrphans {
                    held,
                    unread,
                    all,
                    best,
                },
                Action::Read(path),
            ),
            None => match best {
                Some((token, bytes)) => {
                    let held = Held {
                        token,
                        lock: held.lock,
                    };
                    Step::Act(
                        State::Adopting { held, orphans: all },
                        Action::Write {
                            path: self.spec.token_path().to_path_buf(),
                            contents: bytes,
                        },
                    )
                }
                None => self.remove_orphans(held, all, now),
            },
        }
    }

    /// An orphan is adopted when it is complete (it parses as a token: a write cut short
    /// does not), belongs to the same start URL, and is newer than the file's token: it
    /// expires later, as a token issued later does.
    fn on_orphan_read(
        &mut self,
        held: Held<K::Token>,
        unread: Vec<PathBuf>,
        all: Vec<PathBuf>,
        best: Option<(K::Token, Vec<u8>)>,
        file: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step<K> {
        let candidate = match file {
            Ok(Some(bytes)) => self.spec.parse(&bytes).ok().map(|t| (t, bytes)),
            _ => None,
        };
        let newest = K::expires_at(best.as_ref().map_or(&held.token, |(t, _)| t));
        let best = match candidate {
            Some((token, bytes))
                if K::expires_at(&token) > newest && K::same_session(&token, &held.token) =>
            {
                Some((token, bytes))
            }
            _ => best,
        };
        self.read_next_orphan(held, unread, all, best, now)
    }

    fn on_adopted(
        &mut self,
        held: Held<K::Token>,
        orphans: Vec<PathBuf>,
        result: Result<(), Error>,
        now: SystemTime,
    ) -> Step<K> {
        match result {
            Ok(()) => {
                let mut orphans = orphans;
                orphans.reverse();
                self.remove_orphans(held, orphans, now)
            }
            Err(e) => {
                // The orphan is the only copy on disk of the newest token: keep every one.
                self.warnings.push(self.not_saved(&e));
                self.decide(held, now)
            }
        }
    }

    fn remove_orphans(
        &mut self,
        held: Held<K::Token>,
        mut orphans: Vec<PathBuf>,
        now: SystemTime,
    ) -> Step<K> {
        match orphans.pop() {
            Some(path) => Step::Act(
                State::RemovingOrphans { held, orphans },
                Action::Remove(path),
            ),
            None => self.decide(held, now),
        }
    }

    /// Under the lock, with the newest token there is: use it, or refresh it.
    fn decide(&mut self, held: Held<K::Token>, now: SystemTime) -> Step<K> {
        let decision = self.spec.decide(&held.token, now, self.last_attempt);
        match decision {
            RefreshDecision::UseAsIs => self.finish(Ok(held.token), held.lock),
            RefreshDecision::Expired => {
                let e = self.spec.expired();
                self.finish(Err(e), held.lock)
            }
            RefreshDecision::RefreshAdvisory | RefreshDecision::RefreshMandatory => {
                self.attempted_at = Some(now);
                match self.spec.refresh_request(&held.token, now) {
                    Ok((op, request)) => Step::Act(
                        State::Refreshing {
                            held,
                            decision,
                            op: Box::new(op),
                        },
                        Action::Send(request),
                    ),
                    Err(e) => {
                        let outcome = self.spec.refresh_failed(held.token, decision, e, now);
                        self.finish(outcome, held.lock)
                    }
                }
            }
        }
    }

    fn on_refreshed(
        &mut self,
        held: Held<K::Token>,
        decision: RefreshDecision,
        op: &K::Refresh,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step<K> {
        match self.spec.refreshed(&held.token, op, response, now) {
            Ok(token) => {
                let contents = K::to_json(&token);
                Step::Act(
                    State::Writing(Held {
                        token,
                        lock: held.lock,
                    }),
                    Action::Write {
                        path: self.spec.token_path().to_path_buf(),
                        contents,
                    },
                )
            }
            Err(e) => {
                let outcome = self.spec.refresh_failed(held.token, decision, e, now);
                self.finish(outcome, held.lock)
            }
        }
    }

    /// Releases the lock (when held) before handing out `outcome`.
    fn finish(&mut self, outcome: Result<K::Token, Error>, lock: Option<PathBuf>) -> Step<K> {
        match lock {
            Some(lock) => Step::Act(State::Unlocking(outcome), Action::Unlock(lock)),
            None => Step::Ready(outcome),
        }
    }

    /// The warning for a refreshed token that could not be saved: this call is fine, the next
    /// one is not, because the service has already replaced the refresh token in the file.
    fn not_saved(&self, error: &Error) -> FileWarning {
        FileWarning::new(
            FileWarningKind::TokenNotSaved,
            self.spec.token_path().to_path_buf(),
            format!(
                "the refreshed {} for {} could not be saved to {} ({}). These \
                 credentials are good, but the service has replaced the refresh token the file \
                 holds, so the next run will need a new login (`{}`) unless the file can be \
                 written by then",
                K::NOUN,
                self.spec.label(),
                self.spec.token_path().display(),
                io_reason(error),
                self.spec.login_command()
            ),
        )
    }
}

impl TokenKind for TokenSpec {
    type Token = CachedToken;
    type Refresh = CreateToken;
    const NAMES: StepNames = StepNames {
        reading: "reading the SSO token",
        locking: "locking the SSO token",
        probing_lock: "reading the SSO token's lock file",
        rereading: "reading the SSO token again under the lock",
        listing_orphans: "listing the SSO token's orphaned temporary files",
        reading_orphan: "reading an orphaned temporary file of the SSO token",
        adopting: "saving the SSO token found in an orphaned temporary file",
        removing_orphans: "removing the SSO token's orphaned temporary files",
        refreshing: "refreshing the SSO token",
        writing: "writing the refreshed SSO token",
        unlocking: "unlocking the SSO token",
        done: "done with the SSO token",
    };
    const NOUN: &'static str = "SSO token";

    fn token_path(&self) -> &Path {
        &self.token_path
    }

    fn label(&self) -> String {
        TokenSpec::label(self)
    }

    fn login_command(&self) -> String {
        self.login.command()
    }

    fn parse(&self, bytes: &[u8]) -> Result<CachedToken, Error> {
        CachedToken::parse(bytes)
    }

    fn expires_at(token: &CachedToken) -> SystemTime {
        token.expires_at
    }

    fn same_session(orphan: &CachedToken, current: &CachedToken) -> bool {
        same_session(orphan, current)
    }

    fn decide(
        &self,
        token: &CachedToken,
        now: SystemTime,
        last_attempt: Option<SystemTime>,
    ) -> RefreshDecision {
        refresh_decision(token, self.origin(), now, last_attempt)
    }

    fn refresh_request(
        &self,
        token: &CachedToken,
        now: SystemTime,
    ) -> Result<(CreateToken, http::Request<Vec<u8>>), Error> {
        let endpoint = self.oidc.clone()?;
        let op = CreateToken::new(
            endpoint,
            token.client_id.clone().unwrap_or_default(),
            token.client_secret.clone().unwrap_or_default(),
            Grant::RefreshToken {
                refresh_token: token.refresh_token.clone().unwrap_or_default(),
            },
        );
        let request = op.request(now)?;
        Ok((op, request))
    }

    fn refreshed(
        &self,
        token: &CachedToken,
        op: &CreateToken,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Result<CachedToken, Error> {
        let grant = response
            .and_then(|r| op.parse(&r))
            .and_then(|t| grant_of(&t))?;
        Ok(token.refreshed(&grant, now))
    }

    fn to_json(token: &CachedToken) -> Vec<u8> {
        token.to_json()
    }

    fn missing(&self) -> Error {
        self.login_needed(format!(
            "no SSO token found for {} ({})",
            self.label(),
            self.token_path.display()
        ))
    }

    /// botocore: an advisory refresh that fails keeps the old token; a mandatory one fails.
    fn refresh_failed(
        &self,
        old: CachedToken,
        decision: RefreshDecision,
        error: Error,
        now: SystemTime,
    ) -> Result<CachedToken, Error> {
        if keeps_old_token(decision, old.expires_at, now) {
            return Ok(old);
        }
        let state = if old.expires_at > now {
            crate::cache::SSO_TOKEN_INSIDE_MANDATORY_WINDOW
        } else {
            "has expired"
        };
        Err(self.login_needed(format!(
            "the SSO token for {} {state} and could not be refreshed ({error})",
            self.label()
        )))
    }

    fn expired(&self) -> Error {
        let how = if self.session_name.is_some() {
            "has expired and cannot be refreshed"
        } else {
            "has expired (tokens of profiles without sso_session are never refreshed)"
        };
        self.login_needed(format!("the SSO token for {} {how}", self.label()))
    }

    fn unusable(&self, e: &Error) -> Error {
        let why = match e {
            Error::InvalidInput(m) => m.clone(),
            other => other.to_string(),
        };
        self.login_needed(format!(
            "the SSO token for {} ({}) cannot be read: {why}",
            self.label(),
            self.token_path.display()
        ))
    }
}

/// The outcome of one transition. Lives only until the caller unpacks it, so its size is moot.
#[allow(clippy::large_enum_variant)]
enum Step<K: TokenKind> {
    Act(State<K>, Action),
    Ready(Result<K::Token, Error>),
}

/// An orphan of another session's token (the same file name cannot say, a start URL can)
/// is never adopted.
fn same_session(orphan: &CachedToken, current: &CachedToken) -> bool {
    match (&orphan.start_url, &current.start_url) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The part of a file error worth quoting: the driver's message, without repeating the path.
fn io_reason(error: &Error) -> String {
    match error {
        Error::Io { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn grant_of(t: &TokenResponse) -> Result<TokenGrant, Error> {
    let expires_in = t
        .expires_in
        .ok_or_else(|| Error::malformed("CreateToken", "it has no `expiresIn`"))?;
    Ok(TokenGrant {
        access_token: t.access_token.clone(),
        expires_in,
        refresh_token: t.refresh_token.clone(),
    })
}
