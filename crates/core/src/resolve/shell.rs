//! The shell of the flows that start from the user's configuration ([`super::ResolveFlow`],
//! [`super::SsoAccessFlow`]): read the config and credentials files, hand the parsed set to
//! the flow's body, pass the body's effects out and the driver's answers in (each checked once,
//! by [`Awaiting`]), and end.

use std::time::SystemTime;

use super::{Action, ConfigProgress, ConfigRead, Poll};
use crate::Error;
use crate::config::{ConfigPaths, ConfigSet, Env, Platform};
use crate::flow::{Awaiting, Input, Step, unusable};
use crate::retry::RetrySettings;
use std::path::PathBuf;

use super::{FileWarning, FileWarningKind};

/// The part of a flow that runs once the configuration is parsed.
pub(crate) trait Body: Sized {
    /// What the flow ends with.
    type Output;

    /// Where the body is, for messages.
    fn name(&self) -> &'static str;

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    fn resume(&mut self, input: Option<Input>, now: SystemTime) -> Poll<Self::Output>;

    /// Takes a failure of a file effect that the runners shrug off (see
    /// [`Shell::note_file_failure`]); bodies whose result has no place for it ignore it.
    fn note_file_warning(&mut self, _warning: FileWarning) {}

    /// The retry settings its requests are sent with (see [`crate::flow::Flow::retry_settings`]).
    fn retry_settings(&self) -> RetrySettings {
        RetrySettings::default()
    }
}

/// How a flow turns the parsed configuration into its [`Body`].
pub(crate) trait Setup {
    /// The body it starts.
    type Body: Body;

    /// The environment naming the files.
    fn env(&self) -> &Env;

    /// Whose home-directory rules apply.
    fn platform(&self) -> Platform;

    /// The body for this configuration, or the flow's end when nothing more is needed.
    fn begin(
        &self,
        paths: ConfigPaths,
        set: ConfigSet,
        now: SystemTime,
    ) -> Result<Begun<Self::Body>, Error>;
}

/// What [`Setup::begin`] gives.
pub(crate) enum Begun<B: Body> {
    /// Run this body.
    Run(B),
    /// The flow is done already (environment keys, for instance).
    Finished(B::Output),
}

enum Phase<B: Body> {
    Start,
    Config(ConfigRead),
    Body(B),
    /// The result, until it is handed out; `None` after.
    Finished(Option<Result<B::Output, Error>>),
}

impl<B: Body> Phase<B> {
    fn name(&self) -> &'static str {
        match self {
            Phase::Start => "starting",
            Phase::Config(read) => read.name(),
            Phase::Body(body) => body.name(),
            Phase::Finished(_) => "finished",
        }
    }
}

/// A flow: its setup, where it is, and the one effect it has handed out.
pub(crate) struct Shell<S: Setup> {
    /// The flow's name in messages (`resolve`, `SSO token`).
    flow: &'static str,
    pub(crate) setup: S,
    phase: Phase<S::Body>,
    /// The next effect to hand out.
    pending: Option<Action>,
    awaiting: Awaiting,
    /// The SSO token refresh is the one request made under a lock; tracking it here survives
    /// a failed flow, whose result has nowhere to carry it.
    locks_held: usize,
    locked_send_at: Option<SystemTime>,
    /// The file of the last read, write or removal handed out, for warnings about it.
    last_file: Option<PathBuf>,
}

impl<S: Setup> Shell<S> {
    pub(crate) fn new(flow: &'static str, setup: S) -> Self {
        Shell {
            flow,
            setup,
            phase: Phase::Start,
            pending: None,
            awaiting: Awaiting::default(),
            locks_held: 0,
            locked_send_at: None,
            last_file: None,
        }
    }

    /// Where the flow is, for `Debug`.
    pub(crate) fn state(&self) -> &'static str {
        self.phase.name()
    }

    /// The body's retry settings once the configuration is read; the driver's own before.
    pub(crate) fn retry_settings(&self) -> RetrySettings {
        match &self.phase {
            Phase::Body(body) => body.retry_settings(),
            _ => RetrySettings::default(),
        }
    }

    /// When the flow last sent a request while holding a lock (the SSO token refresh).
    pub(crate) fn locked_send_at(&self) -> Option<SystemTime> {
        self.locked_send_at
    }

    fn finish(&mut self, result: Result<<S::Body as Body>::Output, Error>) {
        // An effect not handed out yet (the driver answered twice) is never handed out.
        self.pending = None;
        self.phase = Phase::Finished(Some(result));
    }

    fn advance(&mut self, mut body: S::Body, input: Option<Input>, now: SystemTime) {
        match body.resume(input, now) {
            Poll::Act(action) => {
                self.phase = Phase::Body(body);
                self.pending = Some(action);
            }
            Poll::Ready(result) => self.finish(result),
        }
    }

    /// Failures of the file effects the runners shrug off (outside the SSO token's lock, whose
    /// loader reports its own): an unreadable or untrusted cache entry is a miss, an AWS CLI
    /// cache entry that cannot be written is only not cached. Kept for the result, if the
    /// flow succeeds (if it fails, its error says what matters).
    fn note_file_failure(&self, input: &Input) -> Option<FileWarning> {
        if self.locks_held > 0 {
            return None;
        }
        let (kind, error, what) = match input {
            Input::File(Err(e)) => (FileWarningKind::CacheEntryIgnored, e, "was not used"),
            Input::Written(Err(e)) => (FileWarningKind::CacheNotSaved, e, "could not be saved"),
            _ => return None,
        };
        let path = match error {
            Error::Io { path, .. } => PathBuf::from(path),
            _ => self.last_file.clone().unwrap_or_default(),
        };
        // Cache entries are JSON files; the other reads the loaders shrug off (the probe of
        // an unusable lock file) are reported by the loader itself.
        if path.extension().is_none_or(|e| e != "json") {
            return None;
        }
        let message = match error {
            Error::Io { message, .. } => format!("{} {what}: {message}", path.display()),
            other => format!("{} {what}: {other}", path.display()),
        };
        Some(FileWarning::new(kind, path, message))
    }

    pub(crate) fn next_step(&mut self, now: SystemTime) -> Step<<S::Body as Body>::Output> {
        loop {
            if let Some(action) = self.pending.take() {
                match &action {
                    Action::Read(p) | Action::Write { path: p, .. } | Action::Remove(p) => {
                        self.last_file = Some(p.clone())
                    }
                    Action::Lock(_) => self.locks_held += 1,
                    Action::Unlock(_) => self.locks_held = self.locks_held.saturating_sub(1),
                    Action::Send(_) if self.locks_held > 0 => self.locked_send_at = Some(now),
                    _ => {}
                }
                let step = Step::Effect(action.into_effect());
                self.awaiting.handed_out(&step);
                return step;
            }
            match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
                Phase::Start => match ConfigRead::start(self.setup.env(), self.setup.platform()) {
                    Ok((action, read)) => {
                        self.phase = Phase::Config(read);
                        self.pending = Some(action);
                    }
                    Err(e) => self.finish(Err(e)),
                },
                Phase::Finished(Some(result)) => return Step::Done(result),
                Phase::Finished(None) => {
                    return Step::Done(Err(Error::InvalidInput(format!(
                        "the {} flow has already finished",
                        self.flow
                    ))));
                }
                other => {
                    // An effect was handed out and not answered: say so rather than guess.
                    let name = other.name();
                    self.phase = other;
                    return Step::Done(Err(Error::InvalidInput(format!(
                        "next_step called again while {name}, before the last step was answered"
                    ))));
                }
            }
        }
    }

    pub(crate) fn handle(&mut self, input: Input, now: SystemTime) {
        let phase = std::mem::replace(&mut self.phase, Phase::Finished(None));
        if let Phase::Finished(result) = phase {
            // Answers after the end change nothing.
            self.phase = Phase::Finished(result);
            return;
        }
        let input = match self.awaiting.check(self.flow, phase.name(), input) {
            Ok(input) => input,
            Err(e) => return self.finish(Err(e)),
        };
        if let Input::Locked(Err(_)) = input {
            // A lock not taken is not held (the SSO token loader may try another one).
            self.locks_held = self.locks_held.saturating_sub(1);
        }
        let mut phase = phase;
        if let Phase::Body(body) = &mut phase
            && let Some(warning) = self.note_file_failure(&input)
        {
            body.note_file_warning(warning);
        }
        match phase {
            Phase::Config(read) => match read.on_input(input) {
                Ok(ConfigProgress::Read(action, read)) => {
                    self.phase = Phase::Config(read);
                    self.pending = Some(action);
                }
                Ok(ConfigProgress::Loaded(paths, set)) => match self.setup.begin(paths, set, now) {
                    Ok(Begun::Run(body)) => self.advance(body, None, now),
                    Ok(Begun::Finished(output)) => self.finish(Ok(output)),
                    Err(e) => self.finish(Err(e)),
                },
                Err(e) => self.finish(Err(e)),
            },
            Phase::Body(body) => self.advance(body, Some(input), now),
            // The check above lets no answer through before an effect was handed out.
            phase @ (Phase::Start | Phase::Finished(_)) => {
                self.finish(Err(unusable(&input, phase.name())))
            }
        }
    }
}
