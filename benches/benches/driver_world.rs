//! What the driver benches (`provider`, `resolve`) share: the emulator on loopback and a private
//! home directory whose `~/.aws` holds an SSO profile, a role on top of it and a live SSO token,
//! written the way the AWS CLI writes them.

// Each bench uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use awscred_core::config::Env;
use awscred_core::token::{CachedToken, token_file_name};
use awscred_emulator::{Emulator, EmulatorConfig};

/// The profile every bench resolves: one AssumeRole on top of SSO role credentials.
pub const PROFILE: &str = "bench-role";
/// The account [`PROFILE`]'s role lives in (what the resolved credentials must belong to).
pub const ROLE_ACCOUNT: &str = "444455556666";

const CONFIG: &str = "\
[profile bench-sso]
sso_session = bench
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[sso-session bench]
sso_start_url = https://d-emulator.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile bench-role]
role_arn = arn:aws:iam::444455556666:role/bench
role_session_name = bench
source_profile = bench-sso
region = us-east-1
";

/// The emulator and the home directory pointed at it. Dropping it stops both.
pub struct World {
    /// The emulator (demo fixture) on 127.0.0.1.
    pub emulator: Emulator,
    /// The home directory (`$HOME`).
    pub home: tempfile::TempDir,
}

impl World {
    /// Starts the emulator and writes `~/.aws/config` and a token living eight hours (far from
    /// any refresh window, so no bench ever refreshes it).
    pub fn start() -> World {
        let emulator = Emulator::start(EmulatorConfig::demo()).expect("the emulator starts");
        let home = tempfile::tempdir().expect("a temporary home");
        let world = World { emulator, home };
        write(&world.aws_dir().join("config"), CONFIG.as_bytes());
        let issued = world
            .emulator
            .issue_access_token(Duration::from_secs(8 * 3600));
        let token = CachedToken {
            access_token: issued.access_token.into(),
            expires_at: issued.expires_at,
            refresh_token: Some(issued.refresh_token.into()),
            client_id: Some(issued.client_id),
            client_secret: Some(issued.client_secret.into()),
            registration_expires_at: Some(issued.registration_expires_at),
            region: Some("us-east-1".into()),
            start_url: Some("https://d-emulator.awsapps.com/start".into()),
            unknown: Default::default(),
        };
        write(
            &world
                .aws_dir()
                .join("sso")
                .join("cache")
                .join(token_file_name("bench")),
            &token.to_json(),
        );
        world
    }

    /// `~/.aws`.
    pub fn aws_dir(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    /// The environment a process pointed at the emulator sees: HOME and the endpoint.
    pub fn env(&self) -> Env {
        Env::from_pairs([
            ("HOME", self.home.path().display().to_string()),
            ("AWS_ENDPOINT_URL", self.emulator.url()),
        ])
    }
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
