//! `aws sso login` as a sans-IO flow (docs/sso-oidc-and-login.md §5–§8).
//!
//! The flow reuses or registers an SSO-OIDC client (cached next to the tokens, exactly as the
//! AWS CLI caches it), obtains a token through the browser (authorization code + PKCE, the
//! default for sso-sessions) or the device code, and writes the token file the AWS CLI writes.
//! It never reuses a cached token: a login always asks the user again (`force_refresh`).
//!
//! Step order, device code: `Read` registration → [`Send` RegisterClient → `Write`
//! registration] → `Send` StartDeviceAuthorization → `Send` CreateToken (once, before prompting,
//! for pre-authorized clients) → `Prompt(DeviceCode)` → loop { `Wait(interval)` →
//! `Prompt(Polling)` → `Send` CreateToken } → `Write` token → `Done`.
//!
//! Authorization code: `Read` registration → [`Send` RegisterClient → `Write` registration] →
//! `Listen` → `Prompt(Authorize)` → `AwaitCallback` → `Send` CreateToken → `Write` token → `Done`.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::config::{self, ConfigPaths, ConfigSet, Env, LoginTarget, Platform};
use crate::endpoint::{self, Service};
use crate::flow::{Awaiting, Effect, Flow, Input, Prompt, Step, unusable};
use crate::oidc::callback::CallbackCheck;
use crate::oidc::pkce::{authorize_url, code_challenge, code_verifier, redirect_uri};
use crate::oidc::{
    ClientRegistration, CreateToken, DEFAULT_SCOPE, DeviceAuthorization, GRANT_AUTHORIZATION_CODE,
    GRANT_REFRESH_TOKEN, Grant, OidcErrorKind, RegisterClient, StartDeviceAuthorization,
    TokenResponse, oidc_error_kind,
};
use crate::registration::{
    Registration, RegistrationKeyInput, RegistrationKind, registration_file_name,
};
use crate::resolve::{Configured, FromConfig, TokenTarget};
use crate::retry::RetrySettings;
use crate::start_url::ResolvedStartUrl;
use crate::token::{CachedToken, TokenGrant, token_file_name};
use crate::{Endpoint, Error, Operation, TransportKind};

/// botocore's `PendingAuthorizationExpiredError` message: the device code or the browser
/// authorization ran out before the user approved it.
pub const PENDING_AUTHORIZATION_EXPIRED: &str = "The pending authorization to retrieve an SSO token has expired. The login flow to retrieve an SSO token must be restarted.";

/// How long the browser login waits for the redirect overall (botocore's `_OVERALL_TIMEOUT`).
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(600);

/// What a `slow_down` answer adds to the polling interval, cumulatively (RFC 8628 §3.5).
pub const SLOW_DOWN_DELAY: Duration = Duration::from_secs(5);

/// The error when the device code's `expiresIn` passes while polling.
pub const CODE_EXPIRED: &str = "the code expired; run login again";

/// The longest a device code is polled for, whatever `expiresIn` says (IAM Identity Center
/// issues codes for 600 s): a service that claims more cannot keep a login polling for ever.
pub const MAX_DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(3600);

/// The shortest wait between polls, whatever `interval` says (RFC 8628 §3.5 defaults to 5 s):
/// an `interval` of 0 would poll as fast as the network allows.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The prefix of the registered client's name (`botocore-client-<session or epoch seconds>`).
pub const CLIENT_NAME_PREFIX: &str = "botocore-client-";

/// What a login needs, all of it already resolved from the configuration by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginRequest {
    /// The sso-session name; `None` for a legacy profile (`sso_start_url` in the profile).
    pub session_name: Option<String>,
    /// The start URL exactly as configured: it keys the caches and goes into the token file.
    pub start_url: String,
    /// `sso_region`.
    pub sso_region: String,
    /// `sso_registration_scopes` as parsed; empty when not configured.
    pub scopes: Vec<String>,
    /// `--use-device-code`. Legacy profiles always use the device code.
    pub use_device_code: bool,
    /// The SSO-OIDC endpoint of `sso_region` (resolved by the caller, overrides applied).
    pub oidc_endpoint: Endpoint,
    /// The token directory, `~/.aws/sso/cache`.
    pub token_dir: PathBuf,
    /// Fresh random bytes: the first 64 make the PKCE verifier, the next 16 the OAuth `state`;
    /// the rest are unused. Secret.
    pub random: [u8; 96],
}

/// The retry settings a login for `target` uses: those of the named profile, or for an
/// sso-session those of the profile the environment selects (where the endpoint overrides
/// come from too).
pub fn login_retry_settings(
    env: &Env,
    set: &ConfigSet,
    target: LoginTarget<'_>,
) -> Result<RetrySettings, Error> {
    match target {
        LoginTarget::Profile(p) => RetrySettings::for_profile(env, set, Some(p)),
        LoginTarget::SsoSession(_) => RetrySettings::for_profile(env, set, None),
    }
}

impl LoginRequest {
    /// The login `awscred login` (like `aws sso login`) performs for `target`, from the parsed
    /// configuration: the session's start URL, region and scopes, the SSO-OIDC endpoint of
    /// `sso_region` (endpoint overrides taken from the named profile, else the selected one),
    /// and the token directory. `random` feeds the PKCE verifier and `state`.
    pub fn from_config(
        env: &Env,
        set: &ConfigSet,
        paths: &ConfigPaths,
        target: LoginTarget<'_>,
        use_device_code: bool,
        random: [u8; 96],
    ) -> Result<LoginRequest, Error> {
        Self::build(env, set, paths, target, use_device_code, random, None)
    }

    /// [`LoginRequest::from_config`] once the start URL was resolved
    /// ([`crate::start_url::StartUrlFlow`]): the region it found stands in for a missing
    /// `sso_region` and wins over a configured one, as in the AWS CLI.
    pub fn from_config_with(
        env: &Env,
        set: &ConfigSet,
        paths: &ConfigPaths,
        target: LoginTarget<'_>,
        use_device_code: bool,
        random: [u8; 96],
        start: &ResolvedStartUrl,
    ) -> Result<LoginRequest, Error> {
        Self::build(
            env,
            set,
            paths,
            target,
            use_device_code,
            random,
            Some(start),
        )
    }

    fn build(
        env: &Env,
        set: &ConfigSet,
        paths: &ConfigPaths,
        target: LoginTarget<'_>,
        use_device_code: bool,
        random: [u8; 96],
        start: Option<&ResolvedStartUrl>,
    ) -> Result<LoginRequest, Error> {
        let mut login =
            config::sso_login_config_with(set, target, start.map(|s| s.region.as_str()))?;
        if let Some(start) = start {
            login.region = start.region.clone();
        }
        let profile = match target {
            LoginTarget::Profile(p) => p.to_string(),
            LoginTarget::SsoSession(_) => config::select_profile(env, None),
        };
        let endpoint_config =
            config::endpoint_config(env, set, &profile, Service::SsoOidc, Some(&login.region))?;
        Ok(LoginRequest {
            session_name: login.session_name,
            start_url: login.start_url,
            sso_region: login.region,
            scopes: login.registration_scopes.unwrap_or_default(),
            use_device_code,
            oidc_endpoint: endpoint::resolve(Service::SsoOidc, &endpoint_config)?,
            token_dir: paths.sso_cache.clone(),
            random,
        })
    }

    /// The login method the AWS CLI picks: the browser for sso-sessions unless the device code
    /// is asked for; the device code for legacy profiles.
    pub fn kind(&self) -> RegistrationKind {
        if self.session_name.is_some() && !self.use_device_code {
            RegistrationKind::AuthorizationCode
        } else {
            RegistrationKind::DeviceCode
        }
    }

    /// The registration cache file, `<token_dir>/<sha1 of the login's configuration>.json`.
    pub fn registration_path(&self) -> PathBuf {
        let scopes = (!self.scopes.is_empty()).then_some(self.scopes.as_slice());
        self.token_dir
            .join(registration_file_name(&RegistrationKeyInput {
                start_url: &self.start_url,
                region: &self.sso_region,
                scopes,
                session_name: self.session_name.as_deref(),
            }))
    }

    /// The token file, `<token_dir>/<sha1 of the session name, else of the start URL>.json`.
    pub fn token_path(&self) -> PathBuf {
        let key = self.session_name.as_deref().unwrap_or(&self.start_url);
        self.token_dir.join(token_file_name(key))
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("session_name", &self.session_name)
            .field("start_url", &self.start_url)
            .field("sso_region", &self.sso_region)
            .field("scopes", &self.scopes)
            .field("use_device_code", &self.use_device_code)
            .field("oidc_endpoint", &self.oidc_endpoint)
            .field("token_dir", &self.token_dir)
            .field("random", &"** redacted **")
            .finish()
    }
}

/// A successful login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOutcome {
    /// The configured start URL.
    pub start_url: String,
    /// Where the token was written.
    pub token_path: PathBuf,
    /// When the new access token expires.
    pub expires_at: SystemTime,
}

impl LoginOutcome {
    /// The line the AWS CLI prints on success.
    pub fn message(&self) -> String {
        format!("Successfully logged into Start URL: {}", self.start_url)
    }
}

/// Whether a URL from the service may be handed to the system's browser opener (`xdg-open`,
/// `open`, `explorer`), which would as readily open a local file or start another program:
/// only `https://` URLs, and `http://` to this machine (a local emulator or test service), made
/// of printable characters. The reason when not.
pub fn check_browser_url(url: &str) -> Result<(), &'static str> {
    if url.is_empty()
        || !url
            .chars()
            .all(|c| crate::printable::is_printable(c) && !c.is_whitespace())
    {
        return Err("it is empty or holds control, invisible or space characters");
    }
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err("only https:// URLs are opened");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return Err("the URL has no plain host name");
    }
    if secure {
        return Ok(());
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err("only https:// URLs are opened (http:// only to this machine)")
    }
}

/// The `aws sso login` state machine. `Debug` shows only where the flow is, never its secrets.
///
/// Built from a [`LoginRequest`] ([`LoginFlow::new`]), or from the configuration files it
/// reads first ([`LoginFlow::from_env`]). Effects it can emit: [`Effect::Read`] (config,
/// credentials, the registration cache), [`Effect::Send`] (RegisterClient,
/// StartDeviceAuthorization, CreateToken), [`Effect::Write`] (registration, token),
/// [`Effect::Wait`] and [`Effect::Prompt`] (device code), [`Effect::Listen`],
/// [`Effect::Prompt`] and [`Effect::AwaitCallback`] (browser). Never `Remove`, `List`,
/// `Lock`, `Unlock`, `Run` or `AskTokenCode`.
pub struct LoginFlow {
    inner: Configured<LoginSetup>,
}

/// What [`LoginFlow::from_env`] needs besides the configuration.
struct LoginSetup {
    env: Env,
    platform: Platform,
    target: TokenTarget,
    use_device_code: bool,
    /// Secret: feeds the PKCE verifier and `state`.
    random: [u8; 96],
    resolved_start_url: Option<String>,
}

impl FromConfig for LoginSetup {
    type Flow = LoginRun;
    const NAME: &'static str = "login";

    fn env(&self) -> &Env {
        &self.env
    }

    fn platform(&self) -> Platform {
        self.platform
    }

    fn build(self, paths: &ConfigPaths, set: &ConfigSet) -> Result<LoginRun, Error> {
        let profile;
        let target = match &self.target {
            TokenTarget::Profile(p) => {
                profile = config::select_profile(&self.env, p.as_deref());
                LoginTarget::Profile(&profile)
            }
            TokenTarget::SsoSession(s) => LoginTarget::SsoSession(s),
        };
        let request = LoginRequest::from_config(
            &self.env,
            set,
            paths,
            target,
            self.use_device_code,
            self.random,
        )?;
        let mut run = LoginRun::new(request);
        run.resolved_start_url = self.resolved_start_url;
        run.retry = login_retry_settings(&self.env, set, target)?;
        Ok(run)
    }
}

impl LoginFlow {
    /// A login for `request`.
    pub fn new(request: LoginRequest) -> Self {
        LoginFlow {
            inner: Configured::Running(LoginRun::new(request)),
        }
    }

    /// A login for `target` that first reads the config and credentials files `env` points at
    /// (on `platform`), then builds its request as [`LoginRequest::from_config`] does.
    /// [`TokenTarget::Profile`]`(None)` selects the profile from the environment.
    pub fn from_env(
        env: Env,
        platform: Platform,
        target: TokenTarget,
        use_device_code: bool,
        random: [u8; 96],
    ) -> Self {
        LoginFlow {
            inner: Configured::Start(LoginSetup {
                env,
                platform,
                target,
                use_device_code,
                random,
                resolved_start_url: None,
            }),
        }
    }

    /// Sends `url` to the service (`startUrl`, `issuerUrl`) instead of the configured start
    /// URL, when the caller resolved a vanity start URL (docs/sso-oidc-and-login.md §5 step 2). The caches and the
    /// token file keep the configured URL.
    pub fn with_resolved_start_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        if let Some(setup) = self.inner.setup_mut() {
            setup.resolved_start_url = Some(url);
        } else if let Some(run) = self.inner.running_mut() {
            run.resolved_start_url = Some(url);
        }
        self
    }

    /// Sends the login's requests (RegisterClient, StartDeviceAuthorization, CreateToken)
    /// with these retry settings ([`Flow::retry_settings`]) instead of the driver's own.
    /// [`LoginFlow::from_env`] takes them from the configuration it reads; a caller that
    /// built its [`LoginRequest`] itself gets them from [`login_retry_settings`].
    pub fn with_retry_settings(mut self, settings: RetrySettings) -> Self {
        if let Some(run) = self.inner.running_mut() {
            run.retry = settings;
        }
        self
    }

    /// What this login was asked for; `None` while the configuration is still being read
    /// (or could not be).
    pub fn request(&self) -> Option<&LoginRequest> {
        self.inner.running().map(|run| &run.request)
    }
}

/// The login proper, once its request is known.
struct LoginRun {
    request: LoginRequest,
    /// The profile's retry settings, for every request of the login.
    retry: RetrySettings,
    /// The start URL sent to the service, when the caller resolved a vanity URL.
    resolved_start_url: Option<String>,
    state: State,
    awaiting: Awaiting,
}

/// Where the device-code flow is between polls.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DevicePhase {
    /// The one CreateToken before the user is shown anything.
    FirstAttempt,
    ShowCode,
    Wait,
    ShowPolling,
    Attempt,
}

/// The browser login's secrets and where the redirect comes back.
struct Pkce {
    registration: Registration,
    redirect_uri: String,
    state: String,
    verifier: String,
    url: String,
}

enum State {
    ReadRegistration,
    Register(RegisterClient),
    WriteRegistration(Registration),
    StartDevice(Registration),
    Device {
        registration: Registration,
        authorization: DeviceAuthorization,
        interval: Duration,
        phase: DevicePhase,
        /// When the device code stops working (`expiresIn` after it was issued).
        expires_at: SystemTime,
    },
    Listen(Registration),
    Authorize(Pkce),
    /// Waiting for the redirect until `deadline`; requests that are not this login's redirect
    /// leave the flow here.
    AwaitCallback {
        pkce: Pkce,
        deadline: SystemTime,
    },
    ExchangeCode {
        pkce: Pkce,
        code: String,
    },
    WriteToken {
        contents: Vec<u8>,
        outcome: LoginOutcome,
    },
    Finished(Result<LoginOutcome, Error>),
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::ReadRegistration => "reading the client registration",
            State::Register(_) => "registering the client",
            State::WriteRegistration(_) => "writing the client registration",
            State::StartDevice(_) => "starting the device authorization",
            State::Device { phase, .. } => match phase {
                DevicePhase::FirstAttempt | DevicePhase::Attempt => "polling for the token",
                DevicePhase::ShowCode => "showing the device code",
                DevicePhase::Wait => "waiting between polls",
                DevicePhase::ShowPolling => "showing the polling progress",
            },
            State::Listen(_) => "starting the redirect listener",
            State::Authorize(_) => "showing the authorization URL",
            State::AwaitCallback { .. } => "waiting for the browser redirect",
            State::ExchangeCode { .. } => "exchanging the authorization code",
            State::WriteToken { .. } => "writing the token",
            State::Finished(_) => "finished",
        }
    }
}

impl LoginRun {
    fn new(request: LoginRequest) -> Self {
        LoginRun {
            request,
            retry: RetrySettings::default(),
            resolved_start_url: None,
            state: State::ReadRegistration,
            awaiting: Awaiting::default(),
        }
    }

    fn service_start_url(&self) -> &str {
        self.resolved_start_url
            .as_deref()
            .unwrap_or(&self.request.start_url)
    }

    fn register_client(&self, now: SystemTime) -> RegisterClient {
        let r = &self.request;
        let suffix = match &r.session_name {
            Some(name) => name.clone(),
            None => crate::time::epoch_secs(now).to_string(),
        };
        let name = format!("{CLIENT_NAME_PREFIX}{suffix}");
        match r.kind() {
            RegistrationKind::DeviceCode => {
                RegisterClient::for_device_code(r.oidc_endpoint.clone(), name, r.scopes.clone())
            }
            RegistrationKind::AuthorizationCode => RegisterClient::for_authorization_code(
                r.oidc_endpoint.clone(),
                name,
                r.scopes.clone(),
                self.service_start_url(),
            ),
        }
    }

    /// The registration as the AWS CLI caches it: the scopes when any were registered, and
    /// for the browser flow its grant types.
    fn registration_from(&self, client: ClientRegistration) -> Registration {
        let (scopes, grant_types) = match self.request.kind() {
            RegistrationKind::DeviceCode => {
                let scopes = (!self.request.scopes.is_empty()).then(|| self.request.scopes.clone());
                (scopes, None)
            }
            RegistrationKind::AuthorizationCode => {
                let scopes = if self.request.scopes.is_empty() {
                    vec![DEFAULT_SCOPE.to_string()]
                } else {
                    self.request.scopes.clone()
                };
                let grants = vec![GRANT_AUTHORIZATION_CODE.into(), GRANT_REFRESH_TOKEN.into()];
                (Some(scopes), Some(grants))
            }
        };
        Registration {
            client_id: client.client_id,
            client_secret: client.client_secret,
            expires_at: client.client_secret_expires_at,
            scopes,
            grant_types,
        }
    }

    fn with_registration(&self, registration: Registration) -> State {
        match self.request.kind() {
            RegistrationKind::DeviceCode => State::StartDevice(registration),
            RegistrationKind::AuthorizationCode => State::Listen(registration),
        }
    }

    fn start_device(&self, registration: &Registration) -> StartDeviceAuthorization {
        StartDeviceAuthorization {
            endpoint: self.request.oidc_endpoint.clone(),
            client_id: registration.client_id.clone(),
            client_secret: registration.client_secret.clone(),
            start_url: self.service_start_url().to_string(),
        }
    }

    fn device_token(&self, registration: &Registration, device_code: &str) -> CreateToken {
        CreateToken::new(
            self.request.oidc_endpoint.clone(),
            registration.client_id.clone(),
            registration.client_secret.clone(),
            Grant::DeviceCode {
                device_code: device_code.into(),
            },
        )
    }

    fn code_token(&self, pkce: &Pkce, code: &str) -> CreateToken {
        CreateToken::new(
            self.request.oidc_endpoint.clone(),
            pkce.registration.client_id.clone(),
            pkce.registration.client_secret.clone(),
            Grant::AuthorizationCode {
                code: code.into(),
                redirect_uri: pkce.redirect_uri.clone(),
                code_verifier: pkce.verifier.clone().into(),
            },
        )
    }

    fn pkce(&self, registration: Registration, port: u16) -> Pkce {
        let random = &self.request.random;
        let mut verifier_bytes = [0u8; 64];
        verifier_bytes.copy_from_slice(&random[..64]);
        let mut state_bytes = [0u8; 16];
        state_bytes.copy_from_slice(&random[64..80]);
        let verifier = code_verifier(&verifier_bytes);
        let state = crate::oidc::pkce::state_from_random(&state_bytes);
        let redirect_uri = redirect_uri(port);
        let url = authorize_url(
            &self.request.oidc_endpoint,
            &registration.client_id,
            &redirect_uri,
            &state,
            &code_challenge(&verifier),
            &self.request.scopes,
        );
        Pkce {
            registration,
            redirect_uri,
            state,
            verifier,
            url,
        }
    }

    /// The token file for a successful CreateToken (docs/sso-oidc-and-login.md §8).
    fn write_token(
        &self,
        registration: &Registration,
        response: TokenResponse,
        now: SystemTime,
    ) -> State {
        let Some(expires_in) = response.expires_in else {
            return State::Finished(Err(Error::malformed(
                CreateToken::NAME,
                "`expiresIn` is missing",
            )));
        };
        let grant = TokenGrant {
            access_token: response.access_token,
            expires_in,
            refresh_token: response.refresh_token,
        };
        let token = CachedToken::from_login(
            &self.request.start_url,
            &self.request.sso_region,
            &grant,
            registration,
            now,
        );
        State::WriteToken {
            contents: token.to_json(),
            outcome: LoginOutcome {
                start_url: self.request.start_url.clone(),
                token_path: self.request.token_path(),
                expires_at: token.expires_at,
            },
        }
    }

    /// Sends `op`, or ends the flow when its request cannot be built.
    fn send<O: Operation>(&mut self, op: &O, now: SystemTime) -> Step<LoginOutcome> {
        match op.request(now) {
            Ok(request) => Step::Effect(Effect::Send(request)),
            Err(e) => self.finish(Err(e)),
        }
    }

    fn finish(&mut self, result: Result<LoginOutcome, Error>) -> Step<LoginOutcome> {
        self.state = State::Finished(result.clone());
        Step::Done(result)
    }

    fn on_input(&self, state: State, input: Input, now: SystemTime) -> State {
        match (state, input) {
            (State::ReadRegistration, Input::File(file)) => {
                // An unreadable or unusable cache file is a cache miss, as in botocore.
                let reusable = file
                    .ok()
                    .flatten()
                    .and_then(|bytes| Registration::parse(&bytes).ok())
                    .filter(|r| r.is_reusable(self.request.kind(), now));
                match reusable {
                    Some(registration) => self.with_registration(registration),
                    None => State::Register(self.register_client(now)),
                }
            }
            (State::Register(op), Input::Response(response)) => {
                match response.and_then(|r| op.parse(&r)) {
                    Ok(client) => State::WriteRegistration(self.registration_from(client)),
                    Err(e) => State::Finished(Err(e)),
                }
            }
            (State::WriteRegistration(registration), Input::Written(Ok(()))) => {
                self.with_registration(registration)
            }
            (State::StartDevice(registration), Input::Response(response)) => {
                let op = self.start_device(&registration);
                match response.and_then(|r| op.parse(&r)) {
                    Ok(authorization) => State::Device {
                        registration,
                        interval: authorization.poll_interval().max(MIN_POLL_INTERVAL),
                        expires_at: now
                            .checked_add(
                                Duration::from_secs(authorization.expires_in)
                                    .min(MAX_DEVICE_CODE_LIFETIME),
                            )
                            .unwrap_or(now),
                        authorization,
                        phase: DevicePhase::FirstAttempt,
                    },
                    Err(e) => State::Finished(Err(e)),
                }
            }
            (
                State::Device {
                    registration,
                    authorization,
                    mut interval,
                    phase: phase @ (DevicePhase::FirstAttempt | DevicePhase::Attempt),
                    expires_at,
                },
                Input::Response(response),
            ) => {
                let op = self.device_token(&registration, &authorization.device_code);
                let error = match response {
                    Err(transport) => return State::Finished(Err(transport)),
                    Ok(r) => match op.parse(&r) {
                        Ok(token) => return self.write_token(&registration, token, now),
                        Err(e) => e,
                    },
                };
                match oidc_error_kind(&error) {
                    Some(OidcErrorKind::AuthorizationPending) => {}
                    Some(OidcErrorKind::SlowDown) => interval += SLOW_DOWN_DELAY,
                    Some(OidcErrorKind::ExpiredToken) => return pending_expired(),
                    _ => return State::Finished(Err(error)),
                }
                if now >= expires_at {
                    return code_expired(&authorization);
                }
                let next = if phase == DevicePhase::FirstAttempt {
                    DevicePhase::ShowCode
                } else {
                    DevicePhase::Wait
                };
                device(registration, authorization, interval, next, expires_at)
            }
            (
                State::Device {
                    registration,
                    authorization,
                    interval,
                    phase: DevicePhase::ShowCode,
                    expires_at,
                },
                Input::Shown,
            ) => device(
                registration,
                authorization,
                interval,
                DevicePhase::Wait,
                expires_at,
            ),
            (
                State::Device {
                    registration,
                    authorization,
                    interval,
                    phase: DevicePhase::Wait,
                    expires_at,
                },
                Input::Waited,
            ) => {
                // The wait ends at the expiry at the latest (see `next_step`): polling stops
                // there, as the service will not accept the code any more (RFC 8628 §3.2).
                if now >= expires_at {
                    return code_expired(&authorization);
                }
                device(
                    registration,
                    authorization,
                    interval,
                    DevicePhase::ShowPolling,
                    expires_at,
                )
            }
            (
                State::Device {
                    registration,
                    authorization,
                    interval,
                    phase: DevicePhase::ShowPolling,
                    expires_at,
                },
                Input::Shown,
            ) => device(
                registration,
                authorization,
                interval,
                DevicePhase::Attempt,
                expires_at,
            ),
            (State::Listen(registration), Input::Listening(Ok(port))) => {
                State::Authorize(self.pkce(registration, port))
            }
            (State::Authorize(pkce), Input::Shown) => State::AwaitCallback {
                pkce,
                deadline: now + CALLBACK_TIMEOUT,
            },
            (State::AwaitCallback { pkce, deadline }, Input::Callback(Ok(query))) => {
                // The same decision the listener made when it answered the browser: a driver
                // that hands up a stray request does not end the login either.
                let verdict = CallbackCheck::new(pkce.state.clone()).verdict(&query);
                if !verdict.is_final() {
                    return if now >= deadline {
                        pending_expired()
                    } else {
                        State::AwaitCallback { pkce, deadline }
                    };
                }
                match verdict.into_result() {
                    Ok(code) => State::ExchangeCode { pkce, code },
                    Err(e) => State::Finished(Err(e)),
                }
            }
            (State::AwaitCallback { .. }, Input::Callback(Err(e))) => match e {
                Error::Transport {
                    kind: TransportKind::Timeout,
                    ..
                } => pending_expired(),
                other => State::Finished(Err(other)),
            },
            (State::ExchangeCode { pkce, code }, Input::Response(response)) => {
                let op = self.code_token(&pkce, &code);
                match response.and_then(|r| op.parse(&r)) {
                    Ok(token) => self.write_token(&pkce.registration, token, now),
                    Err(e) if oidc_error_kind(&e) == Some(OidcErrorKind::ExpiredToken) => {
                        pending_expired()
                    }
                    Err(e) => State::Finished(Err(e)),
                }
            }
            (State::WriteToken { outcome, .. }, Input::Written(Ok(()))) => {
                State::Finished(Ok(outcome))
            }
            (State::WriteRegistration(_) | State::WriteToken { .. }, Input::Written(Err(e)))
            | (State::Listen(_), Input::Listening(Err(e))) => State::Finished(Err(e)),
            (State::Finished(result), _) => State::Finished(result),
            // `Awaiting::check` let only the right kind of answer through.
            (state, input) => State::Finished(Err(unusable(&input, state.name()))),
        }
    }
}

fn device(
    registration: Registration,
    authorization: DeviceAuthorization,
    interval: Duration,
    phase: DevicePhase,
    expires_at: SystemTime,
) -> State {
    State::Device {
        registration,
        authorization,
        interval,
        phase,
        expires_at,
    }
}

/// The device code ran out before the user approved it.
fn code_expired(authorization: &DeviceAuthorization) -> State {
    State::Finished(Err(Error::Login(format!(
        "{CODE_EXPIRED} (the code was valid for {} s and was not approved in time)",
        authorization
            .expires_in
            .min(MAX_DEVICE_CODE_LIFETIME.as_secs())
    ))))
}

fn pending_expired() -> State {
    State::Finished(Err(Error::Login(PENDING_AUTHORIZATION_EXPIRED.into())))
}

impl Flow for LoginRun {
    type Output = LoginOutcome;

    fn next_step(&mut self, now: SystemTime) -> Step<LoginOutcome> {
        let step = self.step(now);
        self.awaiting.handed_out(&step);
        step
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        let state = std::mem::replace(&mut self.state, State::ReadRegistration);
        self.state = match state {
            // Answers after the end change nothing.
            State::Finished(result) => State::Finished(result),
            state => match self.awaiting.check("login", state.name(), input) {
                Ok(input) => self.on_input(state, input, now),
                Err(e) => State::Finished(Err(e)),
            },
        };
    }

    fn retry_settings(&self) -> RetrySettings {
        self.retry
    }
}

impl Flow for LoginFlow {
    type Output = LoginOutcome;

    fn next_step(&mut self, now: SystemTime) -> Step<LoginOutcome> {
        self.inner.next_step(now)
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        self.inner.handle(input, now)
    }

    fn retry_settings(&self) -> RetrySettings {
        self.inner.retry_settings()
    }
}

impl LoginRun {
    /// The effect of the current state.
    fn step(&mut self, now: SystemTime) -> Step<LoginOutcome> {
        match &self.state {
            State::ReadRegistration => Step::Effect(Effect::Read(self.request.registration_path())),
            State::Register(op) => {
                let op = op.clone();
                self.send(&op, now)
            }
            State::WriteRegistration(registration) => Step::Effect(Effect::Write {
                path: self.request.registration_path(),
                contents: registration.to_json(),
            }),
            State::StartDevice(registration) => {
                let op = self.start_device(registration);
                self.send(&op, now)
            }
            State::Device {
                registration,
                authorization,
                interval,
                phase,
                expires_at,
            } => match phase {
                DevicePhase::FirstAttempt | DevicePhase::Attempt => {
                    let op = self.device_token(registration, &authorization.device_code);
                    self.send(&op, now)
                }
                DevicePhase::ShowCode => Step::Effect(Effect::Prompt(Prompt::DeviceCode {
                    verification_uri: authorization.verification_uri.clone(),
                    user_code: authorization.user_code.clone(),
                    verification_uri_complete: authorization.verification_uri_complete.clone(),
                })),
                DevicePhase::Wait => Step::Effect(Effect::Wait(
                    (*interval).min(expires_at.duration_since(now).unwrap_or(Duration::ZERO)),
                )),
                DevicePhase::ShowPolling => Step::Effect(Effect::Prompt(Prompt::Polling)),
            },
            State::Listen(_) => Step::Effect(Effect::Listen),
            State::Authorize(pkce) => Step::Effect(Effect::Prompt(Prompt::Authorize {
                url: pkce.url.clone(),
            })),
            State::AwaitCallback { pkce, deadline } => Step::Effect(Effect::AwaitCallback {
                timeout: deadline.duration_since(now).unwrap_or(Duration::ZERO),
                check: CallbackCheck::new(pkce.state.clone()),
            }),
            State::ExchangeCode { pkce, code } => {
                let op = self.code_token(pkce, code);
                self.send(&op, now)
            }
            State::WriteToken { contents, .. } => Step::Effect(Effect::Write {
                path: self.request.token_path(),
                contents: contents.clone(),
            }),
            State::Finished(result) => Step::Done(result.clone()),
        }
    }
}

impl fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.inner.running(), self.inner.setup()) {
            (Some(run), _) => run.fmt(f),
            (None, Some(setup)) => f
                .debug_struct("LoginFlow")
                .field("target", &setup.target)
                .field("use_device_code", &setup.use_device_code)
                .field("random", &"** redacted **")
                .field("state", &self.inner.reading().unwrap_or("starting"))
                .finish(),
            (None, None) => f
                .debug_struct("LoginFlow")
                .field("state", &"finished")
                .finish(),
        }
    }
}

impl fmt::Debug for LoginRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("LoginFlow");
        s.field("request", &self.request)
            .field("resolved_start_url", &self.resolved_start_url)
            .field("state", &self.state.name());
        if let State::Device { interval, .. } = &self.state {
            s.field("interval", interval);
        }
        s.finish()
    }
}
