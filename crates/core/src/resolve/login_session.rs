//! The console login source (`login_session`, written by `aws login`): the session's cache file
//! in `~/.aws/login/cache`, refreshed through AWS Sign-In with a DPoP proof when less than five
//! minutes remain (botocore `LoginCredentialFetcher`, aws-config `login`; see
//! `docs/login-session.md`).
//!
//! The file is loaded by the SSO token's [`TokenLoader`]: the refresh rotates the refresh token,
//! so it runs under the same cross-process lock, after re-reading the file, with orphans of a
//! killed writer adopted and the rotated token written before the lock is released.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::source::{Next, SourceOutput};
use super::sso_token::{StepNames, TokenKind, TokenLoader, keeps_old_token};
use super::{Ctx, Poll, out_of_step};
use crate::config::LoginSessionSource;
use crate::flow::Input;
use crate::signin::{self, CreateOAuth2Token, DpopKey, LoginGrant, LoginToken};
use crate::token::RefreshDecision;
use crate::{Endpoint, Error, LoginHint, Operation, Service};

/// aws-config's `MIN_TIME_BETWEEN_REFRESH`: after an attempt, credentials that are still valid
/// are used as they are for this long rather than asking again.
const MIN_TIME_BETWEEN_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// One login session's cache file and how to refresh it.
pub(crate) struct LoginSpec {
    source: LoginSessionSource,
    token_path: PathBuf,
    /// The Sign-In endpoint, needed only for a refresh.
    endpoint: Result<Endpoint, Error>,
    /// The proof's `jti`, from the driver's random bytes.
    jti: Option<String>,
}

impl LoginSpec {
    /// The spec of `source` with the cache in `cache_dir`.
    pub(crate) fn new(
        source: LoginSessionSource,
        cache_dir: &Path,
        endpoint: Result<Endpoint, Error>,
        random: Option<[u8; 16]>,
    ) -> Self {
        LoginSpec {
            token_path: cache_dir.join(signin::cache_file_name(&source.login_session)),
            source,
            endpoint,
            jti: random.as_ref().map(signin::jti_from_random),
        }
    }

    fn login_needed(&self, reason: String) -> Error {
        Error::login_needed(reason, LoginHint::console_login(&self.source.profile))
    }
}

impl TokenKind for LoginSpec {
    type Token = LoginToken;
    type Refresh = CreateOAuth2Token;
    const NAMES: StepNames = StepNames {
        reading: "reading the login session's cache file",
        locking: "locking the login session's cache file",
        probing_lock: "reading the login session's lock file",
        rereading: "reading the login session's cache file again under the lock",
        listing_orphans: "listing the login session's orphaned temporary files",
        reading_orphan: "reading an orphaned temporary file of the login session",
        adopting: "saving the login session found in an orphaned temporary file",
        removing_orphans: "removing the login session's orphaned temporary files",
        refreshing: "refreshing the login session's credentials",
        writing: "writing the refreshed login session",
        unlocking: "unlocking the login session's cache file",
        done: "done with the login session",
    };
    const NOUN: &'static str = "console login session";

    fn token_path(&self) -> &Path {
        &self.token_path
    }

    fn label(&self) -> String {
        format!(
            "login_session {} (profile \"{}\")",
            self.source.login_session, self.source.profile
        )
    }

    fn login_command(&self) -> String {
        LoginHint::console_login(&self.source.profile).command()
    }

    fn parse(&self, bytes: &[u8]) -> Result<LoginToken, Error> {
        LoginToken::parse(bytes)
    }

    fn expires_at(token: &LoginToken) -> SystemTime {
        token.expires_at()
    }

    fn same_session(orphan: &LoginToken, current: &LoginToken) -> bool {
        orphan.client_id == current.client_id
            && orphan.credentials.account_id() == current.credentials.account_id()
    }

    /// Refresh when five minutes or less remain; right after an attempt, valid credentials
    /// are used as they are (aws-config). There is no "expired, log in" short cut: the refresh
    /// token outlives the credentials, so an expired file is refreshed like a due one.
    fn decide(
        &self,
        token: &LoginToken,
        now: SystemTime,
        last_attempt: Option<SystemTime>,
    ) -> RefreshDecision {
        let expires_at = token.expires_at();
        let remaining = expires_at.duration_since(now).ok();
        if remaining.is_some_and(|r| r > signin::REFRESH_WINDOW) {
            return RefreshDecision::UseAsIs;
        }
        let recent = last_attempt
            .and_then(|at| now.duration_since(at).ok())
            .is_some_and(|d| d < MIN_TIME_BETWEEN_REFRESH);
        match (recent, expires_at > now) {
            (true, true) => RefreshDecision::UseAsIs,
            (true, false) => RefreshDecision::Expired,
            (false, true) => RefreshDecision::RefreshAdvisory,
            (false, false) => RefreshDecision::RefreshMandatory,
        }
    }

    fn refresh_request(
        &self,
        token: &LoginToken,
        now: SystemTime,
    ) -> Result<(CreateOAuth2Token, http::Request<Vec<u8>>), Error> {
        let endpoint = self.endpoint.clone()?;
        let key = DpopKey::from_pem(&token.dpop_key).map_err(|e| self.unusable(&e))?;
        let jti = self.jti.clone().ok_or_else(|| {
            Error::InvalidInput(
                "refreshing a console login session needs random bytes for its DPoP proof \
                 (ResolveRequest::random), and the driver passed none"
                    .into(),
            )
        })?;
        let op = CreateOAuth2Token {
            endpoint,
            client_id: token.client_id.clone(),
            grant: LoginGrant::RefreshToken {
                refresh_token: token.refresh_token.clone(),
            },
            key,
            jti,
        };
        let request = op.request(now)?;
        Ok((op, request))
    }

    fn refreshed(
        &self,
        token: &LoginToken,
        op: &CreateOAuth2Token,
        response: Result<http::Response<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Result<LoginToken, Error> {
        let output = response.and_then(|r| op.parse(&r))?;
        Ok(token.refreshed(&output, now))
    }

    fn to_json(token: &LoginToken) -> Vec<u8> {
        token.to_json()
    }

    fn missing(&self) -> Error {
        self.login_needed(format!(
            "no cached console login found for {} ({})",
            self.label(),
            self.token_path.display()
        ))
    }

    fn unusable(&self, e: &Error) -> Error {
        let why = match e {
            Error::InvalidInput(m) => m.clone(),
            other => other.to_string(),
        };
        self.login_needed(format!(
            "the cached console login for {} ({}) cannot be used: {why}",
            self.label(),
            self.token_path.display()
        ))
    }

    fn expired(&self) -> Error {
        self.login_needed(format!(
            "the credentials of {} have expired and the last refresh failed less than 30 s ago",
            self.label()
        ))
    }

    /// The service's "log in again" codes end the session whatever time is left; any other
    /// failure keeps credentials that are still valid, and otherwise is the error itself
    /// (a network failure is not a reason to log in again).
    fn refresh_failed(
        &self,
        old: LoginToken,
        decision: RefreshDecision,
        error: Error,
        now: SystemTime,
    ) -> Result<LoginToken, Error> {
        if let Some(reason) = error.code().and_then(signin::login_again_reason) {
            return Err(self.login_needed(format!("{reason}, for {}", self.label())));
        }
        if keeps_old_token(decision, old.expires_at(), now) {
            return Ok(old);
        }
        match error {
            Error::Transport { .. } | Error::Throttled(_) | Error::InvalidInput(_) => Err(error),
            Error::Service(ref e) if e.status >= 500 => Err(error),
            other => Err(self.login_needed(format!(
                "the credentials of {} have expired and could not be refreshed ({other})",
                self.label()
            ))),
        }
    }
}

/// Gets the credentials of a `login_session` profile.
pub(crate) struct LoginSessionRunner {
    source: LoginSessionSource,
    loader: Option<Box<TokenLoader<LoginSpec>>>,
    warnings: Vec<super::FileWarning>,
}

impl LoginSessionRunner {
    pub(crate) fn new(source: LoginSessionSource) -> Self {
        LoginSessionRunner {
            source,
            loader: None,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match &self.loader {
            Some(l) => l.name(),
            None => "starting on the console login session",
        }
    }

    /// What went wrong with the cache file, for the resolution's result.
    pub(crate) fn take_warnings(&mut self) -> Vec<super::FileWarning> {
        std::mem::take(&mut self.warnings)
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        let loader = match (&mut self.loader, input) {
            (None, None) => {
                let dir = signin::cache_dir(&ctx.env, &ctx.paths.home, ctx.platform);
                let endpoint = ctx.signin_endpoint();
                let spec = LoginSpec::new(self.source.clone(), &dir, endpoint, ctx.random);
                self.loader
                    .insert(Box::new(TokenLoader::new(spec, ctx.last_refresh_attempt)))
                    .resume(None, now)
            }
            (Some(loader), Some(input)) => loader.resume(Some(input), now),
            (_, input) => return Poll::Ready(Err(out_of_step(input, self.name()))),
        };
        match loader {
            Poll::Act(action) => Poll::Act(action),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(loaded)) => {
                self.warnings.extend(loaded.warnings);
                Poll::Ready(Ok(SourceOutput {
                    credentials: loaded.token.credentials,
                    from_cli_cache: false,
                    refresh_attempted_at: loaded.refresh_attempted_at,
                }))
            }
        }
    }
}

impl Ctx {
    /// The Sign-In endpoint of the plan's region (`AWS_ENDPOINT_URL_SIGNIN` and the rest of the
    /// endpoint settings applied), as botocore creates its `signin` client with the session's
    /// region.
    pub(crate) fn signin_endpoint(&self) -> Result<Endpoint, Error> {
        let profile = &self.plan.profile;
        let cfg =
            crate::config::endpoint_config(&self.env, &self.set, profile, Service::Signin, None)?;
        if cfg.region.is_none() && cfg.url.is_none() {
            return Err(Error::Config(format!(
                "the profile \"{profile}\" needs AWS Sign-In to refresh its console login, but no region is \
                 set: set `region` in the profile or the AWS_REGION environment variable"
            )));
        }
        crate::endpoint::resolve(Service::Signin, &cfg)
    }
}
