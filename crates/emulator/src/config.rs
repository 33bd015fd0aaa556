//! The fixture an emulator serves: who may use which account and role, and how long things live.

use std::time::Duration;

/// One AWS account the SSO user is assigned to, with the permission sets (roles) it may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The account's display name (`accountName`).
    pub name: String,
    /// The account's root email (`emailAddress`).
    pub email: String,
    /// The role names the user may get credentials for in this account.
    pub roles: Vec<String>,
}

impl Account {
    /// An account from its parts.
    pub fn new(id: &str, name: &str, email: &str, roles: &[&str]) -> Self {
        Account {
            id: id.to_string(),
            name: name.to_string(),
            email: email.to_string(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// Which roles STS `AssumeRole` lets any authenticated caller assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsTrust {
    /// Every well-formed `arn:aws:iam::<12 digits>:role/<name>`.
    Any,
    /// Only these role ARNs (exact match); any other gets `403 AccessDenied`.
    Only(Vec<String>),
}

/// Everything an [`Emulator`](crate::Emulator) is started with.
///
/// The fields are public so a test can use struct-update syntax:
/// `EmulatorConfig { auto_approve: true, ..EmulatorConfig::demo() }`.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The port to listen on at 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The accounts and roles the SSO user is assigned.
    pub accounts: Vec<Account>,
    /// The user name that appears in the ARNs of SSO role credentials.
    pub user_name: String,
    /// Which role ARNs STS lets callers assume.
    pub roles_for_sts: StsTrust,
    /// Long-term `(access key id, secret access key)` pairs STS accepts besides the ones it issued.
    pub static_keys: Vec<(String, String)>,
    /// How long credentials from GetRoleCredentials (and AssumeRole without `DurationSeconds`) live.
    pub credential_lifetime: Duration,
    /// How long an SSO access token lives (`expiresIn` of CreateToken).
    pub access_token_lifetime: Duration,
    /// How long a client registration lives (`clientSecretExpiresAt - clientIdIssuedAt`).
    pub registration_lifetime: Duration,
    /// How long a device authorization can be approved (`expiresIn`).
    pub device_code_lifetime: Duration,
    /// The polling interval a device authorization asks for; faster polls get `slow_down`.
    pub device_interval: Duration,
    /// Approve device authorizations (after one `authorization_pending`) and `/authorize`
    /// requests without a test hook or a person.
    pub auto_approve: bool,
    /// Page size of ListAccounts / ListAccountRoles when the request gives no `max_result`.
    /// Small on purpose, so clients must follow `nextToken`.
    pub page_size: usize,
    /// The largest difference between a request's `X-Amz-Date` and the emulator's clock that
    /// STS accepts; `None` turns the check off (for tests that move the clock far).
    pub max_clock_skew: Option<Duration>,
    /// The role the instance metadata service reports (`None`: no instance profile, 404).
    pub instance_role: Option<String>,
    /// Accept IMDSv1 requests (no session token). Off by default: IMDSv2 required, as on
    /// current EC2 instances.
    pub imds_v1: bool,
    /// The role of the container endpoint's credentials.
    pub container_role: String,
    /// The `Authorization` value the container endpoint requires (`None`: no check). Change
    /// it while running with [`Emulator::set_container_authorization`](crate::Emulator::set_container_authorization).
    pub container_authorization: Option<String>,
    /// The account of the instance and container roles.
    pub metadata_account: String,
}

impl EmulatorConfig {
    /// The demo fixture: three accounts, several roles, pages of two, trust any role for STS,
    /// one static key pair (`AKIAEMULATORSTATIC01` / `emulator-static-secret-key`).
    pub fn demo() -> Self {
        EmulatorConfig {
            port: 0,
            accounts: vec![
                Account::new(
                    "111122223333",
                    "Development",
                    "dev@example.com",
                    &["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"],
                ),
                Account::new(
                    "444455556666",
                    "Staging",
                    "staging@example.com",
                    &["Deployer", "ReadOnlyAccess"],
                ),
                Account::new(
                    "777788889999",
                    "Production",
                    "prod@example.com",
                    &["ReadOnlyAccess"],
                ),
            ],
            user_name: "demo-user@example.com".to_string(),
            roles_for_sts: StsTrust::Any,
            static_keys: vec![(
                "AKIAEMULATORSTATIC01".to_string(),
                "emulator-static-secret-key".to_string(),
            )],
            credential_lifetime: Duration::from_secs(3600),
            access_token_lifetime: Duration::from_secs(8 * 3600),
            registration_lifetime: Duration::from_secs(90 * 24 * 3600),
            device_code_lifetime: Duration::from_secs(600),
            device_interval: Duration::from_secs(1),
            auto_approve: false,
            page_size: 2,
            max_clock_skew: Some(Duration::from_secs(15 * 60)),
            instance_role: Some("emulator-instance-role".to_string()),
            imds_v1: false,
            container_role: "emulator-task-role".to_string(),
            container_authorization: None,
            metadata_account: "111122223333".to_string(),
        }
    }

    /// The same fixture with `auto_approve` set.
    pub fn with_auto_approve(mut self, on: bool) -> Self {
        self.auto_approve = on;
        self
    }

    /// The same fixture on `port`.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    pub(crate) fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig::demo()
    }
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.static_keys.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("EmulatorConfig")
            .field("port", &self.port)
            .field("accounts", &self.accounts)
            .field("user_name", &self.user_name)
            .field("roles_for_sts", &self.roles_for_sts)
            .field("static_keys (secrets redacted)", &keys)
            .field("credential_lifetime", &self.credential_lifetime)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .field("registration_lifetime", &self.registration_lifetime)
            .field("device_code_lifetime", &self.device_code_lifetime)
            .field("device_interval", &self.device_interval)
            .field("auto_approve", &self.auto_approve)
            .field("page_size", &self.page_size)
            .field("max_clock_skew", &self.max_clock_skew)
            .finish()
    }
}
