//! `aws sso logout` as a sans-IO flow (docs/sso-oidc-and-login.md §8).
//!
//! Every cached SSO token is invalidated at the portal of its region (best effort) and deleted;
//! client registrations, which carry no access token, stay. Then every AWS CLI credential cache
//! entry of an SSO role is deleted; other entries (assumed roles) stay.
//!
//! Step order: `List` token dir → per file { `Read` → (`Send` Logout) → `Remove` } → `List` CLI
//! cache dir → per file { `Read` → (`Remove`) } → `Done`.

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use serde_json::Value;

use crate::cli_cache::is_sso_entry;
use crate::config::{self, ConfigPaths, ConfigSet, Env, Platform};
use crate::endpoint::{EndpointConfig, Service, resolve};
use crate::flow::{Awaiting, Effect, Flow, Input, Step, unusable};
use crate::resolve::{Configured, FromConfig};
use crate::retry::RetrySettings;
use crate::sso::Logout;
use crate::{Error, Operation};

/// Where logout looks, and how to reach the portal of each token's region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// The token directory, `~/.aws/sso/cache`.
    pub token_dir: PathBuf,
    /// The AWS CLI credential cache, `~/.aws/cli/cache`.
    pub cli_cache_dir: PathBuf,
    /// The SSO portal endpoint settings (FIPS, dual-stack, a configured URL). Its `region` is
    /// ignored: each token's own `region` is used, as the AWS CLI does.
    pub sso_endpoint: EndpointConfig,
}

impl LogoutRequest {
    /// The logout `awscred logout` (like `aws sso logout`) performs: the SSO cache and the AWS
    /// CLI's cache of the environment's home, portal endpoint settings from the selected profile.
    pub fn from_config(
        env: &Env,
        set: &ConfigSet,
        paths: &ConfigPaths,
    ) -> Result<LogoutRequest, Error> {
        let profile = config::select_profile(env, None);
        Ok(LogoutRequest {
            token_dir: paths.sso_cache.clone(),
            cli_cache_dir: paths.cli_cache.clone(),
            sso_endpoint: config::endpoint_config(env, set, &profile, Service::Sso, None)?,
        })
    }
}

/// The files of one `[sso-session]`: its token and the AWS CLI cache entries of the SSO roles
/// of every profile that uses it (what `awscred logout --sso-session NAME` removes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFiles {
    /// `~/.aws/sso/cache/<sha1 of the session name>.json`.
    pub token: PathBuf,
    /// `~/.aws/cli/cache/<sso key>.json` of each `(sso_account_id, sso_role_name)` configured
    /// with `sso_session = NAME`.
    pub cli_cache_entries: Vec<PathBuf>,
}

impl SessionFiles {
    /// The files of `[sso-session session]`; an error when the config has no such session.
    pub fn of(set: &ConfigSet, paths: &ConfigPaths, session: &str) -> Result<SessionFiles, Error> {
        if set.sso_session(session).is_none() {
            let known: Vec<&str> = set.sso_sessions().map(|s| s.name()).collect();
            let known = if known.is_empty() {
                "the config has none".to_string()
            } else {
                format!("the config has {}", known.join(", "))
            };
            return Err(Error::Config(format!(
                "there is no [sso-session {session}] to log out of ({known})"
            )));
        }
        let mut cli_cache_entries: Vec<PathBuf> = set
            .profiles()
            .filter(|p| p.value("sso_session") == Some(session))
            .filter_map(|p| Some((p.value("sso_account_id")?, p.value("sso_role_name")?)))
            .map(|(account, role)| {
                let key = crate::cli_cache::sso_cache_key(
                    account,
                    role,
                    crate::cli_cache::SsoKeyPart::SessionName(session),
                );
                paths
                    .cli_cache
                    .join(crate::cli_cache::cache_file_name(&key))
            })
            .collect();
        cli_cache_entries.sort();
        cli_cache_entries.dedup();
        Ok(SessionFiles {
            token: paths.sso_cache.join(crate::token::token_file_name(session)),
            cli_cache_entries,
        })
    }
}

/// What a logout did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogoutOutcome {
    /// How many cached SSO tokens were deleted.
    pub sessions_logged_out: usize,
    /// Every file deleted (tokens first, then CLI cache entries), in order.
    pub files_removed: Vec<PathBuf>,
}

/// The `aws sso logout` state machine. `Debug` never shows the tokens it handles.
///
/// Built from a [`LogoutRequest`] ([`LogoutFlow::new`]), or from the configuration files it
/// reads first ([`LogoutFlow::from_env`]). Effects it can emit: [`Effect::Read`] (config,
/// credentials, cache files), [`Effect::List`] (the two cache directories), [`Effect::Send`]
/// (Logout) and [`Effect::Remove`]. Nothing else.
pub struct LogoutFlow {
    inner: Configured<LogoutSetup>,
}

/// What [`LogoutFlow::from_env`] needs besides the configuration.
struct LogoutSetup {
    env: Env,
    platform: Platform,
}

impl FromConfig for LogoutSetup {
    type Flow = LogoutRun;
    const NAME: &'static str = "logout";

    fn env(&self) -> &Env {
        &self.env
    }

    fn platform(&self) -> Platform {
        self.platform
    }

    fn build(self, paths: &ConfigPaths, set: &ConfigSet) -> Result<LogoutRun, Error> {
        let mut run = LogoutRun::new(LogoutRequest::from_config(&self.env, set, paths)?);
        run.retry = RetrySettings::for_profile(&self.env, set, None)?;
        Ok(run)
    }
}

impl LogoutFlow {
    /// A logout of every SSO session cached under `request.token_dir`.
    pub fn new(request: LogoutRequest) -> Self {
        LogoutFlow {
            inner: Configured::Running(LogoutRun::new(request)),
        }
    }

    /// A logout of one session only: its token (if cached) is invalidated and deleted, and
    /// the cache entries listed with it; nothing else is looked at.
    pub fn for_session(request: LogoutRequest, files: SessionFiles) -> Self {
        let mut run = LogoutRun::new(request);
        run.only = Some(files);
        LogoutFlow {
            inner: Configured::Running(run),
        }
    }

    /// Sends the logout requests with these retry settings ([`Flow::retry_settings`]) instead
    /// of the driver's own. [`LogoutFlow::from_env`] takes them from the configuration it
    /// reads (the selected profile's, [`RetrySettings::for_profile`]).
    pub fn with_retry_settings(mut self, settings: RetrySettings) -> Self {
        if let Some(run) = self.inner.running_mut() {
            run.retry = settings;
        }
        self
    }

    /// A logout that first reads the config and credentials files `env` points at (on
    /// `platform`), then builds its request as [`LogoutRequest::from_config`] does.
    pub fn from_env(env: Env, platform: Platform) -> Self {
        LogoutFlow {
            inner: Configured::Start(LogoutSetup { env, platform }),
        }
    }
}

impl Flow for LogoutFlow {
    type Output = LogoutOutcome;

    fn next_step(&mut self, now: SystemTime) -> Step<LogoutOutcome> {
        self.inner.next_step(now)
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        self.inner.handle(input, now)
    }

    fn retry_settings(&self) -> RetrySettings {
        self.inner.retry_settings()
    }
}

impl fmt::Debug for LogoutFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.running() {
            Some(run) => run.fmt(f),
            None => f
                .debug_struct("LogoutFlow")
                .field("state", &self.inner.reading().unwrap_or("finished"))
                .finish(),
        }
    }
}

/// The logout proper, once its request is known.
struct LogoutRun {
    request: LogoutRequest,
    /// The selected profile's retry settings, for every Logout request.
    retry: RetrySettings,
    queue: VecDeque<PathBuf>,
    /// Set for a logout of one session: the files to look at instead of listing directories.
    only: Option<SessionFiles>,
    outcome: LogoutOutcome,
    state: State,
    awaiting: Awaiting,
}

enum State {
    ListTokens,
    ReadToken(PathBuf),
    Logout { op: Logout, path: PathBuf },
    RemoveToken(PathBuf),
    ListCliCache,
    ReadCliEntry(PathBuf),
    RemoveCliEntry(PathBuf),
    Finished(Result<LogoutOutcome, Error>),
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::ListTokens => "listing the SSO token cache",
            State::ReadToken(_) => "reading an SSO cache file",
            State::Logout { .. } => "calling Logout",
            State::RemoveToken(_) => "deleting an SSO token",
            State::ListCliCache => "listing the AWS CLI credential cache",
            State::ReadCliEntry(_) => "reading an AWS CLI cache entry",
            State::RemoveCliEntry(_) => "deleting an AWS CLI cache entry",
            State::Finished(_) => "finished",
        }
    }
}

impl LogoutRun {
    fn new(request: LogoutRequest) -> Self {
        LogoutRun {
            request,
            retry: RetrySettings::default(),
            queue: VecDeque::new(),
            only: None,
            outcome: LogoutOutcome::default(),
            state: State::ListTokens,
            awaiting: Awaiting::default(),
        }
    }

    /// The next token-cache file to look at, or on to the CLI cache.
    fn next_token(&mut self) -> State {
        match self.queue.pop_front() {
            Some(path) => State::ReadToken(path),
            None => match &self.only {
                Some(files) => {
                    self.queue = files.cli_cache_entries.clone().into();
                    self.next_cli_entry()
                }
                None => State::ListCliCache,
            },
        }
    }

    fn next_cli_entry(&mut self) -> State {
        match self.queue.pop_front() {
            Some(path) => State::ReadCliEntry(path),
            None => State::Finished(Ok(self.outcome.clone())),
        }
    }

    /// What to do with one token-cache file: files without `accessToken` (registrations,
    /// unreadable files) are kept; tokens are deleted, after a Logout call when the token
    /// names its region.
    fn on_token_file(&mut self, path: PathBuf, bytes: &[u8]) -> State {
        let Ok(Value::Object(contents)) = serde_json::from_slice::<Value>(bytes) else {
            return self.next_token();
        };
        let Some(access_token) = contents.get("accessToken") else {
            return self.next_token();
        };
        let region = contents
            .get("region")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty());
        let (Some(region), Some(access_token)) = (region, access_token.as_str()) else {
            // Nothing to invalidate remotely: let the token expire on its own.
            return State::RemoveToken(path);
        };
        let config = EndpointConfig {
            region: Some(region.to_string()),
            ..self.request.sso_endpoint.clone()
        };
        match resolve(Service::Sso, &config) {
            Ok(endpoint) => State::Logout {
                op: Logout {
                    endpoint,
                    access_token: access_token.into(),
                },
                path,
            },
            // A region that is no region cannot be called; the token is deleted all the same.
            Err(_) => State::RemoveToken(path),
        }
    }

    fn on_input(&mut self, state: State, input: Input) -> State {
        match (state, input) {
            (State::ListTokens, Input::Listed(Ok(files))) => {
                self.queue = files.into();
                self.next_token()
            }
            (State::ReadToken(path), Input::File(file)) => match file {
                Ok(Some(bytes)) => self.on_token_file(path, &bytes),
                // Vanished or unreadable: the AWS CLI skips such files too.
                Ok(None) | Err(_) => self.next_token(),
            },
            // Logout failures are ignored: the token may have expired or been revoked already.
            (State::Logout { path, .. }, Input::Response(_)) => State::RemoveToken(path),
            (State::RemoveToken(path), Input::Written(Ok(()))) => {
                self.outcome.sessions_logged_out += 1;
                self.outcome.files_removed.push(path);
                self.next_token()
            }
            (State::ListCliCache, Input::Listed(Ok(files))) => {
                self.queue = files.into();
                self.next_cli_entry()
            }
            (State::ReadCliEntry(path), Input::File(file)) => match file {
                Ok(Some(bytes)) if is_sso_entry(&bytes) => State::RemoveCliEntry(path),
                _ => self.next_cli_entry(),
            },
            (State::RemoveCliEntry(path), Input::Written(Ok(()))) => {
                self.outcome.files_removed.push(path);
                self.next_cli_entry()
            }
            (State::ListTokens | State::ListCliCache, Input::Listed(Err(e)))
            | (State::RemoveToken(_) | State::RemoveCliEntry(_), Input::Written(Err(e))) => {
                State::Finished(Err(e))
            }
            (State::Finished(result), _) => State::Finished(result),
            // `Awaiting::check` let only the right kind of answer through.
            (state, input) => State::Finished(Err(unusable(&input, state.name()))),
        }
    }
}

impl Flow for LogoutRun {
    type Output = LogoutOutcome;

    fn next_step(&mut self, now: SystemTime) -> Step<LogoutOutcome> {
        let step = self.step(now);
        self.awaiting.handed_out(&step);
        step
    }

    fn handle(&mut self, input: Input, _now: SystemTime) {
        let state = std::mem::replace(&mut self.state, State::ListTokens);
        self.state = match state {
            // Answers after the end change nothing.
            State::Finished(result) => State::Finished(result),
            state => match self.awaiting.check("logout", state.name(), input) {
                Ok(input) => self.on_input(state, input),
                Err(e) => State::Finished(Err(e)),
            },
        };
    }

    fn retry_settings(&self) -> RetrySettings {
        self.retry
    }
}

impl LogoutRun {
    /// The effect of the current state.
    fn step(&mut self, now: SystemTime) -> Step<LogoutOutcome> {
        if let (State::ListTokens, Some(files)) = (&self.state, &self.only) {
            self.queue = VecDeque::from([files.token.clone()]);
            self.state = self.next_token();
        }
        match &self.state {
            State::ListTokens => Step::Effect(Effect::List(self.request.token_dir.clone())),
            State::ReadToken(path) | State::ReadCliEntry(path) => {
                Step::Effect(Effect::Read(path.clone()))
            }
            State::Logout { op, path } => match op.request(now) {
                Ok(request) => Step::Effect(Effect::Send(request)),
                // A token that cannot be sent (not a valid header value) is deleted unsent.
                Err(_) => {
                    let path = path.clone();
                    self.state = State::RemoveToken(path.clone());
                    Step::Effect(Effect::Remove(path))
                }
            },
            State::RemoveToken(path) | State::RemoveCliEntry(path) => {
                Step::Effect(Effect::Remove(path.clone()))
            }
            State::ListCliCache => Step::Effect(Effect::List(self.request.cli_cache_dir.clone())),
            State::Finished(result) => Step::Done(result.clone()),
        }
    }
}

impl fmt::Debug for LogoutRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutFlow")
            .field("request", &self.request)
            .field("state", &self.state.name())
            .field("files_left", &self.queue.len())
            .field("outcome", &self.outcome)
            .finish()
    }
}
