//! The shape every multi-step flow has (resolve, login, logout).
//!
//! A flow is a state machine. The driver asks it for the next [`Step`], carries the step out,
//! and answers with exactly one [`Input`]. All decisions stay in the flow; the driver only moves
//! bytes, files and time:
//!
//! ```text
//! loop {
//!     match flow.next_step(now()) {
//!         Step::Read(path)               => flow.handle(Input::File(read_if_present(&path)), now()),
//!         Step::Send(request)            => flow.handle(Input::Response(send_with_retries(request)), now()),
//!         Step::Write { path, contents } => flow.handle(Input::Written(write_private_atomic(&path, &contents)), now()),
//!         Step::Wait(d)                  => { sleep(d); flow.handle(Input::Waited, now()) }
//!         /* … */
//!         Step::Done(result)             => return result,
//!     }
//! }
//! ```

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::Error;

/// What a flow wants done next.
#[derive(Debug)]
pub enum Step<T> {
    /// Read this file. Answer [`Input::File`] (`None` when it does not exist).
    Read(PathBuf),
    /// Send this request, retrying per [`crate::retry`]. Answer [`Input::Response`].
    Send(http::Request<Vec<u8>>),
    /// Write this file atomically with mode 0600, creating directories 0700.
    /// Answer [`Input::Written`].
    Write {
        /// The file.
        path: PathBuf,
        /// Its new contents.
        contents: Vec<u8>,
    },
    /// Delete this file if it exists. Answer [`Input::Written`].
    Remove(PathBuf),
    /// List the `*.json` files of this directory. Answer [`Input::Listed`].
    List(PathBuf),
    /// List the temporary files that writers of this file killed before their rename left
    /// beside it (`.<name>.<…>.tmp`, as `awscred_files::list_orphans` does). Answer
    /// [`Input::Listed`].
    ListOrphans(PathBuf),
    /// Take the cross-process lock held in this file (blocking). Answer [`Input::Locked`].
    Lock(PathBuf),
    /// Release the lock taken with [`Step::Lock`]. Answer [`Input::Unlocked`].
    Unlock(PathBuf),
    /// Sleep this long. Answer [`Input::Waited`].
    Wait(Duration),
    /// Run this `credential_process` command line (split POSIX-shell style, no shell).
    /// Answer [`Input::ProcessOutput`].
    Run(String),
    /// Ask the user for the MFA code of this device. Answer [`Input::TokenCode`].
    AskTokenCode {
        /// The `mfa_serial`.
        serial: String,
    },
    /// Show the user this and, when it has a URL to open, try to open a browser.
    /// Answer [`Input::Shown`].
    Prompt(Prompt),
    /// Start listening on 127.0.0.1 on an ephemeral port for the OAuth redirect.
    /// Answer [`Input::Listening`] with the port.
    Listen,
    /// Wait for the redirect to arrive at the listener (at most `timeout`).
    /// Answer [`Input::Callback`] with its raw query string.
    AwaitCallback {
        /// How long to wait overall.
        timeout: Duration,
    },
    /// The flow has ended.
    Done(Result<T, Error>),
}

/// A flow borrowed by a driver stays inspectable after the driver is done with it.
impl<F: Flow + ?Sized> Flow for &mut F {
    type Output = F::Output;

    fn next_step(&mut self, now: SystemTime) -> Step<Self::Output> {
        (**self).next_step(now)
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        (**self).handle(input, now)
    }
}

/// What the user should be shown during a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Device-code login: open `verification_uri_complete` or enter `user_code` at `verification_uri`.
    DeviceCode {
        /// Where to go.
        verification_uri: String,
        /// The code to type there.
        user_code: String,
        /// The URL with the code filled in (open this in the browser).
        verification_uri_complete: String,
    },
    /// Authorization-code login: open this URL in the browser.
    Authorize {
        /// The `/authorize` URL.
        url: String,
    },
    /// The device-code flow is still waiting for the user (for a progress line).
    Polling,
}

/// The driver's answer to a [`Step`].
#[derive(Debug)]
pub enum Input {
    /// The file's contents, `None` when it does not exist.
    File(Result<Option<Vec<u8>>, Error>),
    /// The response, or the transport error after the last retry.
    Response(Result<http::Response<Vec<u8>>, Error>),
    /// The write or removal finished.
    Written(Result<(), Error>),
    /// The files found.
    Listed(Result<Vec<PathBuf>, Error>),
    /// The lock is held.
    Locked(Result<(), Error>),
    /// The lock was released.
    Unlocked,
    /// The wait is over.
    Waited,
    /// What the process printed, or why it could not run.
    ProcessOutput(Result<ProcessOutput, Error>),
    /// The code the user typed.
    TokenCode(Result<String, Error>),
    /// The prompt was shown.
    Shown,
    /// The listener's port.
    Listening(Result<u16, Error>),
    /// The redirect's raw query string (`code=…&state=…`).
    Callback(Result<String, Error>),
}

/// The result of running a `credential_process` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessOutput {
    /// The exit code (`None` when killed by a signal).
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

/// A flow: a state machine driven by [`Flow::next_step`] and [`Flow::handle`].
pub trait Flow {
    /// What the flow ends with.
    type Output;

    /// The next thing to do. Called again after each [`Flow::handle`].
    fn next_step(&mut self, now: SystemTime) -> Step<Self::Output>;

    /// The answer to the last step.
    fn handle(&mut self, input: Input, now: SystemTime);
}

/// What a flow may need from the person at the keyboard, for drivers to hand to their flow
/// loop. The CLI implements it on the terminal; libraries and servers use [`NonInteractive`].
pub trait Interact {
    /// Shows a login prompt (and opens the browser when appropriate).
    fn show(&mut self, prompt: &Prompt);
    /// Asks for the MFA code of `serial`.
    fn token_code(&mut self, serial: &str) -> Result<String, Error>;
}

/// Refuses anything interactive: for servers and scripts.
#[derive(Debug, Default, Clone, Copy)]
pub struct NonInteractive;

impl Interact for NonInteractive {
    fn show(&mut self, _prompt: &Prompt) {}
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!(
            "the profile needs an MFA code for {serial}, and no terminal is available to ask for it"
        )))
    }
}
