//! The handle a test holds: starts the server on its own thread and runtime, and exposes the
//! test hooks (clock, faults, approvals, request log, secrets audit).

use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::fault::{Armed, Fault};
use crate::oidc;
use crate::server::{self, Shared};
use crate::state::{DeviceStatus, LoggedRequest, State};
#[cfg(feature = "tls")]
use crate::tls::ServerTls;

/// A running emulator on 127.0.0.1. Dropping it stops the server.
///
/// The server runs on a background thread with its own tokio runtime, so the handle works the
/// same from blocking and from async code (its methods never await and only take short locks).
pub struct Emulator {
    shared: Arc<Shared>,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The CA's certificate when serving HTTPS.
    ca_pem: Option<String>,
}

/// An SSO session seeded by [`Emulator::issue_access_token`], for tests that pre-write a token
/// cache file instead of logging in. `Debug` redacts the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// A live access token (`x-amz-sso_bearer_token`).
    pub access_token: String,
    /// A refresh token usable once with `grantType=refresh_token`.
    pub refresh_token: String,
    /// The client the token was issued to (registered for `authorization_code` + `refresh_token`).
    pub client_id: String,
    /// That client's secret.
    pub client_secret: String,
    /// When the access token expires (by the emulator's clock).
    pub expires_at: SystemTime,
    /// When the client registration expires.
    pub registration_expires_at: SystemTime,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"** redacted **")
            .field("refresh_token", &"** redacted **")
            .field("client_id", &self.client_id)
            .field("client_secret", &"** redacted **")
            .field("expires_at", &awscred_core::time::format_z(self.expires_at))
            .field(
                "registration_expires_at",
                &awscred_core::time::format_z(self.registration_expires_at),
            )
            .finish()
    }
}

impl Emulator {
    /// Binds 127.0.0.1:`config.port` (0 = a free port) and starts serving. Returns once the
    /// socket is listening.
    pub fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        Emulator::start_with(config, None)
    }

    /// Like [`Emulator::start`], but serving HTTPS: a CA is generated at start and signs a
    /// certificate for 127.0.0.1, localhost and ::1; [`Emulator::ca_pem`] gives the CA to
    /// trust (e.g. through `AWS_CA_BUNDLE`). [`Emulator::url`] is then `https://127.0.0.1:PORT`.
    #[cfg(feature = "tls")]
    pub fn start_tls(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let tls = ServerTls::generate()?;
        Emulator::start_with(config, Some((tls.acceptor, tls.ca_pem)))
    }

    /// The PEM certificate of the CA that signed the server's certificate, when serving HTTPS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Writes [`Emulator::ca_pem`] to `path` (an error when not serving HTTPS).
    pub fn write_ca(&self, path: &std::path::Path) -> std::io::Result<()> {
        match &self.ca_pem {
            Some(pem) => std::fs::write(path, pem),
            None => Err(std::io::Error::other(
                "the emulator was not started with TLS",
            )),
        }
    }

    fn start_with(
        config: EmulatorConfig,
        tls: Option<(server::Acceptor, String)>,
    ) -> std::io::Result<Emulator> {
        let listener = StdListener::bind(("127.0.0.1", config.port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            base_url: format!(
                "{}://127.0.0.1:{port}",
                if tls.is_some() { "https" } else { "http" }
            ),
            clock: Mutex::new(Clock::real()),
            state: Mutex::new({
                let mut state = State::new(config.auto_approve);
                state.container_authorization = config.container_authorization.clone();
                state
            }),
            config,
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let server_shared = Arc::clone(&shared);
        let (acceptor, ca_pem) = tls.unzip();
        let thread = std::thread::Builder::new()
            .name(format!("awscred-emulator-{port}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            let _ = ready_tx.send(Ok(()));
                            server::serve(listener, server_shared, acceptor, stop_rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let ready = ready_rx.recv().unwrap_or_else(|_| {
            Err(std::io::Error::other(
                "the emulator thread stopped before listening",
            ))
        });
        let mut emulator = Emulator {
            shared,
            port,
            stop: Some(stop_tx),
            thread: Some(thread),
            ca_pem,
        };
        if let Err(e) = ready {
            emulator.shutdown();
            return Err(e);
        }
        Ok(emulator)
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`Emulator::start_tls`]): the endpoint of the portal, OIDC and STS alike.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The port the emulator listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The fixture the emulator was started with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.state().log.clone()
    }

    /// How many requests of `operation` (e.g. `"CreateToken"`) were answered.
    pub fn count(&self, operation: &str) -> usize {
        self.shared
            .state()
            .log
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }

    /// The container credentials URL of this emulator (the EKS Pod Identity path), for
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn container_url(&self) -> String {
        format!("{}/v1/credentials", self.url())
    }

    /// Makes instance and container credentials expire at `expiry` (in the past: already
    /// expired), or after the configured lifetime again with `None`.
    pub fn set_metadata_expiry(&self, expiry: Option<SystemTime>) {
        self.shared.state().metadata_expiry = expiry;
    }

    /// Changes the `Authorization` the container endpoint requires (EKS rotating the token),
    /// or turns the check off with `None`.
    pub fn set_container_authorization(&self, token: Option<&str>) {
        self.shared.state().container_authorization = token.map(str::to_string);
    }

    /// Forgets every IMDS session token, as an instance restart does: clients holding one get
    /// 401 and must ask for a new one.
    pub fn expire_imds_tokens(&self) {
        self.shared.state().imds_tokens.clear();
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.state().log.clear();
    }

    /// The emulator's current time (real time shifted by `set_now`/`advance`).
    pub fn now(&self) -> SystemTime {
        self.shared.clock().now()
    }

    /// Makes the emulator's clock read `now`; it keeps ticking from there.
    pub fn set_now(&self, now: SystemTime) {
        self.shared.clock().set_now(now);
    }

    /// Moves the emulator's clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.shared.clock().advance(by);
    }

    /// Makes the next `times` requests whose operation name (`"GetRoleCredentials"`) or path
    /// (`"/token"`) equals `target` — or every request, for `"*"` — go wrong with `fault`.
    /// Faults armed earlier are used first.
    pub fn inject(&self, target: &str, fault: Fault, times: usize) {
        if times > 0 {
            self.shared.state().faults.push(Armed {
                target: target.to_string(),
                fault,
                remaining: times,
            });
        }
    }

    /// Disarms every fault not used yet.
    pub fn clear_faults(&self) {
        self.shared.state().faults.clear();
    }

    /// Approves the pending device authorization with `user_code` (what the user does in the
    /// browser). False when there is no pending, unexpired one.
    pub fn approve_device(&self, user_code: &str) -> bool {
        let now = self.now();
        oidc::set_device(
            &mut self.shared.state(),
            user_code,
            DeviceStatus::Approved,
            now,
        )
    }

    /// Denies the pending device authorization with `user_code`: polling then gets `access_denied`.
    pub fn deny_device(&self, user_code: &str) -> bool {
        let now = self.now();
        oidc::set_device(
            &mut self.shared.state(),
            user_code,
            DeviceStatus::Denied,
            now,
        )
    }

    /// Approves or denies the pending `/authorize` request with this `state` (when auto-approve is
    /// off); returns the URL the browser would be redirected to (`redirect_uri?code=…&state=…`,
    /// or `?error=access_denied…`), or `None` when no such request is pending.
    pub fn decide_authorization(&self, state: &str, approve: bool) -> Option<String> {
        let now = self.now();
        oidc::decide_by_state(&mut self.shared.state(), state, approve, now)
    }

    /// Turns auto-approval of device authorizations and `/authorize` requests on or off.
    pub fn auto_approve(&self, on: bool) {
        self.shared.state().auto_approve = on;
    }

    /// Seeds a valid SSO session: registers a client (authorization code + refresh token) and
    /// issues an access token living `expires_in` plus a refresh token.
    pub fn issue_access_token(&self, expires_in: Duration) -> IssuedToken {
        let now = self.now();
        let config = &self.shared.config;
        let mut st = self.shared.state();
        let (client_id, client_secret, registration_expires_at) = st.register_client(
            now,
            config.registration_lifetime,
            vec!["authorization_code".into(), "refresh_token".into()],
            vec!["http://127.0.0.1/oauth/callback".into()],
            vec!["sso:account:access".into()],
        );
        let (access_token, refresh_token) = st.issue_token(&client_id, now, expires_in);
        IssuedToken {
            access_token,
            refresh_token: refresh_token.unwrap_or_default(),
            client_id,
            client_secret,
            expires_at: now + expires_in,
            registration_expires_at,
        }
    }

    /// The login session ARN console logins get: `arn:aws:sts::<first account>:assumed-role/
    /// Admin/<user_name>`, the `login_session` value `aws login` writes.
    pub fn console_session_arn(&self) -> String {
        let config = &self.shared.config;
        let account = config
            .accounts
            .first()
            .map_or("111111111111", |a| a.id.as_str());
        crate::signin::session_arn(&config.user_name, account)
    }

    /// Seeds a console login session (as `aws login` would have created), its refresh tokens
    /// bound to the DPoP key with RFC 7638 thumbprint `jkt`, its credentials expiring
    /// `expires_in` from the emulator's now.
    pub fn issue_console_session(
        &self,
        client_id: &str,
        jkt: &str,
        expires_in: Duration,
    ) -> crate::signin::IssuedConsoleSession {
        let now = self.now();
        let config = &self.shared.config;
        let account = config
            .accounts
            .first()
            .map_or("111111111111", |a| a.id.as_str())
            .to_string();
        self.shared.state().seed_console_session(
            &config.user_name,
            &account,
            client_id,
            jkt,
            now + expires_in,
        )
    }

    /// Ends every console login session: their refresh tokens answer `TOKEN_EXPIRED`.
    pub fn end_console_sessions(&self) {
        self.shared.state().signin.end_sessions();
    }

    /// Why the Sign-In token endpoint refused DPoP proofs so far, in order.
    pub fn refused_dpop_proofs(&self) -> Vec<String> {
        self.shared.state().signin.refused.clone()
    }

    /// Every secret handed out so far: client secrets, device and authorization codes, access and
    /// refresh tokens, secret access keys and session tokens (for secrets-audit tests).
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.state().secrets.clone()
    }

    /// Stops the server and waits for its thread. Called by `Drop`; calling it twice is harmless.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}
