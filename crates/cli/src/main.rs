//! `awscred`: AWS SSO login, role credentials and AssumeRole chains from `~/.aws/config`,
//! side by side with the AWS CLI v2 (same files, same caches, same output formats).

mod commands;
mod debug_log;
mod demo;
mod terminal;

use std::process::ExitCode;

use awscred_core::ExportFormat;
use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes, documented in the README.
pub mod exit {
    /// Anything not listed below (a local file could not be written, a process failed…).
    pub const OTHER: u8 = 1;
    /// The command line was wrong.
    pub const USAGE: u8 = 2;
    /// The configuration or an input is wrong.
    pub const CONFIG: u8 = 3;
    /// The SSO session is missing or expired, or the login did not complete (denied in the
    /// browser, the code expired): log in (again).
    pub const LOGIN_NEEDED: u8 = 4;
    /// The service refused the request.
    pub const SERVICE: u8 = 5;
    /// The service could not be reached.
    pub const NETWORK: u8 = 6;
}

#[derive(Debug, Parser)]
#[command(
    name = "awscred",
    version,
    about = "Temporary AWS credentials the way the AWS CLI v2 gets them"
)]
struct Cli {
    /// Print a trace of what awscred does on stderr (never secrets).
    #[arg(long, global = true)]
    debug: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Log in to IAM Identity Center (like `aws sso login`).
    Login {
        /// The profile whose SSO session to log in to.
        #[arg(long, conflicts_with = "sso_session")]
        profile: Option<String>,
        /// The `[sso-session NAME]` to log in to.
        #[arg(long)]
        sso_session: Option<String>,
        /// Use the device-code flow (for machines without a browser).
        #[arg(long)]
        use_device_code: bool,
        /// Print the URL instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Log out of every SSO session and remove the cached SSO tokens and credentials (like `aws sso logout`).
    Logout,
    /// Print credentials like `aws configure export-credentials` (usable as `credential_process`).
    Credentials {
        /// The profile to resolve.
        #[arg(long)]
        profile: Option<String>,
        /// Output format.
        #[arg(long, value_parser = export_format(), default_value_t = ExportFormat::Process)]
        format: ExportFormat,
    },
    /// Run a command with the credentials in its environment.
    Exec {
        /// The profile to resolve.
        #[arg(long)]
        profile: Option<String>,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// List every account and role the SSO session may use.
    Accounts {
        /// The profile whose SSO session to use.
        #[arg(long, conflicts_with = "sso_session")]
        profile: Option<String>,
        /// The `[sso-session NAME]` to use.
        #[arg(long)]
        sso_session: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// List the configured profiles and what each resolves through.
    Profiles {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Show the whole story against a local emulator, without an AWS account.
    Demo,
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `--format` of `credentials`: the names of [`ExportFormat::ALL`], so a format added to the
/// core is accepted (and completed) here without a second list to keep in step.
fn export_format() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(ExportFormat::ALL.map(ExportFormat::name))
        .try_map(|name| name.parse::<ExportFormat>())
}

/// `--output` of `accounts` and `profiles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if cli.debug {
        debug_log::install();
    }
    let result = match cli.command {
        Command::Login {
            profile,
            sso_session,
            use_device_code,
            no_browser,
        } => commands::login(profile, sso_session, use_device_code, no_browser),
        Command::Logout => commands::logout(),
        Command::Credentials { profile, format } => commands::credentials(profile, format),
        Command::Exec { profile, command } => commands::exec(profile, command),
        Command::Accounts {
            profile,
            sso_session,
            output,
        } => commands::accounts(profile, sso_session, output),
        Command::Profiles { output } => commands::profiles(output),
        Command::Demo => commands::demo(),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "awscred", &mut script);
            commands::emit(&String::from_utf8_lossy(&script)).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("awscred: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The documented exit code for an error.
fn exit_code(e: &awscred_core::Error) -> u8 {
    use awscred_core::Error as E;
    match e {
        E::Config(_) | E::InvalidInput(_) | E::Unsupported(_) => exit::CONFIG,
        // A login that did not complete leaves the user where a missing session does: the
        // message says why (the service's reason when it gave one) and to log in again.
        E::LoginNeeded { .. } | E::Login(_) => exit::LOGIN_NEEDED,
        E::Service(_) | E::Throttled(_) | E::MalformedResponse { .. } => exit::SERVICE,
        E::Transport { .. } => exit::NETWORK,
        _ => exit::OTHER,
    }
}
