//! A flow that starts by reading the user's configuration with [`ConfigRead`] and then builds
//! the flow that does the work ([`crate::login::LoginFlow`], [`crate::logout::LogoutFlow`]),
//! or is handed that flow ready-made.

use std::time::SystemTime;

use super::{Action, ConfigProgress, ConfigRead};
use crate::Error;
use crate::config::{ConfigPaths, ConfigSet, Env, Platform};
use crate::flow::{Awaiting, Flow, Input, Step};

/// What the flow needs besides the configuration, and how it is built from it.
pub(crate) trait FromConfig {
    /// The flow it builds.
    type Flow: Flow;

    /// The flow's name in messages (`login`, `logout`).
    const NAME: &'static str;

    /// The environment naming the files.
    fn env(&self) -> &Env;

    /// Whose home-directory rules apply.
    fn platform(&self) -> Platform;

    /// The flow for this configuration.
    fn build(self, paths: &ConfigPaths, set: &ConfigSet) -> Result<Self::Flow, Error>;
}

/// Reading the configuration, then the built flow. One lives per login or logout, so the size
/// of its variants is moot.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Configured<S: FromConfig> {
    Start(S),
    Reading {
        setup: S,
        read: ConfigRead,
        /// The read to hand out next.
        pending: Option<Action>,
        awaiting: Awaiting,
    },
    Running(S::Flow),
    /// The configuration could not be read or used; handed out on every call.
    Failed(Error),
}

impl<S: FromConfig> Configured<S> {
    /// Where the flow is while reading the configuration.
    pub(crate) fn reading(&self) -> Option<&'static str> {
        match self {
            Configured::Start(_) => Some("starting"),
            Configured::Reading { read, .. } => Some(read.name()),
            Configured::Running(_) | Configured::Failed(_) => None,
        }
    }

    /// The built flow, once the configuration is read.
    pub(crate) fn running(&self) -> Option<&S::Flow> {
        match self {
            Configured::Running(flow) => Some(flow),
            _ => None,
        }
    }

    /// The setup, while the configuration is being read.
    pub(crate) fn setup(&self) -> Option<&S> {
        match self {
            Configured::Start(setup) | Configured::Reading { setup, .. } => Some(setup),
            _ => None,
        }
    }

    /// The setup, while the configuration is being read.
    pub(crate) fn setup_mut(&mut self) -> Option<&mut S> {
        match self {
            Configured::Start(setup) | Configured::Reading { setup, .. } => Some(setup),
            _ => None,
        }
    }

    /// The built flow, once the configuration is read.
    pub(crate) fn running_mut(&mut self) -> Option<&mut S::Flow> {
        match self {
            Configured::Running(flow) => Some(flow),
            _ => None,
        }
    }

    /// The built flow's retry settings; the driver's own while the configuration is read.
    pub(crate) fn retry_settings(&self) -> crate::retry::RetrySettings {
        self.running().map(Flow::retry_settings).unwrap_or_default()
    }

    pub(crate) fn next_step(&mut self, now: SystemTime) -> Step<<S::Flow as Flow>::Output> {
        *self = match std::mem::replace(self, Configured::Failed(finished())) {
            Configured::Start(setup) => match ConfigRead::start(setup.env(), setup.platform()) {
                Ok((action, read)) => Configured::Reading {
                    setup,
                    read,
                    pending: Some(action),
                    awaiting: Awaiting::default(),
                },
                Err(e) => Configured::Failed(e),
            },
            other => other,
        };
        match self {
            Configured::Start(_) => Step::Done(Err(finished())),
            Configured::Reading {
                read,
                pending,
                awaiting,
                ..
            } => match pending.take() {
                Some(action) => {
                    let step = Step::Effect(action.into_effect());
                    awaiting.handed_out(&step);
                    step
                }
                None => Step::Done(Err(Error::InvalidInput(format!(
                    "next_step called again while {}, before the last step was answered",
                    read.name()
                )))),
            },
            Configured::Running(flow) => flow.next_step(now),
            Configured::Failed(e) => Step::Done(Err(e.clone())),
        }
    }

    pub(crate) fn handle(&mut self, input: Input, now: SystemTime) {
        match std::mem::replace(self, Configured::Failed(finished())) {
            Configured::Reading {
                setup,
                read,
                mut awaiting,
                ..
            } => {
                let doing = read.name();
                let outcome = awaiting
                    .check(S::NAME, doing, input)
                    .and_then(|input| read.on_input(input));
                *self = match outcome {
                    Ok(ConfigProgress::Read(action, read)) => Configured::Reading {
                        setup,
                        read,
                        pending: Some(action),
                        awaiting,
                    },
                    Ok(ConfigProgress::Loaded(paths, set)) => match setup.build(&paths, &set) {
                        Ok(flow) => Configured::Running(flow),
                        Err(e) => Configured::Failed(e),
                    },
                    Err(e) => Configured::Failed(e),
                };
            }
            Configured::Start(_) => {
                // Nothing was handed out yet: any answer is a mistake.
                let mut awaiting = Awaiting::default();
                *self = Configured::Failed(match awaiting.check(S::NAME, "starting", input) {
                    Ok(input) => super::unexpected(&input, "starting"),
                    Err(e) => e,
                });
            }
            Configured::Running(mut flow) => {
                flow.handle(input, now);
                *self = Configured::Running(flow);
            }
            // Answers after the end change nothing.
            Configured::Failed(e) => *self = Configured::Failed(e),
        }
    }
}

fn finished() -> Error {
    Error::InvalidInput("the flow has already finished".into())
}
