//! What the command line accepts, written with clap's builder API: every subcommand, option,
//! help line and constraint. Built by hand instead of with clap's derive macros, which would
//! bring a proc-macro and its six crates (syn, quote, …) into every build of the CLI.
//!
//! An option's id is its long name (`sso-session`), which [`super::parse`] reads back; a
//! positional's id (`shell`, `command`) is what zsh's completion script names it. One-line
//! help texts end without a period, as clap's own do.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
use clap::{Arg, ArgAction, Command, ValueHint, value_parser};

use awscred_core::ExportFormat;

use super::Output;
use crate::{completion, help, serve};

/// The whole command line: `awscred [--debug] <COMMAND> …`.
pub fn command() -> Command {
    Command::new("awscred")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Temporary AWS credentials the way the AWS CLI v2 gets them")
        // Without a subcommand there is nothing to do: print the help (exit code 2).
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            flag("debug")
                .global(true)
                .help("Print a trace of what awscred does on stderr (never secrets)"),
        )
        .subcommands([
            login(),
            logout(),
            credentials(),
            exec(),
            serve(),
            accounts(),
            profiles(),
            status(),
            console(),
            configure(),
        ])
        .subcommands(demo())
        .subcommand(completions())
}

/// `--ID`, a flag that is on or off.
fn flag(id: &'static str) -> Arg {
    Arg::new(id).long(id).action(ArgAction::SetTrue)
}

/// `--ID VALUE_NAME`, an option with one string value.
fn option(id: &'static str, value_name: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .value_name(value_name)
        .value_parser(value_parser!(String))
        .action(ArgAction::Set)
}

/// `--login` of the commands that resolve a profile.
fn login_flag() -> Arg {
    flag("login").help(
        "Log in (on this terminal) when the SSO session is missing or expired, instead of \
         failing; also the profile key `awscred_auto_login = true`",
    )
}

/// `--no-browser` of `login` and `console`.
fn no_browser() -> Arg {
    flag("no-browser").help("Print the URL instead of opening a browser (also: AWSCRED_NO_BROWSER)")
}

/// `--output` of `accounts`, `profiles` and `status`.
fn output() -> Arg {
    Arg::new("output")
        .long("output")
        .value_name("OUTPUT")
        .value_parser(value_parser!(Output))
        .default_value("table")
        .help("Output format")
}

/// `--login-session [PROFILE]` of `login` and `logout`: the value may be left out (it is then
/// empty: the profile is picked later).
fn login_session(help: &'static str) -> Arg {
    option("login-session", "PROFILE")
        .num_args(0..=1)
        .default_missing_value("")
        .help(help)
}

fn login() -> Command {
    Command::new("login")
        .about("Log in to IAM Identity Center (like `aws sso login`)")
        .after_help(help::LOGIN)
        .arg(
            option("profile", "PROFILE")
                .conflicts_with("sso-session")
                .help("The profile whose SSO session to log in to"),
        )
        .arg(option("sso-session", "SSO_SESSION").help("The `[sso-session NAME]` to log in to"))
        .arg(
            flag("use-device-code")
                .help("Use the device-code flow (for machines without a browser)"),
        )
        .arg(no_browser())
        .arg(
            login_session(
                "Sign in with console credentials instead (like `aws login`) and write \
                 `login_session` into PROFILE (default: `--profile`, else the selected profile)",
            )
            .conflicts_with_all(["sso-session", "use-device-code"]),
        )
        .arg(flag("remote").requires("login-session").help(
            "With `--login-session`: sign in on another device (like `aws login --remote`): \
             open the printed URL anywhere, then type the verification code it shows",
        ))
}

fn logout() -> Command {
    Command::new("logout")
        .about(
            "Log out of SSO sessions and remove their cached tokens and credentials \
             (like `aws sso logout`)",
        )
        .after_help(help::LOGOUT)
        .arg(
            option("sso-session", "SSO_SESSION")
                .conflicts_with_all(["login-session", "all"])
                .help(
                    "Log out of this `[sso-session NAME]` only (default: every session with a \
                     cached token)",
                ),
        )
        .arg(
            login_session(
                "Remove the cached console login (`login_session`, from `aws login`) of PROFILE \
                 (default: the selected profile) instead, like `aws logout`",
            )
            .conflicts_with("all"),
        )
        .arg(
            flag("all")
                .help("Log out of every SSO session and remove every cached console login too"),
        )
}

fn credentials() -> Command {
    Command::new("credentials")
        .about(
            "Print credentials like `aws configure export-credentials` (usable as \
             `credential_process`)",
        )
        .after_help(help::CREDENTIALS)
        .arg(option("profile", "PROFILE").help("The profile to resolve"))
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .value_parser(export_format())
                .default_value(ExportFormat::Process.name())
                .help("Output format"),
        )
        .arg(login_flag())
}

/// `--format` of `credentials`: the names of [`ExportFormat::ALL`], so a format added to the
/// core is accepted (and completed) here without a second list to keep in step; each value's
/// help says what it prints.
fn export_format() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    PossibleValuesParser::new(
        ExportFormat::ALL.map(|f| PossibleValue::new(f.name()).help(help::format(f))),
    )
    .try_map(|name| name.parse::<ExportFormat>())
}

fn exec() -> Command {
    Command::new("exec")
        .about("Run a command with the credentials in its environment")
        .after_help(help::EXEC)
        .arg(option("profile", "PROFILE").help("The profile to resolve"))
        .arg(login_flag())
        .arg(flag("server").help(
            "Give the command a credentials endpoint on 127.0.0.1 (refreshing as they expire) \
             instead of static keys",
        ))
        .arg(
            // Everything after `--`, options included, belongs to the command.
            Arg::new("command")
                .value_name("COMMAND")
                .num_args(1..)
                .value_parser(value_parser!(String))
                .action(ArgAction::Append)
                .last(true)
                .required(true)
                .value_hint(ValueHint::CommandWithArguments)
                .help("The command and its arguments"),
        )
}

fn serve() -> Command {
    Command::new("serve")
        .about("Serve the profile's credentials on 127.0.0.1 in the container-credentials protocol")
        .after_help(help::SERVE)
        .arg(option("profile", "PROFILE").help("The profile to serve"))
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("PORT")
                .value_parser(value_parser!(u16))
                .default_value("0")
                .help("The port (default: a free one)"),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .value_parser(value_parser!(serve::ServeFormat))
                .default_value("text")
                .help("What to print"),
        )
        .arg(
            flag("login")
                .help("Log in (on this terminal) first when the SSO session is missing or expired"),
        )
}

fn accounts() -> Command {
    Command::new("accounts")
        .about("List every account and role the SSO session may use")
        .after_help(help::ACCOUNTS)
        .arg(
            option("profile", "PROFILE")
                .conflicts_with("sso-session")
                .help("The profile whose SSO session to use"),
        )
        .arg(option("sso-session", "SSO_SESSION").help("The `[sso-session NAME]` to use"))
        .arg(output())
}

fn profiles() -> Command {
    Command::new("profiles")
        .about("List the configured profiles and what each resolves through")
        .after_help(help::PROFILES)
        .arg(output())
}

fn status() -> Command {
    Command::new("status")
        .about(
            "Show the cached SSO tokens and role credentials: what expires when, what can refresh",
        )
        .after_help(help::STATUS)
        .arg(output())
}

fn console() -> Command {
    Command::new("console")
        .about("Open the AWS console signed in as a profile's session (or print the sign-in URL)")
        .after_help(help::CONSOLE)
        .arg(option("profile", "PROFILE").help("The profile whose (temporary) credentials sign in"))
        .arg(option("destination", "URL").help(
            "The console page to land on (default: the console home of the profile's region)",
        ))
        .arg(flag("print").help("Print the sign-in URL on stdout instead of opening a browser"))
        .arg(
            Arg::new("duration")
                .long("duration")
                .value_name("SECONDS")
                .value_parser(value_parser!(u32))
                .action(ArgAction::Set)
                .help(
                    "How long the console session lasts, in seconds (900 to 43200; role \
                     sessions only)",
                ),
        )
        .arg(no_browser())
        .arg(login_flag())
}

/// `awscred configure`: only `populate` so far; without it, the help (exit code 2).
fn configure() -> Command {
    Command::new("configure")
        .about("Write profiles into ~/.aws/config (`configure populate`)")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(populate())
}

fn populate() -> Command {
    Command::new("populate")
        .about(
            "Write a `[profile …]` for every account and role of an SSO session into ~/.aws/config",
        )
        .after_help(help::POPULATE)
        .arg(
            option("sso-session", "SSO_SESSION")
                .required(true)
                .help("The `[sso-session NAME]` whose accounts and roles to list"),
        )
        .arg(option("template", "TEMPLATE").help(
            "The profile names: {account_name}, {account_id}, {role_name}, {sso_session} \
             [default: {account_name}.{role_name}]",
        ))
        .arg(option("region", "REGION").help("Set `region` in every generated profile"))
        .arg(flag("prune").help(
            "Remove profiles generated earlier for this session whose role is no longer assigned",
        ))
        .arg(flag("dry-run").help("Print the change as a unified diff; write nothing"))
}

/// `awscred demo`, when the embedded emulator is built in (the `demo` feature).
fn demo() -> Option<Command> {
    #[cfg(feature = "demo")]
    return Some(
        Command::new("demo")
            .about("Show the whole story against a local emulator, without an AWS account")
            .after_help(help::DEMO),
    );
    #[cfg(not(feature = "demo"))]
    None
}

fn completions() -> Command {
    Command::new("completions")
        .about("Print shell completions")
        .after_help(help::COMPLETIONS)
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .value_parser(value_parser!(clap_complete::Shell))
                .action(ArgAction::Set)
                .required_unless_present("list-names")
                .help("The shell"),
        )
        .arg(
            Arg::new("list-names")
                .long("list-names")
                .value_name("WHAT")
                .value_parser(value_parser!(completion::Names))
                .action(ArgAction::Set)
                // Asked by the scripts, not by people.
                .hide(true)
                .help(
                    "For the scripts: print the config's profile or sso-session names, one a line",
                ),
        )
}
