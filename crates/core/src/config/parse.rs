//! The line syntax of the shared files (docs/config-files.md §3).
//!
//! Reads like the cross-SDK parser (inline ` #`/` ;` comments stripped, duplicates merged) but
//! accepts what the AWS CLI accepts (`key: value`, indented comment lines, an indented first
//! property), and records a [`Warning`] wherever the AWS CLI would read the file differently.
//! Section names and keys are not judged here; [`super::ConfigSet`] does that.

use std::fmt;

use super::{FileKind, Warning, is_secret_key};
use crate::Error;

/// One file, split into sections and properties, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// The file's name as the caller gave it.
    pub source: String,
    /// Config or credentials file.
    pub kind: FileKind,
    /// The sections in file order (duplicates kept apart).
    pub sections: Vec<RawSection>,
    /// What the AWS CLI would read differently.
    pub warnings: Vec<Warning>,
}

/// A `[header]` and the properties under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    /// The text between the brackets, trimmed (`profile foo`, `default`, `sso-session x`).
    pub header: String,
    /// The header's line.
    pub line: usize,
    /// Properties in file order.
    pub properties: Vec<RawProperty>,
}

/// One `key = value` (with its continuation lines joined by `\n`).
#[derive(Clone, PartialEq, Eq)]
pub struct RawProperty {
    /// The key, trimmed and lower-cased.
    pub key: String,
    /// The value, trimmed; continuation lines are appended as `\n` + the trimmed line, so a
    /// sub-property block reads `"\nname = value\nname2 = value2"`.
    pub value: String,
    /// The key's line.
    pub line: usize,
}

impl fmt::Debug for RawProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if is_secret_key(&self.key) {
            &"** redacted **"
        } else {
            &self.value
        };
        f.debug_struct("RawProperty")
            .field("key", &self.key)
            .field("value", value)
            .field("line", &self.line)
            .finish()
    }
}

/// Parses bytes: checks UTF-8 first, naming the line of the first bad byte.
pub fn parse_bytes(source_name: &str, bytes: &[u8], kind: FileKind) -> Result<ParsedFile, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(source_name, text, kind),
        Err(e) => {
            let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let line = 1 + good.iter().filter(|b| **b == b'\n').count();
            Err(Error::Config(format!(
                "{source_name}:{line}: the file is not valid UTF-8; save it as UTF-8 text"
            )))
        }
    }
}

/// What the parser is in the middle of.
enum Open {
    /// No property yet in this section (or none at all).
    Nothing,
    /// A property whose value may continue on indented lines.
    Value,
    /// A property with an empty value: indented lines are `name = value` sub-properties.
    SubProperties,
}

/// Parses the text of a config (`kind = Config`) or credentials file.
pub fn parse(source_name: &str, text: &str, kind: FileKind) -> Result<ParsedFile, Error> {
    let mut file = ParsedFile {
        source: source_name.to_string(),
        kind,
        sections: Vec::new(),
        warnings: Vec::new(),
    };
    let err = |line: usize, what: &str| Error::Config(format!("{source_name}:{line}: {what}"));
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            file.warnings.push(warning(source_name, 1, "the file starts with a byte-order mark, which the AWS CLI does not accept; save it as UTF-8 without BOM"));
            rest
        }
        None => text,
    };
    let mut open = Open::Nothing;
    for (index, raw) in text.lines().enumerate() {
        let n = index + 1;
        let trimmed = raw.trim();
        // Blank and full-line comment lines are skipped without ending a value, as in the CLI.
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented
            && let Some(prop) = file
                .sections
                .last_mut()
                .and_then(|s| s.properties.last_mut())
        {
            match open {
                Open::Value => {
                    prop.value.push('\n');
                    prop.value.push_str(trimmed);
                    continue;
                }
                Open::SubProperties => {
                    match trimmed.split_once('=') {
                        None => {
                            return Err(err(n, "Expected an '=' sign defining a sub-property"));
                        }
                        Some((name, _)) if name.trim().is_empty() => {
                            return Err(err(n, "Sub-property did not have a name"));
                        }
                        Some(_) => {}
                    }
                    prop.value.push('\n');
                    prop.value.push_str(trimmed);
                    continue;
                }
                Open::Nothing => {}
            }
        }
        if trimmed.starts_with('[') {
            file.sections
                .push(section_header(source_name, n, trimmed, &mut file.warnings)?);
            open = Open::Nothing;
            continue;
        }
        let Some(section) = file.sections.last_mut() else {
            return Err(err(
                n,
                "Expected a profile definition (a `[section]` line) before this line",
            ));
        };
        let Some(at) = trimmed.find(['=', ':']) else {
            return Err(if indented {
                err(
                    n,
                    "Expected a property definition, found continuation (an indented line with no property above it)",
                )
            } else {
                err(n, "Expected an '=' sign defining a property")
            });
        };
        let (name, rest) = (
            trimmed.get(..at).unwrap_or_default(),
            trimmed.get(at + 1..).unwrap_or_default(),
        );
        let key = name.trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(err(n, "Property did not have a name"));
        }
        if trimmed.as_bytes().get(at) == Some(&b':') {
            // Accepted like the AWS CLI; the Rust and Java SDKs would reject it.
            file.warnings.push(warning(source_name, n, format!("`{key}` uses `:` instead of `=`; the AWS CLI accepts this but some AWS SDKs reject the file")));
        }
        let value = match inline_comment(rest) {
            Some(cut) => {
                file.warnings.push(warning(source_name, n, format!("the AWS CLI keeps the inline comment in the value of `{key}`; awscred drops it. Move the comment to a line of its own")));
                rest.get(..cut).unwrap_or_default().trim()
            }
            None => rest.trim(),
        };
        open = if value.is_empty() {
            Open::SubProperties
        } else {
            Open::Value
        };
        section.properties.push(RawProperty {
            key,
            value: value.to_string(),
            line: n,
        });
    }
    Ok(file)
}

fn warning(file: &str, line: usize, message: impl Into<String>) -> Warning {
    Warning {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// `[name] # comment`: the header text, trimmed.
fn section_header(
    source: &str,
    n: usize,
    trimmed: &str,
    warnings: &mut Vec<Warning>,
) -> Result<RawSection, Error> {
    let Some(close) = trimmed.find(']') else {
        return Err(Error::Config(format!(
            "{source}:{n}: Profile definition must end with ']'"
        )));
    };
    let header = trimmed.get(1..close).unwrap_or_default().trim().to_string();
    let after = trimmed.get(close + 1..).unwrap_or_default().trim();
    if !after.is_empty() && !after.starts_with(['#', ';']) {
        warnings.push(warning(
            source,
            n,
            format!("text after `[{header}]` is ignored"),
        ));
    }
    Ok(RawSection {
        header,
        line: n,
        properties: Vec::new(),
    })
}

/// Byte offset of an inline comment: `#` or `;` preceded by whitespace.
fn inline_comment(rest: &str) -> Option<usize> {
    let mut previous_is_space = false;
    for (i, c) in rest.char_indices() {
        if (c == '#' || c == ';') && previous_is_space {
            return Some(i);
        }
        previous_is_space = c == ' ' || c == '\t';
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_comments_need_whitespace_before() {
        assert_eq!(inline_comment(" value # c"), Some(7));
        assert_eq!(inline_comment(" value#c"), None);
        assert_eq!(inline_comment("\tv\t;c"), Some(3));
        assert_eq!(inline_comment("# c"), None);
    }

    #[test]
    fn bad_utf8_names_the_line() {
        let e = parse_bytes("cfg", b"[default]\nregion = \xff\n", FileKind::Config).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cfg:2: the file is not valid UTF-8; save it as UTF-8 text"
        );
    }

    #[test]
    fn debug_redacts_secret_values() {
        let f = parse(
            "c",
            "[x]\naws_secret_access_key = SECRETVALUE\n",
            FileKind::Credentials,
        )
        .unwrap();
        let s = format!("{f:?}");
        assert!(!s.contains("SECRETVALUE"), "{s}");
    }
}
