//! One executor of the core's local effects, for every driver.
//!
//! A driver runs a flow by asking it for the next [`Step`] and answering with an [`Input`]. The
//! steps split in two:
//!
//! * **local effects** — [`Step::Read`], [`Step::Write`], [`Step::Remove`], [`Step::List`],
//!   [`Step::Lock`], [`Step::Unlock`], [`Step::Run`], [`Step::Listen`],
//!   [`Step::AwaitCallback`] — are the same for every runtime and are carried out here, by
//!   [`LocalEffects::carry_out`], which also keeps their state: the locks held and the OAuth
//!   callback listener, and answers [`Carried::Answered`];
//! * **the driver's own** — [`Step::Send`] (its transport, with [`awscred_core::retry`]),
//!   [`Step::Wait`] (its sleep), [`Step::AskTokenCode`] and [`Step::Prompt`] (its user) and
//!   [`Step::Done`] — are handed back untouched ([`Carried::HandedBack`]).
//!
//! Everything here blocks (`std::fs`, `flock`, a child process, a socket accept loop): an async
//! driver moves the executor to a blocking thread for each effect (it is `Send`) and back.
//!
//! ```
//! use std::time::SystemTime;
//! use awscred_core::flow::{Flow, Input, Step};
//! use awscred_files::executor::{Carried, LocalEffects};
//!
//! /// A driver with no network and no user: everything else is the executor's.
//! fn run<F: Flow>(mut flow: F) -> Result<F::Output, awscred_core::Error> {
//!     let mut local = LocalEffects::new();
//!     loop {
//!         let step = local.next_step(&mut flow); // asks the flow, traces the step
//!         let input = match local.carry_out(step) {
//!             Carried::Answered(input) => input,
//!             Carried::HandedBack(Step::Done(result)) => return result,
//!             Carried::HandedBack(Step::Wait(d)) => { std::thread::sleep(d); Input::Waited }
//!             other => other.into_input()?, // a step this driver cannot carry out
//!         };
//!         flow.handle(input, SystemTime::now());
//!     }
//! }
//! # struct ReadOnce(std::path::PathBuf, Option<Input>);
//! # impl Flow for ReadOnce {
//! #     type Output = bool;
//! #     fn next_step(&mut self, _: SystemTime) -> Step<bool> {
//! #         match &self.1 {
//! #             None => Step::Read(self.0.clone()),
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
use awscred_core::flow::{Flow, Input, ProcessOutput, Step};

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

    /// Carries out `step` if it is a local effect and returns the [`Input`] that answers it;
    /// hands any other step back untouched for the driver.
    ///
    /// Failures are answers too (`Input::File(Err(..))`…): the flow decides what they mean.
    pub fn carry_out<T>(&mut self, step: Step<T>) -> Carried<T> {
        let input = match step {
            Step::Read(path) => {
                Input::File(crate::read_if_present(&path).map_err(|e| Error::io(&path, &e)))
            }
            Step::Write { path, contents } => Input::Written(
                crate::write_private_atomic(&path, &contents).map_err(|e| Error::io(&path, &e)),
            ),
            Step::Remove(path) => Input::Written(
                crate::remove_if_present(&path)
                    .map(drop)
                    .map_err(|e| Error::io(&path, &e)),
            ),
            Step::List(dir) => {
                Input::Listed(crate::list_json(&dir).map_err(|e| Error::io(&dir, &e)))
            }
            Step::Lock(path) => Input::Locked(self.lock(path)),
            Step::Unlock(path) => {
                // Dropping the `FileLock` releases it.
                self.locks.retain(|(held, _)| held != &path);
                Input::Unlocked
            }
            Step::Run(command) => Input::ProcessOutput(run_process(&command)),
            Step::Listen => Input::Listening(self.listen()),
            Step::AwaitCallback { timeout } => Input::Callback(match self.listener.take() {
                Some(listener) => listener
                    .wait(timeout)
                    .map_err(|e| Error::Login(e.to_string())),
                None => Err(Error::Login(
                    "the flow awaited the OAuth redirect before listening for it".into(),
                )),
            }),
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

/// What [`LocalEffects::carry_out`] did with a step.
#[derive(Debug)]
pub enum Carried<T> {
    /// It was a local effect, carried out: hand this answer to the flow.
    Answered(Input),
    /// It is not a local effect: the driver's to carry out (or to refuse).
    HandedBack(Step<T>),
}

impl<T> Carried<T> {
    /// The answer, or — for a step handed back — the error a driver that has already handled
    /// all of its own steps ends the run with ([`not_carried_out`]).
    pub fn into_input(self) -> Result<Input, Error> {
        match self {
            Carried::Answered(input) => Ok(input),
            Carried::HandedBack(step) => Err(not_carried_out(&step)),
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

/// The step's name, for logs and errors (`"Read"`, `"Send"`…).
pub fn step_name<T>(step: &Step<T>) -> &'static str {
    match step {
        Step::Read(_) => "Read",
        Step::Send(_) => "Send",
        Step::Write { .. } => "Write",
        Step::Remove(_) => "Remove",
        Step::List(_) => "List",
        Step::Lock(_) => "Lock",
        Step::Unlock(_) => "Unlock",
        Step::Wait(_) => "Wait",
        Step::Run(_) => "Run",
        Step::AskTokenCode { .. } => "AskTokenCode",
        Step::Prompt(_) => "Prompt",
        Step::Listen => "Listen",
        Step::AwaitCallback { .. } => "AwaitCallback",
        Step::Done(_) => "Done",
    }
}

/// The error a driver ends a run with when a step is neither a local effect nor one it
/// carries out itself (a driver without a user, or a step added to the core after the driver
/// was written).
pub fn not_carried_out<T>(step: &Step<T>) -> Error {
    Error::Unsupported(format!(
        "this driver cannot carry out the flow's {} step",
        step_name(step)
    ))
}

/// Logs, at debug level, what a step does — never what it carries (file contents, request
/// bodies, headers, queries, prompts, codes). Every driver calls it for every step, so all
/// drivers trace alike.
pub fn trace_step<T>(step: &Step<T>) {
    match step {
        Step::Read(p) => tracing::debug!(path = %p.display(), "read file"),
        Step::Send(r) => tracing::debug!(
            method = %r.method(),
            host = r.uri().host().unwrap_or(""),
            path = r.uri().path(),
            "send"
        ),
        Step::Write { path, contents } => {
            tracing::debug!(path = %path.display(), bytes = contents.len(), "write file")
        }
        Step::Remove(p) => tracing::debug!(path = %p.display(), "remove file"),
        Step::List(p) => tracing::debug!(dir = %p.display(), "list directory"),
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
