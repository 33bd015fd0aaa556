//! `aws login`'s same-device flow as a sans-IO [`Flow`]: listen on loopback, show the authorize
//! URL (PKCE, `state`), wait for the redirect, redeem the code with a DPoP proof, write the
//! cache file (awscli/customizations/login/utils.py, `SameDeviceLoginTokenFetcher`;
//! docs/login-session.md §6). Its randomness — the PKCE verifier, the `state`, the session's
//! key and the proof's `jti` — comes in with the request.
//!
//! Step order: `Listen` → `Prompt` → `AwaitCallback` → `Send` CreateOAuth2Token → `Write`
//! the cache file → `Done`. Writing `login_session` into the profile is the caller's.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{CreateOAuth2Token, DpopKey, LoginGrant, SAME_DEVICE_CLIENT_ID};
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

/// The same-device console login.
pub struct ConsoleLoginFlow {
    request: ConsoleLoginRequest,
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
            request,
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
            State::Start => Step::Effect(Effect::Listen),
            State::Listening => {
                return Step::Done(Err(Error::InvalidInput(
                    "the login flow was asked for a step twice".into(),
                )));
            }
            State::Prompting { redirect } => Step::Effect(Effect::Prompt(Prompt::Authorize {
                url: super::login::authorize_url(
                    &self.request.endpoint,
                    SAME_DEVICE_CLIENT_ID,
                    &self.state_param,
                    &pkce::code_challenge(&self.verifier),
                    redirect,
                ),
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
            self.state = State::Listening;
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
                    match (verdict.into_result(), self.key.clone()) {
                        (Ok(code), Ok(key)) => State::Exchanging {
                            op: Box::new(CreateOAuth2Token {
                                endpoint: self.request.endpoint.clone(),
                                client_id: SAME_DEVICE_CLIENT_ID.into(),
                                grant: LoginGrant::AuthorizationCode {
                                    code: code.into(),
                                    code_verifier: self.verifier.clone().into(),
                                    redirect_uri: redirect,
                                },
                                key,
                                jti: self.jti(),
                            }),
                        },
                        (Err(e), _) | (_, Err(e)) => State::Finished(Err(e)),
                    }
                }
            }
            (State::Exchanging { op }, Input::Response(response)) => {
                match response.and_then(|r| op.parse(&r)).and_then(|out| {
                    super::login::new_session(&out, SAME_DEVICE_CLIENT_ID, &op.key, now)
                }) {
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
            (_, Input::Listening(Err(e)) | Input::Callback(Err(e)) | Input::Written(Err(e))) => {
                State::Finished(Err(e))
            }
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
