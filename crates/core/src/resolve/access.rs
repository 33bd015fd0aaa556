//! The SSO token of a profile or sso-session, loaded and refreshed when due, for calls that need
//! the token itself (listing accounts and roles).

use std::fmt;
use std::time::SystemTime;

use super::sso_token::{TokenLoader, TokenSpec};
use super::{Action, ConfigProgress, ConfigRead, Poll, sso_endpoint, unexpected};
use crate::config::{self, ConfigPaths, ConfigSet, Env, LoginTarget, Platform};
use crate::flow::{Flow, Input, Step};
use crate::{Endpoint, Error, Service};

/// Whose token to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenTarget {
    /// The SSO settings of a profile; `None` selects it from the environment (`AWS_PROFILE`,
    /// `AWS_DEFAULT_PROFILE`, `default`).
    Profile(Option<String>),
    /// An `[sso-session NAME]`.
    SsoSession(String),
}

/// A usable SSO access token and where to use it. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct SsoAccess {
    /// The bearer token for the SSO portal. Secret.
    pub access_token: String,
    /// When the token stops working.
    pub expires_at: SystemTime,
    /// The SSO portal endpoint of `sso_region`, overrides applied.
    pub portal: Endpoint,
    /// `sso_start_url` as configured.
    pub start_url: String,
    /// The sso-session name; `None` for a legacy profile.
    pub session_name: Option<String>,
    /// `sso_region`.
    pub sso_region: String,
    /// The last refresh attempt, when this load made one.
    pub refresh_attempted_at: Option<SystemTime>,
    /// What went wrong with the token's files without failing the load (a refreshed token
    /// that could not be saved, an unusable lock file).
    pub file_warnings: Vec<super::FileWarning>,
}

impl fmt::Debug for SsoAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoAccess")
            .field("access_token", &"** redacted **")
            .field("expires_at", &crate::time::format_z(self.expires_at))
            .field("portal", &self.portal)
            .field("start_url", &self.start_url)
            .field("session_name", &self.session_name)
            .field("sso_region", &self.sso_region)
            .field(
                "refresh_attempted_at",
                &self.refresh_attempted_at.map(crate::time::format_z),
            )
            .field("file_warnings", &self.file_warnings)
            .finish()
    }
}

/// Where the token flow is.
struct Loading {
    loader: Box<TokenLoader>,
    portal: Endpoint,
    start_url: String,
    session_name: Option<String>,
    sso_region: String,
}

enum Phase {
    Start,
    Config(ConfigRead),
    Token(Loading),
    Pending(Action, Box<Phase>),
    Finished(Option<Result<SsoAccess, Error>>),
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Start => "starting",
            Phase::Config(read) => read.name(),
            Phase::Token(l) => l.loader.name(),
            Phase::Pending(_, next) => next.name(),
            Phase::Finished(_) => "finished",
        }
    }
}

/// Loads the SSO token of a [`TokenTarget`]. Drive it with [`Flow::next_step`] /
/// [`Flow::handle`]. `Debug` shows only the target and where the flow is.
pub struct SsoAccessFlow {
    env: Env,
    target: TokenTarget,
    platform: Platform,
    last_refresh_attempt: Option<SystemTime>,
    phase: Phase,
}

impl SsoAccessFlow {
    /// A flow for `target`, reading the files `env` points at on `platform`.
    pub fn new(env: Env, target: TokenTarget, platform: Platform) -> Self {
        SsoAccessFlow {
            env,
            target,
            platform,
            last_refresh_attempt: None,
            phase: Phase::Start,
        }
    }

    /// The last refresh attempt the caller knows of (at most one attempt per 60 s).
    pub fn last_refresh_attempt(mut self, at: Option<SystemTime>) -> Self {
        self.last_refresh_attempt = at;
        self
    }

    fn finish(&mut self, result: Result<SsoAccess, Error>) {
        self.phase = Phase::Finished(Some(result));
    }

    fn start_loading(&mut self, paths: ConfigPaths, set: ConfigSet, now: SystemTime) {
        match self.loading(&paths, set) {
            Ok(loading) => self.advance(loading, None, now),
            Err(e) => self.finish(Err(e)),
        }
    }

    fn loading(&self, paths: &ConfigPaths, set: ConfigSet) -> Result<Loading, Error> {
        // Endpoint overrides come from the selected (or named) profile.
        let (profile, login) = match &self.target {
            TokenTarget::Profile(p) => {
                let profile = config::select_profile(&self.env, p.as_deref());
                let login = config::sso_login_config(&set, LoginTarget::Profile(&profile))?;
                (profile, login)
            }
            TokenTarget::SsoSession(s) => {
                let profile = config::select_profile(&self.env, None);
                let login = config::sso_login_config(&set, LoginTarget::SsoSession(s))?;
                (profile, login)
            }
        };
        let command = match &login.session_name {
            Some(s) => format!("awscred login --sso-session {s}"),
            None => format!("awscred login --profile {profile}"),
        };
        let portal = sso_endpoint(&self.env, &set, &profile, Service::Sso, &login.region)?;
        let oidc = sso_endpoint(&self.env, &set, &profile, Service::SsoOidc, &login.region);
        let spec = TokenSpec::new(
            login.session_name.clone(),
            login.start_url.clone(),
            command,
            &paths.sso_cache,
            oidc,
        );
        Ok(Loading {
            loader: Box::new(TokenLoader::new(spec, self.last_refresh_attempt)),
            portal,
            start_url: login.start_url,
            session_name: login.session_name,
            sso_region: login.region,
        })
    }

    fn advance(&mut self, mut loading: Loading, input: Option<Input>, now: SystemTime) {
        match loading.loader.resume(input, now) {
            Poll::Act(action) => {
                self.phase = Phase::Pending(action, Box::new(Phase::Token(loading)));
            }
            Poll::Ready(Err(e)) => self.finish(Err(e)),
            Poll::Ready(Ok(loaded)) => self.finish(Ok(SsoAccess {
                access_token: loaded.token.access_token,
                expires_at: loaded.token.expires_at,
                portal: loading.portal,
                start_url: loading.start_url,
                session_name: loading.session_name,
                sso_region: loading.sso_region,
                refresh_attempted_at: loaded.refresh_attempted_at,
                file_warnings: loaded.warnings,
            })),
        }
    }
}

impl Flow for SsoAccessFlow {
    type Output = SsoAccess;

    fn next_step(&mut self, _now: SystemTime) -> Step<SsoAccess> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
                Phase::Start => match ConfigRead::start(&self.env, self.platform) {
                    Ok((action, read)) => {
                        self.phase = Phase::Pending(action, Box::new(Phase::Config(read)))
                    }
                    Err(e) => self.finish(Err(e)),
                },
                Phase::Pending(action, next) => {
                    self.phase = *next;
                    return action.into_step();
                }
                Phase::Finished(Some(result)) => return Step::Done(result),
                Phase::Finished(None) => {
                    return Step::Done(Err(Error::InvalidInput(
                        "the SSO token flow has already finished".into(),
                    )));
                }
                other => {
                    let name = other.name();
                    self.phase = other;
                    return Step::Done(Err(Error::InvalidInput(format!(
                        "next_step called again while {name}, before the last step was answered"
                    ))));
                }
            }
        }
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
            Phase::Config(read) => match read.on_input(input) {
                Ok(ConfigProgress::Read(action, read)) => {
                    self.phase = Phase::Pending(action, Box::new(Phase::Config(read)))
                }
                Ok(ConfigProgress::Loaded(paths, set)) => self.start_loading(paths, set, now),
                Err(e) => self.finish(Err(e)),
            },
            Phase::Token(loading) => self.advance(loading, Some(input), now),
            Phase::Finished(result) => self.phase = Phase::Finished(result),
            phase @ (Phase::Start | Phase::Pending(..)) => {
                let name = phase.name();
                self.finish(Err(unexpected(&input, name)));
            }
        }
    }
}

impl fmt::Debug for SsoAccessFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoAccessFlow")
            .field("target", &self.target)
            .field("state", &self.phase.name())
            .finish()
    }
}
