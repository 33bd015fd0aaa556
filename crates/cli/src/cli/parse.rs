//! Matches (checked by clap against `spec`) into a [`Cli`]: the one place that knows the ids.
//!
//! A value clap guarantees (a required option, one with a default, a subcommand where one is
//! required) is still taken as fallible: were `spec` and this file ever out of step, the user
//! gets a usage error naming the option, not a panic.

use std::any::Any;

use clap::ArgMatches;
use clap::error::ErrorKind;

use super::{Cli, Command, Configure};

/// The whole command line.
pub fn cli(m: &mut ArgMatches) -> Result<Cli, clap::Error> {
    let debug = m.get_flag("debug");
    let (name, mut sub) = m
        .remove_subcommand()
        .ok_or_else(|| missing("a subcommand"))?;
    let m = &mut sub;
    let command = match name.as_str() {
        "login" => Command::Login {
            profile: m.remove_one("profile"),
            sso_session: m.remove_one("sso-session"),
            use_device_code: m.get_flag("use-device-code"),
            no_browser: m.get_flag("no-browser"),
            login_session: m.remove_one("login-session"),
            remote: m.get_flag("remote"),
        },
        "logout" => Command::Logout {
            sso_session: m.remove_one("sso-session"),
            login_session: m.remove_one("login-session"),
            all: m.get_flag("all"),
        },
        "credentials" => Command::Credentials {
            profile: m.remove_one("profile"),
            format: required(m, "format")?,
            login: m.get_flag("login"),
        },
        "exec" => Command::Exec {
            profile: m.remove_one("profile"),
            login: m.get_flag("login"),
            server: m.get_flag("server"),
            command: m
                .remove_many("command")
                .map(Iterator::collect)
                .unwrap_or_default(),
        },
        "serve" => Command::Serve {
            profile: m.remove_one("profile"),
            port: required(m, "port")?,
            format: required(m, "format")?,
            login: m.get_flag("login"),
        },
        "accounts" => Command::Accounts {
            profile: m.remove_one("profile"),
            sso_session: m.remove_one("sso-session"),
            output: required(m, "output")?,
        },
        "profiles" => Command::Profiles {
            output: required(m, "output")?,
        },
        "status" => Command::Status {
            output: required(m, "output")?,
        },
        "console" => Command::Console {
            profile: m.remove_one("profile"),
            destination: m.remove_one("destination"),
            print: m.get_flag("print"),
            duration: m.remove_one("duration"),
            no_browser: m.get_flag("no-browser"),
            login: m.get_flag("login"),
        },
        "configure" => Command::Configure(configure(m)?),
        #[cfg(feature = "demo")]
        "demo" => Command::Demo,
        "completions" => Command::Completions {
            shell: m.remove_one("shell"),
            list_names: m.remove_one("list-names"),
        },
        other => return Err(unknown(other)),
    };
    Ok(Cli { debug, command })
}

/// `awscred configure …`.
fn configure(m: &mut ArgMatches) -> Result<Configure, clap::Error> {
    let (name, mut sub) = m
        .remove_subcommand()
        .ok_or_else(|| missing("a subcommand of `configure`"))?;
    let m = &mut sub;
    match name.as_str() {
        "populate" => Ok(Configure::Populate {
            sso_session: required(m, "sso-session")?,
            template: m.remove_one("template"),
            region: m.remove_one("region"),
            prune: m.get_flag("prune"),
            dry_run: m.get_flag("dry-run"),
        }),
        other => Err(unknown(other)),
    }
}

/// The value of an option that is required or has a default.
fn required<T: Any + Clone + Send + Sync + 'static>(
    m: &mut ArgMatches,
    id: &str,
) -> Result<T, clap::Error> {
    m.remove_one(id).ok_or_else(|| missing(&format!("--{id}")))
}

fn missing(what: &str) -> clap::Error {
    clap::Error::raw(
        ErrorKind::MissingRequiredArgument,
        format!("{what} is required\n"),
    )
}

fn unknown(name: &str) -> clap::Error {
    clap::Error::raw(
        ErrorKind::InvalidSubcommand,
        format!("unrecognized subcommand '{name}'\n"),
    )
}
