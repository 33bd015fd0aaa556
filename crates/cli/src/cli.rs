//! The command line as plain types: [`try_parse`] checks `std::env::args` against
//! [`command`] (clap's builder, in `spec`) and reads the matches into a [`Cli`] in `parse`, so
//! the commands get typed values and never look at clap's matches.

mod parse;
mod spec;

use awscred_core::ExportFormat;
use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::{completion, serve};

pub use spec::command;

/// `awscred [--debug] <COMMAND>`.
#[derive(Debug)]
pub struct Cli {
    /// `--debug` (global: accepted before or after the subcommand).
    pub debug: bool,
    /// The subcommand and its options.
    pub command: Command,
}

/// The subcommands with their options, one field per option (help texts: `spec`).
#[derive(Debug)]
pub enum Command {
    /// `awscred login`.
    Login {
        /// `--profile`.
        profile: Option<String>,
        /// `--sso-session`.
        sso_session: Option<String>,
        /// `--use-device-code`.
        use_device_code: bool,
        /// `--no-browser`.
        no_browser: bool,
        /// `--login-session [PROFILE]`: `Some("")` when given without a profile.
        login_session: Option<String>,
        /// `--remote` (only with `--login-session`).
        remote: bool,
    },
    /// `awscred logout`.
    Logout {
        /// `--sso-session`.
        sso_session: Option<String>,
        /// `--login-session [PROFILE]`: `Some("")` when given without a profile.
        login_session: Option<String>,
        /// `--all`.
        all: bool,
    },
    /// `awscred credentials`.
    Credentials {
        /// `--profile`.
        profile: Option<String>,
        /// `--format` (default `process`).
        format: ExportFormat,
        /// `--login`.
        login: bool,
    },
    /// `awscred exec … -- CMD [ARGS…]`.
    Exec {
        /// `--profile`.
        profile: Option<String>,
        /// `--login`.
        login: bool,
        /// `--server`.
        server: bool,
        /// The command and its arguments (at least one word).
        command: Vec<String>,
    },
    /// `awscred serve`.
    Serve {
        /// `--profile`.
        profile: Option<String>,
        /// `--port` (0: a free one).
        port: u16,
        /// `--format` (default `text`).
        format: serve::ServeFormat,
        /// `--login`.
        login: bool,
    },
    /// `awscred accounts`.
    Accounts {
        /// `--profile`.
        profile: Option<String>,
        /// `--sso-session`.
        sso_session: Option<String>,
        /// `--output`.
        output: Output,
    },
    /// `awscred profiles`.
    Profiles {
        /// `--output`.
        output: Output,
    },
    /// `awscred status`.
    Status {
        /// `--output`.
        output: Output,
    },
    /// `awscred console`.
    Console {
        /// `--profile`.
        profile: Option<String>,
        /// `--destination`.
        destination: Option<String>,
        /// `--print`.
        print: bool,
        /// `--duration` in seconds.
        duration: Option<u32>,
        /// `--no-browser`.
        no_browser: bool,
        /// `--login`.
        login: bool,
    },
    /// `awscred configure …`.
    Configure(Configure),
    /// `awscred demo`.
    #[cfg(feature = "demo")]
    Demo,
    /// `awscred completions`.
    Completions {
        /// The shell (required unless `--list-names` is given).
        shell: Option<clap_complete::Shell>,
        /// `--list-names` (hidden: asked by the scripts).
        list_names: Option<completion::Names>,
    },
}

/// `awscred configure …`.
#[derive(Debug)]
pub enum Configure {
    /// `awscred configure populate`.
    Populate {
        /// `--sso-session` (required).
        sso_session: String,
        /// `--template`.
        template: Option<String>,
        /// `--region`.
        region: Option<String>,
        /// `--prune`.
        prune: bool,
        /// `--dry-run`.
        dry_run: bool,
    },
}

/// `--output` of `accounts`, `profiles` and `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

impl ValueEnum for Output {
    fn value_variants<'a>() -> &'a [Self] {
        &[Output::Table, Output::Json]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Output::Table => PossibleValue::new("table").help("Aligned columns for people"),
            Output::Json => PossibleValue::new("json").help("JSON for scripts"),
        })
    }
}

/// The process's command line as a [`Cli`]; the error (usage, or `--help`/`--version`, which
/// clap also reports as an error) is clap's, to print as it is.
pub fn try_parse() -> Result<Cli, clap::Error> {
    try_parse_from(std::env::args_os())
}

/// [`try_parse`] of the given words (the first is the program's name).
fn try_parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut matches = command().try_get_matches_from(args)?;
    parse::cli(&mut matches)
}

#[cfg(test)]
mod tests;
