//! The commands. Each returns the process exit code or an error for `main` to report.

use std::process::ExitCode;
use std::time::SystemTime;

use awscred_core::config::{self, Env, LoginTarget, Source};
use awscred_core::resolve::{FileWarning, ResolveFlow, ResolveRequest, Resolved, TokenTarget};
use awscred_core::{Error, ExportFormat};
use awscred_ureq::{Client, load_config};
use serde_json::json;

use crate::Output;
use crate::terminal::Terminal;

fn env() -> Env {
    Env::from_pairs(std::env::vars())
}

/// A client whose proxies and CA bundle follow `env` and the profile in use (`--profile`, or
/// the one `env` selects), as `docs/networks.md` describes.
pub(crate) fn client(env: &Env, profile: Option<&str>) -> Result<Client, Error> {
    let network = awscred_files::network::settings_for(env, profile)?;
    Ok(Client::new(awscred_ureq::ClientConfig {
        network: Some(network),
        ..Default::default()
    }))
}

/// Resolves `profile` (or the one the environment selects), asking on the terminal for MFA codes.
/// With `login` (or `awscred_auto_login = true` in the profile), a missing or expired SSO
/// session starts a login first (see [`crate::auto_login`]).
fn resolve(env: Env, profile: Option<String>, login: bool) -> Result<Resolved, Error> {
    let once = || resolve_once(env.clone(), profile.clone());
    match once() {
        Err(e @ Error::LoginNeeded { .. }) => {
            let selected = config::select_profile(&env, profile.as_deref());
            if !(login || crate::auto_login::enabled_for(&env, &selected)) {
                return Err(e);
            }
            crate::auto_login::login_once(&env, &selected, e, once)
        }
        other => other,
    }
}

/// [`resolve`] for the other command modules (`console`).
pub(crate) fn resolve_profile(
    env: Env,
    profile: Option<String>,
    login: bool,
) -> Result<Resolved, Error> {
    resolve(env, profile, login)
}

fn resolve_once(env: Env, profile: Option<String>) -> Result<Resolved, Error> {
    let mut terminal = Terminal::new(false);
    terminal.profile = Some(config::select_profile(&env, profile.as_deref()));
    let mut request = ResolveRequest::new(env);
    request.profile = profile;
    // Random bytes for a console login session's DPoP proof (the core takes them as input).
    request.random = awscred_files::random::fresh();
    let resolved = client(&request.env, request.profile.as_deref())?
        .run(ResolveFlow::new(request), &mut terminal)?;
    for w in &resolved.warnings {
        tracing::warn!("{w}");
    }
    show_file_warnings(&resolved.file_warnings);
    Ok(resolved)
}

/// A refreshed token that could not be saved means the next run needs a login: the user must
/// hear of it now, not only with --debug. A cache entry not filled costs nothing.
fn show_file_warnings(warnings: &[FileWarning]) {
    for w in warnings {
        if w.kind.is_minor() {
            tracing::debug!("{w}");
        } else {
            eprintln!("awscred: warning: {w}");
        }
    }
}

/// `awscred credentials`.
pub fn credentials(
    profile: Option<String>,
    format: ExportFormat,
    login: bool,
) -> Result<ExitCode, Error> {
    let resolved = resolve(env(), profile, login)?;
    // A value a shell would run is refused before anything reaches stdout.
    emit(&resolved.credentials.export(format)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `awscred exec -- CMD ARGS…`.
pub fn exec(profile: Option<String>, command: Vec<String>, login: bool) -> Result<ExitCode, Error> {
    let resolved = resolve(env(), profile, login)?;
    let (program, args) = command.split_first().ok_or_else(|| {
        Error::InvalidInput("no command to run; usage: awscred exec -- CMD [ARGS…]".into())
    })?;
    let creds = &resolved.credentials;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env("AWS_ACCESS_KEY_ID", creds.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", creds.secret_access_key());
    match creds.session_token() {
        Some(t) => cmd.env("AWS_SESSION_TOKEN", t),
        None => cmd.env_remove("AWS_SESSION_TOKEN"),
    };
    match creds.expiry() {
        Some(e) => cmd.env(
            "AWS_CREDENTIAL_EXPIRATION",
            awscred_core::time::format_offset(e),
        ),
        None => cmd.env_remove("AWS_CREDENTIAL_EXPIRATION"),
    };
    if let Some(region) = &resolved.region {
        cmd.env("AWS_REGION", region);
    }
    // The child gets keys, not a profile: a profile left in its environment could make an SDK
    // resolve again (and prompt again) instead of using them.
    cmd.env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .env_remove("AWS_SECURITY_TOKEN");
    Ok(run_child(cmd, program))
}

/// Runs `cmd` (the user's `program`) and gives its exit code as a shell would: its own, 127
/// when not found, 126 when it cannot be run (with a line on stderr saying why).
pub(crate) fn run_child(mut cmd: std::process::Command, program: &str) -> ExitCode {
    match cmd.status() {
        Ok(status) => ExitCode::from(exit_status_code(status)),
        Err(e) => {
            // Like a shell: 127 when the command does not exist, 126 when it cannot be run.
            let (code, what) = match e.kind() {
                std::io::ErrorKind::NotFound => (
                    crate::exit::NOT_FOUND,
                    "command not found (check the name and PATH)".to_string(),
                ),
                std::io::ErrorKind::PermissionDenied => (
                    crate::exit::CANNOT_RUN,
                    "permission denied (is it executable?)".to_string(),
                ),
                _ => (crate::exit::CANNOT_RUN, format!("cannot run: {e}")),
            };
            eprintln!("awscred: exec: {program}: {what}");
            ExitCode::from(code)
        }
    }
}

fn exit_status_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(1);
        }
    }
    1
}

/// `awscred login`.
pub fn login(
    profile: Option<String>,
    sso_session: Option<String>,
    use_device_code: bool,
    no_browser: bool,
) -> Result<ExitCode, Error> {
    let env = env();
    let selected;
    let target = match &sso_session {
        Some(s) => LoginTarget::SsoSession(s),
        None => {
            selected = config::select_profile(&env, profile.as_deref());
            if profile.is_none() {
                nothing_selected(&env, &selected)?;
            }
            LoginTarget::Profile(&selected)
        }
    };
    let paths = config::config_paths(&env, config::Platform::current())?;
    crate::preflight::can_write(&paths.sso_cache, "save the SSO token")?;
    let mode = crate::browser::login_mode(&crate::browser::here(), use_device_code, no_browser);
    let mut terminal = Terminal::new(mode.open_browser);
    if let Some(note) = &mode.note {
        terminal.say(note);
    }
    let (outcome, start) = client(&env, profile.as_deref())?.login_resolving(
        &env,
        target,
        mode.device_code,
        &mut terminal,
    )?;
    drop(terminal);
    if start.region_derived {
        crate::region_update::record(&env, target, &start.region)?;
    }
    emit(&format!("{}\n", outcome.message()))?;
    Ok(ExitCode::SUCCESS)
}

/// With no `--profile`/`--sso-session`, and no profile the environment selects that exists:
/// an error listing the `[sso-session]`s there are and how to pick one.
fn nothing_selected(env: &Env, selected: &str) -> Result<(), Error> {
    let (paths, set) = load_config(env)?;
    if set.profile(selected).is_some() {
        return Ok(());
    }
    let file = paths.config.display();
    let chosen_by = if env.first(&["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]).is_some() {
        format!("the profile \"{selected}\" that AWS_PROFILE selects is not in {file}")
    } else {
        format!("no profile was given and {file} has no [default] profile")
    };
    let sessions: Vec<&str> = set.sso_sessions().map(|s| s.name()).collect();
    let pick = match sessions.as_slice() {
        [] if set.missing_config_file().is_some() => {
            format!(
                "{file} does not exist; add an [sso-session NAME] section to it (see `awscred login --help`)"
            )
        }
        [] => format!("{file} has no [sso-session] section; add one (see `awscred login --help`)"),
        [one] => format!(
            "run `awscred login --sso-session {one}`, or pick a profile with --profile NAME or AWS_PROFILE"
        ),
        many => format!(
            "pick one with `awscred login --sso-session NAME` ({}), or a profile with --profile NAME or AWS_PROFILE",
            many.join(", ")
        ),
    };
    Err(Error::Config(format!(
        "nothing to log in to: {chosen_by}; {pick}"
    )))
}

/// `awscred logout`: says what it did, on stdout.
/// `awscred login --login-session [PROFILE]`: a console login, like `aws login`.
pub fn login_console(
    target: String,
    profile: Option<String>,
    no_browser: bool,
    remote: bool,
) -> Result<ExitCode, Error> {
    let env = env();
    let profile = match (target.is_empty(), profile) {
        (false, _) => target,
        (true, Some(p)) => p,
        (true, None) => config::select_profile(&env, None),
    };
    // The same-device flow needs a browser on this machine; without one the URL is printed.
    let mode = crate::browser::login_mode(&crate::browser::here(), false, no_browser);
    let text = crate::console_sessions::login(&env, &profile, mode.open_browser, remote)?;
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `awscred logout --login-session [PROFILE]`: the console login of one profile, like
/// `aws logout`.
pub fn logout_console(profile: String) -> Result<ExitCode, Error> {
    let env = env();
    let (paths, set) = load_config(&env)?;
    let profile = if profile.is_empty() {
        config::select_profile(&env, None)
    } else {
        profile
    };
    let text = crate::console_sessions::logout_profile(&env, &set, &paths, &profile)?;
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn logout(sso_session: Option<String>, all: bool) -> Result<ExitCode, Error> {
    let env = env();
    let (paths, set) = load_config(&env)?;
    if all {
        let removed = crate::console_sessions::logout_all(&env, &paths)?;
        if removed > 0 {
            let s = if removed == 1 { "" } else { "s" };
            emit(&format!("Removed {removed} cached console login{s}.\n"))?;
        }
    }
    crate::preflight::can_remove_in(&paths.sso_cache, "remove cached SSO tokens")?;
    crate::preflight::can_remove_in(&paths.cli_cache, "remove cached credentials")?;
    let client = client(&env, None)?;
    let outcome = match &sso_session {
        Some(s) => client.logout_session(&env, s, &mut Terminal::new(false))?,
        None => client.logout(&env, &mut Terminal::new(false))?,
    };
    // A token file is named after its session (or legacy start URL): name it back.
    let mut names = std::collections::BTreeMap::new();
    for s in set.sso_sessions() {
        names.insert(
            awscred_core::token::token_file_name(s.name()),
            format!("[sso-session {}]", s.name()),
        );
    }
    for p in set.profiles() {
        if let (None, Some(url)) = (p.value("sso_session"), p.value("sso_start_url")) {
            names.insert(
                awscred_core::token::token_file_name(url),
                format!("start URL {url}"),
            );
        }
    }
    let mut text = String::new();
    let tokens: Vec<_> = outcome
        .files_removed
        .iter()
        .filter(|f| f.starts_with(&paths.sso_cache))
        .collect();
    if tokens.is_empty() {
        let which = match &sso_session {
            Some(s) => format!(" for [sso-session {s}]"),
            None => String::new(),
        };
        text.push_str(&format!(
            "No cached SSO token{which}: nothing to log out of.\n"
        ));
    }
    for f in &tokens {
        let file = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = names
            .get(&file)
            .cloned()
            .unwrap_or_else(|| "an SSO session not in the config".into());
        text.push_str(&format!("Logged out of {name}\n"));
    }
    for f in &outcome.files_removed {
        text.push_str(&format!("Removed {}\n", f.display()));
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `awscred accounts`.
pub fn accounts(
    profile: Option<String>,
    sso_session: Option<String>,
    output: Output,
) -> Result<ExitCode, Error> {
    let env = env();
    let client = client(&env, profile.as_deref())?;
    let target = match sso_session {
        Some(s) => TokenTarget::SsoSession(s),
        None => TokenTarget::Profile(profile),
    };
    let access = client.sso_access(&env, target, &mut Terminal::new(false))?;
    show_file_warnings(&access.file_warnings);
    let mut rows = Vec::new();
    for account in client.list_accounts(&access)? {
        let roles = client.list_roles(&access, &account.account_id)?;
        rows.push((account, roles));
    }
    match output {
        Output::Json => {
            let value: Vec<_> = rows
                .iter()
                .map(|(a, roles)| {
                    json!({
                        "accountId": a.account_id,
                        "accountName": a.account_name,
                        "emailAddress": a.email_address,
                        "roles": roles.iter().map(|r| r.role_name.clone()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            emit_json(&serde_json::Value::from(value))?;
        }
        Output::Table => {
            let mut table = vec![[
                "ACCOUNT".to_string(),
                "NAME".to_string(),
                "ROLE".to_string(),
            ]];
            for (a, roles) in &rows {
                let name = a.account_name.clone().unwrap_or_default();
                if roles.is_empty() {
                    table.push([a.account_id.clone(), name.clone(), "-".into()]);
                }
                for r in roles {
                    table.push([a.account_id.clone(), name.clone(), r.role_name.clone()]);
                }
            }
            print_table(&table)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The row `profiles` shows for the default chain (no `[default]` profile).
const DEFAULT_CHAIN: &str = "(default chain)";

/// `awscred profiles`.
pub fn profiles(output: Output) -> Result<ExitCode, Error> {
    let env = env();
    let (paths, set) = load_config(&env)?;
    let now = SystemTime::now();
    let mut entries = Vec::new();
    let mut warnings: Vec<String> = set.warnings.iter().map(|w| w.to_string()).collect();
    // Without a [default] profile, `credentials` with no --profile runs the default chain
    // (web identity, container, instance metadata): show where it would end.
    let mut names: Vec<(String, bool)> = set
        .profiles()
        .map(|s| (s.name().to_string(), false))
        .collect();
    if set.profile("default").is_none() {
        names.push(("default".to_string(), true));
    }
    for (name, chain_only) in names {
        let planned = if chain_only {
            config::default_plan(&set, &name, &env, now)
        } else {
            config::plan(&set, &name, &env, now)
        };
        let name = if chain_only {
            DEFAULT_CHAIN.to_string()
        } else {
            name
        };
        let (kind, detail, chain, region, error) = match planned {
            Ok(plan) => {
                warnings.extend(plan.warnings.iter().map(|w| w.to_string()));
                let (kind, detail) = describe(&plan.source);
                let chain: Vec<String> = plan.chain.iter().map(|s| s.role_arn.clone()).collect();
                let kind = if chain.is_empty() {
                    kind.to_string()
                } else {
                    format!("{kind} + role chain")
                };
                (kind, detail, chain, plan.region, None)
            }
            Err(e) => (
                "error".to_string(),
                String::new(),
                Vec::new(),
                None,
                Some(e.to_string()),
            ),
        };
        entries.push((name, kind, detail, chain, region, error));
    }
    warnings.sort();
    warnings.dedup();
    match output {
        Output::Json => {
            let row = |(name, kind, detail, chain, region, error): &(
                String,
                String,
                String,
                Vec<String>,
                Option<String>,
                Option<String>,
            )| {
                json!({
                    "profile": name, "resolvesThrough": kind, "source": detail,
                    "roleChain": chain, "region": region, "error": error,
                })
            };
            // The default chain is not a profile: its own member, present only without
            // a [default] profile.
            let (chain, profiles): (Vec<_>, Vec<_>) =
                entries.iter().partition(|e| e.0 == DEFAULT_CHAIN);
            let mut value = json!({
                "configFile": paths.config.display().to_string(),
                "credentialsFile": paths.credentials.display().to_string(),
                "profiles": profiles.into_iter().map(row).collect::<Vec<_>>(),
                "warnings": warnings,
            });
            if let Some(c) = chain.first() {
                value["defaultChain"] = row(c);
            }
            emit_json(&value)?;
        }
        Output::Table => {
            let mut table = vec![[
                "PROFILE".into(),
                "RESOLVES THROUGH".into(),
                "SOURCE".into(),
                "ROLE CHAIN".into(),
            ]];
            for (name, kind, detail, chain, _region, error) in &entries {
                let detail = error.clone().unwrap_or_else(|| detail.clone());
                let chain = if chain.is_empty() {
                    "-".to_string()
                } else {
                    chain.join(" -> ")
                };
                table.push([name.clone(), kind.clone(), detail, chain]);
            }
            print_table(&table)?;
            for w in &warnings {
                eprintln!("warning: {w}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(source: &Source) -> (&'static str, String) {
    match source {
        Source::Sso(s) => match &s.session_name {
            Some(session) => (
                "sso-session",
                format!("[sso-session {session}] {}/{}", s.account_id, s.role_name),
            ),
            None => (
                "legacy sso",
                format!("{} {}/{}", s.start_url, s.account_id, s.role_name),
            ),
        },
        Source::Static(c) => ("static keys", c.access_key_id().to_string()),
        Source::WebIdentity(w) => ("web identity", w.role_arn.clone()),
        Source::Process(p) => ("credential_process", p.command.clone()),
        Source::Imds(s) => ("instance metadata", s.endpoint.clone()),
        Source::Container(s) => ("container", s.uri.clone()),
        Source::LoginSession(l) => ("login session", l.login_session.clone()),
    }
}

pub(crate) fn print_table<const N: usize>(rows: &[[String; N]]) -> Result<(), Error> {
    let mut widths = [0usize; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    emit(&out)
}

/// Writes `text` to standard output. A closed or failing stdout (`awscred … | head`) is an
/// error to report, not a panic as `print!` would make it.
pub fn emit(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Io {
            path: "standard output".into(),
            message: e.to_string(),
        })
}

pub(crate) fn emit_json(value: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Io {
        path: "standard output".into(),
        message: format!("could not format JSON: {e}"),
    })?;
    emit(&format!("{text}\n"))
}

/// `awscred demo`.
#[cfg(feature = "demo")]
pub fn demo() -> Result<ExitCode, Error> {
    crate::demo::run()
}
