//! `awscred`: AWS SSO login, role credentials and AssumeRole chains from `~/.aws/config`,
//! side by side with the AWS CLI v2 (same files, same caches, same output formats).

mod auto_login;
mod browser;
mod commands;
mod completion;
mod console;
mod console_sessions;
mod debug_log;
#[cfg(feature = "demo")]
mod demo;
mod help;
mod populate;
mod preflight;
mod region_update;
mod serve;
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
        /// Sign in with console credentials instead (like `aws login`) and write
        /// `login_session` into PROFILE (default: `--profile`, else the selected profile).
        #[arg(long, value_name = "PROFILE", num_args = 0..=1, default_missing_value = "",
              conflicts_with_all = ["sso_session", "use_device_code"])]
        login_session: Option<String>,
        /// With `--login-session`: sign in on another device (like `aws login --remote`):
        /// open the printed URL anywhere, then type the verification code it shows.
        #[arg(long, requires = "login_session")]
        remote: bool,
    },
    /// Log out of SSO sessions and remove their cached tokens and credentials (like `aws sso logout`).
    #[command(after_help = help::LOGOUT)]
    Logout {
        /// Log out of this `[sso-session NAME]` only (default: every session with a cached token).
        #[arg(long, value_name = "SSO_SESSION", conflicts_with_all = ["login_session", "all"])]
        sso_session: Option<String>,
        /// Remove the cached console login (`login_session`, from `aws login`) of PROFILE
        /// (default: the selected profile) instead, like `aws logout`.
        #[arg(long, value_name = "PROFILE", num_args = 0..=1, default_missing_value = "", conflicts_with = "all")]
        login_session: Option<String>,
        /// Log out of every SSO session and remove every cached console login too.
        #[arg(long)]
        all: bool,
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
        /// Give the command a credentials endpoint on 127.0.0.1 (refreshing as they expire)
        /// instead of static keys.
        #[arg(long)]
        server: bool,
        /// The command and its arguments.
        #[arg(last = true, required = true, value_hint = clap::ValueHint::CommandWithArguments)]
        command: Vec<String>,
    },
    /// Serve the profile's credentials on 127.0.0.1 in the container-credentials protocol.
    #[command(after_help = help::SERVE)]
    Serve {
        /// The profile to serve.
        #[arg(long, value_name = "PROFILE")]
        profile: Option<String>,
        /// The port (default: a free one).
        #[arg(long, value_name = "PORT", default_value_t = 0)]
        port: u16,
        /// What to print.
        #[arg(long, value_enum, default_value_t = serve::ServeFormat::Text)]
        format: serve::ServeFormat,
        /// Log in (on this terminal) first when the SSO session is missing or expired.
        #[arg(long)]
        login: bool,
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
    /// Open the AWS console signed in as a profile's session (or print the sign-in URL).
    #[command(after_help = help::CONSOLE)]
    Console {
        /// The profile whose (temporary) credentials sign in.
        #[arg(long, value_name = "PROFILE")]
        profile: Option<String>,
        /// The console page to land on (default: the console home of the profile's region).
        #[arg(long, value_name = "URL")]
        destination: Option<String>,
        /// Print the sign-in URL on stdout instead of opening a browser.
        #[arg(long)]
        print: bool,
        /// How long the console session lasts, in seconds (900 to 43200; role sessions only).
        #[arg(long, value_name = "SECONDS")]
        duration: Option<u32>,
        /// Print the URL instead of opening a browser (also: AWSCRED_NO_BROWSER).
        #[arg(long)]
        no_browser: bool,
        /// Log in (on this terminal) when the SSO session is missing or expired, instead of
        /// failing; also the profile key `awscred_auto_login = true`.
        #[arg(long)]
        login: bool,
    },
    /// Write profiles into ~/.aws/config (`configure populate`).
    #[command(subcommand)]
    Configure(Configure),
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

/// `awscred configure …`.
#[derive(Debug, Subcommand)]
enum Configure {
    /// Write a `[profile …]` for every account and role of an SSO session into ~/.aws/config.
    #[command(after_help = help::POPULATE)]
    Populate {
        /// The `[sso-session NAME]` whose accounts and roles to list.
        #[arg(long, value_name = "SSO_SESSION")]
        sso_session: String,
        /// The profile names: {account_name}, {account_id}, {role_name}, {sso_session}
        /// [default: {account_name}.{role_name}].
        #[arg(long, value_name = "TEMPLATE")]
        template: Option<String>,
        /// Set `region` in every generated profile.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Remove profiles generated earlier for this session whose role is no longer assigned.
        #[arg(long)]
        prune: bool,
        /// Print the change as a unified diff; write nothing.
        #[arg(long)]
        dry_run: bool,
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
            login_session: Some(target),
            no_browser,
            remote,
            ..
        } => commands::login_console(target, profile, no_browser, remote),
        Command::Login {
            profile,
            sso_session,
            use_device_code,
            no_browser,
            ..
        } => commands::login(profile, sso_session, use_device_code, no_browser),
        Command::Logout {
            sso_session,
            login_session: Some(profile),
            ..
        } if sso_session.is_none() => commands::logout_console(profile),
        Command::Logout {
            sso_session, all, ..
        } => commands::logout(sso_session, all),
        Command::Credentials {
            profile,
            format,
            login,
        } => commands::credentials(profile, format, login),
        Command::Exec {
            profile,
            login,
            server: true,
            command,
        } => serve::exec(profile, command, login),
        Command::Exec {
            profile,
            login,
            command,
            ..
        } => commands::exec(profile, command, login),
        Command::Serve {
            profile,
            port,
            format,
            login,
        } => serve::serve(profile, port, format, login),
        Command::Accounts {
            profile,
            sso_session,
            output,
        } => commands::accounts(profile, sso_session, output),
        Command::Profiles { output } => commands::profiles(output),
        Command::Status { output } => status::run(output),
        Command::Console {
            profile,
            destination,
            print,
            duration,
            no_browser,
            login,
        } => console::run(console::Options {
            profile,
            destination,
            print,
            duration,
            no_browser,
            login,
        }),
        Command::Configure(Configure::Populate {
            sso_session,
            template,
            region,
            prune,
            dry_run,
        }) => populate::run(populate::Options {
            sso_session,
            template,
            region,
            prune,
            dry_run,
        }),
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
