//! The web identity source: the AWS CLI cache, else read the token file and call
//! AssumeRoleWithWebIdentity, then fill the cache. The AWS CLI caches web identity results in
//! `~/.aws/cli/cache` like AssumeRole ones (awscli `customizations/assumerole.py` gives both
//! providers its JSON file cache), keyed by botocore's assume-role arguments (`RoleArn` and a
//! configured `RoleSessionName`), so awscred and the AWS CLI reuse each other's.

use std::path::PathBuf;
use std::time::SystemTime;

use super::source::{Next, SourceOutput};
use super::{Action, Ctx, Poll, chain, out_of_step};
use crate::cli_cache::{self, AssumeRoleKeyInput};
use crate::config::WebIdentitySource;
use crate::flow::Input;
use crate::sts::AssumeRoleWithWebIdentity;
use crate::{Credentials, Error, Operation};

enum State {
    Start,
    ReadingCache(PathBuf),
    ReadingToken(Option<PathBuf>),
    Sending(Box<AssumeRoleWithWebIdentity>, Option<PathBuf>),
    Writing(Credentials),
    Done,
}

/// Exchanges a web identity token for credentials.
pub(crate) struct WebIdentityRunner {
    source: WebIdentitySource,
    state: State,
}

impl WebIdentityRunner {
    pub(crate) fn new(source: WebIdentitySource) -> Self {
        WebIdentityRunner {
            source,
            state: State::Start,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self.state {
            State::Start => "starting on the source credentials",
            State::ReadingCache(_) => "reading the AWS CLI cache for the web identity role",
            State::ReadingToken(_) => "reading the web identity token file",
            State::Sending(..) => "calling AssumeRoleWithWebIdentity",
            State::Writing(_) => "writing the AWS CLI cache for the web identity role",
            State::Done => "done with the source credentials",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        match (std::mem::replace(&mut self.state, State::Done), input) {
            (State::Start, None) => match ctx.use_cli_cache.then(|| self.cache_path(ctx)).flatten()
            {
                Some(path) => {
                    self.state = State::ReadingCache(path.clone());
                    Poll::Act(Action::Read(path))
                }
                None => self.read_token(None),
            },
            (State::ReadingCache(path), Some(Input::File(file))) => {
                let cached = file
                    .ok()
                    .flatten()
                    .and_then(|bytes| cli_cache::parse_entry(&bytes).ok())
                    .filter(|c| cli_cache::is_reusable(c, now));
                match cached {
                    Some(credentials) => Poll::Ready(Ok(SourceOutput {
                        from_cli_cache: true,
                        ..SourceOutput::fresh(credentials)
                    })),
                    // The cache is an optimisation: an unreadable entry is a miss.
                    None => self.read_token(Some(path)),
                }
            }
            (State::ReadingToken(cache), Some(Input::File(file))) => {
                self.send(ctx, file, cache, now)
            }
            (State::Sending(op, cache), Some(Input::Response(response))) => {
                let response = match response {
                    Ok(r) => r,
                    Err(e) => return Poll::Ready(Err(e)),
                };
                let assumed = match op.parse(&response) {
                    Ok(a) => a,
                    Err(e) => return Poll::Ready(Err(e)),
                };
                match cache.and_then(|p| chain::cache_entry(&assumed, &response).map(|c| (p, c))) {
                    Some((path, contents)) => {
                        self.state = State::Writing(assumed.credentials);
                        Poll::Act(Action::Write { path, contents })
                    }
                    None => Poll::Ready(Ok(SourceOutput::fresh(assumed.credentials))),
                }
            }
            // A failed cache write costs the next call a request, nothing more.
            (State::Writing(credentials), Some(Input::Written(_))) => {
                Poll::Ready(Ok(SourceOutput::fresh(credentials)))
            }
            (state, input) => {
                self.state = state;
                let name = self.name();
                self.state = State::Done;
                Poll::Ready(Err(out_of_step(input, name)))
            }
        }
    }

    /// botocore's `AssumeRoleWithWebIdentityCredentialFetcher` cache key: its assume-role
    /// arguments, the token left out.
    fn cache_path(&self, ctx: &Ctx) -> Option<PathBuf> {
        let key = cli_cache::assume_role_cache_key(&AssumeRoleKeyInput {
            role_arn: &self.source.role_arn,
            role_session_name: self.source.role_session_name.as_deref(),
            external_id: None,
            serial_number: None,
            duration_seconds: None,
            policy: None,
        })
        .ok()?;
        Some(ctx.paths.cli_cache.join(cli_cache::cache_file_name(&key)))
    }

    fn read_token(&mut self, cache: Option<PathBuf>) -> Next {
        self.state = State::ReadingToken(cache);
        Poll::Act(Action::Read(PathBuf::from(&self.source.token_file)))
    }

    fn send(
        &mut self,
        ctx: &Ctx,
        file: Result<Option<Vec<u8>>, Error>,
        cache: Option<PathBuf>,
        now: SystemTime,
    ) -> Next {
        let w = &self.source;
        let bytes = match file {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Poll::Ready(Err(Error::Config(format!(
                    "the web identity token file {} ({}) does not exist",
                    w.token_file, w.token_file_source
                ))));
            }
            Err(e) => return Poll::Ready(Err(e)),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Poll::Ready(Err(Error::Config(format!(
                "the web identity token file {} ({}) is not UTF-8 text",
                w.token_file, w.token_file_source
            ))));
        };
        let endpoint = match ctx.sts_endpoint() {
            Ok(e) => e,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let op = AssumeRoleWithWebIdentity::new(
            endpoint,
            w.role_arn.clone(),
            w.session_name(),
            text.trim(),
        );
        match op.request(now) {
            Ok(request) => {
                self.state = State::Sending(Box::new(op), cache);
                Poll::Act(Action::Send(request))
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}
