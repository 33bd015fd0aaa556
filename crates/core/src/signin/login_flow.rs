//! `aws login`'s same-device flow as a sans-IO [`Flow`]: listen on loopback, show the authorize
//! URL (PKCE, `state`), wait for the redirect, redeem the code with a DPoP proof, write the
//! cache file (awscli/customizations/login/utils.py, `SameDeviceLoginTokenFetcher`;
//! docs/login-session.md §6). Its randomness — the PKCE verifier, the `state`, the session's
//! key and the proof's `jti` — comes in with the request.
//!
//! Step order: `Listen` → `Prompt` → `AwaitCallback` → `Send` CreateOAuth2Token → `Write`
//! the cache file → `Done`. Writing `login_session` into the profile is the caller's.
//!
//! The cross-device flow ([`ConsoleLoginFlow::remote`], `aws login --remote`;
//! `CrossDeviceLoginTokenFetcher` in the same file) needs no listener: the redirect is Sign-In's
//! own confirmation page, which shows a verification code the user types back.
//! Step order: `AskVerificationCode` → `Send` CreateOAuth2Token → `Write` → `Done`.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{
    CROSS_DEVICE_CLIENT_ID, CreateOAuth2Token, DpopKey, LoginGrant, SAME_DEVICE_CLIENT_ID,
};
use crate::flow::{Effect, Flow, Input, Prompt, Step, unusable};
use crate::oidc::callback::CallbackCheck;
use crate::oidc::pkce;
use crate::{Credentials, Endpoint, Error, Operation};

/// How long the browser sign-in may take.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(600);

/// What to log in to. `Debug` shows no random bytes.
#[derive(Clone)]
pub struct ConsoleLoginRequest {
    /// The Sign-In endpoint.
    pub endpoint: Endpoint,
    /// The login cache directory ([`super::cache_dir`]).
    pub cache_dir: PathBuf,
    /// Fresh random bytes: 64 for the PKCE verifier, 16 for `state`, 32 for the key, 16 for
    /// the `jti`.
    pub random: [u8; 128],
}

impl fmt::Debug for ConsoleLoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleLoginRequest")
            .field("endpoint", &self.endpoint.url)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

/// A finished login. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct ConsoleLogin {
    /// The `login_session` value to write into the profile.
    pub login_session: String,
    /// The cache file written.
    pub cache_file: PathBuf,
    /// The session's first credentials.
    pub credentials: Credentials,
}

enum State {
    Start,
    Listening,
    /// Cross-device: waiting for the verification code.
    AskingCode,
    Prompting {
        redirect: String,
    },
    Awaiting {
        redirect: String,
        deadline: SystemTime,
    },
    Exchanging {
        op: Box<CreateOAuth2Token>,
    },
    Writing(ConsoleLogin),
    Finished(Result<ConsoleLogin, Error>),
    Gone,
}

/// The console login: same-device ([`ConsoleLoginFlow::new`]) or cross-device
/// ([`ConsoleLoginFlow::remote`]).
pub struct ConsoleLoginFlow {
    request: ConsoleLoginRequest,
    /// Whether this is the cross-device flow.
    remote: bool,
    verifier: String,
    state_param: String,
    key: Result<DpopKey, Error>,
    state: State,
    /// The cache file's bytes, until handed out.
    pending_write: Option<Vec<u8>>,
}

impl ConsoleLoginFlow {
    /// A login with `request`'s endpoint, directory and random bytes.
    pub fn new(request: ConsoleLoginRequest) -> Self {
        let r = &request.random;
        let mut verifier = [0u8; 64];
        verifier.copy_from_slice(&r[..64]);
        let mut state = [0u8; 16];
        state.copy_from_slice(&r[64..80]);
        let mut key = [0u8; 32];
        key.copy_from_slice(&r[80..112]);
        ConsoleLoginFlow {
            verifier: pkce::code_verifier(&verifier),
            state_param: pkce::state_from_random(&state),
            key: DpopKey::from_random(&key),
            state: State::Start,
            pending_write: None,
            remote: false,
            request,
        }
    }

    /// The cross-device login (`aws login --remote`): the user opens the authorize URL on any
    /// device and types back the verification code the confirmation page shows.
    pub fn remote(request: ConsoleLoginRequest) -> Self {
        ConsoleLoginFlow {
            remote: true,
            ..Self::new(request)
        }
    }

    fn client_id(&self) -> &'static str {
        if self.remote {
            CROSS_DEVICE_CLIENT_ID
        } else {
            SAME_DEVICE_CLIENT_ID
        }
    }

    fn authorize_url(&self, redirect: &str) -> String {
        super::login::authorize_url(
            &self.request.endpoint,
            self.client_id(),
            &self.state_param,
            &pkce::code_challenge(&self.verifier),
            redirect,
        )
    }

    /// The token exchange for an authorization `code` sent to `redirect`, or why it cannot be.
    fn exchange(&self, code: String, redirect: String) -> State {
        match self.key.clone() {
            Ok(key) => State::Exchanging {
                op: Box::new(CreateOAuth2Token {
                    endpoint: self.request.endpoint.clone(),
                    client_id: self.client_id().into(),
                    grant: LoginGrant::AuthorizationCode {
                        code: code.into(),
                        code_verifier: self.verifier.clone().into(),
                        redirect_uri: redirect,
                    },
                    key,
                    jti: self.jti(),
                }),
            },
            Err(e) => State::Finished(Err(e)),
        }
    }

    fn jti(&self) -> String {
        let mut jti = [0u8; 16];
        jti.copy_from_slice(&self.request.random[112..128]);
        super::jti_from_random(&jti)
    }
}

impl Flow for ConsoleLoginFlow {
    type Output = ConsoleLogin;

    fn next_step(&mut self, now: SystemTime) -> Step<ConsoleLogin> {
        let step = match &self.state {
            State::Start if self.remote => Step::Effect(Effect::AskVerificationCode {
                url: self.authorize_url(&super::login::cross_device_redirect_uri(
                    &self.request.endpoint,
                )),
            }),
            State::Start => Step::Effect(Effect::Listen),
            State::Listening | State::AskingCode => {
                return Step::Done(Err(Error::InvalidInput(
                    "the login flow was asked for a step twice".into(),
                )));
            }
            State::Prompting { redirect } => Step::Effect(Effect::Prompt(Prompt::Authorize {
                url: self.authorize_url(redirect),
            })),
            State::Awaiting { deadline, .. } => Step::Effect(Effect::AwaitCallback {
                timeout: deadline.duration_since(now).unwrap_or_default(),
                check: CallbackCheck::new(self.state_param.clone()),
            }),
            State::Exchanging { op } => match op.request(now) {
                Ok(r) => Step::Effect(Effect::Send(r)),
                Err(e) => return Step::Done(Err(e)),
            },
            State::Writing(login) => match self.pending_write.take() {
                Some(contents) => Step::Effect(Effect::Write {
                    path: login.cache_file.clone(),
                    contents,
                }),
                None => {
                    return Step::Done(Err(Error::InvalidInput(
                        "the login flow was asked for a step twice".into(),
                    )));
                }
            },
            State::Finished(_) | State::Gone => {
                return match std::mem::replace(&mut self.state, State::Gone) {
                    State::Finished(r) => Step::Done(r),
                    _ => Step::Done(Err(Error::InvalidInput("the login has ended".into()))),
                };
            }
        };
        if matches!(self.state, State::Start) {
            self.state = if self.remote {
                State::AskingCode
            } else {
                State::Listening
            };
        }
        step
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        let state = std::mem::replace(&mut self.state, State::Gone);
        self.state = match (state, input) {
            (State::Listening, Input::Listening(Ok(port))) => State::Prompting {
                redirect: pkce::redirect_uri(port),
            },
            (State::Prompting { redirect }, Input::Shown) => State::Awaiting {
                redirect,
                deadline: now + CALLBACK_TIMEOUT,
            },
            (State::Awaiting { redirect, deadline }, Input::Callback(Ok(query))) => {
                let verdict = CallbackCheck::new(self.state_param.clone()).verdict(&query);
                if !verdict.is_final() && now < deadline {
                    State::Awaiting { redirect, deadline }
                } else {
                    match verdict.into_result() {
                        Ok(code) => self.exchange(code, redirect),
                        Err(e) => State::Finished(Err(e)),
                    }
                }
            }
            (State::AskingCode, Input::TokenCode(Ok(pasted))) => {
                match super::login::parse_verification_code(&pasted, &self.state_param) {
                    Ok(code) => self.exchange(
                        code,
                        super::login::cross_device_redirect_uri(&self.request.endpoint),
                    ),
                    Err(e) => State::Finished(Err(e)),
                }
            }
            (State::Exchanging { op }, Input::Response(response)) => {
                match response
                    .and_then(|r| op.parse(&r))
                    .and_then(|out| super::login::new_session(&out, &op.client_id, &op.key, now))
                {
                    Ok((login_session, token)) => {
                        let cache_file = self
                            .request
                            .cache_dir
                            .join(super::cache_file_name(&login_session));
                        let credentials = token.credentials.clone();
                        self.pending_write = Some(token.to_json());
                        State::Writing(ConsoleLogin {
                            login_session,
                            cache_file,
                            credentials,
                        })
                    }
                    Err(e) => State::Finished(Err(login_error(e))),
                }
            }
            (State::Writing(login), Input::Written(result)) => {
                State::Finished(result.map(|()| login))
            }
            (
                _,
                Input::Listening(Err(e))
                | Input::Callback(Err(e))
                | Input::TokenCode(Err(e))
                | Input::Written(Err(e)),
            ) => State::Finished(Err(e)),
            (_, input) => {
                State::Finished(Err(unusable(&input, "logging in with console credentials")))
            }
        };
    }
}

/// The service's "log in again" codes at login (an authorization code that expired, a user
/// without permission) become a clear login error.
fn login_error(e: Error) -> Error {
    match e.code().and_then(super::login_again_reason) {
        Some(reason) => Error::Login(format!("{reason}; run the login again")),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn request() -> ConsoleLoginRequest {
        ConsoleLoginRequest {
            endpoint: Endpoint {
                url: "https://us-east-1.signin.aws.amazon.com".into(),
                signing_region: "us-east-1".into(),
            },
            cache_dir: "/home/u/.aws/login/cache".into(),
            random: [7; 128],
        }
    }

    /// The remote flow's first step: the cross-device authorize URL, no listener.
    fn asked_url(flow: &mut ConsoleLoginFlow, now: SystemTime) -> String {
        match flow.next_step(now) {
            Step::Effect(Effect::AskVerificationCode { url }) => url,
            other => panic!("expected AskVerificationCode, got {other:?}"),
        }
    }

    #[test]
    fn remote_login_asks_for_the_code_with_the_cross_device_url() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let mut flow = ConsoleLoginFlow::remote(request());
        let url = asked_url(&mut flow, now);
        assert!(url.contains("client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device"));
        assert!(url.contains(
            "redirect_uri=https%3A%2F%2Fus-east-1.signin.aws.amazon.com%2Fv1%2Fsessions%2Fconfirmation"
        ));
        // The state in the URL is the one the code must carry back.
        let state = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("state="))
            .unwrap()
            .to_string();
        let pasted = STANDARD.encode(format!("code=the-code&state={state}"));
        flow.handle(Input::TokenCode(Ok(pasted)), now);
        match flow.next_step(now) {
            Step::Effect(Effect::Send(r)) => {
                let body = String::from_utf8(r.body().clone()).unwrap();
                assert!(body.contains("the-code"), "{body}");
                assert!(body.contains("devtools/cross-device"), "{body}");
                assert!(body.contains("sessions/confirmation"), "{body}");
            }
            other => panic!("expected Send, got {other:?}"),
        }
    }

    #[test]
    fn remote_login_with_a_wrong_code_ends_with_a_clear_error() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let cases = [
            ("not base64 at all!", "could not be decoded"),
            (
                &*STANDARD.encode("code=c&state=another-login"),
                "another login",
            ),
            (&*STANDARD.encode("hello"), "no code and state"),
        ];
        for (pasted, says) in cases {
            let mut flow = ConsoleLoginFlow::remote(request());
            asked_url(&mut flow, now);
            flow.handle(Input::TokenCode(Ok(pasted.to_string())), now);
            match flow.next_step(now) {
                Step::Done(Err(e @ Error::Login(_))) => {
                    assert!(e.to_string().contains(says), "{pasted}: {e}");
                    assert!(
                        !e.to_string().contains(pasted),
                        "the code is not echoed: {e}"
                    );
                }
                other => panic!("{pasted}: expected a login error, got {other:?}"),
            }
        }
    }

    #[test]
    fn remote_login_without_a_terminal_is_refused_clearly() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let mut flow = ConsoleLoginFlow::remote(request());
        let url = asked_url(&mut flow, now);
        let answer =
            crate::flow::Interact::verification_code(&mut crate::flow::NonInteractive, &url);
        flow.handle(Input::TokenCode(answer), now);
        match flow.next_step(now) {
            Step::Done(Err(e)) => assert!(e.to_string().contains("terminal"), "{e}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}
