//! One executor of the core's local effects, for every driver.
//!
//! A driver runs a flow by asking it for the next [`Step`] and answering each [`Effect`] with
//! an [`Input`]. The effects split in two:
//!
//! * **local effects** — [`Effect::Read`], [`Effect::Write`], [`Effect::Remove`], [`Effect::List`],
//!   [`Effect::ListOrphans`],
//!   [`Effect::Lock`], [`Effect::Unlock`], [`Effect::Run`], [`Effect::Listen`],
//!   [`Effect::AwaitCallback`] — are the same for every runtime and are carried out here, by
//!   [`LocalEffects::carry_out`], which also keeps their state: the locks held and the OAuth
//!   callback listener, and answers [`Carried::Answered`];
//! * **the driver's own** — [`Effect::Send`] (its transport, with [`awscred_core::retry`]),
//!   [`Effect::Wait`] (its sleep), [`Effect::AskTokenCode`], [`Effect::AskVerificationCode`]
//!   and [`Effect::Prompt`] (its user) —
//!   are handed back untouched ([`Carried::HandedBack`]), as is any effect a later core adds.
//!
//! Everything here blocks (`std::fs`, `flock`, a child process, a socket accept loop): an async
//! driver moves the executor to a blocking thread for each effect (it is `Send`) and back.
//!
//! ```
//! use std::time::SystemTime;
//! use awscred_core::flow::{Effect, Flow, Input, Step};
//! use awscred_files::executor::{Carried, LocalEffects};
//!
//! /// A driver with no network and no user: everything else is the executor's.
//! fn run<F: Flow>(mut flow: F) -> Result<F::Output, awscred_core::Error> {
//!     let mut local = LocalEffects::new();
//!     loop {
//!         let effect = match local.next_step(&mut flow) { // asks the flow, traces the step
//!             Step::Effect(effect) => effect,
//!             Step::Done(result) => return result,
//!         };
//!         let input = match local.carry_out(effect) {
//!             Carried::Answered(input) => input,
//!             Carried::HandedBack(Effect::Wait(d)) => { std::thread::sleep(d); Input::Waited }
//!             other => other.into_input()?, // an effect this driver cannot carry out
//!         };
//!         flow.handle(input, SystemTime::now());
//!     }
//! }
//! # struct ReadOnce(std::path::PathBuf, Option<Input>);
//! # impl Flow for ReadOnce {
//! #     type Output = bool;
//! #     fn next_step(&mut self, _: SystemTime) -> Step<bool> {
//! #         match &self.1 {
//! #             None => Step::Effect(Effect::Read(self.0.clone())),
//! #             Some(Input::File(Ok(found))) => Step::Done(Ok(found.is_some())),
//! #             Some(_) => Step::Done(Ok(false)),
//! #         }
//! #     }
//! #     fn handle(&mut self, input: Input, _: SystemTime) { self.1 = Some(input) }
//! # }
//! let dir = tempfile::tempdir()?;
//! assert_eq!(run(ReadOnce(dir.path().join("absent.json"), None))?, false);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! How each local effect touches the disk, so that another runtime can interoperate with
//! awscred and the AWS CLI on one `~/.aws`, is specified in the [crate documentation](crate).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, ProcessOutput, Step};

use crate::FileLock;
use crate::callback::CallbackListener;

/// The local effects of one flow run and their state: the locks it holds and its OAuth callback
/// listener. Dropping it releases every lock still held and closes the listener, so a run that
/// ends early (an error, a dropped future) leaves nothing locked.
#[derive(Debug, Default)]
pub struct LocalEffects {
    locks: Vec<(PathBuf, FileLock)>,
    listener: Option<CallbackListener>,
}

impl LocalEffects {
    /// Nothing held yet.
    pub fn new() -> Self {
        LocalEffects::default()
    }

    /// Asks `flow` for its next step at the current time, and traces it ([`trace_step`]):
    /// the top of every driver's loop.
    pub fn next_step<F: Flow>(&self, flow: &mut F) -> Step<F::Output> {
        let step = flow.next_step(SystemTime::now());
        trace_step(&step);
        step
    }

    /// The lock files held now, oldest first.
    pub fn locks_held(&self) -> impl Iterator<Item = &Path> {
        self.locks.iter().map(|(path, _)| path.as_path())
    }

    /// Carries out `effect` if it is a local one and returns the [`Input`] that answers it;
    /// hands any other effect back untouched for the driver.
    ///
    /// Failures are answers too (`Input::File(Err(..))`…): the flow decides what they mean.
    pub fn carry_out(&mut self, effect: Effect) -> Carried {
        let input = match effect {
            Effect::Read(path) => {
                Input::File(crate::read_if_present(&path).map_err(|e| Error::io(&path, &e)))
            }
            Effect::Write { path, contents } => Input::Written(
                crate::write_private_atomic(&path, &contents).map_err(|e| Error::io(&path, &e)),
            ),
            Effect::Remove(path) => Input::Written(
                crate::remove_if_present(&path)
                    .map(drop)
                    .map_err(|e| Error::io(&path, &e)),
            ),
            Effect::List(dir) => {
                Input::Listed(crate::list_json(&dir).map_err(|e| Error::io(&dir, &e)))
            }
            Effect::ListOrphans(path) => {
                Input::Listed(crate::list_orphans(&path).map_err(|e| Error::io(&path, &e)))
            }
            Effect::Lock(path) => Input::Locked(self.lock(path)),
            Effect::Unlock(path) => {
                // Dropping the `FileLock` releases it.
                self.locks.retain(|(held, _)| held != &path);
                Input::Unlocked
            }
            Effect::Run(command) => Input::ProcessOutput(run_process(&command)),
            Effect::Listen => Input::Listening(self.listen()),
            Effect::AwaitCallback { timeout, check } => {
                Input::Callback(match self.listener.take() {
                    Some(listener) => listener
                        .wait(timeout, &check)
                        .map_err(|e| Error::Login(e.to_string())),
                    None => Err(Error::Login(
                        "the flow awaited the OAuth redirect before listening for it".into(),
                    )),
                })
            }
            driver => return Carried::HandedBack(driver),
        };
        Carried::Answered(input)
    }

    fn lock(&mut self, path: PathBuf) -> Result<(), Error> {
        let lock = FileLock::acquire(&path).map_err(|e| Error::io(&path, &e))?;
        self.locks.push((path, lock));
        Ok(())
    }

    fn listen(&mut self) -> Result<u16, Error> {
        let listener = CallbackListener::bind()
            .map_err(|e| Error::io("the 127.0.0.1 callback listener", &e))?;
        let port = listener.port();
        self.listener = Some(listener);
        Ok(port)
    }
}

/// What [`LocalEffects::carry_out`] did with an effect.
#[derive(Debug)]
pub enum Carried {
    /// It was a local effect, carried out: hand this answer to the flow.
    Answered(Input),
    /// It is not a local effect: the driver's to carry out (or to refuse).
    HandedBack(Effect),
}

impl Carried {
    /// The answer, or — for an effect handed back — the error a driver that has already
    /// handled all of its own effects ends the run with ([`not_carried_out`]).
    pub fn into_input(self) -> Result<Input, Error> {
        match self {
            Carried::Answered(input) => Ok(input),
            Carried::HandedBack(effect) => Err(not_carried_out(&effect)),
        }
    }
}

fn run_process(command: &str) -> Result<ProcessOutput, Error> {
    crate::process::run(command)
        .map(|f| ProcessOutput {
            status: f.status,
            stdout: f.stdout,
            stderr: f.stderr,
        })
        .map_err(|e| Error::Process(e.to_string()))
}

/// The error a driver ends a run with when an effect is neither a local one nor one it
/// carries out itself (a driver without a user, or an effect added to the core after the
/// driver was written).
pub fn not_carried_out(effect: &Effect) -> Error {
    Error::Unsupported(format!(
        "this driver cannot carry out the flow's {:?} effect",
        effect.kind()
    ))
}

/// Logs, at debug level, what a step does — never what it carries (file contents, request
/// bodies, headers, queries, prompts, codes). Every driver calls it for every step, so all
/// drivers trace alike.
pub fn trace_step<T>(step: &Step<T>) {
    let effect = match step {
        Step::Effect(effect) => effect,
        Step::Done(Ok(_)) => return tracing::debug!("done"),
        Step::Done(Err(e)) => return tracing::debug!(error = %e, "failed"),
    };
    match effect {
        Effect::Read(p) => tracing::debug!(path = %p.display(), "read file"),
        Effect::Send(r) => tracing::debug!(
            method = %r.method(),
            host = r.uri().host().unwrap_or(""),
            path = r.uri().path(),
            "send"
        ),
        Effect::Write { path, contents } => {
            tracing::debug!(path = %path.display(), bytes = contents.len(), "write file")
        }
        Effect::Remove(p) => tracing::debug!(path = %p.display(), "remove file"),
        Effect::List(p) => tracing::debug!(dir = %p.display(), "list directory"),
        Effect::ListOrphans(p) => {
            tracing::debug!(path = %p.display(), "list orphaned temporary files")
        }
        Effect::Lock(p) => tracing::debug!(path = %p.display(), "lock"),
        Effect::Unlock(p) => tracing::debug!(path = %p.display(), "unlock"),
        Effect::Wait(d) => tracing::debug!(ms = d.as_millis() as u64, "wait"),
        Effect::Run(_) => tracing::debug!("run credential_process"),
        Effect::AskTokenCode { serial } => tracing::debug!(%serial, "ask for MFA code"),
        Effect::Prompt(_) => tracing::debug!("prompt"),
        Effect::AskVerificationCode { .. } => tracing::debug!("ask for the verification code"),
        Effect::Listen => tracing::debug!("listen for the OAuth redirect"),
        Effect::AwaitCallback { timeout, .. } => {
            tracing::debug!(timeout_s = timeout.as_secs(), "await the OAuth redirect")
        }
        other => tracing::debug!(effect = ?other.kind(), "effect"),
    }
}
