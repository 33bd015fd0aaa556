//! The shared config and credentials files (docs/config-files.md): where they are, how they parse, how the two
//! merge, and how one profile becomes a [`Plan`] of calls that end in credentials.
//!
//! Nothing here touches the disk or the process environment: the caller reads the files and
//! snapshots the environment into an [`Env`], then hands both in.
//!
//! * [`parse`] — the line syntax (every error names the file and line).
//! * [`ConfigSet`] — both files merged: profiles, `[sso-session]`s and `[services]` sections.
//! * [`config_paths`], [`select_profile`], [`select_region`], [`endpoint_config`] — what the
//!   environment selects.
//! * [`plan`], [`sso_login_config`] — a profile resolved into what must be called.

mod env;
mod files;
mod metadata;
mod parse;
mod plan;
mod provenance;
mod select;
mod sso;

use std::fmt;

pub use env::{ConfigPaths, Env, Platform, config_paths, env_credentials};
pub use files::{ConfigSet, Section, load_files};
pub use metadata::{container_settings, imds_settings};
pub use parse::{ParsedFile, RawProperty, RawSection, parse, parse_bytes};
pub use plan::{
    LoginSessionSource, PassedOver, Plan, ProcessSource, RoleStep, Source, WebIdentitySource,
    default_plan, plan,
};
pub use provenance::ValueSource;
pub use select::{endpoint_config, select_profile, select_region};
pub use sso::{
    LoginTarget, SsoLogin, SsoSource, login_start_url, sso_login_config, sso_login_config_with,
};

/// Which of the two shared files a text came from; they name sections differently (docs/config-files.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `~/.aws/config`: `[default]`, `[profile NAME]`, `[sso-session NAME]`, `[services NAME]`.
    Config,
    /// `~/.aws/credentials`: every `[NAME]` is a profile.
    Credentials,
}

/// Where a value was set, so that messages can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's name as the caller gave it (usually its path).
    pub file: String,
    /// Which kind of file.
    pub kind: FileKind,
    /// 1-based line number.
    pub line: usize,
}

/// Something awscred read differently from the AWS CLI, or a setting it ignored. Worth showing
/// to the user, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file's name as the caller gave it.
    pub file: String,
    /// 1-based line number (0 when the warning is about the whole file).
    pub line: usize,
    /// What differs and what to do about it. Never contains a value, only key names.
    pub message: String,
}

impl Warning {
    pub(crate) fn at(origin: &Origin, message: impl Into<String>) -> Self {
        Warning {
            file: origin.file.clone(),
            line: origin.line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Keys whose values are secrets: never printed, not even in `Debug`.
pub(crate) fn is_secret_key(key: &str) -> bool {
    matches!(
        key,
        "aws_secret_access_key" | "aws_session_token" | "aws_security_token"
    )
}
