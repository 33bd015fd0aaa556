//! The body of [`super::ResolveFlow`]: environment keys, or the plan of the profile — the AWS
//! CLI cache probed for the outermost role, then the source credentials, then the role chain.

use std::time::SystemTime;

use super::FileWarning;
use super::chain::{self, ChainRunner};
use super::shell::{self, Begun, Body};
use super::source::SourceRunner;
use super::{Action, Ctx, Poll, ResolveRequest, Resolved, out_of_step, unexpected};
use crate::Error;
use crate::cli_cache;
use crate::config::{self, ConfigPaths, ConfigSet, Env, Platform};
use crate::flow::Input;
use crate::retry::RetrySettings;

/// What [`super::ResolveFlow`] was asked for.
pub(crate) struct Setup(pub(crate) ResolveRequest);

impl shell::Setup for Setup {
    type Body = Resolution;

    fn env(&self) -> &Env {
        &self.0.env
    }

    fn platform(&self) -> Platform {
        self.0.platform
    }

    fn begin(
        &self,
        paths: ConfigPaths,
        set: ConfigSet,
        now: SystemTime,
    ) -> Result<Begun<Resolution>, Error> {
        let request = &self.0;
        let env = &request.env;
        let explicit = request.explicit_profile().map(str::to_string);
        let profile = config::select_profile(env, explicit.as_deref());
        if explicit.is_none() {
            // botocore: only an explicit --profile disables the environment provider.
            if let Some(credentials) = config::env_credentials(env)? {
                let region = config::select_region(env, &set, &profile);
                return Ok(Begun::Finished(Resolved {
                    credentials,
                    profile,
                    region,
                    refresh_attempted_at: request.last_refresh_attempt,
                    from_cli_cache: false,
                    warnings: set.warnings,
                    metadata: request.metadata.clone(),
                    file_warnings: Vec::new(),
                }));
            }
        }
        // botocore builds the SSO, OIDC and STS clients from the selected profile's settings,
        // whatever profile the chain's credentials come from.
        let retry = RetrySettings::from_config(env, set.profile(&profile))?;
        // With no --profile, the default chain: botocore's order, ending at the container
        // endpoint and the instance metadata service.
        let plan = match explicit {
            Some(_) => config::plan(&set, &profile, env, now)?,
            None => config::default_plan(&set, &profile, env, now)?,
        };
        let ctx = Box::new(Ctx {
            env: env.clone(),
            set,
            plan,
            paths,
            use_cli_cache: request.use_cli_cache,
            last_refresh_attempt: request.last_refresh_attempt,
            metadata: request.metadata.clone(),
            random: request.random,
            platform: request.platform,
        });
        Ok(Begun::Run(Resolution {
            metadata: request.metadata.clone(),
            source_warnings: Vec::new(),
            ctx,
            stage: Stage::Begin,
            retry,
            file_warnings: Vec::new(),
        }))
    }
}

/// A profile's plan being carried out.
pub(crate) struct Resolution {
    ctx: Box<Ctx>,
    stage: Stage,
    /// What the metadata sources remember, updated by theirs.
    metadata: crate::metadata::MetadataMemory,
    /// The source's own warnings (a static-stability extension).
    source_warnings: Vec<config::Warning>,
    /// The selected profile's and the environment's retry settings.
    retry: RetrySettings,
    /// What went wrong with local files without failing the resolution, in order.
    file_warnings: Vec<FileWarning>,
}

enum Stage {
    Begin,
    /// Reading the AWS CLI cache entry of chain step `index`, outermost first, before the
    /// source is resolved at all (botocore's deferred source credentials).
    Probe(usize),
    Source(SourceRunner),
    Chain {
        runner: ChainRunner,
        refresh_attempted_at: Option<SystemTime>,
    },
    Done,
}

impl Body for Resolution {
    type Output = Resolved;

    fn retry_settings(&self) -> RetrySettings {
        self.retry
    }

    fn note_file_warning(&mut self, warning: FileWarning) {
        self.file_warnings.push(warning);
    }

    fn name(&self) -> &'static str {
        match &self.stage {
            Stage::Begin => "planning the profile",
            Stage::Probe(_) => "reading the AWS CLI cache for the outermost role",
            Stage::Source(runner) => runner.name(),
            Stage::Chain { runner, .. } => runner.name(),
            Stage::Done => "done resolving",
        }
    }

    fn resume(&mut self, input: Option<Input>, now: SystemTime) -> Poll<Resolved> {
        match (std::mem::replace(&mut self.stage, Stage::Done), input) {
            (Stage::Begin, None) => match self.ctx.plan.chain.len().checked_sub(1) {
                Some(last) if self.ctx.use_cli_cache => self.probe(last, now),
                _ => self.source(SourceRunner::new(&self.ctx), None, now),
            },
            (Stage::Probe(index), Some(input)) => self.probe_answered(index, input, now),
            (Stage::Source(runner), input @ Some(_)) => self.source(runner, input, now),
            (
                Stage::Chain {
                    runner,
                    refresh_attempted_at,
                },
                input @ Some(_),
            ) => self.chain(runner, refresh_attempted_at, input, now),
            (stage, input) => {
                self.stage = stage;
                let name = self.name();
                self.stage = Stage::Done;
                Poll::Ready(Err(out_of_step(input, name)))
            }
        }
    }
}

impl Resolution {
    /// Like the AWS CLI, a role whose credentials are cached needs nothing of what it is
    /// chained on: look for the outermost cached role before resolving the source, so a cached
    /// chain costs no request and no SSO token.
    fn probe(&mut self, index: usize, now: SystemTime) -> Poll<Resolved> {
        let ctx = &self.ctx;
        match ctx
            .plan
            .chain
            .get(index)
            .and_then(|s| chain::cache_path(ctx, s))
        {
            Some(path) => {
                self.stage = Stage::Probe(index);
                Poll::Act(Action::Read(path))
            }
            None => self.probe_missed(index, now),
        }
    }

    fn probe_missed(&mut self, index: usize, now: SystemTime) -> Poll<Resolved> {
        match index.checked_sub(1) {
            Some(inner) => self.probe(inner, now),
            None => self.source(SourceRunner::new(&self.ctx), None, now),
        }
    }

    fn probe_answered(&mut self, index: usize, input: Input, now: SystemTime) -> Poll<Resolved> {
        let cached = match input {
            Input::File(Ok(Some(bytes))) => cli_cache::parse_entry(&bytes)
                .ok()
                .filter(|c| cli_cache::is_reusable(c, now)),
            // The cache is an optimisation: an unreadable entry is a miss.
            Input::File(_) => None,
            other => {
                return Poll::Ready(Err(unexpected(
                    &other,
                    "reading the AWS CLI cache for the outermost role",
                )));
            }
        };
        match cached {
            Some(credentials) => {
                let refresh_attempted_at = self.ctx.last_refresh_attempt;
                let runner = ChainRunner::starting_at(index + 1, credentials);
                self.chain(runner, refresh_attempted_at, None, now)
            }
            None => self.probe_missed(index, now),
        }
    }

    fn source(
        &mut self,
        mut runner: SourceRunner,
        input: Option<Input>,
        now: SystemTime,
    ) -> Poll<Resolved> {
        let poll = runner.resume(&self.ctx, input, now);
        // Taken as they come, so that they stay in order with the shell's notes.
        self.file_warnings.extend(runner.take_warnings());
        match poll {
            Poll::Act(action) => {
                self.stage = Stage::Source(runner);
                Poll::Act(action)
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(default_chain_error(&self.ctx.plan, e))),
            Poll::Ready(Ok(out)) => {
                if let Some((memory, warnings)) = runner.metadata() {
                    self.metadata = memory;
                    self.source_warnings = warnings;
                }
                let refresh_attempted_at =
                    out.refresh_attempted_at.or(self.ctx.last_refresh_attempt);
                let runner = ChainRunner::new(out.credentials, out.from_cli_cache);
                self.chain(runner, refresh_attempted_at, None, now)
            }
        }
    }

    fn chain(
        &mut self,
        mut runner: ChainRunner,
        refresh_attempted_at: Option<SystemTime>,
        input: Option<Input>,
        now: SystemTime,
    ) -> Poll<Resolved> {
        match runner.resume(&self.ctx, input, now) {
            Poll::Act(action) => {
                self.stage = Stage::Chain {
                    runner,
                    refresh_attempted_at,
                };
                Poll::Act(action)
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok((credentials, from_cli_cache))) => {
                let ctx = &mut self.ctx;
                let mut warnings = std::mem::take(&mut ctx.set.warnings);
                warnings.extend(std::mem::take(&mut ctx.plan.warnings));
                warnings.append(&mut self.source_warnings);
                Poll::Ready(Ok(Resolved {
                    credentials,
                    profile: ctx.plan.profile.clone(),
                    region: ctx.plan.region.clone(),
                    refresh_attempted_at,
                    from_cli_cache,
                    warnings,
                    metadata: std::mem::take(&mut self.metadata),
                    file_warnings: std::mem::take(&mut self.file_warnings),
                }))
            }
        }
    }
}

/// When the default chain picked the source, its failure is reported with what every source
/// before it said, one per line, like aws-config's chain error but readable. A login-needed
/// error stays as it is: its command is the fix.
fn default_chain_error(plan: &config::Plan, error: Error) -> Error {
    if plan.passed_over.is_empty() || matches!(error, Error::LoginNeeded { .. }) {
        return error;
    }
    let last = match &plan.source {
        config::Source::Imds(s) => format!("instance metadata ({})", s.endpoint),
        config::Source::Container(s) => format!("container ({})", s.uri_source),
        config::Source::WebIdentity(_) => "web identity".to_string(),
        _ => format!("profile \"{}\"", plan.profile),
    };
    let mut message = String::from(
        "Unable to locate credentials. The default credential chain (no --profile given) tried, in order:",
    );
    for p in &plan.passed_over {
        message.push_str(&format!("\n  - {}: {}", p.source, p.reason));
    }
    message.push_str(&format!("\n  - {last}: {error}"));
    message.push_str(
        "\nConfigure a profile (AWS_PROFILE or --profile), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         or run where one of these sources exists.",
    );
    Error::Config(message)
}
