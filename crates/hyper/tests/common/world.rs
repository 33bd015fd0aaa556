//! One test's world: a fresh emulator, a temporary HOME with `~/.aws/config` (and
//! `~/.aws/credentials`), the environment pointing every AWS endpoint at the emulator, token
//! seeding through the AWS CLI's token cache file, and the secrets audit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use awscred_core::config::Env;
use awscred_core::retry::RetryPolicy;
use awscred_core::token::{CachedToken, token_file_name};
use awscred_emulator::{Emulator, EmulatorConfig, IssuedToken};
use awscred_hyper::{Client, ClientConfig, Provider};

use super::audit::Audit;

/// The sso-session every SSO profile of [`CONFIG`] uses.
pub const SESSION: &str = "corp";
pub const SESSION_START_URL: &str = "https://d-emulator.awsapps.com/start";
pub const LEGACY_START_URL: &str = "https://legacy-emulator.awsapps.com/start";

/// The profiles the tests resolve.
///
/// - `dev`: sso-session `corp`, account 111122223333, ReadOnlyAccess.
/// - `legacy`: start URL in the profile (no sso-session), 444455556666, Deployer.
/// - `r1` → `r2` → `r3`: a 3-deep AssumeRole chain on top of `dev`.
/// - `static`: the emulator's static key pair (in `~/.aws/credentials`); `static-role` assumes
///   a role with it.
pub const CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[sso-session corp]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://legacy-emulator.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444455556666
sso_role_name = Deployer
region = us-east-1

[profile r1]
role_arn = arn:aws:iam::111111111111:role/one
source_profile = dev
region = us-east-1

[profile r2]
role_arn = arn:aws:iam::222222222222:role/two
source_profile = r1
region = us-east-1

[profile r3]
role_arn = arn:aws:iam::333333333333:role/three
source_profile = r2
region = us-east-1

[profile static]
region = us-east-1

[profile static-role]
role_arn = arn:aws:iam::444455556666:role/from-static
source_profile = static
region = us-east-1
";

pub struct World {
    pub emulator: Emulator,
    pub home: tempfile::TempDir,
    pub audit: Audit,
}

impl World {
    /// The demo fixture, files written, no token yet.
    pub fn start() -> World {
        World::with(EmulatorConfig::demo())
    }

    pub fn with(config: EmulatorConfig) -> World {
        let emulator = Emulator::start(config).expect("the emulator starts");
        let home = tempfile::tempdir().expect("a temporary HOME");
        let world = World {
            emulator,
            home,
            audit: Audit::new(),
        };
        world.write_files();
        world
    }

    fn write_files(&self) {
        let aws = self.home.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(aws.join("config"), CONFIG).unwrap();
        let (akid, secret) = self.emulator.config().static_keys[0].clone();
        std::fs::write(
            aws.join("credentials"),
            format!("[static]\naws_access_key_id = {akid}\naws_secret_access_key = {secret}\n"),
        )
        .unwrap();
    }

    /// HOME and AWS_ENDPOINT_URL, nothing else: the process's own AWS_* variables never leak in.
    pub fn env(&self) -> Env {
        Env::from_pairs([
            ("HOME", self.home.path().display().to_string()),
            ("AWS_ENDPOINT_URL", self.emulator.url()),
        ])
    }

    pub fn sso_cache(&self) -> PathBuf {
        self.home.path().join(".aws").join("sso").join("cache")
    }

    /// The token file of an sso-session (by name) or legacy profile (by start URL).
    pub fn token_path(&self, session_or_start_url: &str) -> PathBuf {
        self.sso_cache().join(token_file_name(session_or_start_url))
    }

    /// Issues a token living `lifetime` and writes it where the AWS CLI would have after
    /// `aws sso login` (for the `corp` session).
    pub fn seed_session_token(&self, lifetime: Duration) -> IssuedToken {
        self.seed_token(SESSION, SESSION_START_URL, lifetime, true)
    }

    /// The same for the legacy profile: a legacy login caches no refresh fields.
    pub fn seed_legacy_token(&self, lifetime: Duration) -> IssuedToken {
        self.seed_token(LEGACY_START_URL, LEGACY_START_URL, lifetime, false)
    }

    pub fn seed_token(
        &self,
        key: &str,
        start_url: &str,
        lifetime: Duration,
        refreshable: bool,
    ) -> IssuedToken {
        let issued = self.emulator.issue_access_token(lifetime);
        let token = CachedToken {
            access_token: issued.access_token.clone().into(),
            expires_at: issued.expires_at,
            refresh_token: refreshable.then(|| issued.refresh_token.clone().into()),
            client_id: refreshable.then(|| issued.client_id.clone()),
            client_secret: refreshable.then(|| issued.client_secret.clone().into()),
            registration_expires_at: refreshable.then_some(issued.registration_expires_at),
            region: Some("us-east-1".into()),
            start_url: Some(start_url.into()),
            unknown: Default::default(),
        };
        awscred_files::write_private_atomic(self.token_path(key), &token.to_json()).unwrap();
        issued
    }

    /// A provider for `profile` with fast retries, recorded for the audit.
    pub fn provider(&self, profile: &str) -> Provider {
        let provider = Provider::new(self.env(), Some(profile.into())).with_client(fast_client());
        self.audit.debug("a new provider", &provider);
        provider
    }

    /// `provider.credentials()`, with the outcome and the provider recorded for the audit.
    pub async fn credentials(
        &self,
        provider: &Provider,
    ) -> Result<awscred_core::Credentials, awscred_core::Error> {
        let result = provider.credentials().await;
        match &result {
            Ok(c) => self.audit.debug("credentials", c),
            Err(e) => self.audit.error("credentials()", e),
        }
        self.audit
            .debug("the provider after credentials()", provider);
        result
    }

    /// Everything the emulator issued, plus the static secret the fixture configured.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = self.emulator.issued_secrets();
        secrets.extend(
            self.emulator
                .config()
                .static_keys
                .iter()
                .map(|(_, s)| s.clone()),
        );
        secrets
    }

    /// Ends the test: nothing a user could have seen carries a secret.
    pub fn finish(self) {
        self.audit.assert_clean(&self.secrets());
    }
}

/// Retries as the default policy counts them (3 attempts), but milliseconds apart.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
    }
}

pub fn fast_client() -> Client {
    Client::new(ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(10),
        retry: fast_retry(),
    })
}

/// Files whose name marks them as temporary (`.<name>.<suffix>.tmp`) anywhere under `dir`.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(temp_files(&path));
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".tmp"))
        {
            found.push(path);
        }
    }
    found
}

/// The file's permission bits.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
