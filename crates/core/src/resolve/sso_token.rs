//! Loading the SSO token from `~/.aws/sso/cache` and refreshing it when due (WIRE §3.3, §3.4),
//! shared by [`super::ResolveFlow`] and [`super::SsoAccessFlow`].
//!
//! A refresh happens under the token file's lock, after reading the file again: another process
//! (or another awscred) may have refreshed it in the meantime, and then no call is made.

use std::path::PathBuf;
use std::time::SystemTime;

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

    fn login_needed(&self, reason: String) -> Error {
        Error::login_needed(reason, self.login.clone())
    }
}

/// A token ready for use.
pub(crate) struct LoadedToken {
    pub(crate) token: CachedToken,
    /// When a refresh was attempted, if one was.
    pub(crate) refresh_attempted_at: Option<SystemTime>,
}

enum State {
    Start,
    Reading,
    Locking {
        token: CachedToken,
    },
    Rereading {
        token: CachedToken,
        locked: bool,
    },
    Refreshing {
        token: CachedToken,
        decision: RefreshDecision,
        locked: bool,
        op: Box<CreateToken>,
    },
    Writing {
        token: CachedToken,
        locked: bool,
    },
    Unlocking(Result<CachedToken, Error>),
    Done,
}

/// The token state machine.
pub(crate) struct TokenLoader {
    spec: TokenSpec,
    last_attempt: Option<SystemTime>,
    attempted_at: Option<SystemTime>,
    state: State,
}

impl TokenLoader {
    pub(crate) fn new(spec: TokenSpec, last_attempt: Option<SystemTime>) -> Self {
        TokenLoader {
            spec,
            last_attempt,
            attempted_at: None,
            state: State::Start,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self.state {
            State::Start | State::Reading => "reading the SSO token",
            State::Locking { .. } => "locking the SSO token",
            State::Rereading { .. } => "reading the SSO token again under the lock",
            State::Refreshing { .. } => "refreshing the SSO token",
            State::Writing { .. } => "writing the refreshed SSO token",
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
            (State::Locking { token }, Some(Input::Locked(result))) => {
                // A lock that cannot be taken only risks a second refresh, which the service
                // handles; the AWS CLI never locks at all.
                let locked = result.is_ok();
                self.state = State::Rereading { token, locked };
                return Poll::Act(Action::Read(self.spec.token_path.clone()));
            }
            (State::Rereading { token, locked }, Some(Input::File(file))) => {
                self.on_reread(token, locked, file, now)
            }
            (
                State::Refreshing {
                    token,
                    decision,
                    locked,
                    op,
                },
                Some(Input::Response(response)),
            ) => self.on_refreshed(token, decision, locked, &op, response, now),
            (State::Writing { token, locked }, Some(Input::Written(_))) => {
                // A token that cannot be written is still good for this call.
                self.finish(Ok(token), locked)
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
            RefreshDecision::RefreshAdvisory | RefreshDecision::RefreshMandatory => Step::Act(
                State::Locking { token },
                Action::Lock(self.spec.lock_path()),
            ),
        }
    }

    /// Under the lock: take the file's current token (it may have been refreshed meanwhile) and
    /// decide again.
    fn on_reread(
        &mut self,
        old: CachedToken,
        locked: bool,
        file: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step {
        let current = match file {
            Ok(Some(bytes)) => CachedToken::parse(&bytes).unwrap_or(old),
            _ => old,
        };
        let decision = refresh_decision(&current, self.spec.origin(), now, self.last_attempt);
        match decision {
            RefreshDecision::UseAsIs => self.finish(Ok(current), locked),
            RefreshDecision::Expired => {
                let e = self.expired();
                self.finish(Err(e), locked)
            }
            RefreshDecision::RefreshAdvisory | RefreshDecision::RefreshMandatory => {
                self.attempted_at = Some(now);
                match self.refresh_request(&current, now) {
                    Ok((op, request)) => Step::Act(
                        State::Refreshing {
                            token: current,
                            decision,
                            locked,
                            op: Box::new(op),
                        },
                        Action::Send(request),
                    ),
                    Err(e) => {
                        let outcome = self.refresh_failed(current, decision, e, now);
                        self.finish(outcome, locked)
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
        old: CachedToken,
        decision: RefreshDecision,
        locked: bool,
        op: &CreateToken,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Step {
        let grant = response
            .and_then(|r| op.parse(&r))
            .and_then(|t| grant_of(&t));
        match grant {
            Ok(grant) => {
                let token = old.refreshed(&grant, now);
                let contents = token.to_json();
                Step::Act(
                    State::Writing { token, locked },
                    Action::Write {
                        path: self.spec.token_path.clone(),
                        contents,
                    },
                )
            }
            Err(e) => {
                let outcome = self.refresh_failed(old, decision, e, now);
                self.finish(outcome, locked)
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
            "expires in less than 10 minutes"
        } else {
            "has expired"
        };
        Err(self.spec.login_needed(format!(
            "the SSO token for {} {state} and could not be refreshed ({error})",
            self.spec.label()
        )))
    }

    /// Releases the lock (when held) before handing out `outcome`.
    fn finish(&mut self, outcome: Result<CachedToken, Error>, locked: bool) -> Step {
        if locked {
            Step::Act(
                State::Unlocking(outcome),
                Action::Unlock(self.spec.lock_path()),
            )
        } else {
            Step::Ready(outcome)
        }
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
