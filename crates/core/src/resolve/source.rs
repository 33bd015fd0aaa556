//! The first credentials of a plan: static keys, `credential_process`, web identity or SSO.

use std::path::PathBuf;
use std::time::SystemTime;

use super::sso_token::{TokenLoader, TokenSpec};
use super::{Action, Ctx, Poll, process, unexpected};
use crate::cli_cache::{self, SsoKeyPart};
use crate::config::{ProcessSource, Source, SsoSource, WebIdentitySource};
use crate::flow::Input;
use crate::sso::GetRoleCredentials;
use crate::sts::AssumeRoleWithWebIdentity;
use crate::{Credentials, Error, Operation, Service};

/// The source's credentials and how they were obtained.
pub(crate) struct SourceOutput {
    pub(crate) credentials: Credentials,
    pub(crate) from_cli_cache: bool,
    pub(crate) refresh_attempted_at: Option<SystemTime>,
}

enum State {
    Start,
    Process(ProcessSource),
    WebToken(WebIdentitySource),
    WebSend(AssumeRoleWithWebIdentity),
    SsoCache {
        sso: SsoSource,
        path: PathBuf,
    },
    SsoToken {
        sso: SsoSource,
        cache_path: Option<PathBuf>,
        loader: Box<TokenLoader>,
    },
    SsoSend {
        sso: SsoSource,
        cache_path: Option<PathBuf>,
        op: GetRoleCredentials,
        refresh_attempted_at: Option<SystemTime>,
    },
    SsoWrite {
        credentials: Credentials,
        refresh_attempted_at: Option<SystemTime>,
    },
    Done,
}

/// Gets the source credentials of `ctx.plan`.
pub(crate) struct SourceRunner {
    state: State,
    warnings: Vec<super::FileWarning>,
}

type Next = Poll<SourceOutput>;

impl SourceRunner {
    pub(crate) fn new(_ctx: &Ctx) -> Self {
        SourceRunner {
            state: State::Start,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match &self.state {
            State::Start => "starting on the source credentials",
            State::Process(_) => "running credential_process",
            State::WebToken(_) => "reading the web identity token file",
            State::WebSend(_) => "calling AssumeRoleWithWebIdentity",
            State::SsoCache { .. } => "reading the AWS CLI cache for the SSO role",
            State::SsoToken { loader, .. } => loader.name(),
            State::SsoSend { .. } => "calling GetRoleCredentials",
            State::SsoWrite { .. } => "writing the AWS CLI cache for the SSO role",
            State::Done => "done with the source credentials",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        let state = std::mem::replace(&mut self.state, State::Done);
        match (state, input) {
            (State::Start, None) => self.start(ctx, now),
            (State::Process(p), Some(Input::ProcessOutput(out))) => Poll::Ready(
                out.and_then(|o| process::parse_output(&p.profile, &o, p.account_id.as_deref()))
                    .map(fresh),
            ),
            (State::WebToken(w), Some(Input::File(file))) => self.web_send(ctx, w, file, now),
            (State::WebSend(op), Some(Input::Response(response))) => Poll::Ready(
                response
                    .and_then(|r| op.parse(&r))
                    .map(|assumed| fresh(assumed.credentials)),
            ),
            (State::SsoCache { sso, path }, Some(Input::File(file))) => {
                if let Ok(Some(bytes)) = file
                    && let Ok(credentials) = cli_cache::parse_entry(&bytes)
                    && cli_cache::is_reusable(&credentials, now)
                {
                    return Poll::Ready(Ok(SourceOutput {
                        credentials,
                        from_cli_cache: true,
                        refresh_attempted_at: None,
                    }));
                }
                // A missing, unreadable or stale entry is simply fetched again.
                self.sso_token(ctx, sso, Some(path), now)
            }
            (
                State::SsoToken {
                    sso,
                    cache_path,
                    loader,
                },
                Some(input),
            ) => self.on_token(ctx, sso, cache_path, loader, Some(input), now),
            (
                State::SsoSend {
                    sso,
                    cache_path,
                    op,
                    refresh_attempted_at,
                },
                Some(Input::Response(response)),
            ) => {
                let credentials = match response.and_then(|r| op.parse(&r)) {
                    Ok(c) => c,
                    Err(Error::LoginNeeded { reason, .. }) => {
                        return Poll::Ready(Err(Error::LoginNeeded {
                            reason,
                            command: sso.login_command(),
                        }));
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                };
                let entry = cache_path.and_then(|p| {
                    cli_cache::sso_entry(&credentials)
                        .ok()
                        .map(|contents| (p, contents))
                });
                match entry {
                    Some((path, contents)) => {
                        self.state = State::SsoWrite {
                            credentials,
                            refresh_attempted_at,
                        };
                        Poll::Act(Action::Write { path, contents })
                    }
                    None => Poll::Ready(Ok(SourceOutput {
                        credentials,
                        from_cli_cache: false,
                        refresh_attempted_at,
                    })),
                }
            }
            (
                State::SsoWrite {
                    credentials,
                    refresh_attempted_at,
                },
                Some(Input::Written(_)),
            ) => {
                // The cache is an optimisation: a failed write costs the next call a request.
                Poll::Ready(Ok(SourceOutput {
                    credentials,
                    from_cli_cache: false,
                    refresh_attempted_at,
                }))
            }
            (state, input) => {
                self.state = state;
                let name = self.name();
                self.state = State::Done;
                Poll::Ready(Err(match input {
                    Some(input) => unexpected(&input, name),
                    None => Error::InvalidInput(format!("resumed without an answer while {name}")),
                }))
            }
        }
    }

    fn start(&mut self, ctx: &Ctx, now: SystemTime) -> Next {
        match &ctx.plan.source {
            Source::Static(c) => Poll::Ready(Ok(fresh(c.clone()))),
            Source::Process(p) => {
                let command = p.command.clone();
                self.state = State::Process(p.clone());
                Poll::Act(Action::Run(command))
            }
            Source::WebIdentity(w) => {
                let path = PathBuf::from(&w.token_file);
                self.state = State::WebToken(w.clone());
                Poll::Act(Action::Read(path))
            }
            Source::Sso(sso) => {
                if ctx.use_cli_cache {
                    let part = match &sso.session_name {
                        Some(s) => SsoKeyPart::SessionName(s),
                        None => SsoKeyPart::StartUrl(&sso.start_url),
                    };
                    let key = cli_cache::sso_cache_key(&sso.account_id, &sso.role_name, part);
                    let path = ctx.paths.cli_cache.join(cli_cache::cache_file_name(&key));
                    self.state = State::SsoCache {
                        sso: sso.clone(),
                        path: path.clone(),
                    };
                    Poll::Act(Action::Read(path))
                } else {
                    self.sso_token(ctx, sso.clone(), None, now)
                }
            }
        }
    }

    fn web_send(
        &mut self,
        ctx: &Ctx,
        w: WebIdentitySource,
        file: Result<Option<Vec<u8>>, Error>,
        now: SystemTime,
    ) -> Next {
        let bytes = match file {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Poll::Ready(Err(Error::Config(format!(
                    "the web identity token file {} (web_identity_token_file of profile \"{}\") does not exist",
                    w.token_file, w.profile
                ))));
            }
            Err(e) => return Poll::Ready(Err(e)),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Poll::Ready(Err(Error::Config(format!(
                "the web identity token file {} (profile \"{}\") is not UTF-8 text",
                w.token_file, w.profile
            ))));
        };
        let endpoint = match ctx.sts_endpoint() {
            Ok(e) => e,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let op = AssumeRoleWithWebIdentity::new(
            endpoint,
            w.role_arn.clone(),
            w.session_name(),
            text.trim(),
        );
        match op.request(now) {
            Ok(request) => {
                self.state = State::WebSend(op);
                Poll::Act(Action::Send(request))
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn sso_token(
        &mut self,
        ctx: &Ctx,
        sso: SsoSource,
        cache_path: Option<PathBuf>,
        now: SystemTime,
    ) -> Next {
        let spec = TokenSpec::new(
            sso.session_name.clone(),
            sso.start_url.clone(),
            sso.login_command(),
            &ctx.paths.sso_cache,
            ctx.sso_endpoint(Service::SsoOidc, &sso.sso_region),
        );
        let loader = Box::new(TokenLoader::new(spec, ctx.last_refresh_attempt));
        self.on_token(ctx, sso, cache_path, loader, None, now)
    }

    fn on_token(
        &mut self,
        ctx: &Ctx,
        sso: SsoSource,
        cache_path: Option<PathBuf>,
        mut loader: Box<TokenLoader>,
        input: Option<Input>,
        now: SystemTime,
    ) -> Next {
        let loaded = match loader.resume(input, now) {
            Poll::Act(action) => {
                self.state = State::SsoToken {
                    sso,
                    cache_path,
                    loader,
                };
                return Poll::Act(action);
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(loaded)) => loaded,
        };
        self.warnings.extend(loaded.warnings);
        let endpoint = match ctx.sso_endpoint(Service::Sso, &sso.sso_region) {
            Ok(e) => e,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let op = GetRoleCredentials {
            endpoint,
            access_token: loaded.token.access_token,
            account_id: sso.account_id.clone(),
            role_name: sso.role_name.clone(),
        };
        match op.request(now) {
            Ok(request) => {
                self.state = State::SsoSend {
                    sso,
                    cache_path,
                    op,
                    refresh_attempted_at: loaded.refresh_attempted_at,
                };
                Poll::Act(Action::Send(request))
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl SourceRunner {
    /// What went wrong with the SSO token's files, for the resolution's result.
    pub(crate) fn take_warnings(&mut self) -> Vec<super::FileWarning> {
        std::mem::take(&mut self.warnings)
    }
}

fn fresh(credentials: Credentials) -> SourceOutput {
    SourceOutput {
        credentials,
        from_cli_cache: false,
        refresh_attempted_at: None,
    }
}
