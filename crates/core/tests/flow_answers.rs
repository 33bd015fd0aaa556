//! The one check of "this input answers that effect" (`flow::Awaiting`, `EffectKind::accepts`)
//! and the one error every flow gives for a wrong answer.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use awscred_core::Error;
use awscred_core::config::{Env, Platform};
use awscred_core::flow::{Awaiting, Effect, EffectKind, Flow, Input, Prompt, Step};
use awscred_core::login::LoginFlow;
use awscred_core::logout::LogoutFlow;
use awscred_core::resolve::{ResolveFlow, ResolveRequest, SsoAccessFlow, TokenTarget};

fn effects() -> Vec<Effect> {
    let p = || PathBuf::from("/f");
    vec![
        Effect::Read(p()),
        Effect::Send(http::Request::new(Vec::new())),
        Effect::Write {
            path: p(),
            contents: Vec::new(),
        },
        Effect::Remove(p()),
        Effect::List(p()),
        Effect::Lock(p()),
        Effect::Unlock(p()),
        Effect::Wait(Duration::ZERO),
        Effect::Run("true".into()),
        Effect::AskTokenCode { serial: "s".into() },
        Effect::Prompt(Prompt::Polling),
        Effect::AskVerificationCode { url: "u".into() },
        Effect::Listen,
        Effect::AwaitCallback {
            timeout: Duration::ZERO,
            check: awscred_core::oidc::callback::CallbackCheck::new("s"),
        },
    ]
}

fn inputs() -> Vec<Input> {
    vec![
        Input::File(Ok(None)),
        Input::Response(Ok(http::Response::new(Vec::new()))),
        Input::Written(Ok(())),
        Input::Listed(Ok(Vec::new())),
        Input::Locked(Ok(())),
        Input::Unlocked,
        Input::Waited,
        Input::ProcessOutput(Err(Error::Process("x".into()))),
        Input::TokenCode(Ok("1".into())),
        Input::Shown,
        Input::Listening(Ok(1)),
        Input::Callback(Ok(String::new())),
    ]
}

/// Which input answers which effect, written out once more by hand.
fn answers(effect: EffectKind, input: &Input) -> bool {
    matches!(
        (effect, input),
        (EffectKind::Read, Input::File(_))
            | (EffectKind::Send, Input::Response(_))
            | (EffectKind::Write | EffectKind::Remove, Input::Written(_))
            | (EffectKind::List, Input::Listed(_))
            | (EffectKind::Lock, Input::Locked(_))
            | (EffectKind::Unlock, Input::Unlocked)
            | (EffectKind::Wait, Input::Waited)
            | (EffectKind::Run, Input::ProcessOutput(_))
            | (EffectKind::AskTokenCode, Input::TokenCode(_))
            | (EffectKind::AskVerificationCode, Input::TokenCode(_))
            | (EffectKind::Prompt, Input::Shown)
            | (EffectKind::Listen, Input::Listening(_))
            | (EffectKind::AwaitCallback, Input::Callback(_))
    )
}

#[test]
fn each_effect_takes_exactly_its_input() {
    for effect in effects() {
        let kind = effect.kind();
        let accepted: Vec<&str> = inputs()
            .iter()
            .filter(|i| kind.accepts(i))
            .map(|i| i.name())
            .collect();
        assert_eq!(accepted, [kind.answer()], "{kind:?}");
        for input in inputs() {
            assert_eq!(
                kind.accepts(&input),
                answers(kind, &input),
                "{kind:?} {input:?}"
            );
        }
    }
}

#[test]
fn awaiting_lets_the_right_answer_through_once() {
    let mut awaiting = Awaiting::default();
    assert_eq!(awaiting.pending(), None);
    awaiting.handed_out::<()>(&Step::Effect(Effect::Wait(Duration::ZERO)));
    assert_eq!(awaiting.pending(), Some(EffectKind::Wait));
    assert!(matches!(
        awaiting.check("test", "waiting", Input::Waited),
        Ok(Input::Waited)
    ));
    // Answered: a second answer is one too many.
    match awaiting.check("test", "waiting", Input::Waited) {
        Err(Error::InvalidInput(m)) => assert_eq!(
            m,
            "the test flow was waiting and expected no input (call next_step first), but the \
             driver answered Input::Waited; this is a bug in the driver"
        ),
        other => panic!("{other:?}"),
    }
    awaiting.handed_out::<()>(&Step::Effect(Effect::Listen));
    match awaiting.check("test", "listening", Input::Shown) {
        Err(Error::InvalidInput(m)) => assert_eq!(
            m,
            "the test flow was listening and expected Input::Listening, but the driver answered \
             Input::Shown; this is a bug in the driver"
        ),
        other => panic!("{other:?}"),
    }
    awaiting.handed_out::<()>(&Step::Done(Ok(())));
    assert_eq!(awaiting.pending(), None);
}

/// Every flow gives the same error for the same mistake: answering its first read with
/// `Waited`.
#[test]
fn every_flow_reports_a_wrong_answer_the_same_way() {
    let env = || Env::from_pairs([("HOME", "/home/u")]);
    let now = SystemTime::UNIX_EPOCH;
    let mut resolve_request = ResolveRequest::new(env());
    resolve_request.platform = Platform::Unix;
    let flows: Vec<(&str, Box<dyn Flow<Output = String>>)> = vec![
        ("resolve", boxed(ResolveFlow::new(resolve_request))),
        (
            "SSO token",
            boxed(SsoAccessFlow::new(
                env(),
                TokenTarget::Profile(None),
                Platform::Unix,
            )),
        ),
        (
            "login",
            boxed(LoginFlow::from_env(
                env(),
                Platform::Unix,
                TokenTarget::Profile(None),
                false,
                [0; 96],
            )),
        ),
        ("logout", boxed(LogoutFlow::from_env(env(), Platform::Unix))),
    ];
    for (name, mut flow) in flows {
        assert!(matches!(flow.next_step(now), Step::Effect(Effect::Read(_))));
        flow.handle(Input::Waited, now);
        match flow.next_step(now) {
            Step::Done(Err(e)) => assert_eq!(
                e.to_string(),
                format!(
                    "invalid input: the {name} flow was reading the config file and expected \
                     Input::File, but the driver answered Input::Waited; this is a bug in the \
                     driver"
                )
            ),
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// A flow whose output is shown as text, so flows of different outputs fit in one list.
struct Described<F>(F);

impl<F: Flow> Flow for Described<F>
where
    F::Output: std::fmt::Debug,
{
    type Output = String;

    fn next_step(&mut self, now: SystemTime) -> Step<String> {
        match self.0.next_step(now) {
            Step::Effect(e) => Step::Effect(e),
            Step::Done(r) => Step::Done(r.map(|o| format!("{o:?}"))),
        }
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        self.0.handle(input, now)
    }
}

fn boxed<F: Flow + 'static>(flow: F) -> Box<dyn Flow<Output = String>>
where
    F::Output: std::fmt::Debug,
{
    Box::new(Described(flow))
}

/// Answering twice without asking in between ends every flow, and the effect the first answer
/// led to is never handed out.
#[test]
fn a_second_answer_ends_the_flow() {
    let env = || Env::from_pairs([("HOME", "/home/u")]);
    let now = SystemTime::UNIX_EPOCH;
    let mut resolve_request = ResolveRequest::new(env());
    resolve_request.platform = Platform::Unix;
    let flows: Vec<(&str, Box<dyn Flow<Output = String>>)> = vec![
        ("resolve", boxed(ResolveFlow::new(resolve_request))),
        (
            "SSO token",
            boxed(SsoAccessFlow::new(
                env(),
                TokenTarget::Profile(None),
                Platform::Unix,
            )),
        ),
        (
            "login",
            boxed(LoginFlow::from_env(
                env(),
                Platform::Unix,
                TokenTarget::Profile(None),
                false,
                [0; 96],
            )),
        ),
        ("logout", boxed(LogoutFlow::from_env(env(), Platform::Unix))),
    ];
    for (name, mut flow) in flows {
        assert!(matches!(flow.next_step(now), Step::Effect(Effect::Read(_))));
        flow.handle(Input::File(Ok(None)), now);
        flow.handle(Input::File(Ok(None)), now);
        match flow.next_step(now) {
            Step::Done(Err(Error::InvalidInput(m))) => assert!(
                m.starts_with(&format!(
                    "the {name} flow was reading the credentials file and expected no input"
                )),
                "{name}: {m}"
            ),
            other => panic!("{name}: {other:?}"),
        }
        assert!(matches!(flow.next_step(now), Step::Done(Err(_))), "{name}");
    }
}
