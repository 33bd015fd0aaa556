//! The edit of the config file's text: generated sections added, updated in place or removed,
//! every other byte kept.

use std::collections::BTreeMap;

use super::{Collision, GeneratedProfile, MARKER_KEY, TakenBy};
use crate::Error;
use crate::config::{FileKind, RawSection, parse};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRequest {
    /// The `[sso-session NAME]` the profiles use.
    pub session: String,
    /// `region` for every generated profile (left as it is in existing ones when `None`).
    pub region: Option<String>,
    /// Remove sections generated earlier for this session that are no longer wanted.
    pub prune: bool,
    /// The profiles to have (from [`super::plan`]).
    pub profiles: Vec<GeneratedProfile>,
}

/// The result of [`edit`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Edit {
    /// The new text of the file.
    pub text: String,
    /// Profiles added.
    pub added: Vec<String>,
    /// Generated profiles whose keys changed.
    pub updated: Vec<String>,
    /// Generated profiles already as wanted.
    pub unchanged: Vec<String>,
    /// Generated profiles removed (`prune`).
    pub removed: Vec<String>,
    /// Generated profiles no longer wanted and kept (no `prune`).
    pub stale: Vec<String>,
    /// Profiles not written because their name was taken.
    pub collisions: Vec<Collision>,
}

impl Edit {
    /// Whether the text changed.
    pub fn changed(&self, original: &str) -> bool {
        self.text != original
    }
}

/// One `[…]` section of the file as lines.
struct Span {
    /// 0-based index of the header line.
    header: usize,
    /// 0-based index one past the section's last property line (its trailing blank and comment
    /// lines belong to whatever follows).
    end: usize,
    /// The profile it defines, if it is `[default]` or `[profile NAME]`.
    profile: Option<String>,
    /// The session of its marker, if it has one.
    marker: Option<String>,
    /// 0-based line of each key's first occurrence.
    keys: BTreeMap<String, (usize, String)>,
}

/// Applies `request` to the config file `text` (`source` names it in errors). The text must
/// parse: a file awscred cannot read is not edited.
pub fn edit(source: &str, text: &str, request: &EditRequest) -> Result<Edit, Error> {
    let parsed = parse(source, text, FileKind::Config)?;
    let mut lines: Vec<String> = text.split_inclusive('\n').map(String::from).collect();
    let spans = spans(&parsed.sections, &lines);
    let mut out = Edit::default();

    // Per generated profile: where it goes (an existing own section) or a collision.
    let mut own: BTreeMap<&str, &Span> = BTreeMap::new();
    let mut taken: BTreeMap<&str, TakenBy> = BTreeMap::new();
    for span in &spans {
        let Some(name) = span.profile.as_deref() else {
            continue;
        };
        match span.marker.as_deref() {
            Some(s) if s == request.session => {
                // A duplicate own section is left alone: the first one is the one edited.
                own.entry(name).or_insert(span);
            }
            Some(s) => {
                taken.entry(name).or_insert(TakenBy::OtherSession {
                    session: s.to_string(),
                    line: span.header + 1,
                });
            }
            None => {
                // A user section wins over any generated one of the same name.
                taken.insert(
                    name,
                    TakenBy::UserSection {
                        line: span.header + 1,
                    },
                );
            }
        }
    }

    // Line edits, by 0-based line: replacements, insertions after a line, removals.
    let mut replace: BTreeMap<usize, String> = BTreeMap::new();
    let mut insert_after: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut remove: Vec<(usize, usize)> = Vec::new();
    let mut append: Vec<&GeneratedProfile> = Vec::new();
    let mut wanted: BTreeMap<&str, ()> = BTreeMap::new();

    for profile in &request.profiles {
        if let Some(by) = taken.get(profile.name.as_str()) {
            out.collisions.push(Collision {
                name: profile.name.clone(),
                account_id: profile.account_id.clone(),
                role_name: profile.role_name.clone(),
                taken_by: by.clone(),
            });
            continue;
        }
        wanted.insert(&profile.name, ());
        let Some(span) = own.get(profile.name.as_str()) else {
            append.push(profile);
            continue;
        };
        let mut changed = false;
        let mut missing = Vec::new();
        for (key, value) in keys(request, profile) {
            match span.keys.get(key) {
                Some((_, v)) if v == value => {}
                Some((line, _)) => {
                    replace.insert(*line, format!("{key} = {value}\n"));
                    changed = true;
                }
                None => {
                    missing.push(format!("{key} = {value}\n"));
                    changed = true;
                }
            }
        }
        if !missing.is_empty() {
            insert_after.insert(span.end - 1, missing);
        }
        if changed {
            out.updated.push(profile.name.clone());
        } else {
            out.unchanged.push(profile.name.clone());
        }
    }
    for (name, span) in &own {
        if wanted.contains_key(name) || taken.contains_key(name) {
            continue;
        }
        if request.prune {
            // The blank line before it went in with it (see `block`).
            let start = if span.header > 0 && lines[span.header - 1].trim().is_empty() {
                span.header - 1
            } else {
                span.header
            };
            remove.push((start, span.end));
            out.removed.push(name.to_string());
        } else {
            out.stale.push(name.to_string());
        }
    }

    // A section that ended without a newline gets one before anything follows it.
    if let Some(last) = lines.last_mut()
        && !last.ends_with('\n')
        && (!insert_after.is_empty() || !append.is_empty())
    {
        last.push('\n');
    }
    let mut text_out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        if remove.iter().any(|(a, b)| (*a..*b).contains(&i)) {
            continue;
        }
        match replace.get(&i) {
            Some(r) => text_out.push_str(r),
            None => text_out.push_str(line),
        }
        if let Some(new) = insert_after.get(&i) {
            for l in new {
                text_out.push_str(l);
            }
        }
    }
    for profile in append {
        // Always one blank line before: `prune` takes exactly that line away with the section,
        // so adding and then removing a profile gives the file back as it was.
        if !text_out.is_empty() {
            text_out.push('\n');
        }
        text_out.push_str(&block(request, profile));
        out.added.push(profile.name.clone());
    }
    out.text = text_out;
    Ok(out)
}

/// The keys a generated profile has, in the order they are written.
fn keys<'a>(request: &'a EditRequest, p: &'a GeneratedProfile) -> Vec<(&'static str, &'a str)> {
    let mut keys = vec![
        ("sso_session", request.session.as_str()),
        ("sso_account_id", p.account_id.as_str()),
        ("sso_role_name", p.role_name.as_str()),
    ];
    if let Some(r) = &request.region {
        keys.push(("region", r.as_str()));
    }
    keys.push((MARKER_KEY, request.session.as_str()));
    keys
}

/// A new section's text.
fn block(request: &EditRequest, p: &GeneratedProfile) -> String {
    let mut s = format!("[profile {}]\n", p.name);
    for (k, v) in keys(request, p) {
        s.push_str(&format!("{k} = {v}\n"));
    }
    s
}

/// The sections as line spans, with what the edit needs to know of each.
fn spans(sections: &[RawSection], lines: &[String]) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, section) in sections.iter().enumerate() {
        let header = section.line - 1;
        let next = sections.get(i + 1).map_or(lines.len(), |s| s.line - 1);
        // The last line that is neither blank nor a comment ends the section.
        let end = (header + 1..next)
            .rev()
            .find(|&l| {
                let t = lines[l].trim();
                !t.is_empty() && !t.starts_with(['#', ';'])
            })
            .map_or(header + 1, |l| l + 1);
        let profile = if section.header == "default" {
            Some("default".to_string())
        } else {
            section
                .header
                .strip_prefix("profile")
                .filter(|rest| rest.starts_with([' ', '\t']))
                .map(|rest| rest.trim().to_string())
        };
        let mut keys = BTreeMap::new();
        for p in &section.properties {
            keys.entry(p.key.clone())
                .or_insert((p.line - 1, p.value.clone()));
        }
        let marker = keys.get(MARKER_KEY).map(|(_, v)| v.clone());
        out.push(Span {
            header,
            end,
            profile,
            marker,
            keys,
        });
    }
    out
}
