//! `awscred demo`: the whole story against the embedded emulator, on loopback, in a throw-away
//! home directory — nothing of the user's `~/.aws` is read or written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use awscred_core::Error;
use awscred_core::config::{Env, LoginTarget};
use awscred_core::flow::Prompt;
use awscred_core::resolve::{ResolveFlow, ResolveRequest, TokenTarget};
use awscred_emulator::{Emulator, EmulatorConfig};
use awscred_ureq::{Client, Interact};

/// `println!` that does not panic when stdout is closed (`awscred demo | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Prints the device-code prompt the way a user would see it, without opening a browser
/// (the emulator approves the request itself).
struct Narrator;

impl Interact for Narrator {
    fn show(&mut self, prompt: &Prompt) {
        if let Prompt::DeviceCode {
            verification_uri,
            user_code,
            ..
        } = prompt
        {
            say!("   A real login would now ask you to open {verification_uri}");
            say!("   and enter the code {user_code}; the emulator approves it by itself.");
        }
    }
    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        Err(Error::InvalidInput(format!(
            "the demo has no MFA device ({serial})"
        )))
    }
}

/// A directory removed when dropped.
struct TempHome(PathBuf);

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn step(n: u32, text: &str) {
    say!("\n{n}. {text}");
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Runs the demo.
pub fn run() -> Result<ExitCode, Error> {
    say!("awscred demo: IAM Identity Center login, role credentials and an AssumeRole chain,");
    say!("against a local emulator on 127.0.0.1 (no AWS account, nothing leaves this machine).");

    step(
        1,
        "Starting the emulator (SSO portal, SSO-OIDC and STS) on loopback…",
    );
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_auto_approve(true)).map_err(|e| Error::Io {
            path: "the emulator".into(),
            message: e.to_string(),
        })?;
    say!("   listening on {}", emulator.url());

    let home = TempHome(std::env::temp_dir().join(format!(
        "awscred-demo-{}-{}",
        std::process::id(),
        awscred_core::time::epoch_secs(std::time::SystemTime::now())
    )));
    let aws_dir = home.0.join(".aws");
    std::fs::create_dir_all(&aws_dir).map_err(|e| io(&aws_dir, e))?;
    let config_path = aws_dir.join("config");
    let config = "\
[sso-session demo]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = demo
sso_account_id = 111122223333
sso_role_name = ReadOnlyAccess
region = us-east-1

[profile deploy]
role_arn = arn:aws:iam::444455556666:role/Deployer
source_profile = dev
role_session_name = awscred-demo
region = us-east-1
";
    awscred_files::write_private_atomic(&config_path, config.as_bytes())
        .map_err(|e| io(&config_path, e))?;
    step(
        2,
        &format!("Wrote a throw-away config in {}:", config_path.display()),
    );
    for line in config.lines() {
        say!("   | {line}");
    }

    let env = Env::from_pairs([
        ("HOME".to_string(), home.0.display().to_string()),
        ("AWS_ENDPOINT_URL".to_string(), emulator.url()),
    ]);
    let client = Client::default();

    step(
        3,
        "Logging in to the sso-session `demo` with the device-code flow (`awscred login --sso-session demo --use-device-code`)…",
    );
    let outcome = client.login(&env, LoginTarget::SsoSession("demo"), true, &mut Narrator)?;
    say!("   {}", outcome.message());
    say!(
        "   token cached in {} (the AWS CLI reads the same file)",
        outcome.token_path.display()
    );

    step(
        4,
        "Resolving profile `dev`: SSO role credentials from the portal (`awscred credentials --profile dev`)…",
    );
    let dev = client.run(
        ResolveFlow::new(ResolveRequest::new(env.clone()).profile("dev")),
        &mut Narrator,
    )?;
    say!("   got {}", dev.credentials);

    step(
        5,
        "Resolving profile `deploy`: `dev`'s credentials, then STS AssumeRole signed with them (SigV4, verified by the emulator)…",
    );
    let deploy = client.run(
        ResolveFlow::new(ResolveRequest::new(env.clone()).profile("deploy")),
        &mut Narrator,
    )?;
    say!("   got {}", deploy.credentials);

    step(
        6,
        "Resolving `deploy` again: served from the AWS CLI's cache (~/.aws/cli/cache), no network call…",
    );
    let before = emulator.requests().len();
    let again = client.run(
        ResolveFlow::new(ResolveRequest::new(env.clone()).profile("deploy")),
        &mut Narrator,
    )?;
    say!(
        "   got {} ({} requests to the emulator)",
        again.credentials,
        emulator.requests().len() - before
    );

    step(
        7,
        "Listing the accounts and roles the session may use (`awscred accounts`)…",
    );
    let access = client.sso_access(&env, TokenTarget::SsoSession("demo".into()), &mut Narrator)?;
    for account in client.list_accounts(&access)? {
        let roles = client.list_roles(&access, &account.account_id)?;
        let names: Vec<String> = roles.into_iter().map(|r| r.role_name).collect();
        say!(
            "   {} {:<12} {}",
            account.account_id,
            account.account_name.unwrap_or_default(),
            names.join(", ")
        );
    }

    step(8, "What went over the wire:");
    for r in emulator.requests() {
        say!(
            "   {:<4} {:<26} {:<24} {}{}",
            r.method,
            r.path,
            r.operation,
            r.status,
            wire_note(r.operation, r.status)
        );
    }

    say!(
        "\nDone. Secrets were never printed; `awscred credentials --format env` would print them for a shell."
    );
    say!("{}", next_step(&Env::from_pairs(std::env::vars())));
    Ok(ExitCode::SUCCESS)
}

/// What a status in the wire log means, where it is not plainly success.
fn wire_note(operation: &str, status: u16) -> &'static str {
    match (operation, status) {
        // RFC 8628: the device code is polled until the user approves; each early poll is a
        // 400 `authorization_pending`, which is how the protocol says "not yet".
        ("CreateToken", 400) => {
            "  (authorization pending: the user had not approved yet; expected)"
        }
        _ => "",
    }
}

/// The last line: what to run next, for a user with an AWS config and for one without.
fn next_step(env: &Env) -> String {
    let has_config =
        awscred_core::config::config_paths(env, awscred_core::config::Platform::current())
            .map(|p| p.config.exists())
            .unwrap_or(false);
    if has_config {
        "Next: `awscred profiles` shows what your own ~/.aws/config resolves through; then `awscred login`.".into()
    } else {
        "Next: you have no ~/.aws/config yet. Add an [sso-session NAME] with your sso_start_url and sso_region \
         (or run `aws configure sso`), then `awscred login --sso-session NAME`; `awscred login --help` shows an example."
            .into()
    }
}
