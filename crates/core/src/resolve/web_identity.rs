//! The web identity source: read the token file, call AssumeRoleWithWebIdentity.

use std::path::PathBuf;
use std::time::SystemTime;

use super::source::{Next, SourceOutput};
use super::{Action, Ctx, Poll, out_of_step};
use crate::config::WebIdentitySource;
use crate::flow::Input;
use crate::sts::AssumeRoleWithWebIdentity;
use crate::{Error, Operation};

enum State {
    Start,
    ReadingToken,
    Sending(Box<AssumeRoleWithWebIdentity>),
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
            State::ReadingToken => "reading the web identity token file",
            State::Sending(_) => "calling AssumeRoleWithWebIdentity",
            State::Done => "done with the source credentials",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        match (std::mem::replace(&mut self.state, State::Done), input) {
            (State::Start, None) => {
                self.state = State::ReadingToken;
                Poll::Act(Action::Read(PathBuf::from(&self.source.token_file)))
            }
            (State::ReadingToken, Some(Input::File(file))) => self.send(ctx, file, now),
            (State::Sending(op), Some(Input::Response(response))) => Poll::Ready(
                response
                    .and_then(|r| op.parse(&r))
                    .map(|assumed| SourceOutput::fresh(assumed.credentials)),
            ),
            (state, input) => {
                self.state = state;
                let name = self.name();
                self.state = State::Done;
                Poll::Ready(Err(out_of_step(input, name)))
            }
        }
    }

    fn send(&mut self, ctx: &Ctx, file: Result<Option<Vec<u8>>, Error>, now: SystemTime) -> Next {
        let w = &self.source;
        let bytes = match file {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Poll::Ready(Err(Error::Config(format!(
                    "the web identity token file {} (web_identity_token_file of profile \"{}\") does not exist",
                    w.token_file, w.profile
                ))));
            }
            Err(e) => return Poll::Ready(Err(e)),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Poll::Ready(Err(Error::Config(format!(
                "the web identity token file {} (profile \"{}\") is not UTF-8 text",
                w.token_file, w.profile
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
                self.state = State::Sending(Box::new(op));
                Poll::Act(Action::Send(request))
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}
