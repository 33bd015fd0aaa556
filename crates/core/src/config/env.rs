//! The environment snapshot, file locations (docs/config-files.md §1, docs/token-cache.md §1) and credentials from env vars.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::{Credentials, Error};

/// A snapshot of environment variables, taken by the caller (the core never reads the process
/// environment). Empty values count as unset, as the AWS SDKs treat them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// An environment from `(name, value)` pairs, e.g. `Env::from_pairs(std::env::vars())`.
    pub fn from_pairs<I, K, V>(pairs: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `name`, unless unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of `name` as set, even when empty: for the settings where an empty value means
    /// something (an empty `AWS_CA_BUNDLE` is an error; an empty `https_proxy` hides `HTTPS_PROXY`).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The first of `names` that is set.
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.get(n))
    }

    /// A boolean setting: `Some(true)` for `true` in any case, `Some(false)` for anything else
    /// that is set (botocore's `ensure_boolean`), `None` when unset.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.get(name)
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Environments carry secrets (AWS_SECRET_ACCESS_KEY, tokens…): show names only.
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

/// Which platform's rules for the home directory and path separators apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux, macOS and other Unix: `$HOME`, `/`.
    Unix,
    /// Windows: `%HOME%`, `%USERPROFILE%`, `%HOMEDRIVE%%HOMEPATH%`, `\`.
    Windows,
}

impl Platform {
    /// The platform this was compiled for.
    pub fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }

    pub(crate) fn separator(self) -> char {
        match self {
            Platform::Unix => '/',
            Platform::Windows => '\\',
        }
    }
}

/// Where the shared files and caches are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// `AWS_CONFIG_FILE` or `~/.aws/config`.
    pub config: PathBuf,
    /// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    pub credentials: PathBuf,
    /// The home directory.
    pub home: PathBuf,
    /// `~/.aws/sso/cache`: SSO tokens and client registrations (not configurable, docs/token-cache.md §1).
    pub sso_cache: PathBuf,
    /// `~/.aws/cli/cache`: the AWS CLI's role-credential cache (docs/cli-cache-and-credential-process.md §1).
    pub cli_cache: PathBuf,
}

/// The file locations for `env` on `platform` (cross-SDK file-location tests): home is `HOME`,
/// then on Windows `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`; a leading `~` in
/// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` is the home directory.
pub fn config_paths(env: &Env, platform: Platform) -> Result<ConfigPaths, Error> {
    let home = home_dir(env, platform).ok_or_else(|| {
        Error::Config(match platform {
            Platform::Unix => "cannot find the home directory: set HOME".to_string(),
            Platform::Windows => {
                "cannot find the home directory: set HOME or USERPROFILE".to_string()
            }
        })
    })?;
    let sep = platform.separator();
    let under_home = |parts: &[&str]| {
        // A trailing separator is dropped so that HOME=/ gives /.aws/… and not //.aws/….
        let mut p = home.trim_end_matches(['/', '\\']).to_string();
        for part in parts {
            p.push(sep);
            p.push_str(part);
        }
        PathBuf::from(p)
    };
    let expand = |v: &str| -> PathBuf {
        match v.strip_prefix('~') {
            Some("") => PathBuf::from(&home),
            Some(rest) if rest.starts_with(['/', '\\']) => {
                PathBuf::from(format!("{}{rest}", home.trim_end_matches(['/', '\\'])))
            }
            _ => PathBuf::from(v),
        }
    };
    Ok(ConfigPaths {
        config: env
            .get("AWS_CONFIG_FILE")
            .map(expand)
            .unwrap_or_else(|| under_home(&[".aws", "config"])),
        credentials: env
            .get("AWS_SHARED_CREDENTIALS_FILE")
            .map(expand)
            .unwrap_or_else(|| under_home(&[".aws", "credentials"])),
        sso_cache: under_home(&[".aws", "sso", "cache"]),
        cli_cache: under_home(&[".aws", "cli", "cache"]),
        home: PathBuf::from(home),
    })
}

fn home_dir(env: &Env, platform: Platform) -> Option<String> {
    if let Some(h) = env.get("HOME") {
        return Some(h.to_string());
    }
    if platform == Platform::Windows {
        if let Some(h) = env.get("USERPROFILE") {
            return Some(h.to_string());
        }
        if let (Some(drive), Some(path)) = (env.get("HOMEDRIVE"), env.get("HOMEPATH")) {
            return Some(format!("{drive}{path}"));
        }
    }
    None
}

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (or
/// `AWS_SECURITY_TOKEN`), `AWS_CREDENTIAL_EXPIRATION` and `AWS_ACCOUNT_ID`, as botocore's
/// environment provider reads them. `None` when no access key is set.
pub fn env_credentials(env: &Env) -> Result<Option<Credentials>, Error> {
    let Some(access_key) = env.get("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let Some(secret) = env.get("AWS_SECRET_ACCESS_KEY") else {
        return Err(Error::Config(
            "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY (AWS_ACCESS_KEY_ID is set)".into(),
        ));
    };
    let expiry = match env.get("AWS_CREDENTIAL_EXPIRATION") {
        None => None,
        Some(text) => Some(crate::time::parse(text).ok_or_else(|| {
            Error::Config(format!(
                "AWS_CREDENTIAL_EXPIRATION `{text}` is not an ISO 8601 time such as 2026-11-22T10:00:00Z"
            ))
        })?),
    };
    let token = env
        .first(&["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"])
        .map(str::to_string);
    Ok(Some(
        Credentials::new(access_key, secret, token, expiry)
            .with_account_id(env.get("AWS_ACCOUNT_ID").map(str::to_string)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_home_and_tilde() {
        let env = Env::from_pairs([("HOME", "/"), ("AWS_CONFIG_FILE", "~/cfg")]);
        let p = config_paths(&env, Platform::Unix).unwrap();
        assert_eq!(p.credentials, PathBuf::from("/.aws/credentials"));
        assert_eq!(p.config, PathBuf::from("/cfg"));
        let env = Env::from_pairs([("HOME", "/home/u/"), ("AWS_CONFIG_FILE", "~/cfg")]);
        let p = config_paths(&env, Platform::Unix).unwrap();
        assert_eq!(p.config, PathBuf::from("/home/u/cfg"));
        assert_eq!(p.sso_cache, PathBuf::from("/home/u/.aws/sso/cache"));
        assert_eq!(p.cli_cache, PathBuf::from("/home/u/.aws/cli/cache"));
    }

    #[test]
    fn missing_home_is_an_error() {
        let e =
            config_paths(&Env::from_pairs([("USERPROFILE", "C:\\u")]), Platform::Unix).unwrap_err();
        assert_eq!(e.to_string(), "cannot find the home directory: set HOME");
    }

    #[test]
    fn debug_shows_names_only() {
        let env = Env::from_pairs([("AWS_SECRET_ACCESS_KEY", "SECRETVALUE")]);
        assert!(!format!("{env:?}").contains("SECRETVALUE"));
    }
}
