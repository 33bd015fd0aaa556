//! Loading the SSO token from `~/.aws/sso/cache` and refreshing it when due (WIRE §3.3, §3.4),
//! shared by [`super::ResolveFlow`] and [`super::SsoAccessFlow`].
//!
//! A refresh happens under the token file's lock, after reading the file again: another process
//! (or another awscred) may have refreshed it in the meantime, and then no call is made. Under
//! the lock the loader also adopts the newest complete token that a writer killed before its
//! rename left in a temporary file, and removes every such orphan: they hold secrets.

use std::path::PathBuf;
use std::time::SystemTime;

use super::file_warning::{FileWarning, FileWarningKind};
use super::{Action, Poll, unexpected};
use crate::flow::Input;
use crate::oidc::{CreateToken, Grant, TokenResponse};
use crate::token::{
    CachedToken, RefreshDecision, TokenGrant, TokenOrigin, refresh_decision, token_file_name,
};
use crate::{Endpoint, Error, Operation};

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

    fn lock_path(&self) -> PathBuf {
        let mut p = self.token_path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    /// The lock every process of this user takes when [`TokenSpec::lock_path`] cannot be
    /// opened (a root-owned 0600 file that `sudo awscred` left): they all fail on that file
    /// alike, so they all meet here.
    fn fallback_lock_path(&self) -> PathBuf {
        let mut p = self.token_path.clone().into_os_string();
        p.push(".user.lock");
        PathBuf::from(p)
    }

    fn login_needed(&self, reason: String) -> Error {
        Error::login_needed(reason, self.login.clone())
    }
}

/// A token ready for use.
pub(crate) struct LoadedToken {
    pub(crate) token: CachedToken,
    /// When a refresh was attempted, if one was.
    pub(crate) refresh_attempted_at: Option<SystemTime>,
    /// What went wrong with the token's files without failing the call.
    pub(crate) warnings: Vec<FileWarning>,
}

/// What the loader knows once it holds a lock (or gave up on one): the token to decide on and
/// which lock file to release.
struct Held {
    token: CachedToken,
    lock: Option<PathBuf>,
}

enum State {
    Start,
    Reading,
    Locking {
        token: CachedToken,
        decision: RefreshDecision,
        lock: PathBuf,
    },
    /// The token's lock could not be taken: reading its lock file tells an unopenable file
    /// (fall back to another lock) from a lock that is merely held too long (give up).
    ProbingLock {
        token: CachedToken,
        decision: RefreshDecision,
        error: Error,
        lock: PathBuf,
    },
    Rereading(Held),
    ListingOrphans(Held),
    ReadingOrphans {
        held: Held,
        /// The orphans not read yet, next last.
        unread: Vec<PathBuf>,
        /// Every orphan: all are removed once the best is adopted.
        all: Vec<PathBuf>,
        /// The newest valid orphan so far: its token and its bytes as written.
        best: Option<(CachedToken, Vec<u8>)>,
    },
    Adopting {
        held: Held,
        orphans: Vec<PathBuf>,
    },
    RemovingOrphans {
        held: Held,
        /// Next last.
        orphans: Vec<PathBuf>,
    },
    Refreshing {
        held: Held,
        decision: RefreshDecision,
        op: Box<CreateToken>,
    },
    Writing(Held),
    Unlocking(Result<CachedToken, Error>),
    Done,
}

/// The token state machine.
pub(crate) struct TokenLoader {
    spec: TokenSpec,
    last_attempt: Option<SystemTime>,
    attempted_at: Option<SystemTime>,
    warnings: Vec<FileWarning>,
    state: State,
}

impl TokenLoader {
    pub(crate) fn new(spec: TokenSpec, last_attempt: Option<SystemTime>) -> Self {
        TokenLoader {
            spec,
            last_attempt,
            attempted_at: None,
            warnings: Vec::new(),
            state: State::Start,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self.state {
            State::Start | State::Reading => "reading the SSO token",
            State::Locking { .. } => "locking the SSO token",
            State::ProbingLock { .. } => "reading the SSO token's lock file",
            State::Rereading(_) => "reading the SSO token again under the lock",
            State::ListingOrphans(_) => "listing the SSO token's orphaned temporary files",
            State::ReadingOrphans { .. } => "reading an orphaned temporary file of the SSO token",
            State::Adopting { .. } => "saving the SSO token found in an orphaned temporary file",
            State::RemovingOrphans { .. } => "removing the SSO token's orphaned temporary files",
            State::Refreshing { .. } => "refreshing the SSO token",
            State::Writing(_) => "writing the refreshed SSO token",
            State::Unlocking(_) => "unlocking the SSO token",
            State::Done => "done with the SSO token",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, input: Option<Input>, now: SystemTime) -> Poll<LoadedToken> {
        let state = std::mem::replace(&mut self.state, State::Done);
        let step = match (state, input) {
            (State::Start, None) => {
                self.state = State::Reading;
                return Poll::Act(Action::Read(self.spec.token_path.clone()));
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

    fn on_first_read(&mut self, file: Result<Option<Vec<u8>>, Error>, now: SystemTime) -> Step {
        let bytes = match file {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Step::Ready(Err(self.spec.login_needed(format!(
                    "no SSO token found for {} ({})",
                    self.spec.label(),
                    self.spec.token_path.display()
                ))));
            }
            Err(e) => return Step::Ready(Err(e)),
        };
        let token = match CachedToken::parse(&bytes) {
            Ok(t) => t,
            Err(e) => return Step::Ready(Err(self.unusable(&e))),
        };
        match refresh_decision(&token, self.spec.origin(), now, self.last_attempt) {
            RefreshDecision::UseAsIs => Step::Ready(Ok(token)),
            RefreshDecision::Expired => Step::Ready(Err(self.expired())),
            decision @ (RefreshDecision::RefreshAdvisory | RefreshDecision::RefreshMandatory) => {
                let lock = self.spec.lock_path();
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
        token: CachedToken,
        decision: RefreshDecision,
        lock: PathBuf,
        result: Result<(), Error>,
    ) -> Step {
        match result {
            Ok(()) => {
                let held = Held {
                    token,
                    lock: Some(lock),
                };
                Step::Act(
                    State::Rereading(held),
                    Action::Read(self.spec.token_path.clone()),
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
        token: CachedToken,
        decision: RefreshDecision,
        error: Error,
        lock: PathBuf,
        probe: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step {
        if matches!(probe, Ok(Some(_))) {
            return self.give_up(token, decision, error, now);
        }
        let primary = self.spec.lock_path();
        let fallback = self.spec.fallback_lock_path();
        if lock != primary {
            self.warnings.push(FileWarning::new(
                FileWarningKind::LockUnopenable,
                lock.clone(),
                format!(
                    "neither {} nor {} can be used as the SSO token's lock ({}); awscred \
                     refreshed the token without a lock",
                    primary.display(),
                    lock.display(),
                    io_reason(&error)
                ),
            ));
            let held = Held { token, lock: None };
            return Step::Act(
                State::Rereading(held),
                Action::Read(self.spec.token_path.clone()),
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
        token: CachedToken,
        decision: RefreshDecision,
        error: Error,
        now: SystemTime,
    ) -> Step {
        if decision == RefreshDecision::RefreshAdvisory && token.expires_at > now {
            self.warnings.push(FileWarning::new(
                FileWarningKind::RefreshSkipped,
                self.spec.lock_path(),
                format!(
                    "the SSO token for {} was not refreshed, it is still valid: {}",
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
        held: Held,
        file: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step {
        let token = match file {
            Ok(Some(bytes)) => CachedToken::parse(&bytes).unwrap_or(held.token),
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
            Action::ListOrphans(self.spec.token_path.clone()),
        )
    }

    fn on_orphans_listed(
        &mut self,
        held: Held,
        listed: Result<Vec<PathBuf>, Error>,
        now: SystemTime,
    ) -> Step {
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
        held: Held,
        mut unread: Vec<PathBuf>,
        all: Vec<PathBuf>,
        best: Option<(CachedToken, Vec<u8>)>,
        now: SystemTime,
    ) -> Step {
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
                            path: self.spec.token_path.clone(),
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
        held: Held,
        unread: Vec<PathBuf>,
        all: Vec<PathBuf>,
        best: Option<(CachedToken, Vec<u8>)>,
        file: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step {
        let candidate = match file {
            Ok(Some(bytes)) => CachedToken::parse(&bytes).ok().map(|t| (t, bytes)),
            _ => None,
        };
        let newest = best.as_ref().map_or(&held.token, |(t, _)| t).expires_at;
        let best = match candidate {
            Some((token, bytes))
                if token.expires_at > newest && same_session(&token, &held.token) =>
            {
                Some((token, bytes))
            }
            _ => best,
        };
        self.read_next_orphan(held, unread, all, best, now)
    }

    fn on_adopted(
        &mut self,
        held: Held,
        orphans: Vec<PathBuf>,
        result: Result<(), Error>,
        now: SystemTime,
    ) -> Step {
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

    fn remove_orphans(&mut self, held: Held, mut orphans: Vec<PathBuf>, now: SystemTime) -> Step {
        match orphans.pop() {
            Some(path) => Step::Act(
                State::RemovingOrphans { held, orphans },
                Action::Remove(path),
            ),
            None => self.decide(held, now),
        }
    }

    /// Under the lock, with the newest token there is: use it, or refresh it.
    fn decide(&mut self, held: Held, now: SystemTime) -> Step {
        let decision = refresh_decision(&held.token, self.spec.origin(), now, self.last_attempt);
        match decision {
            RefreshDecision::UseAsIs => self.finish(Ok(held.token), held.lock),
            RefreshDecision::Expired => {
                let e = self.expired();
                self.finish(Err(e), held.lock)
            }
            RefreshDecision::RefreshAdvisory | RefreshDecision::RefreshMandatory => {
                self.attempted_at = Some(now);
                match self.refresh_request(&held.token, now) {
                    Ok((op, request)) => Step::Act(
                        State::Refreshing {
                            held,
                            decision,
                            op: Box::new(op),
                        },
                        Action::Send(request),
                    ),
                    Err(e) => {
                        let outcome = self.refresh_failed(held.token, decision, e, now);
                        self.finish(outcome, held.lock)
                    }
                }
            }
        }
    }

    fn refresh_request(
        &self,
        token: &CachedToken,
        now: SystemTime,
    ) -> Result<(CreateToken, http::Request<Vec<u8>>), Error> {
        let endpoint = self.spec.oidc.clone()?;
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

    fn on_refreshed(
        &mut self,
        held: Held,
        decision: RefreshDecision,
        op: &CreateToken,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step {
        let grant = response
            .and_then(|r| op.parse(&r))
            .and_then(|t| grant_of(&t));
        match grant {
            Ok(grant) => {
                let token = held.token.refreshed(&grant, now);
                let contents = token.to_json();
                Step::Act(
                    State::Writing(Held {
                        token,
                        lock: held.lock,
                    }),
                    Action::Write {
                        path: self.spec.token_path.clone(),
                        contents,
                    },
                )
            }
            Err(e) => {
                let outcome = self.refresh_failed(held.token, decision, e, now);
                self.finish(outcome, held.lock)
            }
        }
    }

    /// botocore: an advisory refresh that fails keeps the old token; a mandatory one fails.
    fn refresh_failed(
        &self,
        old: CachedToken,
        decision: RefreshDecision,
        error: Error,
        now: SystemTime,
    ) -> Result<CachedToken, Error> {
        if decision == RefreshDecision::RefreshAdvisory && old.expires_at > now {
            return Ok(old);
        }
        let state = if old.expires_at > now {
            crate::cache::SSO_TOKEN_INSIDE_MANDATORY_WINDOW
        } else {
            "has expired"
        };
        Err(self.spec.login_needed(format!(
            "the SSO token for {} {state} and could not be refreshed ({error})",
            self.spec.label()
        )))
    }

    /// Releases the lock (when held) before handing out `outcome`.
    fn finish(&mut self, outcome: Result<CachedToken, Error>, lock: Option<PathBuf>) -> Step {
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
            self.spec.token_path.clone(),
            format!(
                "the refreshed SSO token for {} could not be saved to {} ({}). These \
                 credentials are good, but the service has replaced the refresh token the file \
                 holds, so the next run will need a new login (`{}`) unless the file can be \
                 written by then",
                self.spec.label(),
                self.spec.token_path.display(),
                io_reason(error),
                self.spec.login.command()
            ),
        )
    }

    fn expired(&self) -> Error {
        let how = if self.spec.session_name.is_some() {
            "has expired and cannot be refreshed"
        } else {
            "has expired (tokens of profiles without sso_session are never refreshed)"
        };
        self.spec
            .login_needed(format!("the SSO token for {} {how}", self.spec.label()))
    }

    fn unusable(&self, e: &Error) -> Error {
        let why = match e {
            Error::InvalidInput(m) => m.clone(),
            other => other.to_string(),
        };
        self.spec.login_needed(format!(
            "the SSO token for {} ({}) cannot be read: {why}",
            self.spec.label(),
            self.spec.token_path.display()
        ))
    }
}

/// The outcome of one transition. Lives only until the caller unpacks it, so its size is moot.
#[allow(clippy::large_enum_variant)]
enum Step {
    Act(State, Action),
    Ready(Result<CachedToken, Error>),
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
