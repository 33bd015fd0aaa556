//! `awscred`: AWS SSO login, role credentials and AssumeRole chains from `~/.aws/config`,
//! side by side with the AWS CLI v2 (same files, same caches, same output formats).

mod auto_login;
mod browser;
mod commands;
mod completion;
mod debug_log;
#[cfg(feature = "demo")]
mod demo;
mod help;
mod preflight;
mod region_update;
mod status;
mod terminal;
mod tty;

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
    /// `exec`: the command could not be run (not executable, or another error starting it).
    pub const CANNOT_RUN: u8 = 126;
    /// `exec`: the command was not found.
    pub const NOT_FOUND: u8 = 127;
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
    #[command(after_help = help::LOGIN)]
    Login {
        /// The profile whose SSO session to log in to.
        #[arg(long, conflicts_with = "sso_session", value_name = "PROFILE")]
        profile: Option<String>,
        /// The `[sso-session NAME]` to log in to.
        #[arg(long, value_name = "SSO_SESSION")]
        sso_session: Option<String>,
        /// Use the device-code flow (for machines without a browser).
        #[arg(long)]
        use_device_code: bool,
        /// Print the URL instead of opening a browser (also: AWSCRED_NO_BROWSER).
        #[arg(long)]
        no_browser: bool,
    },
    /// Log out of SSO sessions and remove their cached tokens and credentials (like `aws sso logout`).
    #[command(after_help = help::LOGOUT)]
    Logout {
        /// Log out of this `[sso-session NAME]` only (default: every session with a cached token).
        #[arg(long, value_name = "SSO_SESSION")]
        sso_session: Option<String>,
    },
    /// Print credentials like `aws configure export-credentials` (usable as `credential_process`).
    #[command(after_help = help::CREDENTIALS)]
    Credentials {
        /// The profile to resolve.
        #[arg(long, value_name = "PROFILE")]
        profile: Option<String>,
        /// Output format.
        #[arg(long, value_parser = export_format(), default_value_t = ExportFormat::Process)]
        format: ExportFormat,
        /// Log in (on this terminal) when the SSO session is missing or expired, instead of
        /// failing; also the profile key `awscred_auto_login = true`.
        #[arg(long)]
        login: bool,
    },
    /// Run a command with the credentials in its environment.
    #[command(after_help = help::EXEC)]
    Exec {
        /// The profile to resolve.
        #[arg(long, value_name = "PROFILE")]
        profile: Option<String>,
        /// Log in (on this terminal) when the SSO session is missing or expired, instead of
        /// failing; also the profile key `awscred_auto_login = true`.
        #[arg(long)]
        login: bool,
        /// The command and its arguments.
        #[arg(last = true, required = true, value_hint = clap::ValueHint::CommandWithArguments)]
        command: Vec<String>,
    },
    /// List every account and role the SSO session may use.
    #[command(after_help = help::ACCOUNTS)]
    Accounts {
        /// The profile whose SSO session to use.
        #[arg(long, conflicts_with = "sso_session", value_name = "PROFILE")]
        profile: Option<String>,
        /// The `[sso-session NAME]` to use.
        #[arg(long, value_name = "SSO_SESSION")]
        sso_session: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// List the configured profiles and what each resolves through.
    #[command(after_help = help::PROFILES)]
    Profiles {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Show the cached SSO tokens and role credentials: what expires when, what can refresh.
    #[command(after_help = help::STATUS)]
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Show the whole story against a local emulator, without an AWS account.
    #[cfg(feature = "demo")]
    #[command(after_help = help::DEMO)]
    Demo,
    /// Print shell completions.
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        /// The shell.
        #[arg(required_unless_present = "list_names")]
        shell: Option<clap_complete::Shell>,
        /// For the scripts: print the config's profile or sso-session names, one a line.
        #[arg(long, hide = true, value_enum, value_name = "WHAT")]
        list_names: Option<completion::Names>,
    },
}

/// `--format` of `credentials`: the names of [`ExportFormat::ALL`], so a format added to the
/// core is accepted (and completed) here without a second list to keep in step; each value's
/// help says what it prints.
fn export_format() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    use clap::builder::{PossibleValue, TypedValueParser as _};
    clap::builder::PossibleValuesParser::new(
        ExportFormat::ALL.map(|f| PossibleValue::new(f.name()).help(help::format(f))),
    )
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
        Command::Logout { sso_session } => commands::logout(sso_session),
        Command::Credentials {
            profile,
            format,
            login,
        } => commands::credentials(profile, format, login),
        Command::Exec {
            profile,
            login,
            command,
        } => commands::exec(profile, command, login),
        Command::Accounts {
            profile,
            sso_session,
            output,
        } => commands::accounts(profile, sso_session, output),
        Command::Profiles { output } => commands::profiles(output),
        Command::Status { output } => status::run(output),
        #[cfg(feature = "demo")]
        Command::Demo => commands::demo(),
        Command::Completions {
            list_names: Some(what),
            ..
        } => completion::names(what),
        Command::Completions {
            shell: Some(shell), ..
        } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            completion::script(shell, &mut cmd)
                .and_then(|s| commands::emit(&s))
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Completions { .. } => Ok(ExitCode::from(exit::USAGE)),
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
