//! `--debug`: a trace of what a flow asks the driver to do and what came back. It names files,
//! hosts, paths and statuses only: never headers, bodies, query strings or file contents, which
//! is where tokens, keys and codes live.

use std::time::SystemTime;

use awscred_core::flow::{Flow, Input, Step};

/// A flow whose steps and answers are traced at debug level.
pub struct Traced<F>(pub F);

impl<F: Flow> Flow for Traced<F> {
    type Output = F::Output;

    fn next_step(&mut self, now: SystemTime) -> Step<F::Output> {
        let step = self.0.next_step(now);
        match &step {
            Step::Read(path) => tracing::debug!(path = %path.display(), "read"),
            Step::Send(request) => {
                let uri = request.uri();
                tracing::debug!(
                    method = %request.method(),
                    host = uri.host().unwrap_or(""),
                    port = uri.port_u16(),
                    path = uri.path(),
                    "send"
                );
            }
            Step::Write { path, contents } => {
                tracing::debug!(path = %path.display(), bytes = contents.len(), "write")
            }
            Step::Remove(path) => tracing::debug!(path = %path.display(), "remove"),
            Step::List(dir) => tracing::debug!(dir = %dir.display(), "list"),
            Step::Lock(path) => tracing::debug!(path = %path.display(), "lock"),
            Step::Unlock(path) => tracing::debug!(path = %path.display(), "unlock"),
            Step::Wait(d) => tracing::debug!(?d, "wait"),
            Step::Run(_) => tracing::debug!("run credential_process"),
            Step::AskTokenCode { serial } => tracing::debug!(serial, "ask for the MFA code"),
            Step::Prompt(_) => tracing::debug!("prompt"),
            Step::Listen => tracing::debug!("listen for the login callback"),
            Step::AwaitCallback { timeout } => tracing::debug!(?timeout, "await the callback"),
            Step::Done(Ok(_)) => tracing::debug!("done"),
            Step::Done(Err(e)) => tracing::debug!(error = %e, "done with an error"),
        }
        step
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        match &input {
            Input::File(Ok(Some(bytes))) => tracing::debug!(bytes = bytes.len(), "file read"),
            Input::File(Ok(None)) => tracing::debug!("no such file"),
            Input::Response(Ok(response)) => {
                tracing::debug!(status = response.status().as_u16(), "response")
            }
            Input::Listed(Ok(files)) => tracing::debug!(files = files.len(), "listed"),
            Input::ProcessOutput(Ok(out)) => tracing::debug!(status = ?out.status, "process ended"),
            Input::Listening(Ok(port)) => tracing::debug!(port, "listening"),
            Input::Callback(Ok(_)) => tracing::debug!("callback received"),
            Input::File(Err(e))
            | Input::Response(Err(e))
            | Input::Written(Err(e))
            | Input::Listed(Err(e))
            | Input::Locked(Err(e))
            | Input::ProcessOutput(Err(e))
            | Input::TokenCode(Err(e))
            | Input::Listening(Err(e))
            | Input::Callback(Err(e)) => tracing::debug!(error = %e, "failed"),
            Input::Written(Ok(()))
            | Input::Locked(Ok(()))
            | Input::Unlocked
            | Input::Waited
            | Input::TokenCode(Ok(_))
            | Input::Shown => {}
        }
        self.0.handle(input, now);
    }
}
