//! `awscred`: AWS SSO login, role credentials and AssumeRole chains from `~/.aws/config`,
//! side by side with the AWS CLI v2 (same files, same caches, same output formats).

mod auto_login;
mod browser;
mod cli;
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

use cli::{Command, Configure};

pub use cli::Output;

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

fn main() -> ExitCode {
    let cli = match cli::try_parse() {
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
            let mut cmd = cli::command();
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
