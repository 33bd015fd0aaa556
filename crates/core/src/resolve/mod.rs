//! Resolving a profile to credentials, as a sans-IO flow (docs/token-cache.md, docs/cli-cache-and-credential-process.md, docs/config-files.md, docs/divergences.md), following the
//! AWS CLI v2 / botocore.
//!
//! [`ResolveFlow`] reads the shared config and credentials files, lets environment keys win when
//! no profile was named explicitly (and then runs botocore's default chain,
//! [`crate::config::default_plan`]), plans the profile, gets the source credentials (static keys,
//! `credential_process`, web identity, SSO with the token read and refreshed as the AWS CLI
//! does, the EC2 instance metadata service or the container endpoint), then walks the
//! AssumeRole chain. The AWS CLI's credential cache (`~/.aws/cli/cache`) is
//! read before each call that could be avoided and filled after it, so awscred and the AWS CLI
//! reuse each other's credentials.
//!
//! [`SsoAccessFlow`] only loads (and refreshes when due) the SSO token of a profile or
//! sso-session, for listing accounts and roles.
//!
//! Step order of an SSO profile with one role (cache misses):
//! `Read` config → `Read` credentials → `Read` CLI cache (role: a hit ends here, as in the AWS
//! CLI, whose source credentials are deferred) → `Read` CLI cache (SSO) → `Read` token →
//! (`Lock` → `Read` token → `Send` CreateToken → `Write` token → `Unlock`) →
//! `Send` GetRoleCredentials → `Write` CLI cache (SSO) → `Read` CLI cache (role) →
//! (`AskTokenCode`) → `Send` AssumeRole → `Write` CLI cache (role) → `Done`.
//!
//! Where things live: `shell.rs` is the one shell of both flows (the config files, effects out,
//! answers checked and in); `resolution.rs` is the body of [`ResolveFlow`], `access.rs` that of
//! [`SsoAccessFlow`]. `source.rs` picks the runner of the plan's source — one file each:
//! `process_source.rs`, `web_identity.rs`, `sso_role.rs`, `imds_source.rs`,
//! `container_source.rs` (static keys need none) — and
//! `chain.rs` walks the roles. `configured.rs` puts the same config reader in front of the
//! login and logout flows.

mod access;
mod chain;
mod configured;
mod container_source;
mod file_warning;
mod imds_source;
#[cfg(feature = "login-session")]
mod login_session;
// The same runner without the crate's `login-session` feature: it ends with an error that says
// how to get a build that has it.
#[cfg(not(feature = "login-session"))]
#[path = "login_session_unavailable.rs"]
mod login_session;
pub(crate) mod process;
mod process_source;
mod resolution;
pub(crate) mod shell;
mod source;
mod sso_role;
mod sso_token;
mod web_identity;

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

pub use access::{SsoAccess, SsoAccessFlow, TokenTarget};
pub(crate) use configured::{Configured, FromConfig};
pub use file_warning::{FileWarning, FileWarningKind};

use crate::config::{self, ConfigPaths, ConfigSet, Env, Plan, Platform, Warning};
use crate::flow::{Effect, Flow, Input, Step};
use crate::metadata::MetadataMemory;
use crate::{Credentials, Endpoint, Error, Service};
use shell::Shell;

/// What to resolve, and the context a caller keeps between resolutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRequest {
    /// The environment snapshot (`AWS_PROFILE`, `AWS_REGION`, `AWS_CONFIG_FILE`, keys…).
    pub env: Env,
    /// The profile named explicitly (`--profile`). `None` selects `AWS_PROFILE`, then
    /// `AWS_DEFAULT_PROFILE`, then `default`, and lets environment keys win over any profile.
    pub profile: Option<String>,
    /// Which platform's home-directory rules apply.
    pub platform: Platform,
    /// Read and fill the AWS CLI's credential cache, `~/.aws/cli/cache`.
    pub use_cli_cache: bool,
    /// When the caller last tried to refresh the SSO token (see
    /// [`Resolved::refresh_attempted_at`]): at most one attempt per 60 s.
    pub last_refresh_attempt: Option<SystemTime>,
    /// What the instance metadata source remembered last time ([`Resolved::metadata`]): its
    /// session token and last good credentials.
    pub metadata: MetadataMemory,
    /// Fresh random bytes from the driver for this resolution: the `jti` of the DPoP proof a
    /// console login session's refresh sends. `None` fails such a refresh (nothing else).
    pub random: Option<[u8; 16]>,
}

impl ResolveRequest {
    /// A request for the profile the environment selects, on this platform, using the AWS CLI
    /// cache.
    pub fn new(env: Env) -> Self {
        ResolveRequest {
            env,
            profile: None,
            platform: Platform::current(),
            use_cli_cache: true,
            last_refresh_attempt: None,
            metadata: MetadataMemory::default(),
            random: None,
        }
    }

    /// Gives the resolution its random bytes (see [`ResolveRequest::random`]).
    pub fn random(mut self, random: [u8; 16]) -> Self {
        self.random = Some(random);
        self
    }

    /// Names the profile explicitly, as `--profile` does (environment keys then do not apply).
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// The explicit profile, if it is one (an empty name counts as none).
    fn explicit_profile(&self) -> Option<&str> {
        self.profile.as_deref().filter(|p| !p.is_empty())
    }
}

/// The outcome of a resolution. `Debug` shows no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// The profile that was resolved (the selected one when environment keys won).
    pub profile: String,
    /// The region of the profile (`AWS_REGION`, `AWS_DEFAULT_REGION`, then `region`).
    pub region: Option<String>,
    /// The last SSO token refresh attempt: this resolution's, else the one the request carried.
    /// Keep it and pass it back in [`ResolveRequest::last_refresh_attempt`].
    pub refresh_attempted_at: Option<SystemTime>,
    /// The credentials came from the AWS CLI's cache: no call was made for the last step.
    pub from_cli_cache: bool,
    /// Settings read differently from the AWS CLI, or ignored, and static-stability
    /// extensions. Worth showing, never fatal.
    pub warnings: Vec<Warning>,
    /// What the instance metadata source remembers now: pass it back in
    /// [`ResolveRequest::metadata`].
    pub metadata: MetadataMemory,
    /// Local files that could not be saved or were not used: a refreshed SSO token that
    /// could not be written (the next run will need a login), a cache entry another user
    /// could have written. Show them, except those whose kind [`FileWarningKind::is_minor`].
    pub file_warnings: Vec<FileWarning>,
}

/// The resolution state machine. Drive it with [`Flow::next_step`] / [`Flow::handle`].
/// `Debug` shows only the profile and where the flow is.
///
/// Effects it can emit: [`Effect::Read`] (config, credentials, the AWS CLI cache, the SSO
/// token, the web identity token file, the container authorization token file),
/// [`Effect::Send`] (CreateToken, GetRoleCredentials, AssumeRole, AssumeRoleWithWebIdentity, the
/// IMDS and container credentials requests — these carry
/// [`crate::metadata::RequestLimits`], which the driver honours), [`Effect::Write`] (the
/// refreshed SSO token, the AWS CLI cache), [`Effect::Lock`] / [`Effect::Unlock`] (around an SSO token refresh),
/// [`Effect::Run`] (`credential_process`) and [`Effect::AskTokenCode`] (a role's
/// `mfa_serial`). Never `Remove`, `List`, `Wait`, `Prompt`, `Listen` or `AwaitCallback`.
///
/// [`Effect::Read`]: crate::flow::Effect::Read
/// [`Effect::Send`]: crate::flow::Effect::Send
/// [`Effect::Write`]: crate::flow::Effect::Write
/// [`Effect::Lock`]: crate::flow::Effect::Lock
/// [`Effect::Unlock`]: crate::flow::Effect::Unlock
/// [`Effect::Run`]: crate::flow::Effect::Run
/// [`Effect::AskTokenCode`]: crate::flow::Effect::AskTokenCode
pub struct ResolveFlow {
    shell: Shell<resolution::Setup>,
}

/// What the flow resolved so far, shared by the source and chain runners.
pub(crate) struct Ctx {
    pub(crate) env: Env,
    pub(crate) set: ConfigSet,
    pub(crate) plan: Plan,
    pub(crate) paths: ConfigPaths,
    pub(crate) use_cli_cache: bool,
    pub(crate) last_refresh_attempt: Option<SystemTime>,
    pub(crate) metadata: MetadataMemory,
    /// Read only by the console login source (the DPoP proof's `jti`).
    #[cfg_attr(not(feature = "login-session"), allow(dead_code))]
    pub(crate) random: Option<[u8; 16]>,
    /// Read only by the console login source (its cache directory).
    #[cfg_attr(not(feature = "login-session"), allow(dead_code))]
    pub(crate) platform: Platform,
}

impl Ctx {
    /// The STS endpoint for the chain and web identity: the plan's region, overrides applied.
    pub(crate) fn sts_endpoint(&self) -> Result<Endpoint, Error> {
        let profile = &self.plan.profile;
        let cfg = config::endpoint_config(&self.env, &self.set, profile, Service::Sts, None)?;
        if cfg.region.is_none() && cfg.url.is_none() {
            return Err(Error::Config(format!(
                "the profile \"{profile}\" needs STS, but no region is set: set `region` in the profile or \
                 the AWS_REGION environment variable"
            )));
        }
        crate::endpoint::resolve(Service::Sts, &cfg)
    }

    /// The SSO portal (`Service::Sso`) or SSO-OIDC endpoint of `sso_region`, overrides applied.
    pub(crate) fn sso_endpoint(
        &self,
        service: Service,
        sso_region: &str,
    ) -> Result<Endpoint, Error> {
        sso_endpoint(
            &self.env,
            &self.set,
            &self.plan.profile,
            service,
            sso_region,
        )
    }
}

pub(crate) fn sso_endpoint(
    env: &Env,
    set: &ConfigSet,
    profile: &str,
    service: Service,
    sso_region: &str,
) -> Result<Endpoint, Error> {
    let cfg = config::endpoint_config(env, set, profile, service, Some(sso_region))?;
    crate::endpoint::resolve(service, &cfg)
}

impl ResolveFlow {
    /// Gives the flow its random bytes before it starts (see [`ResolveRequest::random`]),
    /// for drivers that get the flow from a [`crate::provider::ProfileSource`].
    pub fn with_random(mut self, random: [u8; 16]) -> Self {
        self.shell.setup.0.random = Some(random);
        self
    }

    /// A flow resolving `request`.
    pub fn new(request: ResolveRequest) -> Self {
        ResolveFlow {
            shell: Shell::new("resolve", resolution::Setup(request)),
        }
    }

    /// When this resolution attempted an SSO token refresh, whether it ended well or not.
    /// Providers keep it for the next [`ResolveRequest::last_refresh_attempt`], so a failing
    /// refresh is tried at most once a minute (botocore's back-off) instead of on every call.
    pub fn refresh_attempted_at(&self) -> Option<SystemTime> {
        self.shell.locked_send_at()
    }
}

/// Reading the config file, then the credentials file: the first steps of every flow that
/// starts from the user's configuration.
pub(crate) enum ConfigRead {
    Config(ConfigPaths),
    Credentials {
        paths: ConfigPaths,
        config: Option<Vec<u8>>,
    },
}

/// Where reading the configuration stands after an answer.
pub(crate) enum ConfigProgress {
    /// Read this next.
    Read(Action, ConfigRead),
    /// Both files read and parsed.
    Loaded(ConfigPaths, ConfigSet),
}

impl ConfigRead {
    /// The first read: the config file the environment names.
    pub(crate) fn start(env: &Env, platform: Platform) -> Result<(Action, ConfigRead), Error> {
        let paths = config::config_paths(env, platform)?;
        Ok((
            Action::Read(paths.config.clone()),
            ConfigRead::Config(paths),
        ))
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            ConfigRead::Config(_) => "reading the config file",
            ConfigRead::Credentials { .. } => "reading the credentials file",
        }
    }

    /// Takes the answer to the last read.
    pub(crate) fn on_input(self, input: Input) -> Result<ConfigProgress, Error> {
        let file = match input {
            Input::File(result) => result?,
            other => return Err(unexpected(&other, self.name())),
        };
        match self {
            ConfigRead::Config(paths) => {
                let next = Action::Read(paths.credentials.clone());
                Ok(ConfigProgress::Read(
                    next,
                    ConfigRead::Credentials {
                        paths,
                        config: file,
                    },
                ))
            }
            ConfigRead::Credentials { paths, config } => {
                let set = config::load_files(&paths, config.as_deref(), file.as_deref())?;
                Ok(ConfigProgress::Loaded(paths, set))
            }
        }
    }
}

impl Flow for ResolveFlow {
    type Output = Resolved;

    fn next_step(&mut self, now: SystemTime) -> Step<Resolved> {
        self.shell.next_step(now)
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        self.shell.handle(input, now)
    }

    fn retry_settings(&self) -> crate::retry::RetrySettings {
        self.shell.retry_settings()
    }
}

impl fmt::Debug for ResolveFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = &self.shell.setup.0;
        f.debug_struct("ResolveFlow")
            .field("profile", &request.profile)
            .field("use_cli_cache", &request.use_cli_cache)
            .field("state", &self.shell.state())
            .finish()
    }
}

/// The effects the runners ask for; the shell hands them out as [`Effect`]s.
pub(crate) enum Action {
    Read(PathBuf),
    Send(http::Request<Vec<u8>>),
    Write { path: PathBuf, contents: Vec<u8> },
    Remove(PathBuf),
    ListOrphans(PathBuf),
    Lock(PathBuf),
    Unlock(PathBuf),
    Run(String),
    AskTokenCode { serial: String },
}

impl Action {
    pub(crate) fn into_effect(self) -> Effect {
        match self {
            Action::Read(p) => Effect::Read(p),
            Action::Send(r) => Effect::Send(r),
            Action::Write { path, contents } => Effect::Write { path, contents },
            Action::Remove(p) => Effect::Remove(p),
            Action::ListOrphans(p) => Effect::ListOrphans(p),
            Action::Lock(p) => Effect::Lock(p),
            Action::Unlock(p) => Effect::Unlock(p),
            Action::Run(c) => Effect::Run(c),
            Action::AskTokenCode { serial } => Effect::AskTokenCode { serial },
        }
    }
}

/// What a runner does next: an I/O step, or its result.
pub(crate) enum Poll<T> {
    Act(Action),
    Ready(Result<T, Error>),
}

/// The error for an answer a runner has no use for. The shell checked it against the effect
/// handed out already ([`crate::flow::Awaiting`]), so this is a bug in awscred.
pub(crate) fn unexpected(input: &Input, state: &str) -> Error {
    crate::flow::unusable(input, state)
}

/// The error of a runner resumed with an answer it has no use for, or with none.
pub(crate) fn out_of_step(input: Option<Input>, name: &str) -> Error {
    match input {
        Some(input) => unexpected(&input, name),
        None => Error::InvalidInput(format!("resumed without an answer while {name}")),
    }
}
