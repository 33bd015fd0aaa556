//! `awscred status`: what is cached, for how long, and what can refresh — from local files only
//! (no network call, no login), for every SSO session and legacy start URL of the config and
//! every cached role credential of the AWS CLI's cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use awscred_core::Error;
use awscred_core::cli_cache::{self, AssumeRoleKeyInput, SsoKeyPart};
use awscred_core::config::{self, ConfigPaths, ConfigSet, Env, Source};
use awscred_core::token::{CachedToken, token_file_name};
use serde_json::json;

use crate::Output;
use crate::commands::{emit_json, print_table};

/// One SSO session or legacy start URL and its cached token.
struct TokenRow {
    /// `[sso-session NAME]` name, or `None` for a legacy start URL.
    session: Option<String>,
    start_url: String,
    file: PathBuf,
    token: TokenState,
}

enum TokenState {
    Missing,
    Unreadable(String),
    Cached {
        expires_at: SystemTime,
        can_refresh: bool,
    },
}

/// One cached role credential.
struct CredentialRow {
    profiles: Vec<String>,
    kind: &'static str,
    file: PathBuf,
    expires_at: Option<SystemTime>,
    error: Option<String>,
}

/// `awscred status`.
pub fn run(output: Output) -> Result<ExitCode, Error> {
    let env = Env::from_pairs(std::env::vars());
    let (paths, set) = awscred_ureq::load_config(&env)?;
    let now = SystemTime::now();
    let tokens = token_rows(&set, &paths, now);
    let credentials = credential_rows(&set, &paths, &env, now);
    let logins = crate::console_sessions::rows(&set, &paths, &env);
    match output {
        Output::Json => {
            let mut v = to_json(&tokens, &credentials, now);
            v["loginSessions"] = crate::console_sessions::json(&logins);
            emit_json(&v)?
        }
        Output::Table => {
            print_tables(&tokens, &credentials, now)?;
            if !logins.is_empty() {
                crate::commands::emit("\n")?;
                print_table(&crate::console_sessions::table(&logins, now, |e| {
                    left(e, now)
                }))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    awscred_files::read_if_present(path).map_err(|e| e.to_string())
}

fn token_rows(set: &ConfigSet, paths: &ConfigPaths, now: SystemTime) -> Vec<TokenRow> {
    let mut rows = Vec::new();
    for s in set.sso_sessions() {
        let start_url = s.value("sso_start_url").unwrap_or_default().to_string();
        rows.push((
            Some(s.name().to_string()),
            start_url,
            token_file_name(s.name()),
        ));
    }
    let mut legacy: Vec<String> = set
        .profiles()
        .filter(|p| !p.has("sso_session"))
        .filter_map(|p| p.value("sso_start_url").map(str::to_string))
        .collect();
    legacy.sort();
    legacy.dedup();
    for url in legacy {
        let file = token_file_name(&url);
        rows.push((None, url, file));
    }
    rows.into_iter()
        .map(|(session, start_url, file)| {
            let file = paths.sso_cache.join(file);
            let token = match read(&file) {
                Ok(None) => TokenState::Missing,
                Err(e) => TokenState::Unreadable(e),
                Ok(Some(bytes)) => match CachedToken::parse(&bytes) {
                    Ok(t) => TokenState::Cached {
                        expires_at: t.expires_at,
                        can_refresh: t.can_refresh(now),
                    },
                    Err(e) => TokenState::Unreadable(e.to_string()),
                },
            };
            TokenRow {
                session,
                start_url,
                file,
                token,
            }
        })
        .collect()
}

/// The cache file name each profile's credentials would be cached under, for naming entries.
fn profiles_by_cache_file(
    set: &ConfigSet,
    env: &Env,
    now: SystemTime,
) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in set.profiles() {
        let Ok(plan) = config::plan(set, p.name(), env, now) else {
            continue;
        };
        let key = match (plan.chain.last(), &plan.source) {
            (Some(step), _) => cli_cache::assume_role_cache_key(&AssumeRoleKeyInput {
                role_arn: &step.role_arn,
                role_session_name: step.role_session_name.as_deref(),
                external_id: step.external_id.as_deref(),
                serial_number: step.mfa_serial.as_deref(),
                duration_seconds: step.duration_seconds,
                policy: None,
            })
            .ok(),
            (None, Source::Sso(sso)) => {
                let part = match &sso.session_name {
                    Some(s) => SsoKeyPart::SessionName(s),
                    None => SsoKeyPart::StartUrl(&sso.start_url),
                };
                Some(cli_cache::sso_cache_key(
                    &sso.account_id,
                    &sso.role_name,
                    part,
                ))
            }
            _ => None,
        };
        if let Some(key) = key {
            map.entry(cli_cache::cache_file_name(&key))
                .or_default()
                .push(p.name().to_string());
        }
    }
    map
}

fn credential_rows(
    set: &ConfigSet,
    paths: &ConfigPaths,
    env: &Env,
    now: SystemTime,
) -> Vec<CredentialRow> {
    let names = profiles_by_cache_file(set, env, now);
    let Ok(files) = awscred_files::list_json(&paths.cli_cache) else {
        return Vec::new();
    };
    let mut rows: Vec<CredentialRow> = files
        .into_iter()
        .filter_map(|file| {
            let bytes = read(&file).ok()??;
            let name = file.file_name()?.to_string_lossy().into_owned();
            let kind = if cli_cache::is_sso_entry(&bytes) {
                "sso role"
            } else {
                "assumed role"
            };
            let (expires_at, error) = match cli_cache::parse_entry(&bytes) {
                Ok(c) => (c.expiry(), None),
                Err(e) => (None, Some(e.to_string())),
            };
            Some(CredentialRow {
                profiles: names.get(&name).cloned().unwrap_or_default(),
                kind,
                file,
                expires_at,
                error,
            })
        })
        .collect();
    rows.sort_by(|a, b| (&a.profiles, &a.file).cmp(&(&b.profiles, &b.file)));
    rows
}

/// `2h05m`, `45m`, `30s`; `expired 5m ago` in the past.
fn left(expires_at: SystemTime, now: SystemTime) -> String {
    fn short(secs: u64) -> String {
        let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
        match (h, m) {
            (0, 0) => format!("{s}s"),
            (0, m) => format!("{m}m"),
            (h, m) => format!("{h}h{m:02}m"),
        }
    }
    match expires_at.duration_since(now) {
        Ok(d) => short(d.as_secs()),
        Err(e) => format!("expired {} ago", short(e.duration().as_secs())),
    }
}

fn seconds_left(expires_at: SystemTime, now: SystemTime) -> i64 {
    match expires_at.duration_since(now) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn print_tables(
    tokens: &[TokenRow],
    credentials: &[CredentialRow],
    now: SystemTime,
) -> Result<(), Error> {
    let mut table = vec![[
        "SSO SESSION".to_string(),
        "START URL".into(),
        "TOKEN".into(),
        "EXPIRES".into(),
        "LEFT".into(),
        "CAN REFRESH".into(),
    ]];
    for r in tokens {
        let name = r.session.clone().unwrap_or_else(|| "(legacy)".into());
        let (token, expires, time_left, refresh) = match &r.token {
            TokenState::Missing => ("none".into(), "-".into(), "-".into(), "-".into()),
            TokenState::Unreadable(_) => ("unreadable".into(), "-".into(), "-".into(), "-".into()),
            TokenState::Cached {
                expires_at,
                can_refresh,
            } => (
                "cached".to_string(),
                awscred_core::time::format_z(*expires_at),
                left(*expires_at, now),
                if *can_refresh { "yes" } else { "no" }.to_string(),
            ),
        };
        table.push([
            name,
            r.start_url.clone(),
            token,
            expires,
            time_left,
            refresh,
        ]);
    }
    if tokens.is_empty() {
        table.push([
            "-".into(),
            "no SSO session in the config".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]);
    }
    print_table(&table)?;
    crate::commands::emit("\n")?;
    let mut table = vec![[
        "PROFILE".to_string(),
        "CREDENTIALS".into(),
        "EXPIRES".into(),
        "LEFT".into(),
    ]];
    for r in credentials {
        let profile = if r.profiles.is_empty() {
            "(not in the config)".to_string()
        } else {
            r.profiles.join(", ")
        };
        let (expires, time_left) = match r.expires_at {
            Some(e) => (awscred_core::time::format_z(e), left(e, now)),
            None => ("-".into(), "unreadable".into()),
        };
        table.push([profile, r.kind.to_string(), expires, time_left]);
    }
    if credentials.is_empty() {
        table.push([
            "-".into(),
            "no cached role credentials".into(),
            "-".into(),
            "-".into(),
        ]);
    }
    print_table(&table)
}

fn to_json(
    tokens: &[TokenRow],
    credentials: &[CredentialRow],
    now: SystemTime,
) -> serde_json::Value {
    let tokens: Vec<_> = tokens
        .iter()
        .map(|r| {
            let mut v = json!({
                "ssoSession": r.session,
                "startUrl": r.start_url,
                "tokenFile": r.file.display().to_string(),
            });
            match &r.token {
                TokenState::Missing => v["token"] = json!("none"),
                TokenState::Unreadable(e) => {
                    v["token"] = json!("unreadable");
                    v["error"] = json!(e);
                }
                TokenState::Cached {
                    expires_at,
                    can_refresh,
                } => {
                    v["token"] = json!("cached");
                    v["expiresAt"] = json!(awscred_core::time::format_z(*expires_at));
                    v["secondsLeft"] = json!(seconds_left(*expires_at, now));
                    v["canRefresh"] = json!(can_refresh);
                }
            }
            v
        })
        .collect();
    let credentials: Vec<_> = credentials
        .iter()
        .map(|r| {
            json!({
                "profiles": r.profiles,
                "kind": r.kind,
                "file": r.file.display().to_string(),
                "expiresAt": r.expires_at.map(awscred_core::time::format_z),
                "secondsLeft": r.expires_at.map(|e| seconds_left(e, now)),
                "error": r.error,
            })
        })
        .collect();
    json!({ "ssoSessions": tokens, "roleCredentials": credentials })
}
