//! Resolving a profile to credentials, as a sans-IO flow (WIRE §3, §4, §5, §9), following the
//! AWS CLI v2 / botocore.
//!
//! [`ResolveFlow`] reads the shared config and credentials files, lets environment keys win when
//! no profile was named explicitly, plans the profile, gets the source credentials (static keys,
//! `credential_process`, web identity, or SSO with the token read and refreshed as the AWS CLI
//! does), then walks the AssumeRole chain. The AWS CLI's credential cache (`~/.aws/cli/cache`) is
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

mod access;
mod chain;
mod file_warning;
mod process;
mod source;
mod sso_token;

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

pub use access::{SsoAccess, SsoAccessFlow, TokenTarget};
pub use file_warning::{FileWarning, FileWarningKind};

use crate::config::{self, ConfigPaths, ConfigSet, Env, Plan, Platform, Warning};
use crate::flow::{Flow, Input, Step};
use crate::{Credentials, Endpoint, Error, Service, cli_cache};
use chain::ChainRunner;
use source::SourceRunner;

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
        }
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
    /// Settings read differently from the AWS CLI, or ignored. Worth showing, never fatal.
    pub warnings: Vec<Warning>,
    /// Local files that could not be saved or were not used: a refreshed SSO token that
    /// could not be written (the next run will need a login), a cache entry another user
    /// could have written. Show them, except those whose kind [`FileWarningKind::is_minor`].
    pub file_warnings: Vec<FileWarning>,
}

/// The resolution state machine. Drive it with [`Flow::next_step`] / [`Flow::handle`].
/// `Debug` shows only the profile and where the flow is.
pub struct ResolveFlow {
    request: ResolveRequest,
    phase: Phase,
    // The SSO token refresh is the one request made under a lock; tracking it here survives a
    // failed resolution, which has no `Resolved` to carry it.
    locks_held: usize,
    refresh_attempted_at: Option<SystemTime>,
    /// The file of the last read or write handed out, for warnings about it.
    last_file: Option<PathBuf>,
    file_warnings: Vec<FileWarning>,
}

/// What the flow resolved so far, shared by the source and chain runners.
pub(crate) struct Ctx {
    pub(crate) env: Env,
    pub(crate) set: ConfigSet,
    pub(crate) plan: Plan,
    pub(crate) paths: ConfigPaths,
    pub(crate) use_cli_cache: bool,
    pub(crate) last_refresh_attempt: Option<SystemTime>,
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

enum Phase {
    Start,
    Config(ConfigRead),
    /// Reading the AWS CLI cache entry of chain step `index`, outermost first, before the
    /// source is resolved at all (botocore's deferred source credentials).
    Probe {
        ctx: Box<Ctx>,
        index: usize,
    },
    Source {
        ctx: Box<Ctx>,
        runner: SourceRunner,
    },
    Chain {
        ctx: Box<Ctx>,
        runner: ChainRunner,
        refresh_attempted_at: Option<SystemTime>,
    },
    /// The step to hand out next; `Done` once it was handed out.
    Pending(Action, Box<Phase>),
    Finished(Option<Result<Resolved, Error>>),
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Start => "starting",
            Phase::Config(read) => read.name(),
            Phase::Probe { .. } => "reading the AWS CLI cache for the outermost role",
            Phase::Source { runner, .. } => runner.name(),
            Phase::Chain { runner, .. } => runner.name(),
            Phase::Pending(_, next) => next.name(),
            Phase::Finished(_) => "finished",
        }
    }
}

impl ResolveFlow {
    /// A flow resolving `request`.
    pub fn new(request: ResolveRequest) -> Self {
        ResolveFlow {
            request,
            phase: Phase::Start,
            locks_held: 0,
            refresh_attempted_at: None,
            last_file: None,
            file_warnings: Vec::new(),
        }
    }

    /// When this resolution attempted an SSO token refresh, whether it ended well or not.
    /// Providers keep it for the next [`ResolveRequest::last_refresh_attempt`], so a failing
    /// refresh is tried at most once a minute (botocore's back-off) instead of on every call.
    pub fn refresh_attempted_at(&self) -> Option<SystemTime> {
        self.refresh_attempted_at
    }

    fn finish(&mut self, result: Result<Resolved, Error>) {
        let result = result.map(|mut resolved| {
            resolved.file_warnings = std::mem::take(&mut self.file_warnings);
            resolved
        });
        self.phase = Phase::Finished(Some(result));
    }

    /// Failures of the file steps the runners shrug off (outside the SSO token's lock, whose
    /// loader reports its own): an unreadable or untrusted cache entry is a miss, an AWS CLI
    /// cache entry that cannot be written is only not cached. Kept for the result, if the
    /// resolution succeeds (if it fails, its error says what matters).
    fn note_file_failure(&mut self, input: &Input) {
        if self.locks_held > 0 {
            return;
        }
        let (kind, error, what) = match input {
            Input::File(Err(e)) => (FileWarningKind::CacheEntryIgnored, e, "was not used"),
            Input::Written(Err(e)) => (FileWarningKind::CacheNotSaved, e, "could not be saved"),
            _ => return,
        };
        let path = match error {
            Error::Io { path, .. } => PathBuf::from(path),
            _ => self.last_file.clone().unwrap_or_default(),
        };
        // Cache entries are JSON files; the other reads the loaders shrug off (the probe of
        // an unusable lock file) are reported by the loader itself.
        if path.extension().is_none_or(|e| e != "json") {
            return;
        }
        let message = match error {
            Error::Io { message, .. } => format!("{} {what}: {message}", path.display()),
            other => format!("{} {what}: {other}", path.display()),
        };
        self.file_warnings
            .push(FileWarning::new(kind, path, message));
    }

    /// Moves on after the config files are read.
    fn start_resolving(&mut self, paths: ConfigPaths, set: ConfigSet, now: SystemTime) {
        let env = &self.request.env;
        let explicit = self.request.explicit_profile().map(str::to_string);
        let profile = config::select_profile(env, explicit.as_deref());
        if explicit.is_none() {
            // botocore: only an explicit --profile disables the environment provider.
            match config::env_credentials(env) {
                Ok(Some(credentials)) => {
                    let region = config::select_region(env, &set, &profile);
                    return self.finish(Ok(Resolved {
                        credentials,
                        profile,
                        region,
                        refresh_attempted_at: self.request.last_refresh_attempt,
                        from_cli_cache: false,
                        warnings: set.warnings,
                        file_warnings: Vec::new(),
                    }));
                }
                Ok(None) => {}
                Err(e) => return self.finish(Err(e)),
            }
        }
        let plan = match config::plan(&set, &profile, env, now) {
            Ok(plan) => plan,
            Err(e) => return self.finish(Err(e)),
        };
        let ctx = Box::new(Ctx {
            env: env.clone(),
            set,
            plan,
            paths,
            use_cli_cache: self.request.use_cli_cache,
            last_refresh_attempt: self.request.last_refresh_attempt,
        });
        match ctx.plan.chain.len().checked_sub(1) {
            Some(last) if ctx.use_cli_cache => self.probe(ctx, last, now),
            _ => self.start_source(ctx, now),
        }
    }

    fn start_source(&mut self, ctx: Box<Ctx>, now: SystemTime) {
        let runner = SourceRunner::new(&ctx);
        self.advance_source(ctx, runner, None, now);
    }

    /// Like the AWS CLI, a role whose credentials are cached needs nothing of what it is
    /// chained on: look for the outermost cached role before resolving the source, so a cached
    /// chain costs no request and no SSO token.
    fn probe(&mut self, ctx: Box<Ctx>, index: usize, now: SystemTime) {
        match ctx
            .plan
            .chain
            .get(index)
            .and_then(|s| chain::cache_path(&ctx, s))
        {
            Some(path) => {
                self.phase =
                    Phase::Pending(Action::Read(path), Box::new(Phase::Probe { ctx, index }))
            }
            None => self.probe_missed(ctx, index, now),
        }
    }

    fn probe_missed(&mut self, ctx: Box<Ctx>, index: usize, now: SystemTime) {
        match index.checked_sub(1) {
            Some(inner) => self.probe(ctx, inner, now),
            None => self.start_source(ctx, now),
        }
    }

    fn probe_answered(&mut self, ctx: Box<Ctx>, index: usize, input: Input, now: SystemTime) {
        let cached = match input {
            Input::File(Ok(Some(bytes))) => cli_cache::parse_entry(&bytes)
                .ok()
                .filter(|c| cli_cache::is_reusable(c, now)),
            // The cache is an optimisation: an unreadable entry is a miss.
            Input::File(_) => None,
            other => return self.finish(Err(unexpected(&other, "reading the AWS CLI cache"))),
        };
        match cached {
            Some(credentials) => {
                let refresh_attempted_at = ctx.last_refresh_attempt;
                let runner = ChainRunner::starting_at(index + 1, credentials);
                self.advance_chain(ctx, runner, refresh_attempted_at, None, now);
            }
            None => self.probe_missed(ctx, index, now),
        }
    }

    fn advance_source(
        &mut self,
        ctx: Box<Ctx>,
        mut runner: SourceRunner,
        input: Option<Input>,
        now: SystemTime,
    ) {
        match runner.resume(&ctx, input, now) {
            Poll::Act(action) => {
                self.phase = Phase::Pending(action, Box::new(Phase::Source { ctx, runner }))
            }
            Poll::Ready(Err(e)) => self.finish(Err(e)),
            Poll::Ready(Ok(out)) => {
                self.file_warnings.extend(runner.take_warnings());
                let refresh_attempted_at = out.refresh_attempted_at.or(ctx.last_refresh_attempt);
                let runner = ChainRunner::new(out.credentials, out.from_cli_cache);
                self.advance_chain(ctx, runner, refresh_attempted_at, None, now);
            }
        }
    }

    fn advance_chain(
        &mut self,
        ctx: Box<Ctx>,
        mut runner: ChainRunner,
        refresh_attempted_at: Option<SystemTime>,
        input: Option<Input>,
        now: SystemTime,
    ) {
        match runner.resume(&ctx, input, now) {
            Poll::Act(action) => {
                self.phase = Phase::Pending(
                    action,
                    Box::new(Phase::Chain {
                        ctx,
                        runner,
                        refresh_attempted_at,
                    }),
                )
            }
            Poll::Ready(Err(e)) => self.finish(Err(e)),
            Poll::Ready(Ok((credentials, from_cli_cache))) => {
                let Ctx { set, plan, .. } = *ctx;
                let mut warnings = set.warnings;
                warnings.extend(plan.warnings);
                self.finish(Ok(Resolved {
                    credentials,
                    profile: plan.profile,
                    region: plan.region,
                    refresh_attempted_at,
                    from_cli_cache,
                    warnings,
                    file_warnings: Vec::new(),
                }))
            }
        }
    }
}

/// Parses and merges the two shared files (either may be missing).
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
        loop {
            match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
                Phase::Start => match ConfigRead::start(&self.request.env, self.request.platform) {
                    Ok((action, read)) => {
                        self.phase = Phase::Pending(action, Box::new(Phase::Config(read)))
                    }
                    Err(e) => self.finish(Err(e)),
                },
                Phase::Pending(action, next) => {
                    self.phase = *next;
                    match &action {
                        Action::Read(p) | Action::Write { path: p, .. } | Action::Remove(p) => {
                            self.last_file = Some(p.clone())
                        }
                        Action::Lock(_) => self.locks_held += 1,
                        Action::Unlock(_) => self.locks_held = self.locks_held.saturating_sub(1),
                        Action::Send(_) if self.locks_held > 0 => {
                            self.refresh_attempted_at = Some(now)
                        }
                        _ => {}
                    }
                    return action.into_step();
                }
                Phase::Finished(Some(result)) => return Step::Done(result),
                Phase::Finished(None) => {
                    return Step::Done(Err(Error::InvalidInput(
                        "the resolve flow has already finished".into(),
                    )));
                }
                other => {
                    // A step was handed out and not answered: hand out the same kind of
                    // failure rather than guessing.
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
        self.note_file_failure(&input);
        if let Input::Locked(Err(_)) = input {
            // A lock not taken is not held (the SSO token loader may try another one).
            self.locks_held = self.locks_held.saturating_sub(1);
        }
        match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
            Phase::Config(read) => match read.on_input(input) {
                Ok(ConfigProgress::Read(action, read)) => {
                    self.phase = Phase::Pending(action, Box::new(Phase::Config(read)))
                }
                Ok(ConfigProgress::Loaded(paths, set)) => self.start_resolving(paths, set, now),
                Err(e) => self.finish(Err(e)),
            },
            Phase::Probe { ctx, index } => self.probe_answered(ctx, index, input, now),
            Phase::Source { ctx, runner } => self.advance_source(ctx, runner, Some(input), now),
            Phase::Chain {
                ctx,
                runner,
                refresh_attempted_at,
            } => self.advance_chain(ctx, runner, refresh_attempted_at, Some(input), now),
            Phase::Finished(result) => {
                // Answers after the end change nothing.
                self.phase = Phase::Finished(result);
            }
            phase @ (Phase::Start | Phase::Pending(..)) => {
                let name = phase.name();
                self.finish(Err(unexpected(&input, name)));
            }
        }
    }
}

impl fmt::Debug for ResolveFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveFlow")
            .field("profile", &self.request.profile)
            .field("use_cli_cache", &self.request.use_cli_cache)
            .field("state", &self.phase.name())
            .finish()
    }
}

/// The I/O steps the runners ask for; the flows turn them into [`Step`]s.
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
    pub(crate) fn into_step<T>(self) -> Step<T> {
        match self {
            Action::Read(p) => Step::Read(p),
            Action::Send(r) => Step::Send(r),
            Action::Write { path, contents } => Step::Write { path, contents },
            Action::Remove(p) => Step::Remove(p),
            Action::ListOrphans(p) => Step::ListOrphans(p),
            Action::Lock(p) => Step::Lock(p),
            Action::Unlock(p) => Step::Unlock(p),
            Action::Run(c) => Step::Run(c),
            Action::AskTokenCode { serial } => Step::AskTokenCode { serial },
        }
    }
}

/// What a runner does next: an I/O step, or its result.
pub(crate) enum Poll<T> {
    Act(Action),
    Ready(Result<T, Error>),
}

/// The error for an answer that does not fit the step handed out.
pub(crate) fn unexpected(input: &Input, state: &str) -> Error {
    let kind = match input {
        Input::File(_) => "File",
        Input::Response(_) => "Response",
        Input::Written(_) => "Written",
        Input::Listed(_) => "Listed",
        Input::Locked(_) => "Locked",
        Input::Unlocked => "Unlocked",
        Input::Waited => "Waited",
        Input::ProcessOutput(_) => "ProcessOutput",
        Input::TokenCode(_) => "TokenCode",
        Input::Shown => "Shown",
        Input::Listening(_) => "Listening",
        Input::Callback(_) => "Callback",
    };
    Error::InvalidInput(format!("unexpected input {kind} while {state}"))
}
