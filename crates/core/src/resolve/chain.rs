//! The AssumeRole chain of a plan, each call signed with the credentials of the one before, each
//! result kept in the AWS CLI's cache (docs/cli-cache-and-credential-process.md §1, docs/config-files.md §6, docs/sts.md).

use std::path::PathBuf;
use std::time::SystemTime;

use super::{Action, Ctx, Poll, out_of_step};
use crate::cli_cache::{
    self, AssumeRoleEntry, AssumeRoleKeyInput, ResponseMetadata, assume_role_cache_key,
};
use crate::config::RoleStep;
use crate::flow::Input;
use crate::sts::{AssumeRole, AssumeRoleParams, AssumedRole};
use crate::{Credentials, Error, Operation};

enum State {
    /// About to start step `index`.
    Begin,
    ReadCache(Option<PathBuf>),
    AskCode(Option<PathBuf>),
    Send {
        op: Box<AssumeRole>,
        cache_path: Option<PathBuf>,
    },
    Write,
    Done,
}

/// Walks `ctx.plan.chain`.
pub(crate) struct ChainRunner {
    index: usize,
    credentials: Credentials,
    from_cli_cache: bool,
    state: State,
}

type Next = Poll<(Credentials, bool)>;

impl ChainRunner {
    /// A chain starting from the source's credentials.
    pub(crate) fn new(credentials: Credentials, from_cli_cache: bool) -> Self {
        ChainRunner {
            index: 0,
            credentials,
            from_cli_cache,
            state: State::Begin,
        }
    }

    /// A chain whose steps before `index` are done: `credentials` are those of step
    /// `index - 1` (found in the AWS CLI cache), so the source is never needed.
    pub(crate) fn starting_at(index: usize, credentials: Credentials) -> Self {
        ChainRunner {
            index,
            credentials,
            from_cli_cache: true,
            state: State::Begin,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self.state {
            State::Begin => "starting the next AssumeRole",
            State::ReadCache(_) => "reading the AWS CLI cache for a role",
            State::AskCode(_) => "asking for the MFA code",
            State::Send { .. } => "calling AssumeRole",
            State::Write => "writing the AWS CLI cache for a role",
            State::Done => "done with the role chain",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        let state = std::mem::replace(&mut self.state, State::Done);
        match (state, input) {
            (State::Begin, None) => self.begin(ctx, now),
            (State::ReadCache(path), Some(Input::File(file))) => {
                if let Ok(Some(bytes)) = file
                    && let Ok(credentials) = cli_cache::parse_entry(&bytes)
                    && cli_cache::is_reusable(&credentials, now)
                {
                    self.credentials = credentials;
                    self.from_cli_cache = true;
                    self.index += 1;
                    return self.begin(ctx, now);
                }
                self.ask_or_send(ctx, path, now)
            }
            (State::AskCode(path), Some(Input::TokenCode(code))) => match code {
                Ok(code) => self.send(ctx, path, Some(code.trim().to_string()), now),
                Err(e) => Poll::Ready(Err(e)),
            },
            (State::Send { op, cache_path }, Some(Input::Response(response))) => {
                let response = match response {
                    Ok(r) => r,
                    Err(e) => return Poll::Ready(Err(e)),
                };
                let assumed = match op.parse(&response) {
                    Ok(a) => a,
                    Err(e) => return Poll::Ready(Err(e)),
                };
                self.credentials = assumed.credentials.clone();
                self.from_cli_cache = false;
                self.index += 1;
                match cache_path.and_then(|p| cache_entry(&assumed, &response).map(|c| (p, c))) {
                    Some((path, contents)) => {
                        self.state = State::Write;
                        Poll::Act(Action::Write { path, contents })
                    }
                    None => self.begin(ctx, now),
                }
            }
            // The cache is an optimisation: a failed write costs the next call a request.
            (State::Write, Some(Input::Written(_))) => self.begin(ctx, now),
            (state, input) => {
                self.state = state;
                let name = self.name();
                self.state = State::Done;
                Poll::Ready(Err(out_of_step(input, name)))
            }
        }
    }

    fn step<'c>(&self, ctx: &'c Ctx) -> Option<&'c RoleStep> {
        ctx.plan.chain.get(self.index)
    }

    fn begin(&mut self, ctx: &Ctx, now: SystemTime) -> Next {
        let Some(step) = self.step(ctx) else {
            return Poll::Ready(Ok((self.credentials.clone(), self.from_cli_cache)));
        };
        let cache_path = ctx.use_cli_cache.then(|| cache_path(ctx, step)).flatten();
        match cache_path {
            Some(path) => {
                self.state = State::ReadCache(Some(path.clone()));
                Poll::Act(Action::Read(path))
            }
            None => self.ask_or_send(ctx, None, now),
        }
    }

    fn ask_or_send(&mut self, ctx: &Ctx, cache_path: Option<PathBuf>, now: SystemTime) -> Next {
        match self.step(ctx).and_then(|s| s.mfa_serial.clone()) {
            Some(serial) => {
                self.state = State::AskCode(cache_path);
                Poll::Act(Action::AskTokenCode { serial })
            }
            None => self.send(ctx, cache_path, None, now),
        }
    }

    fn send(
        &mut self,
        ctx: &Ctx,
        cache_path: Option<PathBuf>,
        token_code: Option<String>,
        now: SystemTime,
    ) -> Next {
        let Some(step) = self.step(ctx) else {
            return Poll::Ready(Err(Error::InvalidInput("no role left to assume".into())));
        };
        let endpoint = match ctx.sts_endpoint() {
            Ok(e) => e,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let mut params = AssumeRoleParams::new(step.role_arn.clone(), step.session_name());
        params.external_id = step.external_id.clone();
        params.duration_seconds = step.duration_seconds;
        if let (Some(serial), Some(code)) = (&step.mfa_serial, token_code) {
            params = params.mfa(serial.clone(), code);
        }
        let op = AssumeRole::new(endpoint, self.credentials.clone(), params);
        match op.request(now) {
            Ok(request) => {
                self.state = State::Send {
                    op: Box::new(op),
                    cache_path,
                };
                Poll::Act(Action::Send(request))
            }
            Err(e) => Poll::Ready(Err(with_profile(e, &step.profile))),
        }
    }
}

/// The AWS CLI cache file of `step`'s credentials.
pub(crate) fn cache_path(ctx: &Ctx, step: &RoleStep) -> Option<PathBuf> {
    let key = assume_role_cache_key(&AssumeRoleKeyInput {
        role_arn: &step.role_arn,
        role_session_name: step.role_session_name.as_deref(),
        external_id: step.external_id.as_deref(),
        serial_number: step.mfa_serial.as_deref(),
        duration_seconds: step.duration_seconds,
        policy: None,
    })
    .ok()?;
    Some(ctx.paths.cli_cache.join(cli_cache::cache_file_name(&key)))
}

/// The whole-response entry the AWS CLI writes; `None` when STS left out the assumed-role user.
pub(crate) fn cache_entry(
    assumed: &AssumedRole,
    response: &http::Response<Vec<u8>>,
) -> Option<Vec<u8>> {
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let request_id = response
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let entry = AssumeRoleEntry {
        credentials: &assumed.credentials,
        assumed_role_id: assumed.assumed_role_id.as_deref()?,
        arn: assumed.arn.as_deref()?,
        packed_policy_size: assumed.packed_policy_size.map(u64::from),
        source_identity: assumed.source_identity.as_deref(),
        metadata: ResponseMetadata {
            request_id,
            http_status: response.status().as_u16(),
            http_headers: &headers,
            retry_attempts: 0,
        },
    };
    cli_cache::assume_role_entry(&entry).ok()
}

/// Names the profile in a parameter error (a bad `role_arn`, `duration_seconds`…).
fn with_profile(e: Error, profile: &str) -> Error {
    match e {
        Error::InvalidInput(m) => Error::Config(format!("profile \"{profile}\": {m}")),
        other => other,
    }
}
