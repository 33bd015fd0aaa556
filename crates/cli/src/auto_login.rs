//! `credentials --login`, `exec --login` and `awscred_auto_login = true`: log in when the SSO
//! session is missing or expired, then resolve again.
//!
//! Many processes may find the session expired at once (a build running `aws` in parallel, each
//! through `credential_process`). They queue on one lock file per session: the first logs in,
//! each of the others, once it holds the lock, resolves again and finds the new token, so exactly
//! one login happens. A login only starts where a person can see it: with a terminal.

use std::path::PathBuf;

use awscred_core::Error;
use awscred_core::config::{self, Env, LoginTarget};
use awscred_core::resolve::Resolved;
use awscred_files::FileLock;
use awscred_ureq::load_config;

use crate::terminal::Terminal;

/// The profile key that turns the login on for one profile.
pub const PROFILE_KEY: &str = "awscred_auto_login";

/// Whether `profile` sets `awscred_auto_login = true`.
pub fn enabled_for(env: &Env, profile: &str) -> bool {
    load_config(env).is_ok_and(|(_, set)| {
        set.profile(profile)
            .and_then(|p| p.value(PROFILE_KEY))
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    })
}

/// Logs in to the session `profile` resolves through — unless another process did while this
/// one waited for the lock — and returns what `resolve` gives afterwards. `needed` is the
/// error that brought us here, returned as is when nobody can watch a login.
pub fn login_once(
    env: &Env,
    profile: &str,
    needed: Error,
    resolve: impl Fn() -> Result<Resolved, Error>,
) -> Result<Resolved, Error> {
    if !someone_is_watching() {
        return Err(needed);
    }
    let lock_path = lock_path(env, profile)?;
    crate::preflight::can_write(
        lock_path.parent().unwrap_or(std::path::Path::new(".")),
        "save the SSO token",
    )?;
    let _lock = FileLock::acquire(&lock_path).map_err(|e| Error::Io {
        path: lock_path.display().to_string(),
        message: e.to_string(),
    })?;
    // Someone may have logged in while we waited.
    match resolve() {
        Err(Error::LoginNeeded { .. }) => {}
        other => return other,
    }
    let mode = crate::browser::login_mode(&crate::browser::here(), false, false);
    let mut terminal = Terminal::new(mode.open_browser);
    terminal.say(&format!(
        "awscred: the SSO session of profile {profile} needs a login; starting it"
    ));
    if let Some(note) = &mode.note {
        terminal.say(note);
    }
    let outcome = crate::commands::client(env, Some(profile))?.login(
        env,
        LoginTarget::Profile(profile),
        mode.device_code,
        &mut terminal,
    )?;
    terminal.say(&format!("awscred: {}", outcome.message()));
    drop(terminal);
    resolve()
}

/// A login asks a person to approve it: only start one with a terminal to show it on.
fn someone_is_watching() -> bool {
    crate::tty::Console::open().is_terminal()
}

/// `~/.aws/sso/cache/<token file>.login.lock`: one per session (or legacy start URL), apart
/// from the refresh lock the resolver itself takes.
fn lock_path(env: &Env, profile: &str) -> Result<PathBuf, Error> {
    let (paths, set) = load_config(env)?;
    let login = config::sso_login_config(&set, LoginTarget::Profile(profile))?;
    let key = login.session_name.as_deref().unwrap_or(&login.start_url);
    let mut name = awscred_core::token::token_file_name(key);
    name.push_str(".login.lock");
    Ok(paths.sso_cache.join(name))
}
