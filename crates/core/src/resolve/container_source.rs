//! The container source (ECS, EKS Pod Identity): [`crate::container::ContainerFetch`] driven
//! through the flow's effects — the token file read, the GET sent.

use std::time::SystemTime;

use super::source::{Next, SourceOutput};
use super::{Action, Poll, out_of_step};
use crate::container::{ContainerFetch, ContainerSettings};
use crate::flow::Input;
use crate::metadata;

/// Gets the task's or pod's role credentials.
pub(crate) struct ContainerRunner {
    fetch: ContainerFetch,
    done: bool,
}

impl ContainerRunner {
    pub(crate) fn new(settings: ContainerSettings) -> Self {
        ContainerRunner {
            fetch: ContainerFetch::new(settings),
            done: false,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        if self.done {
            "done with the container credentials endpoint"
        } else {
            "asking the container credentials endpoint"
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, input: Option<Input>, now: SystemTime) -> Next {
        match input {
            None => {}
            Some(Input::File(file)) => self.fetch.on_file(file),
            Some(Input::Response(response)) => self.fetch.on_response(response),
            Some(other) => return Poll::Ready(Err(out_of_step(Some(other), self.name()))),
        }
        match self.fetch.next(now) {
            metadata::Next::Send(request) => Poll::Act(Action::Send(request)),
            metadata::Next::Read(path) => Poll::Act(Action::Read(path)),
            metadata::Next::Done(result) => {
                self.done = true;
                Poll::Ready(result.map(SourceOutput::fresh))
            }
        }
    }
}
