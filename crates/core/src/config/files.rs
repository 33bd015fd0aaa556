//! Both shared files merged into profiles, `[sso-session]`s and `[services]` (docs/config-files.md §1, §2).

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::fmt;
use std::sync::{Arc, OnceLock};

use super::parse::{ParsedFile, RawProperty, RawSection, parse_bytes};
use super::{FileKind, Origin, Warning, is_secret_key};
use crate::Error;

/// One profile, `[sso-session]` or `[services]` section after merging: key → value (+ where it
/// was set). Keys are lower-case. `Debug` redacts secret keys.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Section {
    name: String,
    values: BTreeMap<String, Entry>,
}

/// One value and where it was set.
#[derive(Clone)]
struct Entry {
    value: String,
    /// The file's name, one allocation per file rather than per value.
    file: Arc<str>,
    kind: FileKind,
    line: usize,
    /// The [`Origin`] [`Section::origin`] hands out, built on first use: few values are ever
    /// asked where they came from, and building one copies the file name.
    origin: OnceLock<Origin>,
}

impl Entry {
    fn origin(&self) -> &Origin {
        self.origin.get_or_init(|| Origin {
            file: self.file.to_string(),
            kind: self.kind,
            line: self.line,
        })
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        // The cached origin is derived from the other fields.
        self.value == other.value
            && self.file == other.file
            && self.kind == other.kind
            && self.line == other.line
    }
}

impl Eq for Entry {}

impl Section {
    /// The profile, session or services name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw value of `key` (lower-case), possibly empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|e| e.value.as_str())
    }

    /// The value of `key` when it is set to something non-empty. Empty values count as unset,
    /// as botocore's truthiness checks treat them.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// Whether `key` is set to something non-empty.
    pub fn has(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// Where `key` was set.
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.values.get(key).map(Entry::origin)
    }

    /// All keys and raw values, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .map(|(k, e)| (k.as_str(), e.value.as_str()))
    }

    /// The sub-properties of `key` (`s3 =` followed by indented `name = value` lines), keys and
    /// values trimmed, keys as written. `None` when `key` is unset or has a plain value.
    pub fn sub_properties(&self, key: &str) -> Option<BTreeMap<String, String>> {
        let raw = self.get(key)?;
        let block = raw.strip_prefix('\n')?;
        let mut out = BTreeMap::new();
        for line in block.lines() {
            if let Some((name, value)) = line.split_once('=') {
                out.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
        Some(out)
    }

    fn set(&mut self, key: String, entry: Entry) {
        self.values.insert(key, entry);
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, e) in &self.values {
            if is_secret_key(k) {
                m.entry(k, &"** redacted **");
            } else {
                m.entry(k, &e.value);
            }
        }
        m.finish()
    }
}

/// The config and credentials files merged: credentials-file values win key by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSet {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
    /// What the AWS CLI would read differently, in file order (config file first).
    pub warnings: Vec<Warning>,
    /// The config file's name when [`load_files`] found no config file, for messages.
    missing_config: Option<String>,
}

impl ConfigSet {
    /// Parses and merges the two files, each given as (name for messages, bytes). A missing
    /// file is `None` — not an error, as for the AWS CLI.
    pub fn load(
        config: Option<(&str, &[u8])>,
        credentials: Option<(&str, &[u8])>,
    ) -> Result<ConfigSet, Error> {
        let config = config
            .map(|(name, bytes)| parse_bytes(name, bytes, FileKind::Config))
            .transpose()?;
        let credentials = credentials
            .map(|(name, bytes)| parse_bytes(name, bytes, FileKind::Credentials))
            .transpose()?;
        Ok(ConfigSet::from_parsed(config, credentials))
    }

    /// Merges two already parsed files.
    pub fn from_parsed(config: Option<ParsedFile>, credentials: Option<ParsedFile>) -> ConfigSet {
        let mut set = ConfigSet::default();
        if let Some(file) = config {
            set.add_config(file);
        }
        if let Some(file) = credentials {
            set.add_credentials(file);
        }
        set
    }

    /// The merged profile `name`.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// The `[sso-session name]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// The `[services name]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// All profiles, by name.
    pub fn profiles(&self) -> impl Iterator<Item = &Section> {
        self.profiles.values()
    }

    /// The config file's path when [`load_files`] was told it does not exist.
    pub fn missing_config_file(&self) -> Option<&str> {
        self.missing_config.as_deref()
    }

    /// All `[sso-session]` sections, by name.
    pub fn sso_sessions(&self) -> impl Iterator<Item = &Section> {
        self.sso_sessions.values()
    }

    /// Adds the parser's warnings to the merge's for the same file, in line order (warnings about
    /// the whole file last).
    fn take_parse_warnings(&mut self, source: &str, warnings: Vec<Warning>) {
        let start = self
            .warnings
            .iter()
            .rposition(|w| w.file != source)
            .map_or(0, |i| i + 1);
        self.warnings.extend(warnings);
        if let Some(tail) = self.warnings.get_mut(start..) {
            tail.sort_by_key(|w| if w.line == 0 { usize::MAX } else { w.line });
        }
    }

    fn add_config(&mut self, file: ParsedFile) {
        let (file, sections, properties) = Consumed::split(file);
        let mut plain_default: Option<Section> = None;
        let mut has_prefixed_default = false;
        let mut fresh = FileSections::default();
        let mut seen = SeenHeaders::default();
        for (raw, properties) in sections.iter().zip(properties) {
            let header = raw.header.as_str();
            let (map, name) = if header == "default" {
                let section = plain_default.get_or_insert_with(|| named("default"));
                seen.note(&file, raw, &mut self.warnings);
                file.fill(section, raw, properties, &mut self.warnings);
                continue;
            } else if let Some(name) = prefixed(header, "profile") {
                has_prefixed_default |= name == "default";
                (&mut fresh.profiles, name)
            } else if let Some(name) = prefixed(header, "sso-session") {
                (&mut fresh.sso_sessions, name)
            } else if let Some(name) = prefixed(header, "services") {
                (&mut fresh.services, name)
            } else {
                if header == "DEFAULT" {
                    self.warnings.push(default_section_warning(&file.name, raw));
                }
                // The AWS CLI ignores other sections too (plugins, typos).
                continue;
            };
            if !valid_name(name) {
                self.warnings
                    .push(invalid_name_warning(&file.name, raw, name));
                continue;
            }
            let section = map.entry(name.to_string()).or_insert_with(|| named(name));
            file.fill(section, raw, properties, &mut self.warnings);
            seen.note(&file, raw, &mut self.warnings);
        }
        if let Some(plain) = plain_default {
            if has_prefixed_default {
                let message = "both [default] and [profile default] are set: awscred uses [profile default] \
                               (the AWS CLI uses whichever comes last); remove one";
                self.warnings.push(Warning {
                    file: file.name.to_string(),
                    line: 0,
                    message: message.into(),
                });
            } else {
                fresh.profiles.insert("default".into(), plain);
            }
        }
        merge_into(&mut self.profiles, fresh.profiles);
        merge_into(&mut self.sso_sessions, fresh.sso_sessions);
        merge_into(&mut self.services, fresh.services);
        self.take_parse_warnings(&file.name, file.warnings);
    }

    fn add_credentials(&mut self, file: ParsedFile) {
        let (file, sections, properties) = Consumed::split(file);
        let mut fresh = FileSections::default();
        let mut seen = SeenHeaders::default();
        for (raw, properties) in sections.iter().zip(properties) {
            let name = raw.header.as_str();
            if name == "DEFAULT" {
                self.warnings.push(default_section_warning(&file.name, raw));
            }
            if !valid_name(name) {
                self.warnings
                    .push(invalid_name_warning(&file.name, raw, name));
                continue;
            }
            let section = fresh
                .profiles
                .entry(name.to_string())
                .or_insert_with(|| named(name));
            file.fill(section, raw, properties, &mut self.warnings);
            seen.note(&file, raw, &mut self.warnings);
        }
        merge_into(&mut self.profiles, fresh.profiles);
        self.take_parse_warnings(&file.name, file.warnings);
    }
}

/// What is left of a parsed file once its sections and properties are taken out of it, so
/// that values move into the set instead of being copied.
struct Consumed {
    name: Arc<str>,
    kind: FileKind,
    warnings: Vec<Warning>,
}

impl Consumed {
    /// The file-wide parts, the sections (emptied of properties, so that their headers can be
    /// borrowed while the properties move on) and each section's properties.
    fn split(file: ParsedFile) -> (Consumed, Vec<RawSection>, Vec<Vec<RawProperty>>) {
        let ParsedFile {
            source,
            kind,
            mut sections,
            warnings,
        } = file;
        let properties = sections
            .iter_mut()
            .map(|s| std::mem::take(&mut s.properties))
            .collect();
        let consumed = Consumed {
            name: Arc::from(source),
            kind,
            warnings,
        };
        (consumed, sections, properties)
    }

    /// Moves `properties` (those of `raw`) into `section`: invalid keys are skipped, repeated
    /// keys overwrite.
    fn fill(
        &self,
        section: &mut Section,
        raw: &RawSection,
        properties: Vec<RawProperty>,
        warnings: &mut Vec<Warning>,
    ) {
        for prop in properties {
            let warn = |message: String| Warning {
                file: self.name.to_string(),
                line: prop.line,
                message,
            };
            if !valid_name(&prop.key) {
                warnings.push(warn(format!(
                    "`{}` in [{}] is ignored: keys may only use letters, digits and - / . % @ _ +",
                    prop.key, raw.header
                )));
                continue;
            }
            if let Some(previous) = section.values.get(&prop.key) {
                warnings.push(warn(format!(
                    "`{}` is already set in [{}] on line {}: awscred uses this later value, but the AWS CLI \
                     refuses a file with a duplicate key",
                    prop.key, raw.header, previous.line
                )));
            }
            let entry = Entry {
                value: prop.value,
                file: Arc::clone(&self.name),
                kind: self.kind,
                line: prop.line,
                origin: OnceLock::new(),
            };
            section.set(prop.key, entry);
        }
    }
}

/// One file's sections before they merge into the set.
#[derive(Default)]
struct FileSections {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
}

/// The section headers of one file already seen, and their lines, borrowed from the file.
#[derive(Default)]
struct SeenHeaders<'a> {
    first_line: BTreeMap<&'a str, usize>,
}

impl<'a> SeenHeaders<'a> {
    /// Warns when `raw`'s header already appeared in the file.
    fn note(&mut self, file: &Consumed, raw: &'a RawSection, warnings: &mut Vec<Warning>) {
        match self.first_line.entry(raw.header.as_str()) {
            btree_map::Entry::Occupied(first) => warnings.push(Warning {
                file: file.name.to_string(),
                line: raw.line,
                message: format!(
                    "[{}] already appears on line {}: awscred merges the two (the last value of a key wins) \
                     but the AWS CLI refuses a file with a duplicate section",
                    raw.header,
                    first.get()
                ),
            }),
            btree_map::Entry::Vacant(slot) => {
                slot.insert(raw.line);
            }
        }
    }
}

fn named(name: &str) -> Section {
    Section {
        name: name.to_string(),
        values: BTreeMap::new(),
    }
}

fn merge_into(target: &mut BTreeMap<String, Section>, fresh: BTreeMap<String, Section>) {
    for (name, section) in fresh {
        match target.entry(name) {
            btree_map::Entry::Vacant(slot) => {
                slot.insert(section);
            }
            btree_map::Entry::Occupied(slot) => {
                let into = slot.into_mut();
                for (k, e) in section.values {
                    into.set(k, e);
                }
            }
        }
    }
}

/// `profile foo` → `foo` for prefix `profile`: the prefix, whitespace, then the name.
fn prefixed<'a>(header: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = header.strip_prefix(prefix)?;
    rest.starts_with([' ', '\t']).then(|| rest.trim())
}

/// The characters the cross-SDK spec allows in profile, section and key names.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

fn invalid_name_warning(file: &str, raw: &RawSection, name: &str) -> Warning {
    Warning {
        file: file.to_string(),
        line: raw.line,
        message: format!(
            "[{}] is ignored: the name `{name}` may only use letters, digits and - / . % @ _ : +",
            raw.header
        ),
    }
}

fn default_section_warning(file: &str, raw: &RawSection) -> Warning {
    Warning {
        file: file.to_string(),
        line: raw.line,
        message: "the AWS CLI copies the keys of [DEFAULT] into every profile; awscred does not. \
                  Move them into the profiles that need them"
            .into(),
    }
}

/// Parses the config and credentials files found at `paths` (either may be missing), naming
/// them by their paths in errors and warnings.
pub fn load_files(
    paths: &super::ConfigPaths,
    config: Option<&[u8]>,
    credentials: Option<&[u8]>,
) -> Result<ConfigSet, Error> {
    let config_name = paths.config.display().to_string();
    let credentials_name = paths.credentials.display().to_string();
    let mut set = ConfigSet::load(
        config.map(|b| (config_name.as_str(), b)),
        credentials.map(|b| (credentials_name.as_str(), b)),
    )?;
    if config.is_none() {
        set.missing_config = Some(config_name);
    }
    Ok(set)
}
