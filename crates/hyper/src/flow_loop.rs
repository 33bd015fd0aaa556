//! The flow loop: carries out the core's steps with real files, sockets, processes and sleeps.
//!
//! Network steps and waits are async; file work, the cross-process lock, `credential_process`
//! and the OAuth callback listener are blocking by nature and run on tokio's blocking pool so
//! they never stall the runtime's workers.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, Interact, ProcessOutput, Step};
use awscred_files::FileLock;
use awscred_files::callback::CallbackListener;

use crate::Client;

impl Client {
    /// Runs a flow to its end.
    ///
    /// Locks taken with [`Effect::Lock`] are released at [`Effect::Unlock`] or, at the latest, when
    /// this returns (or its future is dropped).
    pub async fn run<F: Flow + Send>(
        &self,
        mut flow: F,
        interact: &mut (dyn Interact + Send),
    ) -> Result<F::Output, Error> {
        let mut locks: Vec<(PathBuf, FileLock)> = Vec::new();
        let mut listener: Option<CallbackListener> = None;
        loop {
            let input = match flow.next_step(SystemTime::now()) {
                Step::Done(result) => return result,
                Step::Effect(Effect::Read(path)) => {
                    Input::File(blocking(&path, awscred_files::read_if_present).await)
                }
                Step::Effect(Effect::Send(request)) => Input::Response(self.send(request).await),
                Step::Effect(Effect::Write { path, contents }) => Input::Written(
                    blocking(&path, move |p| {
                        awscred_files::write_private_atomic(p, &contents)
                    })
                    .await,
                ),
                Step::Effect(Effect::Remove(path)) => Input::Written(
                    blocking(&path, |p| awscred_files::remove_if_present(p).map(drop)).await,
                ),
                Step::Effect(Effect::List(dir)) => {
                    Input::Listed(blocking(&dir, awscred_files::list_json).await)
                }
                Step::Effect(Effect::Lock(path)) => {
                    Input::Locked(match blocking(&path, FileLock::acquire).await {
                        Ok(lock) => {
                            locks.push((path, lock));
                            Ok(())
                        }
                        Err(e) => Err(e),
                    })
                }
                Step::Effect(Effect::Unlock(path)) => {
                    locks.retain(|(p, _)| p != &path);
                    Input::Unlocked
                }
                Step::Effect(Effect::Wait(d)) => {
                    tokio::time::sleep(d).await;
                    Input::Waited
                }
                Step::Effect(Effect::Run(command)) => Input::ProcessOutput(
                    match spawn(move || awscred_files::process::run(&command)).await {
                        Ok(Ok(f)) => Ok(ProcessOutput {
                            status: f.status,
                            stdout: f.stdout,
                            stderr: f.stderr,
                        }),
                        Ok(Err(e)) => Err(Error::Process(e.to_string())),
                        Err(e) => Err(Error::Process(e)),
                    },
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
                        Some(l) => match spawn(move || l.wait(timeout)).await {
                            Ok(result) => result.map_err(|e| Error::Login(e.to_string())),
                            Err(e) => Err(Error::Login(e)),
                        },
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

/// Runs blocking file work on `path` off the runtime's workers.
async fn blocking<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce(PathBuf) -> std::io::Result<T> + Send + 'static,
) -> Result<T, Error> {
    let owned = path.to_path_buf();
    match spawn(move || work(owned)).await {
        Ok(result) => result.map_err(|e| io_error(path, e)),
        Err(message) => Err(Error::Io {
            path: path.display().to_string(),
            message,
        }),
    }
}

/// `spawn_blocking`, with a failed task (a panic inside, a runtime shutting down) as a message.
async fn spawn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("the background task did not finish: {e}"))
}

fn io_error(path: impl AsRef<Path>, e: std::io::Error) -> Error {
    Error::Io {
        path: path.as_ref().display().to_string(),
        message: e.to_string(),
    }
}
