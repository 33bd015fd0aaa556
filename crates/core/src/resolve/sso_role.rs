//! The IAM Identity Center source: the AWS CLI cache, else the SSO token (loaded and refreshed
//! by `sso_token.rs`) and GetRoleCredentials, whose answer fills the cache.

use std::path::PathBuf;
use std::time::SystemTime;

use super::source::{Next, SourceOutput};
use super::sso_token::{TokenLoader, TokenSpec};
use super::{Action, Ctx, Poll, out_of_step};
use crate::cli_cache::{self, SsoKeyPart};
use crate::config::SsoSource;
use crate::flow::Input;
use crate::sso::GetRoleCredentials;
use crate::{Credentials, Error, Operation, Service};

enum State {
    Start,
    ReadCache(PathBuf),
    Token {
        cache_path: Option<PathBuf>,
        loader: Box<TokenLoader>,
    },
    Send {
        cache_path: Option<PathBuf>,
        op: GetRoleCredentials,
        refresh_attempted_at: Option<SystemTime>,
    },
    WriteCache {
        credentials: Credentials,
        refresh_attempted_at: Option<SystemTime>,
    },
    Done,
}

/// Gets the role credentials of an SSO profile.
pub(crate) struct SsoRoleRunner {
    sso: SsoSource,
    state: State,
    /// What the token loader reported about its files, not taken yet.
    warnings: Vec<super::FileWarning>,
}

impl SsoRoleRunner {
    pub(crate) fn new(sso: SsoSource) -> Self {
        SsoRoleRunner {
            sso,
            state: State::Start,
            warnings: Vec::new(),
        }
    }

    /// What went wrong with the SSO token's files, for the resolution's result.
    pub(crate) fn take_warnings(&mut self) -> Vec<super::FileWarning> {
        std::mem::take(&mut self.warnings)
    }

    pub(crate) fn name(&self) -> &'static str {
        match &self.state {
            State::Start => "starting on the source credentials",
            State::ReadCache(_) => "reading the AWS CLI cache for the SSO role",
            State::Token { loader, .. } => loader.name(),
            State::Send { .. } => "calling GetRoleCredentials",
            State::WriteCache { .. } => "writing the AWS CLI cache for the SSO role",
            State::Done => "done with the source credentials",
        }
    }

    /// Starts (`input` = `None`) or continues with the answer to the last action.
    pub(crate) fn resume(&mut self, ctx: &Ctx, input: Option<Input>, now: SystemTime) -> Next {
        match (std::mem::replace(&mut self.state, State::Done), input) {
            (State::Start, None) => self.start(ctx, now),
            (State::ReadCache(path), Some(Input::File(file))) => {
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
                self.token(ctx, Some(path), now)
            }
            (State::Token { cache_path, loader }, Some(input)) => {
                self.on_token(ctx, cache_path, loader, Some(input), now)
            }
            (
                State::Send {
                    cache_path,
                    op,
                    refresh_attempted_at,
                },
                Some(Input::Response(response)),
            ) => self.on_credentials(cache_path, &op, refresh_attempted_at, response),
            (
                State::WriteCache {
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
                Poll::Ready(Err(out_of_step(input, name)))
            }
        }
    }

    fn start(&mut self, ctx: &Ctx, now: SystemTime) -> Next {
        if !ctx.use_cli_cache {
            return self.token(ctx, None, now);
        }
        let sso = &self.sso;
        let part = match &sso.session_name {
            Some(s) => SsoKeyPart::SessionName(s),
            None => SsoKeyPart::StartUrl(&sso.start_url),
        };
        let key = cli_cache::sso_cache_key(&sso.account_id, &sso.role_name, part);
        let path = ctx.paths.cli_cache.join(cli_cache::cache_file_name(&key));
        self.state = State::ReadCache(path.clone());
        Poll::Act(Action::Read(path))
    }

    fn token(&mut self, ctx: &Ctx, cache_path: Option<PathBuf>, now: SystemTime) -> Next {
        let sso = &self.sso;
        let spec = TokenSpec::new(
            sso.session_name.clone(),
            sso.start_url.clone(),
            sso.login_hint(),
            &ctx.paths.sso_cache,
            ctx.sso_endpoint(Service::SsoOidc, &sso.sso_region),
        );
        let loader = Box::new(TokenLoader::new(spec, ctx.last_refresh_attempt));
        self.on_token(ctx, cache_path, loader, None, now)
    }

    fn on_token(
        &mut self,
        ctx: &Ctx,
        cache_path: Option<PathBuf>,
        mut loader: Box<TokenLoader>,
        input: Option<Input>,
        now: SystemTime,
    ) -> Next {
        let loaded = match loader.resume(input, now) {
            Poll::Act(action) => {
                self.state = State::Token { cache_path, loader };
                return Poll::Act(action);
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(loaded)) => loaded,
        };
        self.warnings.extend(loaded.warnings);
        let sso = &self.sso;
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
                self.state = State::Send {
                    cache_path,
                    op,
                    refresh_attempted_at: loaded.refresh_attempted_at,
                };
                Poll::Act(Action::Send(request))
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn on_credentials(
        &mut self,
        cache_path: Option<PathBuf>,
        op: &GetRoleCredentials,
        refresh_attempted_at: Option<SystemTime>,
        response: Result<http::Response<Vec<u8>>, Error>,
    ) -> Next {
        let credentials = match response.and_then(|r| op.parse(&r)) {
            Ok(c) => c,
            Err(Error::LoginNeeded { reason, .. }) => {
                return Poll::Ready(Err(Error::login_needed(reason, self.sso.login_hint())));
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
                self.state = State::WriteCache {
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
}
