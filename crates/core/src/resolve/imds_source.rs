//! The instance metadata source: [`crate::imds::ImdsFetch`] driven through the flow's effects,
//! the session token kept between resolutions, and static stability applied to the result.

use std::time::SystemTime;

use super::source::{Next, SourceOutput};
use super::{Action, Poll, out_of_step};
use crate::config::Warning;
use crate::flow::Input;
use crate::imds::{ImdsFetch, ImdsSettings};
use crate::metadata::{self, MetadataMemory};

/// Gets the EC2 instance role's credentials.
pub(crate) struct ImdsRunner {
    fetch: ImdsFetch,
    memory: MetadataMemory,
    endpoint: String,
    done: bool,
    warnings: Vec<Warning>,
}

impl ImdsRunner {
    pub(crate) fn new(settings: ImdsSettings, memory: MetadataMemory) -> Self {
        let endpoint = settings.endpoint.clone();
        ImdsRunner {
            fetch: ImdsFetch::new(settings, memory.imds_token.clone()),
            memory,
            endpoint,
            done: false,
            warnings: Vec::new(),
        }
    }

    /// The memory to keep and the warnings, once the fetch has ended.
    pub(crate) fn take_memory(&mut self) -> Option<(MetadataMemory, Vec<Warning>)> {
        self.done
            .then(|| (self.memory.clone(), std::mem::take(&mut self.warnings)))
    }

    pub(crate) fn name(&self) -> &'static str {
        if self.done {
            "done with the instance metadata service"
        } else {
            "asking the instance metadata service"
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last request.
    pub(crate) fn resume(&mut self, input: Option<Input>, now: SystemTime) -> Next {
        match input {
            None => {}
            Some(Input::Response(response)) => self.fetch.on_response(response, now),
            Some(other) => return Poll::Ready(Err(out_of_step(Some(other), self.name()))),
        }
        match self.fetch.next(now) {
            metadata::Next::Send(request) => Poll::Act(Action::Send(request)),
            metadata::Next::Read(path) => Poll::Act(Action::Read(path)),
            metadata::Next::Done(result) => {
                self.done = true;
                self.memory.imds_token = self.fetch.session_token().cloned();
                // The extension's jitter comes from the clock, as aws-config seeds it: no
                // randomness inside the core, and no two instances in step for long.
                let jitter = jitter_from_time(now);
                let served = match self.memory.imds_stability.serve(result, now, jitter) {
                    Ok(served) => served,
                    Err(e) => return Poll::Ready(Err(e)),
                };
                self.warnings.extend(served.warning.map(|message| Warning {
                    file: format!("the instance metadata service at {}", self.endpoint),
                    line: 0,
                    message,
                }));
                Poll::Ready(Ok(SourceOutput::fresh(served.credentials)))
            }
        }
    }
}

fn jitter_from_time(now: SystemTime) -> f64 {
    let nanos = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // A multiplicative hash spreads nearby instants over [0, 1).
    crate::transport::jitter_from_bits(nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
