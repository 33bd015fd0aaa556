//! `spec` and `parse` in step: every subcommand with every option reads back typed, and the
//! constraints hold. (The help texts and usage errors are checked end to end in `tests/cli.rs`.)

use awscred_core::ExportFormat;
use clap::error::ErrorKind;

use super::*;

fn parse(line: &str) -> Cli {
    let words = std::iter::once("awscred").chain(line.split_whitespace());
    try_parse_from(words).unwrap_or_else(|e| panic!("`awscred {line}`: {e}"))
}

fn error(line: &str) -> ErrorKind {
    let words = std::iter::once("awscred").chain(line.split_whitespace());
    match try_parse_from(words) {
        Ok(cli) => panic!("`awscred {line}` parsed: {cli:?}"),
        Err(e) => e.kind(),
    }
}

#[test]
fn clap_accepts_the_definition() {
    // Ids named in conflicts/requires exist, positionals are in order, and so on.
    command().debug_assert();
}

#[test]
fn login_with_every_option() {
    let cli = parse("--debug login --profile p --no-browser --login-session x --remote");
    assert!(cli.debug);
    match cli.command {
        Command::Login {
            profile,
            sso_session,
            use_device_code,
            no_browser,
            login_session,
            remote,
        } => {
            assert_eq!(profile.as_deref(), Some("p"));
            assert_eq!(sso_session, None);
            assert!(!use_device_code && no_browser && remote);
            assert_eq!(login_session.as_deref(), Some("x"));
        }
        other => panic!("{other:?}"),
    }
    match parse("login --sso-session s --use-device-code --debug") {
        Cli {
            debug: true,
            command:
                Command::Login {
                    sso_session: Some(s),
                    use_device_code: true,
                    login_session: None,
                    ..
                },
        } => assert_eq!(s, "s"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn login_session_without_a_value_is_empty() {
    match parse("login --login-session").command {
        Command::Login { login_session, .. } => assert_eq!(login_session.as_deref(), Some("")),
        other => panic!("{other:?}"),
    }
    match parse("logout --login-session").command {
        Command::Logout {
            login_session,
            sso_session: None,
            all: false,
        } => assert_eq!(login_session.as_deref(), Some("")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn logout_credentials_exec_serve() {
    assert!(matches!(
        parse("logout --all").command,
        Command::Logout {
            all: true,
            sso_session: None,
            login_session: None
        }
    ));
    assert!(matches!(
        parse("credentials").command,
        Command::Credentials {
            format: ExportFormat::Process,
            profile: None,
            login: false
        }
    ));
    for f in ExportFormat::ALL {
        match parse(&format!(
            "credentials --profile p --login --format {}",
            f.name()
        ))
        .command
        {
            Command::Credentials {
                format,
                profile,
                login: true,
            } => {
                assert_eq!(format, f);
                assert_eq!(profile.as_deref(), Some("p"));
            }
            other => panic!("{other:?}"),
        }
    }
    match parse("exec --server --login --profile p -- cmd -x --help").command {
        Command::Exec {
            profile,
            login: true,
            server: true,
            command,
        } => {
            assert_eq!(profile.as_deref(), Some("p"));
            assert_eq!(command, ["cmd", "-x", "--help"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse("serve").command,
        Command::Serve {
            port: 0,
            format: serve::ServeFormat::Text,
            login: false,
            profile: None
        }
    ));
    assert!(matches!(
        parse("serve --port 8080 --format env --login --profile p").command,
        Command::Serve {
            port: 8080,
            format: serve::ServeFormat::Env,
            login: true,
            profile: Some(_)
        }
    ));
}

#[test]
fn listing_commands_and_console() {
    assert!(matches!(
        parse("accounts --sso-session s --output json").command,
        Command::Accounts {
            sso_session: Some(_),
            profile: None,
            output: Output::Json
        }
    ));
    assert!(matches!(
        parse("profiles").command,
        Command::Profiles {
            output: Output::Table
        }
    ));
    assert!(matches!(
        parse("status --output json").command,
        Command::Status {
            output: Output::Json
        }
    ));
    match parse("console --profile p --destination u --print --duration 900 --no-browser --login")
        .command
    {
        Command::Console {
            profile,
            destination,
            print: true,
            duration: Some(900),
            no_browser: true,
            login: true,
        } => {
            assert_eq!(profile.as_deref(), Some("p"));
            assert_eq!(destination.as_deref(), Some("u"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn configure_populate_and_completions() {
    match parse("configure populate --sso-session s --template t --region r --prune --dry-run")
        .command
    {
        Command::Configure(Configure::Populate {
            sso_session,
            template,
            region,
            prune: true,
            dry_run: true,
        }) => {
            assert_eq!(sso_session, "s");
            assert_eq!(template.as_deref(), Some("t"));
            assert_eq!(region.as_deref(), Some("r"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse("completions zsh").command,
        Command::Completions {
            shell: Some(clap_complete::Shell::Zsh),
            list_names: None
        }
    ));
    assert!(matches!(
        parse("completions --list-names sso-sessions").command,
        Command::Completions {
            shell: None,
            list_names: Some(completion::Names::SsoSessions)
        }
    ));
}

#[cfg(feature = "demo")]
#[test]
fn demo() {
    assert!(matches!(parse("demo").command, Command::Demo));
}

#[test]
fn constraints() {
    assert_eq!(
        error("login --profile a --sso-session b"),
        ErrorKind::ArgumentConflict
    );
    assert_eq!(
        error("login --login-session --use-device-code"),
        ErrorKind::ArgumentConflict
    );
    assert_eq!(error("login --remote"), ErrorKind::MissingRequiredArgument);
    assert_eq!(
        error("logout --all --sso-session s"),
        ErrorKind::ArgumentConflict
    );
    assert_eq!(
        error("configure populate"),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(error("exec"), ErrorKind::MissingRequiredArgument);
    assert_eq!(error("completions"), ErrorKind::MissingRequiredArgument);
    assert_eq!(error("serve --port 65536"), ErrorKind::ValueValidation);
    assert_eq!(error("accounts --output xml"), ErrorKind::InvalidValue);
    assert_eq!(error("credentials --format xml"), ErrorKind::InvalidValue);
    assert_eq!(
        error(""),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    assert_eq!(
        error("configure"),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
}
