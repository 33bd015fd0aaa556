//! Where a value came from, for error messages: the variable that set it, or the file, line,
//! section and key. The README promises that a bad value is named where it can be fixed.

use super::FileKind;
use super::files::Section;
use crate::Error;

/// Where one setting was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// An environment variable, by name.
    Env(String),
    /// A key of a config or credentials file section.
    File {
        /// `file:line`.
        at: String,
        /// `[profile dev]`, `[sso-session s]`, `[services x]` or `[dev]` (credentials file).
        section: String,
        /// The key, possibly nested (`sso.endpoint_url`).
        key: String,
    },
}

impl ValueSource {
    /// The source of `key` in `section`, whose header reads `[<prefix><name>]` in the config
    /// file (`prefix` is `profile `, `sso-session `, `services ` or empty).
    pub(crate) fn key(section: &Section, prefix: &str, key: &str) -> Option<ValueSource> {
        let origin = section.origin(key)?;
        let header = match origin.kind {
            FileKind::Credentials => format!("[{}]", section.name()),
            FileKind::Config if prefix == "profile " && section.name() == "default" => {
                "[default]".to_string()
            }
            FileKind::Config => format!("[{prefix}{}]", section.name()),
        };
        Some(ValueSource::File {
            at: format!("{}:{}", origin.file, origin.line),
            section: header,
            key: key.to_string(),
        })
    }

    /// The same place, for a sub-key written under `key` (`sso =` then `  endpoint_url = …`).
    pub(crate) fn nested(self, sub_key: &str) -> ValueSource {
        match self {
            ValueSource::File { at, section, key } => ValueSource::File {
                at,
                section,
                key: format!("{key}.{sub_key}"),
            },
            other => other,
        }
    }

    /// `problem` (the message of the check that failed) prefixed with this place, and what to
    /// do: a configuration error.
    pub fn error(&self, problem: &Error) -> Error {
        let problem = match problem {
            Error::InvalidInput(m) | Error::Config(m) => m.clone(),
            other => other.to_string(),
        };
        Error::Config(match self {
            ValueSource::Env(name) => {
                format!("{name} (environment variable): {problem}; fix or unset {name}")
            }
            ValueSource::File { at, section, key } => {
                format!("{at}: `{key}` in {section}: {problem}; fix it in that file")
            }
        })
    }
}
