//! The flow loop: carries out the core's steps with real files, sockets, processes and sleeps.

use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, Interact, ProcessOutput, Step};
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
                Step::Effect(Effect::Read(path)) => Input::File(
                    awscred_files::read_if_present(&path).map_err(|e| io_error(&path, e)),
                ),
                Step::Effect(Effect::Send(request)) => Input::Response(self.send(request)),
                Step::Effect(Effect::Write { path, contents }) => Input::Written(
                    awscred_files::write_private_atomic(&path, &contents)
                        .map_err(|e| io_error(&path, e)),
                ),
                Step::Effect(Effect::Remove(path)) => Input::Written(
                    awscred_files::remove_if_present(&path)
                        .map(|_| ())
                        .map_err(|e| io_error(&path, e)),
                ),
                Step::Effect(Effect::List(dir)) => {
                    Input::Listed(awscred_files::list_json(&dir).map_err(|e| io_error(&dir, e)))
                }
                Step::Effect(Effect::Lock(path)) => Input::Locked(match FileLock::acquire(&path) {
                    Ok(lock) => {
                        locks.push((path, lock));
                        Ok(())
                    }
                    Err(e) => Err(io_error(&path, e)),
                }),
                Step::Effect(Effect::Unlock(path)) => {
                    locks.retain(|(p, _)| p != &path);
                    Input::Unlocked
                }
                Step::Effect(Effect::Wait(d)) => {
                    std::thread::sleep(d);
                    Input::Waited
                }
                Step::Effect(Effect::Run(command)) => Input::ProcessOutput(
                    awscred_files::process::run(&command)
                        .map(|f| ProcessOutput {
                            status: f.status,
                            stdout: f.stdout,
                            stderr: f.stderr,
                        })
                        .map_err(|e| Error::Process(e.to_string())),
                ),
                Step::Effect(Effect::AskTokenCode { serial }) => {
                    Input::TokenCode(interact.token_code(&serial))
                }
                Step::Effect(Effect::Prompt(prompt)) => {
                    interact.show(&prompt);
                    Input::Shown
                }
                Step::Effect(Effect::Listen) => Input::Listening(match CallbackListener::bind() {
                    Ok(l) => {
                        let port = l.port();
                        listener = Some(l);
                        Ok(port)
                    }
                    Err(e) => Err(io_error("the 127.0.0.1 callback listener", e)),
                }),
                Step::Effect(Effect::AwaitCallback { timeout }) => {
                    Input::Callback(match listener.take() {
                        Some(l) => l.wait(timeout).map_err(|e| Error::Login(e.to_string())),
                        None => Err(Error::Login("no callback listener was started".into())),
                    })
                }
                // `Effect` is non-exhaustive: an effect this driver does not know ends the flow.
                Step::Effect(other) => {
                    return Err(Error::Unsupported(format!(
                        "this driver cannot carry out the {:?} effect",
                        other.kind()
                    )));
                }
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
        Step::Effect(Effect::Read(p)) => tracing::debug!(path = %p.display(), "read file"),
        Step::Effect(Effect::Send(r)) => {
            tracing::debug!(method = %r.method(), host = r.uri().host().unwrap_or(""), path = r.uri().path(), "send")
        }
        Step::Effect(Effect::Write { path, contents }) => {
            tracing::debug!(path = %path.display(), bytes = contents.len(), "write file")
        }
        Step::Effect(Effect::Remove(p)) => tracing::debug!(path = %p.display(), "remove file"),
        Step::Effect(Effect::List(p)) => tracing::debug!(dir = %p.display(), "list directory"),
        Step::Effect(Effect::Lock(p)) => tracing::debug!(path = %p.display(), "lock"),
        Step::Effect(Effect::Unlock(p)) => tracing::debug!(path = %p.display(), "unlock"),
        Step::Effect(Effect::Wait(d)) => tracing::debug!(ms = d.as_millis() as u64, "wait"),
        Step::Effect(Effect::Run(_)) => tracing::debug!("run credential_process"),
        Step::Effect(Effect::AskTokenCode { serial }) => {
            tracing::debug!(%serial, "ask for MFA code")
        }
        Step::Effect(Effect::Prompt(_)) => tracing::debug!("prompt"),
        Step::Effect(Effect::Listen) => tracing::debug!("listen for the OAuth redirect"),
        Step::Effect(Effect::AwaitCallback { timeout }) => {
            tracing::debug!(timeout_s = timeout.as_secs(), "await the OAuth redirect")
        }
        Step::Effect(other) => tracing::debug!(effect = ?other.kind(), "effect"),
        Step::Done(Ok(_)) => tracing::debug!("done"),
        Step::Done(Err(e)) => tracing::debug!(error = %e, "failed"),
    }
}
