//! What the emulator remembers between requests. Every secret it hands out is also recorded in
//! `secrets`, so a test can check none of them leaks into logs or files.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::config::EmulatorConfig;
use crate::fault::Armed;
use crate::random::Rng;

/// One request as the emulator saw it. Holds no secrets: no headers, no bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`…
    pub method: String,
    /// The path, e.g. `/federation/credentials`.
    pub path: String,
    /// The raw query string (empty when there was none).
    pub query: String,
    /// The operation name: `GetRoleCredentials`, `ListAccounts`, `ListAccountRoles`, `Logout`,
    /// `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`, `Authorize`, `DevicePage`,
    /// `AssumeRole`, `AssumeRoleWithWebIdentity`, `GetCallerIdentity`, or `Unknown`.
    pub operation: &'static str,
    /// The status code answered (the declared one for a cut connection).
    pub status: u16,
}

/// Per-request facts the handlers need besides the state.
pub(crate) struct Ctx<'a> {
    pub now: SystemTime,
    pub request_id: &'a str,
    pub base_url: &'a str,
    pub config: &'a EmulatorConfig,
}

pub(crate) struct Client {
    pub secret: String,
    pub expires_at: SystemTime,
    pub grant_types: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Used,
}

pub(crate) struct DeviceAuth {
    pub client_id: String,
    pub user_code: String,
    pub expires_at: SystemTime,
    pub status: DeviceStatus,
    pub last_poll: Option<SystemTime>,
}

pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub expires_at: SystemTime,
}

pub(crate) struct PendingAuthorize {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub challenge: String,
}

pub(crate) struct AccessToken {
    pub client_id: String,
    pub expires_at: SystemTime,
    pub revoked: bool,
}

pub(crate) struct IssuedCreds {
    pub secret: String,
    pub session_token: String,
    pub expires_at: SystemTime,
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
}

pub(crate) struct State {
    pub clients: HashMap<String, Client>,
    /// Keyed by device code.
    pub devices: HashMap<String, DeviceAuth>,
    /// Keyed by authorization code; removed when used.
    pub codes: HashMap<String, AuthCode>,
    /// Keyed by the id in the approve/deny links of the `/authorize` page.
    pub pending_authorize: HashMap<String, PendingAuthorize>,
    pub access_tokens: HashMap<String, AccessToken>,
    /// Refresh token → client id; removed when used (rotation).
    pub refresh_tokens: HashMap<String, String>,
    /// Keyed by access key id.
    pub credentials: HashMap<String, IssuedCreds>,
    pub secrets: Vec<String>,
    pub log: Vec<LoggedRequest>,
    pub faults: Vec<Armed>,
    pub auto_approve: bool,
    pub rng: Rng,
    /// IMDS session tokens → when they expire.
    pub imds_tokens: HashMap<String, SystemTime>,
    /// When instance and container credentials expire, overriding the lifetime.
    pub metadata_expiry: Option<SystemTime>,
    /// The `Authorization` the container endpoint requires now.
    pub container_authorization: Option<String>,
    /// AWS Sign-In's console login sessions.
    pub signin: crate::signin::SigninState,
}

impl State {
    pub(crate) fn new(auto_approve: bool) -> Self {
        State {
            clients: HashMap::new(),
            devices: HashMap::new(),
            codes: HashMap::new(),
            pending_authorize: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            credentials: HashMap::new(),
            secrets: Vec::new(),
            log: Vec::new(),
            faults: Vec::new(),
            auto_approve,
            rng: Rng::new(),
            imds_tokens: HashMap::new(),
            metadata_expiry: None,
            container_authorization: None,
            signin: Default::default(),
        }
    }

    /// A fresh secret of `len` characters with `prefix`, remembered for the secrets audit.
    pub(crate) fn new_secret(&mut self, prefix: &str, len: usize) -> String {
        let s = format!("{prefix}{}", self.rng.secret(len));
        self.secrets.push(s.clone());
        s
    }

    /// Like [`new_secret`](Self::new_secret) but URL-safe (codes and tokens travel in URLs and JSON).
    pub(crate) fn new_token(&mut self, prefix: &str, len: usize) -> String {
        let s = format!("{prefix}{}", self.rng.alnum(len));
        self.secrets.push(s.clone());
        s
    }

    pub(crate) fn register_client(
        &mut self,
        now: SystemTime,
        lifetime: std::time::Duration,
        grant_types: Vec<String>,
        redirect_uris: Vec<String>,
        scopes: Vec<String>,
    ) -> (String, String, SystemTime) {
        let client_id = self.rng.alnum(22);
        let secret = self.new_secret("eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.", 300);
        let expires_at = now + lifetime;
        self.clients.insert(
            client_id.clone(),
            Client {
                secret: secret.clone(),
                expires_at,
                grant_types,
                redirect_uris,
                scopes,
            },
        );
        (client_id, secret, expires_at)
    }

    /// Checks `client_id`/`client_secret`: `Err` is the `InvalidClientException` message.
    pub(crate) fn check_client(
        &self,
        client_id: &str,
        secret: &str,
        now: SystemTime,
    ) -> Result<&Client, &'static str> {
        match self.clients.get(client_id) {
            Some(c) if c.secret != secret => Err("Invalid client provided"),
            Some(c) if c.expires_at <= now => Err("Client registration has expired"),
            Some(c) => Ok(c),
            None => Err("Invalid client provided"),
        }
    }

    /// An access token (and a refresh token when the client may refresh) for `client_id`.
    pub(crate) fn issue_token(
        &mut self,
        client_id: &str,
        now: SystemTime,
        lifetime: std::time::Duration,
    ) -> (String, Option<String>) {
        let refreshable = self.clients.get(client_id).is_some_and(|c| {
            c.grant_types.iter().any(|g| g == "refresh_token")
                || (c.grant_types.is_empty() && !c.scopes.is_empty())
        });
        let access = self.new_token("aoa", 120);
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                client_id: client_id.to_string(),
                expires_at: now + lifetime,
                revoked: false,
            },
        );
        let refresh = refreshable.then(|| {
            let r = self.new_token("aor", 120);
            self.refresh_tokens.insert(r.clone(), client_id.to_string());
            r
        });
        (access, refresh)
    }

    /// Whether `token` is a live SSO access token.
    pub(crate) fn token_is_live(&self, token: &str, now: SystemTime) -> bool {
        self.access_tokens
            .get(token)
            .is_some_and(|t| !t.revoked && now < t.expires_at)
    }

    /// New temporary credentials for `arn`, remembered for STS verification.
    pub(crate) fn issue_credentials(
        &mut self,
        account_id: &str,
        arn: String,
        user_id: String,
        expires_at: SystemTime,
    ) -> (String, String, String) {
        let akid = self.rng.access_key_id("ASIA");
        let secret = self.new_secret("", 40);
        let token = self.new_secret("IQoJb3JpZ2luX2VjE", 340);
        self.credentials.insert(
            akid.clone(),
            IssuedCreds {
                secret: secret.clone(),
                session_token: token.clone(),
                expires_at,
                account_id: account_id.to_string(),
                arn,
                user_id,
            },
        );
        (akid, secret, token)
    }
}
