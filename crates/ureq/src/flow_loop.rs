//! The flow loop: carries out the core's steps with real files, sockets, processes and sleeps.

use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::flow::{Flow, Input, Interact, ProcessOutput, Step};
use awscred_files::{FileLock, callback::CallbackListener};

use crate::Client;

impl Client {
    /// Runs a flow to its end.
    pub fn run<F: Flow>(
        &self,
        mut flow: F,
        interact: &mut dyn Interact,
    ) -> Result<F::Output, Error> {
        let mut locks: Vec<(std::path::PathBuf, FileLock)> = Vec::new();
        let mut listener: Option<CallbackListener> = None;
        loop {
            let step = flow.next_step(SystemTime::now());
            trace_step(&step);
            let input = match step {
                Step::Done(result) => return result,
                Step::Read(path) => Input::File(
                    awscred_files::read_if_present(&path).map_err(|e| io_error(&path, e)),
                ),
                Step::Send(request) => Input::Response(self.send(request)),
                Step::Write { path, contents } => Input::Written(
                    awscred_files::write_private_atomic(&path, &contents)
                        .map_err(|e| io_error(&path, e)),
                ),
                Step::Remove(path) => Input::Written(
                    awscred_files::remove_if_present(&path)
                        .map(|_| ())
                        .map_err(|e| io_error(&path, e)),
                ),
                Step::List(dir) => {
                    Input::Listed(awscred_files::list_json(&dir).map_err(|e| io_error(&dir, e)))
                }
                Step::ListOrphans(path) => Input::Listed(
                    awscred_files::list_orphans(&path).map_err(|e| io_error(&path, e)),
                ),
                Step::Lock(path) => Input::Locked(match FileLock::acquire(&path) {
                    Ok(lock) => {
                        locks.push((path, lock));
                        Ok(())
                    }
                    Err(e) => Err(io_error(&path, e)),
                }),
                Step::Unlock(path) => {
                    locks.retain(|(p, _)| p != &path);
                    Input::Unlocked
                }
                Step::Wait(d) => {
                    std::thread::sleep(d);
                    Input::Waited
                }
                Step::Run(command) => Input::ProcessOutput(
                    awscred_files::process::run(&command)
                        .map(|f| ProcessOutput {
                            status: f.status,
                            stdout: f.stdout,
                            stderr: f.stderr,
                        })
                        .map_err(|e| Error::Process(e.to_string())),
                ),
                Step::AskTokenCode { serial } => Input::TokenCode(interact.token_code(&serial)),
                Step::Prompt(prompt) => {
                    interact.show(&prompt);
                    Input::Shown
                }
                Step::Listen => Input::Listening(match CallbackListener::bind() {
                    Ok(l) => {
                        let port = l.port();
                        listener = Some(l);
                        Ok(port)
                    }
                    Err(e) => Err(io_error("the 127.0.0.1 callback listener", e)),
                }),
                Step::AwaitCallback { timeout } => Input::Callback(match listener.take() {
                    Some(l) => l.wait(timeout).map_err(|e| Error::Login(e.to_string())),
                    None => Err(Error::Login("no callback listener was started".into())),
                }),
            };
            flow.handle(input, SystemTime::now());
        }
    }
}

fn io_error(path: impl AsRef<std::path::Path>, e: std::io::Error) -> Error {
    Error::Io {
        path: path.as_ref().display().to_string(),
        message: e.to_string(),
    }
}

/// Logs what a step does, never what it carries (file contents, request bodies).
fn trace_step<T>(step: &Step<T>) {
    match step {
        Step::Read(p) => tracing::debug!(path = %p.display(), "read file"),
        Step::Send(r) => {
            tracing::debug!(method = %r.method(), host = r.uri().host().unwrap_or(""), path = r.uri().path(), "send")
        }
        Step::Write { path, contents } => {
            tracing::debug!(path = %path.display(), bytes = contents.len(), "write file")
        }
        Step::Remove(p) => tracing::debug!(path = %p.display(), "remove file"),
        Step::List(p) => tracing::debug!(dir = %p.display(), "list directory"),
        Step::ListOrphans(p) => {
            tracing::debug!(path = %p.display(), "list orphaned temporary files")
        }
        Step::Lock(p) => tracing::debug!(path = %p.display(), "lock"),
        Step::Unlock(p) => tracing::debug!(path = %p.display(), "unlock"),
        Step::Wait(d) => tracing::debug!(ms = d.as_millis() as u64, "wait"),
        Step::Run(_) => tracing::debug!("run credential_process"),
        Step::AskTokenCode { serial } => tracing::debug!(%serial, "ask for MFA code"),
        Step::Prompt(_) => tracing::debug!("prompt"),
        Step::Listen => tracing::debug!("listen for the OAuth redirect"),
        Step::AwaitCallback { timeout } => {
            tracing::debug!(timeout_s = timeout.as_secs(), "await the OAuth redirect")
        }
        Step::Done(Ok(_)) => tracing::debug!("done"),
        Step::Done(Err(e)) => tracing::debug!(error = %e, "failed"),
    }
}
