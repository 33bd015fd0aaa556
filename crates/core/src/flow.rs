//! The shape every multi-step flow has (resolve, SSO access, login, logout).
//!
//! A flow is a state machine. The driver asks it for the next [`Step`]: either an [`Effect`]
//! to carry out, or [`Step::Done`]. The driver carries the effect out and answers with exactly
//! one [`Input`] — the one [`EffectKind::answer`] names. All decisions stay in the flow; the
//! driver only moves bytes, files and time.
//!
//! Each flow documents which effects it can emit; a driver that serves only those flows may
//! refuse the others. [`Effect`] is `#[non_exhaustive]`: a driver outside this crate ends its
//! `match` with an arm for effects it does not know and ends the flow there with an error
//! (awscred's drivers return [`Error::Unsupported`]). An answer of the wrong kind is caught by
//! the flow ([`Awaiting`]) and ends it with an error naming both kinds.
//!
//! A whole resolution, driven by a fake transport and files held in memory: an SSO profile
//! whose token is cached, and a portal that answers GetRoleCredentials.
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::path::PathBuf;
//! use std::time::{Duration, SystemTime};
//!
//! use awscred_core::config::{Env, Platform};
//! use awscred_core::flow::{Effect, Flow, Input, Step};
//! use awscred_core::resolve::{ResolveFlow, ResolveRequest};
//! use awscred_core::token::token_file_name;
//!
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
//! let in_an_hour = awscred_core::time::format_z(now + Duration::from_secs(3600));
//!
//! let mut files: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
//! files.insert(
//!     "/home/u/.aws/config".into(),
//!     b"[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n\
//!       sso_role_name = ReadOnly\nregion = eu-west-1\n\n\
//!       [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
//!       sso_region = eu-west-1\n"
//!         .to_vec(),
//! );
//! files.insert(
//!     PathBuf::from("/home/u/.aws/sso/cache").join(token_file_name("corp")),
//!     format!(
//!         r#"{{"accessToken":"cached-access-token","expiresAt":"{in_an_hour}",
//!             "startUrl":"https://corp.awsapps.com/start","region":"eu-west-1"}}"#
//!     )
//!     .into_bytes(),
//! );
//!
//! // The transport: the SSO portal's GetRoleCredentials, canned.
//! let portal = |request: &http::Request<Vec<u8>>| {
//!     assert_eq!(request.uri().path(), "/federation/credentials");
//!     assert_eq!(request.headers()["x-amz-sso_bearer_token"], "cached-access-token");
//!     let expiration = (now + Duration::from_secs(3600))
//!         .duration_since(SystemTime::UNIX_EPOCH)?
//!         .as_millis();
//!     let body = format!(
//!         r#"{{"roleCredentials":{{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"secret",
//!             "sessionToken":"session","expiration":{expiration}}}}}"#
//!     );
//!     Ok::<_, Box<dyn std::error::Error>>(http::Response::builder().status(200).body(body.into_bytes())?)
//! };
//!
//! let env = Env::from_pairs([("HOME", "/home/u"), ("AWS_PROFILE", "dev")]);
//! let mut request = ResolveRequest::new(env);
//! request.platform = Platform::Unix;
//! let mut flow = ResolveFlow::new(request);
//! let resolved = loop {
//!     let input = match flow.next_step(now) {
//!         Step::Done(result) => break result?,
//!         Step::Effect(Effect::Read(path)) => Input::File(Ok(files.get(&path).cloned())),
//!         Step::Effect(Effect::Send(request)) => Input::Response(Ok(portal(&request)?)),
//!         Step::Effect(Effect::Write { path, contents }) => {
//!             files.insert(path, contents);
//!             Input::Written(Ok(()))
//!         }
//!         Step::Effect(other) => panic!("this profile needs no {:?}", other.kind()),
//!     };
//!     flow.handle(input, now);
//! };
//! assert_eq!(resolved.profile, "dev");
//! assert_eq!(resolved.region.as_deref(), Some("eu-west-1"));
//! assert_eq!(resolved.credentials.access_key_id(), "ASIAEXAMPLE");
//! assert_eq!(resolved.credentials.account_id(), Some("123456789012"));
//! // The role credentials went to the AWS CLI's cache, as `aws` would have put them.
//! assert!(files.keys().any(|p| p.starts_with("/home/u/.aws/cli/cache")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::Error;

/// What a flow wants next: an effect carried out, or nothing more.
#[derive(Debug)]
pub enum Step<T> {
    /// Carry this out and answer with the [`Input`] [`EffectKind::answer`] names.
    Effect(Effect),
    /// The flow has ended.
    Done(Result<T, Error>),
}

/// Something only the driver can do: touch a file, the network, the clock, a process or the
/// user. `Debug` shows no secret: bodies and file contents appear as their length, secret
/// headers as `** redacted **`.
#[non_exhaustive]
pub enum Effect {
    /// Read this file. Answer [`Input::File`] (`None` when it does not exist).
    Read(PathBuf),
    /// Send this request with retries ([`crate::retry::Attempts`], with the policy
    /// [`Flow::retry_settings`] asks for). Answer [`Input::Response`] with the last answer.
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
    /// Release the lock taken with [`Effect::Lock`]. Answer [`Input::Unlocked`].
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
    /// Cross-device login (`aws login --remote`): show the user this authorize URL to open on
    /// any device, and ask for the verification code the sign-in page shows at the end.
    /// Answer [`Input::TokenCode`] with the code as typed ([`Interact::verification_code`]).
    AskVerificationCode {
        /// The `/authorize` URL to open.
        url: String,
    },
    /// Start listening on 127.0.0.1 on an ephemeral port for the OAuth redirect.
    /// Answer [`Input::Listening`] with the port.
    Listen,
    /// Wait for the redirect to arrive at the listener (at most `timeout`): answer each request
    /// with the page of `check`'s verdict on it, until a verdict is final.
    /// Answer [`Input::Callback`] with the final request's query string.
    AwaitCallback {
        /// How long to wait overall.
        timeout: Duration,
        /// Which requests end the wait (this login's `state`); the others are refused.
        check: crate::oidc::callback::CallbackCheck,
    },
}

/// Which [`Effect`] a flow handed out, without its payload: what it waits to be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EffectKind {
    /// [`Effect::Read`].
    Read,
    /// [`Effect::Send`].
    Send,
    /// [`Effect::Write`].
    Write,
    /// [`Effect::Remove`].
    Remove,
    /// [`Effect::List`].
    List,
    /// [`Effect::ListOrphans`].
    ListOrphans,
    /// [`Effect::Lock`].
    Lock,
    /// [`Effect::Unlock`].
    Unlock,
    /// [`Effect::Wait`].
    Wait,
    /// [`Effect::Run`].
    Run,
    /// [`Effect::AskTokenCode`].
    AskTokenCode,
    /// [`Effect::Prompt`].
    Prompt,
    /// [`Effect::AskVerificationCode`].
    AskVerificationCode,
    /// [`Effect::Listen`].
    Listen,
    /// [`Effect::AwaitCallback`].
    AwaitCallback,
}

impl Effect {
    /// Which effect this is.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Read(_) => EffectKind::Read,
            Effect::Send(_) => EffectKind::Send,
            Effect::Write { .. } => EffectKind::Write,
            Effect::Remove(_) => EffectKind::Remove,
            Effect::List(_) => EffectKind::List,
            Effect::ListOrphans(_) => EffectKind::ListOrphans,
            Effect::Lock(_) => EffectKind::Lock,
            Effect::Unlock(_) => EffectKind::Unlock,
            Effect::Wait(_) => EffectKind::Wait,
            Effect::Run(_) => EffectKind::Run,
            Effect::AskTokenCode { .. } => EffectKind::AskTokenCode,
            Effect::Prompt(_) => EffectKind::Prompt,
            Effect::AskVerificationCode { .. } => EffectKind::AskVerificationCode,
            Effect::Listen => EffectKind::Listen,
            Effect::AwaitCallback { .. } => EffectKind::AwaitCallback,
        }
    }
}

impl EffectKind {
    /// The name of the [`Input`] variant that answers this effect (`"File"` for `Read`…).
    pub fn answer(self) -> &'static str {
        match self {
            EffectKind::Read => "File",
            EffectKind::Send => "Response",
            EffectKind::Write | EffectKind::Remove => "Written",
            EffectKind::List | EffectKind::ListOrphans => "Listed",
            EffectKind::Lock => "Locked",
            EffectKind::Unlock => "Unlocked",
            EffectKind::Wait => "Waited",
            EffectKind::Run => "ProcessOutput",
            EffectKind::AskTokenCode | EffectKind::AskVerificationCode => "TokenCode",
            EffectKind::Prompt => "Shown",
            EffectKind::Listen => "Listening",
            EffectKind::AwaitCallback => "Callback",
        }
    }

    /// Whether `input` is the kind of answer this effect takes (its `Ok` or `Err` alike).
    pub fn accepts(self, input: &Input) -> bool {
        self.answer() == input.name()
    }
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

    fn retry_settings(&self) -> crate::retry::RetrySettings {
        (**self).retry_settings()
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

/// The driver's answer to an [`Effect`]. `Debug` shows no secret: file contents and bodies
/// appear as their length, the MFA code and the OAuth redirect's query as `** redacted **`.
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

impl Input {
    /// The variant's name (`"File"`, `"Response"`…), as [`EffectKind::answer`] spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Input::File(_) => "File",
            Input::Response(_) => "Response",
            Input::Written(_) => "Written",
            Input::Listed(_) => "Listed",
            Input::Locked(_) => "Locked",
            Input::Unlocked => "Unlocked",
            Input::Waited => "Waited",
            Input::ProcessOutput(_) => "ProcessOutput",
            Input::TokenCode(_) => "TokenCode",
            Input::Shown => "Shown",
            Input::Listening(_) => "Listening",
            Input::Callback(_) => "Callback",
        }
    }
}

/// The result of running a `credential_process` command. `Debug` shows the lengths of its
/// output only: standard output holds the secret keys.
#[derive(Clone, PartialEq, Eq)]
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

    /// The answer to the last effect.
    fn handle(&mut self, input: Input, now: SystemTime);

    /// The retry settings the driver applies to this flow's [`Effect::Send`]s (see
    /// [`crate::retry::Attempts`]), as the configuration read so far says: a flow that read a
    /// profile answers with its `max_attempts` / `retry_mode` and the environment's
    /// `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`. Ask again at each `Send`. The default, nothing
    /// configured, leaves the driver's own policy as it is — so a flow that wraps another must
    /// forward this method, or the wrapped flow's settings are lost.
    fn retry_settings(&self) -> crate::retry::RetrySettings {
        crate::retry::RetrySettings::default()
    }
}

/// The effect a flow handed out and has not had answered yet. Every flow of this crate checks
/// each answer here — the one place that decides whether an [`Input`] answers an [`Effect`] —
/// and a flow of an embedder's own can do the same.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Awaiting(Option<EffectKind>);

impl Awaiting {
    /// Remembers what `step` asks for (nothing, once it is [`Step::Done`]).
    pub fn handed_out<T>(&mut self, step: &Step<T>) {
        self.0 = match step {
            Step::Effect(effect) => Some(effect.kind()),
            Step::Done(_) => None,
        };
    }

    /// The effect waiting for its answer, if any.
    pub fn pending(&self) -> Option<EffectKind> {
        self.0
    }

    /// Takes `input` as the answer to the effect handed out, or says why it is none: the
    /// `flow` was `doing` something (its state, for the message) and expected another input,
    /// or no input at all. Either way the effect counts as answered.
    pub fn check(&mut self, flow: &str, doing: &str, input: Input) -> Result<Input, Error> {
        match self.0.take() {
            Some(kind) if kind.accepts(&input) => Ok(input),
            expected => Err(mismatch(flow, doing, expected, &input)),
        }
    }
}

/// The error for an answer that does not fit what the flow asked for. Names only the variants:
/// the input itself may hold secrets.
fn mismatch(flow: &str, doing: &str, expected: Option<EffectKind>, got: &Input) -> Error {
    let expected = match expected {
        Some(kind) => format!("expected Input::{}", kind.answer()),
        None => "expected no input (call next_step first)".to_string(),
    };
    Error::InvalidInput(format!(
        "the {flow} flow was {doing} and {expected}, but the driver answered Input::{}; \
         this is a bug in the driver",
        got.name()
    ))
}

/// The error of a flow's part (a runner) handed an input that [`Awaiting::check`] let through
/// but that part has no use for: a bug in awscred, never in the driver.
pub(crate) fn unusable(input: &Input, doing: &str) -> Error {
    Error::InvalidInput(format!(
        "the flow was {doing} and has no use for Input::{}; this is a bug in awscred",
        input.name()
    ))
}

/// What a flow may need from the person at the keyboard, for drivers to hand to their flow
/// loop. The CLI implements it on the terminal; libraries and servers use [`NonInteractive`].
pub trait Interact {
    /// Shows a login prompt (and opens the browser when appropriate).
    fn show(&mut self, prompt: &Prompt);
    /// Asks for the MFA code of `serial`.
    fn token_code(&mut self, serial: &str) -> Result<String, Error>;
    /// Shows the authorize `url` of a cross-device login and asks for the verification code
    /// the sign-in page shows once the user has signed in ([`Effect::AskVerificationCode`]).
    /// The default refuses, as [`NonInteractive`] does: only a terminal can ask.
    fn verification_code(&mut self, url: &str) -> Result<String, Error> {
        let _ = url;
        Err(no_terminal_for_verification_code())
    }
}

/// The refusal of [`Interact::verification_code`] where no one can type.
fn no_terminal_for_verification_code() -> Error {
    Error::Login(
        "a cross-device (--remote) login needs the verification code typed at a terminal, and no \
         terminal is available; run it from an interactive terminal"
            .into(),
    )
}

/// A boxed `Interact` (what providers keep) is one too.
impl<I: Interact + ?Sized> Interact for Box<I> {
    fn show(&mut self, prompt: &Prompt) {
        (**self).show(prompt)
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        (**self).token_code(serial)
    }
    fn verification_code(&mut self, url: &str) -> Result<String, Error> {
        (**self).verification_code(url)
    }
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

// ---------------------------------------------------------------------------------------------
// Debug without secrets

const REDACTED: &str = "** redacted **";

/// Headers that carry a credential whatever their `is_sensitive` flag says.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-amz-security-token",
    "x-amz-sso_bearer_token",
    "x-amz-sso-bearer-token",
];

/// Whether a header's value must not be shown.
fn is_secret_header(name: &http::HeaderName, value: &http::HeaderValue) -> bool {
    value.is_sensitive() || SECRET_HEADERS.contains(&name.as_str())
}

/// Headers with secret values redacted.
struct Headers<'a>(&'a http::HeaderMap);

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if is_secret_header(name, value) {
                map.entry(&name.as_str(), &REDACTED);
            } else {
                map.entry(&name.as_str(), value);
            }
        }
        map.finish()
    }
}

/// Bytes shown as their length: bodies, file contents and process output may hold secrets.
struct Len(usize);

impl fmt::Debug for Len {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

struct Request<'a>(&'a http::Request<Vec<u8>>);

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        f.debug_struct("Request")
            .field("method", r.method())
            .field("uri", r.uri())
            .field("headers", &Headers(r.headers()))
            .field("body", &Len(r.body().len()))
            .finish()
    }
}

struct Response<'a>(&'a http::Response<Vec<u8>>);

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        f.debug_struct("Response")
            .field("status", &r.status())
            .field("headers", &Headers(r.headers()))
            .field("body", &Len(r.body().len()))
            .finish()
    }
}

/// A `Result` whose `Ok` value is shown through `show`.
struct Shown<'a, T, S>(&'a Result<T, Error>, fn(&'a T) -> S);

impl<'a, T, S: fmt::Debug> fmt::Debug for Shown<'a, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(value) => f.debug_tuple("Ok").field(&(self.1)(value)).finish(),
            Err(e) => f.debug_tuple("Err").field(e).finish(),
        }
    }
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Read(path) => f.debug_tuple("Read").field(path).finish(),
            Effect::Send(request) => f.debug_tuple("Send").field(&Request(request)).finish(),
            Effect::Write { path, contents } => f
                .debug_struct("Write")
                .field("path", path)
                .field("contents", &Len(contents.len()))
                .finish(),
            Effect::Remove(path) => f.debug_tuple("Remove").field(path).finish(),
            Effect::List(dir) => f.debug_tuple("List").field(dir).finish(),
            Effect::ListOrphans(path) => f.debug_tuple("ListOrphans").field(path).finish(),
            Effect::Lock(path) => f.debug_tuple("Lock").field(path).finish(),
            Effect::Unlock(path) => f.debug_tuple("Unlock").field(path).finish(),
            Effect::Wait(d) => f.debug_tuple("Wait").field(d).finish(),
            // A command line may carry a secret argument; the program is enough to tell.
            Effect::Run(command) => {
                let program = command.split_whitespace().next().unwrap_or_default();
                let shown = if program.len() < command.trim().len() {
                    format!("{program} …")
                } else {
                    program.to_string()
                };
                f.debug_tuple("Run").field(&shown).finish()
            }
            Effect::AskTokenCode { serial } => f
                .debug_struct("AskTokenCode")
                .field("serial", serial)
                .finish(),
            Effect::Prompt(prompt) => f.debug_tuple("Prompt").field(prompt).finish(),
            Effect::AskVerificationCode { url } => f
                .debug_struct("AskVerificationCode")
                .field("url", url)
                .finish(),
            Effect::Listen => f.write_str("Listen"),
            Effect::AwaitCallback { timeout, check } => f
                .debug_struct("AwaitCallback")
                .field("timeout", timeout)
                .field("check", check)
                .finish(),
        }
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Input::Unlocked | Input::Waited | Input::Shown = self {
            return f.write_str(self.name());
        }
        let mut tuple = f.debug_tuple(self.name());
        match self {
            Input::File(r) => tuple.field(&Shown(r, |file: &Option<Vec<u8>>| {
                file.as_ref().map(|bytes| Len(bytes.len()))
            })),
            Input::Response(r) => tuple.field(&Shown(r, Response)),
            Input::Written(r) | Input::Locked(r) => tuple.field(r),
            Input::Listed(r) => tuple.field(r),
            Input::Unlocked | Input::Waited | Input::Shown => &mut tuple,
            Input::ProcessOutput(r) => tuple.field(r),
            Input::TokenCode(r) | Input::Callback(r) => {
                tuple.field(&Shown(r, |_: &String| REDACTED))
            }
            Input::Listening(r) => tuple.field(r),
        };
        tuple.finish()
    }
}

impl fmt::Debug for ProcessOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessOutput")
            .field("status", &self.status)
            .field("stdout", &Len(self.stdout.len()))
            .field("stderr", &Len(self.stderr.len()))
            .finish()
    }
}
