//! `awscred configure populate`: a profile for every account and role of an SSO session,
//! written into `~/.aws/config` by the core's [`awscred_core::populate`] edit.

use std::process::ExitCode;

use awscred_core::Error;
use awscred_core::config::Env;
use awscred_core::populate::{self, EditRequest, Template};
use awscred_core::resolve::TokenTarget;
use awscred_ureq::{Client, load_config};

use crate::terminal::Terminal;

/// What `configure populate` was asked.
#[derive(Debug)]
pub struct Options {
    /// `--sso-session`.
    pub sso_session: String,
    /// `--template`.
    pub template: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--prune`.
    pub prune: bool,
    /// `--dry-run`.
    pub dry_run: bool,
}

/// `awscred configure populate`.
pub fn run(options: Options) -> Result<ExitCode, Error> {
    // Bad input is refused before any network call.
    let template = match &options.template {
        Some(t) => Template::parse(t)?,
        None => Template::default(),
    };
    if let Some(r) = &options.region
        && (r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(Error::InvalidInput(format!(
            "--region {r:?} is not a region name (like eu-west-1)"
        )));
    }
    let env = Env::from_pairs(std::env::vars());
    let (paths, set) = load_config(&env)?;
    let session = &options.sso_session;
    if set.sso_session(session).is_none() {
        let known: Vec<&str> = set.sso_sessions().map(|s| s.name()).collect();
        let which = if known.is_empty() {
            "it has no [sso-session] section; add one (see `awscred login --help`)".to_string()
        } else {
            format!("it has {}", known.join(", "))
        };
        return Err(Error::Config(format!(
            "{} has no [sso-session {session}]: {which}",
            paths.config.display()
        )));
    }
    let source = paths.config.display().to_string();
    let original = match awscred_files::read_if_present(&paths.config) {
        Ok(bytes) => String::from_utf8(bytes.unwrap_or_default()).map_err(|_| {
            Error::Config(format!(
                "{source}: the file is not valid UTF-8; save it as UTF-8 text"
            ))
        })?,
        Err(e) => {
            return Err(Error::Io {
                path: source,
                message: e.to_string(),
            });
        }
    };

    let client = Client::default();
    let access = client.sso_access(
        &env,
        TokenTarget::SsoSession(session.clone()),
        &mut Terminal::new(false),
    )?;
    let mut accounts = Vec::new();
    for account in client.list_accounts(&access)? {
        let roles = client.list_roles(&access, &account.account_id)?;
        accounts.push((account, roles));
    }
    let (profiles, mut collisions) = populate::plan(session, &template, &accounts);
    let request = EditRequest {
        session: session.clone(),
        region: options.region.clone(),
        prune: options.prune,
        profiles,
    };
    let edit = populate::edit(&source, &original, &request)?;
    collisions.extend(edit.collisions.iter().cloned());
    for c in &collisions {
        eprintln!("awscred: warning: {c}");
    }

    let mut summary = String::new();
    let line = |what: &str, names: &[String]| {
        if names.is_empty() {
            String::new()
        } else {
            format!("{what} ({}): {}\n", names.len(), names.join(", "))
        }
    };
    let verb = |done: &'static str, would: &'static str| if options.dry_run { would } else { done };
    summary.push_str(&line(verb("Added", "Would add"), &edit.added));
    summary.push_str(&line(verb("Updated", "Would update"), &edit.updated));
    summary.push_str(&line(verb("Removed", "Would remove"), &edit.removed));
    summary.push_str(&line("Unchanged", &edit.unchanged));
    if !edit.stale.is_empty() {
        summary.push_str(&line(
            "No longer assigned (kept; --prune removes them)",
            &edit.stale,
        ));
    }

    if options.dry_run {
        let diff = populate::unified_diff(&original, &edit.text, &source, &source);
        if diff.is_empty() {
            eprintln!("awscred: {source} would not change");
        }
        crate::commands::emit(&diff)?;
        eprint!("{summary}");
        return Ok(ExitCode::SUCCESS);
    }
    if edit.changed(&original) {
        if let Some(dir) = paths.config.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        awscred_files::write_private_atomic(&paths.config, edit.text.as_bytes()).map_err(|e| {
            Error::Io {
                path: source.clone(),
                message: format!("{e}; nothing was changed"),
            }
        })?;
    } else {
        summary.push_str(&format!("{source} is up to date\n"));
    }
    crate::commands::emit(&summary)?;
    Ok(ExitCode::SUCCESS)
}
