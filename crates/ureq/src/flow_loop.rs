//! The flow loop: the network and the user are this driver's; every other step goes to the
//! shared executor of local effects ([`awscred_files::LocalEffects`]).

use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, Interact, Step};
use awscred_core::retry::Attempts;
use awscred_files::LocalEffects;

use crate::Client;

impl Client {
    /// Runs a flow to its end. Its `Send` steps are retried by the policy the flow's
    /// configuration asks for ([`Flow::retry_settings`] over this client's
    /// [`crate::ClientConfig::retry`]). Locks taken are released at `Unlock` or, at the latest,
    /// when this returns.
    pub fn run<F: Flow>(
        &self,
        mut flow: F,
        interact: &mut dyn Interact,
    ) -> Result<F::Output, Error> {
        let mut local = LocalEffects::new();
        loop {
            let effect = match local.next_step(&mut flow) {
                Step::Effect(effect) => effect,
                Step::Done(result) => return result,
            };
            let input = match effect {
                Effect::Send(request) => {
                    let attempts = Attempts::new(flow.retry_settings().policy(self.config().retry));
                    Input::Response(self.send_with(request, attempts))
                }
                Effect::Wait(d) => {
                    std::thread::sleep(d);
                    Input::Waited
                }
                Effect::AskTokenCode { serial } => Input::TokenCode(interact.token_code(&serial)),
                Effect::AskVerificationCode { url } => {
                    Input::TokenCode(interact.verification_code(&url))
                }
                Effect::Prompt(prompt) => {
                    interact.show(&prompt);
                    Input::Shown
                }
                effect => local.carry_out(effect).into_input()?,
            };
            flow.handle(input, SystemTime::now());
        }
    }
}
