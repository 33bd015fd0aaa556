//! The first credentials of a plan. Each kind of [`Source`] has its own runner file —
//! `process_source.rs`, `web_identity.rs`, `sso_role.rs`, `imds_source.rs`,
//! `container_source.rs` — and static keys need none; the
//! `match` in [`SourceRunner::new`] is exhaustive, so a new kind of source does not compile
//! until it has its runner.

use std::time::SystemTime;

use super::container_source::ContainerRunner;
use super::imds_source::ImdsRunner;
use super::login_session::LoginSessionRunner;
use super::process_source::ProcessRunner;
use super::sso_role::SsoRoleRunner;
use super::web_identity::WebIdentityRunner;
use super::{Ctx, Poll, unexpected};
use crate::Credentials;
use crate::config::{Source, Warning};
use crate::flow::Input;
use crate::metadata::MetadataMemory;

/// The source's credentials and how they were obtained.
pub(crate) struct SourceOutput {
    pub(crate) credentials: Credentials,
    pub(crate) from_cli_cache: bool,
    pub(crate) refresh_attempted_at: Option<SystemTime>,
}

impl SourceOutput {
    /// Credentials just obtained, without the AWS CLI cache or an SSO token refresh.
    pub(crate) fn fresh(credentials: Credentials) -> Self {
        SourceOutput {
            credentials,
            from_cli_cache: false,
            refresh_attempted_at: None,
        }
    }
}

/// What a source runner does next.
pub(crate) type Next = Poll<SourceOutput>;

/// Gets the source credentials of `ctx.plan`.
pub(crate) enum SourceRunner {
    /// Keys from the profile or the environment: nothing to do.
    Static(Credentials),
    Process(ProcessRunner),
    WebIdentity(WebIdentityRunner),
    Sso(Box<SsoRoleRunner>),
    Imds(Box<ImdsRunner>),
    Container(Box<ContainerRunner>),
    LoginSession(Box<LoginSessionRunner>),
}

impl SourceRunner {
    /// The runner of the plan's source, not started yet.
    pub(crate) fn new(ctx: &Ctx) -> Self {
        match &ctx.plan.source {
            Source::Static(c) => SourceRunner::Static(c.clone()),
            Source::Process(p) => SourceRunner::Process(ProcessRunner::new(p.clone())),
            Source::WebIdentity(w) => SourceRunner::WebIdentity(WebIdentityRunner::new(w.clone())),
            Source::Sso(s) => SourceRunner::Sso(Box::new(SsoRoleRunner::new(s.clone()))),
            Source::Imds(s) => {
                SourceRunner::Imds(Box::new(ImdsRunner::new(s.clone(), ctx.metadata.clone())))
            }
            Source::Container(s) => {
                SourceRunner::Container(Box::new(ContainerRunner::new(s.clone())))
            }
            Source::LoginSession(l) => {
                SourceRunner::LoginSession(Box::new(LoginSessionRunner::new(l.clone())))
            }
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            SourceRunner::Static(_) => "taking the static keys",
            SourceRunner::Process(r) => r.name(),
            SourceRunner::WebIdentity(r) => r.name(),
            SourceRunner::Sso(r) => r.name(),
            SourceRunner::LoginSession(r) => r.name(),
            SourceRunner::Imds(r) => r.name(),
            SourceRunner::Container(r) => r.name(),
        }
    }

    /// What an instance metadata source remembers after its fetch, and its warnings (a
    /// static-stability extension); `None` for the other sources.
    pub(crate) fn metadata(&mut self) -> Option<(MetadataMemory, Vec<Warning>)> {
        match self {
            SourceRunner::Imds(r) => r.take_memory(),
            _ => None,
        }
    }

    /// What went wrong with the SSO token's files so far, for the resolution's result.
    pub(crate) fn take_warnings(&mut self) -> Vec<super::FileWarning> {
        match self {
            SourceRunner::Sso(r) => r.take_warnings(),
            SourceRunner::LoginSession(r) => r.take_warnings(),
            _ => Vec::new(),
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        match self {
            SourceRunner::Static(credentials) => match input {
                None => Poll::Ready(Ok(SourceOutput::fresh(credentials.clone()))),
                Some(input) => Poll::Ready(Err(unexpected(&input, "taking the static keys"))),
            },
            SourceRunner::Process(r) => r.resume(input),
            SourceRunner::WebIdentity(r) => r.resume(ctx, input, now),
            SourceRunner::Sso(r) => r.resume(ctx, input, now),
            SourceRunner::Imds(r) => r.resume(input, now),
            SourceRunner::Container(r) => r.resume(input, now),
            SourceRunner::LoginSession(r) => r.resume(ctx, input, now),
        }
    }
}
