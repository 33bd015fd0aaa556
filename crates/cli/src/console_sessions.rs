//! Console login sessions (`login_session` profiles, `aws login`) in `status` and `logout`:
//! which profiles have one, what their cache file holds, and removing it like `aws logout`
//! (docs/login-session.md §6). Reading and deciding is the core's (`awscred_core::signin`);
//! this file only moves the bytes.

use std::path::PathBuf;
use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::config::{ConfigPaths, ConfigSet, Env, Platform};
use awscred_core::signin::{self, LoginToken};
use serde_json::json;

/// One `login_session` profile and its cache file.
pub(crate) struct LoginRow {
    profile: String,
    session: String,
    file: PathBuf,
    /// The credentials' expiry, `None` without a file, or why the file is unusable.
    state: Result<Option<SystemTime>, String>,
}

/// The login cache directory of `env`.
pub(crate) fn cache_dir(env: &Env, paths: &ConfigPaths) -> PathBuf {
    signin::cache_dir(env, &paths.home, Platform::current())
}

/// Every profile with a `login_session`, in config order.
pub(crate) fn rows(set: &ConfigSet, paths: &ConfigPaths, env: &Env) -> Vec<LoginRow> {
    let dir = cache_dir(env, paths);
    set.profiles()
        .filter_map(|p| {
            let session = p
                .value("login_session")
                .filter(|s| !s.is_empty())?
                .to_string();
            let file = dir.join(signin::cache_file_name(&session));
            let state = match awscred_files::read_if_present(&file) {
                Ok(None) => Ok(None),
                Err(e) => Err(e.to_string()),
                Ok(Some(bytes)) => LoginToken::parse(&bytes)
                    .map(|t| Some(t.expires_at()))
                    .map_err(|e| e.to_string()),
            };
            Some(LoginRow {
                profile: p.name().to_string(),
                session,
                file,
                state,
            })
        })
        .collect()
}

/// The `status` table of login sessions (header first).
pub(crate) fn table(
    rows: &[LoginRow],
    now: SystemTime,
    left: impl Fn(SystemTime) -> String,
) -> Vec<[String; 5]> {
    let mut table = vec![[
        "PROFILE".to_string(),
        "LOGIN SESSION".into(),
        "CREDENTIALS".into(),
        "EXPIRES".into(),
        "LEFT".into(),
    ]];
    for r in rows {
        let (state, expires, time_left) = match &r.state {
            Ok(None) => ("none".into(), "-".into(), "-".into()),
            Err(_) => ("unreadable".into(), "-".into(), "-".into()),
            Ok(Some(e)) if *e > now => (
                "cached".to_string(),
                awscred_core::time::format_z(*e),
                left(*e),
            ),
            // The refresh token outlives the credentials: the next use refreshes them.
            Ok(Some(e)) => (
                "refreshable".to_string(),
                awscred_core::time::format_z(*e),
                left(*e),
            ),
        };
        table.push([
            r.profile.clone(),
            r.session.clone(),
            state,
            expires,
            time_left,
        ]);
    }
    table
}

/// The `status --output json` entries.
pub(crate) fn json(rows: &[LoginRow]) -> serde_json::Value {
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            let mut v = json!({
                "profile": r.profile,
                "loginSession": r.session,
                "cacheFile": r.file.display().to_string(),
            });
            match &r.state {
                Ok(None) => v["credentials"] = json!("none"),
                Err(e) => {
                    v["credentials"] = json!("unreadable");
                    v["error"] = json!(e);
                }
                Ok(Some(e)) => {
                    v["credentials"] = json!("cached");
                    v["expiresAt"] = json!(awscred_core::time::format_z(*e));
                }
            }
            v
        })
        .collect();
    serde_json::Value::Array(rows)
}

fn io(path: &std::path::Path, e: &std::io::Error) -> Error {
    Error::io(path, e)
}

/// `logout --login-session [PROFILE]`: removes the profile's cache file. Returns what to print.
pub(crate) fn logout_profile(
    env: &Env,
    set: &ConfigSet,
    paths: &ConfigPaths,
    profile: &str,
) -> Result<String, Error> {
    let Some(session) = set
        .profile(profile)
        .and_then(|p| p.value("login_session"))
        .filter(|s| !s.is_empty())
    else {
        return Ok(format!(
            "warning: no login session found for profile '{profile}'\n"
        ));
    };
    let file = cache_dir(env, paths).join(signin::cache_file_name(session));
    awscred_files::remove_if_present(&file).map_err(|e| io(&file, &e))?;
    Ok(format!(
        "Removed the cached console login of profile '{profile}'. Tools that already loaded its \
         credentials may use them until they expire (at most 15 minutes).\n"
    ))
}

/// `logout --all`: removes every login session's file of the cache directory, and nothing else
/// there. Returns how many.
pub(crate) fn logout_all(env: &Env, paths: &ConfigPaths) -> Result<usize, Error> {
    let dir = cache_dir(env, paths);
    let files = match awscred_files::list_json(&dir) {
        Ok(f) => f,
        Err(e) => return Err(io(&dir, &e)),
    };
    let mut removed = 0;
    for file in files {
        let Ok(Some(bytes)) = awscred_files::read_if_present(&file) else {
            continue;
        };
        if signin::is_login_cache_file(&bytes) {
            awscred_files::remove_if_present(&file).map_err(|e| io(&file, &e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// `awscred login --login-session [PROFILE] [--remote]`: the console login (`aws login`),
/// same-device or, with `remote`, cross-device; writes the cache file and `login_session` into
/// the profile.
pub(crate) fn login(
    env: &Env,
    profile: &str,
    open_browser: bool,
    remote: bool,
) -> Result<String, Error> {
    use awscred_core::Service;
    use awscred_core::signin::{ConsoleLoginFlow, ConsoleLoginRequest};
    let (paths, set) = awscred_ureq::load_config(env)?;
    if let Some(p) = set.profile(profile) {
        // awscli `ensure_profile_does_not_have_existing_credentials`: those would win anyway.
        let other = [
            ("web_identity_token_file", "web identity"),
            ("sso_role_name", "SSO"),
            ("sso_account_id", "SSO"),
            ("aws_access_key_id", "access key"),
            ("role_arn", "assume role"),
            ("credential_process", "credential_process"),
        ];
        if let Some((_, kind)) = other.iter().find(|(k, _)| p.has(k)) {
            return Err(Error::Config(format!(
                "the profile \"{profile}\" already has {kind} credentials, which would win over a console \
                 login; log in for a new profile (`awscred login --login-session NEW`) or remove them"
            )));
        }
    }
    let cfg = awscred_core::config::endpoint_config(env, &set, profile, Service::Signin, None)?;
    if cfg.region.is_none() && cfg.url.is_none() {
        return Err(Error::Config(format!(
            "a console login needs a region: set `region` in the profile \"{profile}\" or AWS_REGION"
        )));
    }
    let endpoint = awscred_core::endpoint::resolve(Service::Signin, &cfg)?;
    let random = awscred_files::random::fresh::<128>().ok_or_else(|| {
        Error::Login("the operating system gave no random bytes for the login".into())
    })?;
    let request = ConsoleLoginRequest {
        endpoint,
        cache_dir: cache_dir(env, &paths),
        random,
    };
    let mut terminal = crate::terminal::Terminal::new(open_browser);
    terminal.profile = Some(profile.to_string());
    let flow = if remote {
        ConsoleLoginFlow::remote(request)
    } else {
        ConsoleLoginFlow::new(request)
    };
    let login = awscred_ureq::Client::default().run(flow, &mut terminal)?;
    set_login_session(&paths, &set, profile, &login.login_session)?;
    Ok(format!(
        "Updated profile {profile} to use {} credentials.\n",
        login.login_session
    ))
}

/// Writes `login_session = session` into `[profile NAME]` (`[default]`) of the config file:
/// the line replaced when there is one, else added to the section, else a new section.
fn set_login_session(
    paths: &ConfigPaths,
    set: &ConfigSet,
    profile: &str,
    session: &str,
) -> Result<(), Error> {
    let file = &paths.config;
    let text = match awscred_files::read_if_present(file).map_err(|e| io(file, &e))? {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => String::new(),
    };
    let in_config =
        |o: &&awscred_core::config::Origin| o.kind == awscred_core::config::FileKind::Config;
    let line = format!("login_session = {session}");
    let section = set.profile(profile);
    let existing = section
        .and_then(|p| p.origin("login_session"))
        .filter(in_config)
        .map(|o| o.line);
    let anchor = section.and_then(|p| {
        p.iter()
            .filter_map(|(k, _)| p.origin(k))
            .filter(in_config)
            .map(|o| o.line)
            .min()
    });
    let updated = match (existing, anchor) {
        (Some(n), _) => crate::region_update::with_line(&text, n, Some(n), &line),
        (None, Some(after)) => crate::region_update::with_line(&text, after, None, &line),
        (None, None) => {
            let header = if profile == "default" {
                "[default]".to_string()
            } else {
                format!("[profile {profile}]")
            };
            let mut t = text;
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(&format!("{header}\n{line}\n"));
            t
        }
    };
    awscred_files::write_private_atomic(file, updated.as_bytes()).map_err(|e| io(file, &e))
}
