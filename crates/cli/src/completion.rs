//! Shell completions: clap's scripts, plus the names only the config knows (profiles,
//! sso-sessions) and commands after `exec --`.

use std::process::ExitCode;

use awscred_core::Error;
use clap::builder::PossibleValue;
use clap_complete::Shell;

/// What `awscred completions --list-names` lists.
#[derive(Debug, Clone, Copy)]
pub enum Names {
    /// The profiles of the config and credentials files.
    Profiles,
    /// The `[sso-session]` names of the config file.
    SsoSessions,
}

impl clap::ValueEnum for Names {
    fn value_variants<'a>() -> &'a [Self] {
        &[Names::Profiles, Names::SsoSessions]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Names::Profiles => PossibleValue::new("profiles")
                .help("The profiles of the config and credentials files"),
            Names::SsoSessions => PossibleValue::new("sso-sessions")
                .help("The `[sso-session]` names of the config file"),
        })
    }
}

/// `awscred completions --list-names WHAT`: the names, one a line. A broken or missing config lists nothing
/// (a completion must never print an error into the user's command line).
pub fn names(what: Names) -> Result<ExitCode, Error> {
    let env = awscred_core::config::Env::from_pairs(std::env::vars());
    let Ok((_, set)) = awscred_ureq::load_config(&env) else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut out = String::new();
    let names: Vec<&str> = match what {
        Names::Profiles => set.profiles().map(|s| s.name()).collect(),
        Names::SsoSessions => set.sso_sessions().map(|s| s.name()).collect(),
    };
    for name in names {
        // Names with spaces or control characters cannot be completed safely as one word.
        if !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            out.push_str(name);
            out.push('\n');
        }
    }
    crate::commands::emit(&out).map(|()| ExitCode::SUCCESS)
}

/// The completion script for `shell`: clap's, with the config's names for `--profile` and
/// `--sso-session` (asked of `awscred completions --list-names` when the user presses TAB, so
/// they follow the config) and commands after `exec --`.
pub fn script(shell: Shell, cmd: &mut clap::Command) -> Result<String, Error> {
    let mut bytes = Vec::new();
    clap_complete::generate(shell, cmd, "awscred", &mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(match shell {
        Shell::Bash => format!("{text}{BASH}"),
        Shell::Zsh => {
            // clap's zsh script completes these values with `_default` (files); ours ask the config.
            let text = text
                .replace(":PROFILE:_default'", ":PROFILE:_awscred_profiles'")
                .replace(
                    ":SSO_SESSION:_default'",
                    ":SSO_SESSION:_awscred_sso_sessions'",
                );
            match text.split_once('\n') {
                Some((first, rest)) => format!("{first}\n{ZSH}{rest}"),
                None => text,
            }
        }
        Shell::Fish => format!("{text}{FISH}"),
        _ => text,
    })
}

/// Runs after clap's `_awscred`: config names after `--profile`/`--sso-session`, commands
/// right after `exec --`, the command's own completion (else files) after that.
const BASH: &str = r#"
_awscred_with_names() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ "${COMP_WORDS[i]}" == "--" ]]; then
            if ((i == COMP_CWORD - 1)); then
                COMPREPLY=($(compgen -c -- "$cur"))
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return 0
        fi
    done
    case "$prev" in
        --profile)
            COMPREPLY=($(compgen -W "$(awscred completions --list-names profiles 2>/dev/null)" -- "$cur"))
            return 0 ;;
        --sso-session)
            COMPREPLY=($(compgen -W "$(awscred completions --list-names sso-sessions 2>/dev/null)" -- "$cur"))
            return 0 ;;
    esac
    _awscred "$@"
}
complete -F _awscred_with_names -o bashdefault -o default awscred
"#;

/// Value completers that clap's zsh script is pointed at.
const ZSH: &str = r#"
_awscred_profiles() {
    local -a names
    names=(${(f)"$(awscred completions --list-names profiles 2>/dev/null)"})
    _describe -t profiles 'profile' names
}
_awscred_sso_sessions() {
    local -a names
    names=(${(f)"$(awscred completions --list-names sso-sessions 2>/dev/null)"})
    _describe -t sso-sessions 'sso-session' names
}
"#;

/// fish: the names for the two options, and commands after `exec --`.
const FISH: &str = r#"
complete -c awscred -l profile -x -a "(awscred completions --list-names profiles 2>/dev/null)"
complete -c awscred -l sso-session -x -a "(awscred completions --list-names sso-sessions 2>/dev/null)"
function __awscred_after_exec_dashdash
    set -l words (commandline -opc)
    contains -- exec $words; and test "$words[-1]" = "--"
end
complete -c awscred -n __awscred_after_exec_dashdash -x -a "(__fish_complete_command)"
"#;
