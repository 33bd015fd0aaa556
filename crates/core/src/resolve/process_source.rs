//! The `credential_process` source: run the command, read what it printed (`process.rs`).

use super::source::{Next, SourceOutput};
use super::{Action, Poll, out_of_step, process};
use crate::config::ProcessSource;
use crate::flow::Input;

enum State {
    Start,
    Running,
    Done,
}

/// Runs a profile's `credential_process`.
pub(crate) struct ProcessRunner {
    source: ProcessSource,
    state: State,
}

impl ProcessRunner {
    pub(crate) fn new(source: ProcessSource) -> Self {
        ProcessRunner {
            source,
            state: State::Start,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self.state {
            State::Start => "starting on the source credentials",
            State::Running => "running credential_process",
            State::Done => "done with the source credentials",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, input: Option<Input>) -> Next {
        match (std::mem::replace(&mut self.state, State::Done), input) {
            (State::Start, None) => {
                self.state = State::Running;
                Poll::Act(Action::Run(self.source.command.clone()))
            }
            (State::Running, Some(Input::ProcessOutput(out))) => {
                let p = &self.source;
                Poll::Ready(
                    out.and_then(|o| {
                        process::parse_output(&p.profile, &o, p.account_id.as_deref())
                    })
                    .map(SourceOutput::fresh),
                )
            }
            (state, input) => {
                self.state = state;
                let name = self.name();
                self.state = State::Done;
                Poll::Ready(Err(out_of_step(input, name)))
            }
        }
    }
}
