//! What a tool needs beyond credentials: log in, log out, list accounts and roles.

use awscred_core::Error;
use awscred_core::config::{self, ConfigPaths, ConfigSet, Env, LoginTarget, Platform};
use awscred_core::login::{LoginFlow, LoginOutcome, LoginRequest, login_retry_settings};
use awscred_core::logout::{LogoutFlow, LogoutOutcome, LogoutRequest, SessionFiles};
use awscred_core::resolve::{SsoAccess, SsoAccessFlow, TokenTarget};
use awscred_core::retry::{Attempts, RetrySettings};
use awscred_core::sso::{AccountInfo, ListAccountRoles, ListAccounts, Paging, RoleInfo};
use awscred_core::start_url::{ResolvedStartUrl, StartUrlFlow};

use crate::{Client, Interact};

/// Reads and parses the config and credentials files the environment points at.
pub fn load_config(env: &Env) -> Result<(ConfigPaths, ConfigSet), Error> {
    let paths = config::config_paths(env, Platform::current())?;
    let read = |path: &std::path::Path| {
        awscred_files::read_if_present(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let config_bytes = read(&paths.config)?;
    let credentials_bytes = read(&paths.credentials)?;
    let set = config::load_files(
        &paths,
        config_bytes.as_deref(),
        credentials_bytes.as_deref(),
    )?;
    Ok((paths, set))
}

impl Client {
    /// Logs in like `aws sso login`: device code when asked (or for legacy profiles), else
    /// authorization code with PKCE in the browser. Writes the token and registration caches.
    pub fn login(
        &self,
        env: &Env,
        target: LoginTarget<'_>,
        use_device_code: bool,
        interact: &mut dyn Interact,
    ) -> Result<LoginOutcome, Error> {
        self.login_resolving(env, target, use_device_code, interact)
            .map(|(outcome, _)| outcome)
    }

    /// [`Client::login`], also returning what the start URL resolved to: a caller can tell the
    /// user (or record) the region a vanity start URL led to.
    pub fn login_resolving(
        &self,
        env: &Env,
        target: LoginTarget<'_>,
        use_device_code: bool,
        interact: &mut dyn Interact,
    ) -> Result<(LoginOutcome, ResolvedStartUrl), Error> {
        let (paths, set) = load_config(env)?;
        let random = awscred_files::random::fresh::<96>()
            .ok_or_else(|| Error::Login("the system's random source failed".into()))?;
        // A vanity start URL is resolved first: the core decides, this only sends its requests.
        let (start_url, sso_region) = config::login_start_url(&set, target)?;
        let start = self.run(
            StartUrlFlow::new(&start_url, sso_region.as_deref()),
            interact,
        )?;
        let request = LoginRequest::from_config_with(
            env,
            &set,
            &paths,
            target,
            use_device_code,
            random,
            &start,
        )?;
        let mut flow =
            LoginFlow::new(request).with_retry_settings(login_retry_settings(env, &set, target)?);
        if let Some(url) = &start.resolved {
            flow = flow.with_resolved_start_url(url.clone());
        }
        Ok((self.run(flow, interact)?, start))
    }

    /// Logs out like `aws sso logout`: every cached SSO session is logged out and its token
    /// removed, with the AWS CLI's cached SSO role credentials.
    pub fn logout(&self, env: &Env, interact: &mut dyn Interact) -> Result<LogoutOutcome, Error> {
        let (paths, set) = load_config(env)?;
        let request = LogoutRequest::from_config(env, &set, &paths)?;
        let retry = RetrySettings::for_profile(env, &set, None)?;
        self.run(
            LogoutFlow::new(request).with_retry_settings(retry),
            interact,
        )
    }

    /// Logs out of one `[sso-session]`: its token is invalidated at the portal and deleted,
    /// with the AWS CLI's cached credentials of the SSO roles configured with it.
    pub fn logout_session(
        &self,
        env: &Env,
        session: &str,
        interact: &mut dyn Interact,
    ) -> Result<LogoutOutcome, Error> {
        let (paths, set) = load_config(env)?;
        let files = SessionFiles::of(&set, &paths, session)?;
        let request = LogoutRequest::from_config(env, &set, &paths)?;
        let retry = RetrySettings::for_profile(env, &set, None)?;
        self.run(
            LogoutFlow::for_session(request, files).with_retry_settings(retry),
            interact,
        )
    }

    /// The SSO access token of a profile or sso-session (refreshed if due) and its portal.
    pub fn sso_access(
        &self,
        env: &Env,
        target: TokenTarget,
        interact: &mut dyn Interact,
    ) -> Result<SsoAccess, Error> {
        self.run(
            SsoAccessFlow::new(env.clone(), target, Platform::current()),
            interact,
        )
    }

    /// The attempts of a call made with `access`: its profile's retry settings over this
    /// client's policy.
    fn attempts_for(&self, access: &SsoAccess) -> Attempts {
        Attempts::new(access.retry.policy(self.config().retry))
    }

    /// Every account the SSO session may use (all pages).
    pub fn list_accounts(&self, access: &SsoAccess) -> Result<Vec<AccountInfo>, Error> {
        let mut op = ListAccounts::new(access.portal.clone(), access.access_token.clone());
        let mut accounts = Vec::new();
        let mut paging = Paging::new();
        loop {
            let page = self.execute_with(&op, self.attempts_for(access))?;
            let next = paging.next(op.next_page(&page))?;
            accounts.extend(page.accounts);
            match next {
                Some(n) => op = n,
                None => return Ok(accounts),
            }
        }
    }

    /// Every role the SSO session may use in `account_id` (all pages).
    pub fn list_roles(&self, access: &SsoAccess, account_id: &str) -> Result<Vec<RoleInfo>, Error> {
        let mut op = ListAccountRoles::new(
            access.portal.clone(),
            access.access_token.clone(),
            account_id.to_string(),
        );
        let mut roles = Vec::new();
        let mut paging = Paging::new();
        loop {
            let page = self.execute_with(&op, self.attempts_for(access))?;
            let next = paging.next(op.next_page(&page))?;
            roles.extend(page.roles);
            match next {
                Some(n) => op = n,
                None => return Ok(roles),
            }
        }
    }
}
