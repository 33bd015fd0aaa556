//! The flow loop: the network and the timer are async and this driver's; the user and every
//! local effect block by nature, so they run on tokio's blocking pool and never stall the
//! runtime's workers. Local effects are carried out by the shared executor
//! ([`awscred_files::LocalEffects`]), which moves to the blocking thread and back.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, Interact, NonInteractive, Step};
use awscred_core::retry::Attempts;
use awscred_files::LocalEffects;

use crate::Client;

/// The person at the keyboard, as a flow run needs them: shared, so that each question can be
/// asked on a blocking thread (an MFA prompt waits for a human; it must not hold a tokio
/// worker). Cheap to clone: clones ask the same [`Interact`], one question at a time.
///
/// Anything that implements [`Interact`] and is `Send` converts into one:
/// `client.run(flow, NonInteractive)`, `client.run(flow, MyTerminal::new())`, or a
/// `SharedInteract` kept and cloned for every run.
#[derive(Clone)]
pub struct SharedInteract(Arc<Mutex<Box<dyn Interact + Send>>>);

impl SharedInteract {
    /// Shares `interact`.
    pub fn new(interact: impl Interact + Send + 'static) -> Self {
        SharedInteract(Arc::new(Mutex::new(Box::new(interact))))
    }

    fn lock(&self) -> MutexGuard<'_, Box<dyn Interact + Send>> {
        // A poisoned lock only means an earlier question panicked; asking again is fine.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for SharedInteract {
    /// [`NonInteractive`]: refuses anything that needs a person.
    fn default() -> Self {
        SharedInteract::new(NonInteractive)
    }
}

impl<I: Interact + Send + 'static> From<I> for SharedInteract {
    fn from(interact: I) -> Self {
        SharedInteract::new(interact)
    }
}

impl std::fmt::Debug for SharedInteract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedInteract").finish_non_exhaustive()
    }
}

impl Client {
    /// Runs a flow to its end. Its `Send` steps are retried by the policy the flow's
    /// configuration asks for ([`Flow::retry_settings`] over this client's
    /// [`crate::ClientConfig::retry`]); local effects and questions to the user run off the
    /// async workers.
    ///
    /// Locks taken are released at `Unlock` or, at the latest, when this returns (or its
    /// future is dropped: once the blocking effect under way, if any, has finished).
    pub async fn run<F>(
        &self,
        mut flow: F,
        interact: impl Into<SharedInteract>,
    ) -> Result<F::Output, Error>
    where
        F: Flow + Send,
        F::Output: Send + 'static,
    {
        let mut local = LocalEffects::new();
        let user = interact.into();
        loop {
            let effect = match local.next_step(&mut flow) {
                Step::Effect(effect) => effect,
                Step::Done(result) => return result,
            };
            let input = match effect {
                Effect::Send(request) => {
                    let attempts = Attempts::new(flow.retry_settings().policy(self.config().retry));
                    Input::Response(self.send_with(request, attempts).await)
                }
                Effect::Wait(d) => {
                    tokio::time::sleep(d).await;
                    Input::Waited
                }
                Effect::AskTokenCode { serial } => {
                    let user = user.clone();
                    Input::TokenCode(
                        blocking("AskTokenCode", move || user.lock().token_code(&serial)).await?,
                    )
                }
                Effect::AskVerificationCode { url } => {
                    let user = user.clone();
                    Input::TokenCode(
                        blocking("AskVerificationCode", move || {
                            user.lock().verification_code(&url)
                        })
                        .await?,
                    )
                }
                Effect::Prompt(prompt) => {
                    let user = user.clone();
                    blocking("Prompt", move || user.lock().show(&prompt)).await?;
                    Input::Shown
                }
                effect => carry_out_blocking(&mut local, effect).await?,
            };
            flow.handle(input, SystemTime::now());
        }
    }
}

/// Moves the executor to a blocking thread for one effect, and back.
async fn carry_out_blocking(local: &mut LocalEffects, effect: Effect) -> Result<Input, Error> {
    let name = format!("{:?}", effect.kind());
    let mut moved = std::mem::take(local);
    let (back, outcome) = blocking(&name, move || {
        let outcome = moved.carry_out(effect);
        (moved, outcome)
    })
    .await?;
    *local = back;
    outcome.into_input()
}

/// `spawn_blocking`; a task that did not finish (it panicked, or the runtime is shutting
/// down) ends the run with an error naming the step.
async fn blocking<T: Send + 'static>(
    step: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        Error::io(
            format!("the {step} step"),
            &std::io::Error::other(format!("its background task did not finish: {e}")),
        )
    })
}
