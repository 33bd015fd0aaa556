//! The SSO token of a profile or sso-session, loaded and refreshed when due, for calls that need
//! the token itself (listing accounts and roles).

use std::fmt;
use std::time::SystemTime;

use super::shell::{self, Begun, Body, Shell};
use super::sso_token::{TokenLoader, TokenSpec};
use super::{Poll, sso_endpoint};
use crate::config::{self, ConfigPaths, ConfigSet, Env, LoginTarget, Platform};
use crate::flow::{Flow, Input, Step};
use crate::retry::RetrySettings;
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
    /// The retry settings of the profile (`max_attempts`, `retry_mode`, `AWS_MAX_ATTEMPTS`,
    /// `AWS_RETRY_MODE`): the calls made with this token (ListAccounts, ListAccountRoles) are
    /// sent with `retry.policy(<the transport's policy>)`, as the token's own refresh was.
    pub retry: RetrySettings,
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
            .field("retry", &self.retry)
            .finish()
    }
}

/// The token being loaded, and where to use it.
pub(crate) struct Loading {
    loader: Box<TokenLoader>,
    portal: Endpoint,
    start_url: String,
    session_name: Option<String>,
    sso_region: String,
    retry: RetrySettings,
}

/// What [`SsoAccessFlow`] was asked for.
pub(crate) struct Setup {
    env: Env,
    target: TokenTarget,
    platform: Platform,
    last_refresh_attempt: Option<SystemTime>,
}

/// Loads the SSO token of a [`TokenTarget`]. Drive it with [`Flow::next_step`] /
/// [`Flow::handle`]. `Debug` shows only the target and where the flow is.
///
/// Effects it can emit: [`Effect::Read`] (config, credentials, the SSO token),
/// [`Effect::Lock`] / [`Effect::Unlock`] and [`Effect::Send`] (CreateToken) and
/// [`Effect::Write`] (the refreshed token) when the token is due for a refresh. Nothing else.
///
/// [`Effect::Read`]: crate::flow::Effect::Read
/// [`Effect::Send`]: crate::flow::Effect::Send
/// [`Effect::Write`]: crate::flow::Effect::Write
/// [`Effect::Lock`]: crate::flow::Effect::Lock
/// [`Effect::Unlock`]: crate::flow::Effect::Unlock
pub struct SsoAccessFlow {
    shell: Shell<Setup>,
}

impl SsoAccessFlow {
    /// A flow for `target`, reading the files `env` points at on `platform`.
    pub fn new(env: Env, target: TokenTarget, platform: Platform) -> Self {
        let setup = Setup {
            env,
            target,
            platform,
            last_refresh_attempt: None,
        };
        SsoAccessFlow {
            shell: Shell::new("SSO token", setup),
        }
    }

    /// The last refresh attempt the caller knows of (at most one attempt per 60 s).
    pub fn last_refresh_attempt(mut self, at: Option<SystemTime>) -> Self {
        self.shell.setup.last_refresh_attempt = at;
        self
    }
}

impl shell::Setup for Setup {
    type Body = Loading;

    fn env(&self) -> &Env {
        &self.env
    }

    fn platform(&self) -> Platform {
        self.platform
    }

    fn begin(
        &self,
        paths: ConfigPaths,
        set: ConfigSet,
        _now: SystemTime,
    ) -> Result<Begun<Loading>, Error> {
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
            Some(s) => crate::LoginHint::sso_session(s),
            None => crate::LoginHint::profile(&profile),
        };
        let retry = RetrySettings::from_config(&self.env, set.profile(&profile))?;
        let portal = sso_endpoint(&self.env, &set, &profile, Service::Sso, &login.region)?;
        let oidc = sso_endpoint(&self.env, &set, &profile, Service::SsoOidc, &login.region);
        let spec = TokenSpec::new(
            login.session_name.clone(),
            login.start_url.clone(),
            command,
            &paths.sso_cache,
            oidc,
        );
        Ok(Begun::Run(Loading {
            loader: Box::new(TokenLoader::new(spec, self.last_refresh_attempt)),
            portal,
            start_url: login.start_url,
            session_name: login.session_name,
            sso_region: login.region,
            retry,
        }))
    }
}

impl Body for Loading {
    type Output = SsoAccess;

    fn name(&self) -> &'static str {
        self.loader.name()
    }

    fn resume(&mut self, input: Option<Input>, now: SystemTime) -> Poll<SsoAccess> {
        match self.loader.resume(input, now) {
            Poll::Act(action) => Poll::Act(action),
            Poll::Ready(result) => Poll::Ready(result.map(|loaded| SsoAccess {
                access_token: loaded.token.access_token.into_inner(),
                expires_at: loaded.token.expires_at,
                portal: self.portal.clone(),
                start_url: self.start_url.clone(),
                session_name: self.session_name.clone(),
                sso_region: self.sso_region.clone(),
                refresh_attempted_at: loaded.refresh_attempted_at,
                file_warnings: loaded.warnings,
                retry: self.retry,
            })),
        }
    }

    fn retry_settings(&self) -> RetrySettings {
        self.retry
    }
}

impl Flow for SsoAccessFlow {
    type Output = SsoAccess;

    fn next_step(&mut self, now: SystemTime) -> Step<SsoAccess> {
        self.shell.next_step(now)
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        self.shell.handle(input, now)
    }

    fn retry_settings(&self) -> RetrySettings {
        self.shell.retry_settings()
    }
}

impl fmt::Debug for SsoAccessFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoAccessFlow")
            .field("target", &self.shell.setup.target)
            .field("state", &self.shell.state())
            .finish()
    }
}
