//! `awscred configure populate`: a `[profile …]` section in `~/.aws/config` for every account
//! and role an SSO session may use, the way aws-sso-util and granted generate them.
//!
//! Pure: the caller lists the accounts and roles (the SSO portal pager), reads the file and
//! writes the result; this module only decides the profile names ([`Template`], [`plan`]) and
//! the new text ([`edit`]), and shows the change ([`unified_diff`]).
//!
//! Every section this module writes carries the key [`MARKER_KEY`] naming its sso-session, so a
//! later run updates, and with `prune` removes, only the sections it wrote for that session.
//! Everything else in the file stays byte for byte as it was.

mod diff;
mod edit;
mod template;

pub use diff::unified_diff;
pub use edit::{Edit, EditRequest, edit};
pub use template::{DEFAULT_TEMPLATE, Template, sanitize_profile_name};

use crate::sso::{AccountInfo, RoleInfo};

/// The key that marks a generated section; its value is the sso-session it was generated for.
/// The AWS CLI and the SDKs ignore keys they do not know.
pub const MARKER_KEY: &str = "awscred_populated_from";

/// One profile to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedProfile {
    /// The profile name (already sanitised).
    pub name: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
}

/// Why a profile was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The profile name that was taken.
    pub name: String,
    /// The account of the profile that was not written.
    pub account_id: String,
    /// The role of the profile that was not written.
    pub role_name: String,
    /// What holds the name already.
    pub taken_by: TakenBy,
}

/// What holds a profile name that a generated profile wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenBy {
    /// A section in the file that this command did not write (line of its header).
    UserSection {
        /// 1-based line of the `[profile …]` header.
        line: usize,
    },
    /// A section generated for another sso-session.
    OtherSession {
        /// That sso-session.
        session: String,
        /// 1-based line of the header.
        line: usize,
    },
    /// Another account/role of this run rendered to the same name.
    Generated {
        /// The account of the profile that got the name.
        account_id: String,
        /// The role of the profile that got the name.
        role_name: String,
    },
    /// The template rendered to nothing usable as a profile name.
    Unnamable,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = format!("account {} role {}", self.account_id, self.role_name);
        match &self.taken_by {
            TakenBy::UserSection { line } => write!(
                f,
                "[profile {}] for {what} not written: the config already has that profile (line {line}), which awscred did not generate; rename it or use another --template",
                self.name
            ),
            TakenBy::OtherSession { session, line } => write!(
                f,
                "[profile {}] for {what} not written: line {line} has that profile, generated for sso-session {session}; use another --template (for example with {{sso_session}})",
                self.name
            ),
            TakenBy::Generated {
                account_id,
                role_name,
            } => write!(
                f,
                "[profile {}] for {what} not written: account {account_id} role {role_name} already got that name; use a --template that tells them apart (for example with {{account_id}})",
                self.name
            ),
            TakenBy::Unnamable => write!(
                f,
                "no profile for {what}: the template gives no usable profile name; use another --template"
            ),
        }
    }
}

/// The profiles to generate for `accounts` (each with its roles), in account-id then role-name
/// order, with the names the template gives; the second of two equal names is a collision.
pub fn plan(
    session: &str,
    template: &Template,
    accounts: &[(AccountInfo, Vec<RoleInfo>)],
) -> (Vec<GeneratedProfile>, Vec<Collision>) {
    let mut pairs: Vec<(&AccountInfo, &RoleInfo)> = accounts
        .iter()
        .flat_map(|(a, roles)| roles.iter().map(move |r| (a, r)))
        .collect();
    pairs.sort_by(|x, y| (&x.0.account_id, &x.1.role_name).cmp(&(&y.0.account_id, &y.1.role_name)));
    pairs.dedup_by(|x, y| x.0.account_id == y.0.account_id && x.1.role_name == y.1.role_name);
    let mut profiles: Vec<GeneratedProfile> = Vec::new();
    let mut collisions = Vec::new();
    for (account, role) in pairs {
        let rendered = template.render(session, account, &role.role_name);
        let Some(name) = sanitize_profile_name(&rendered) else {
            collisions.push(Collision {
                name: rendered,
                account_id: account.account_id.clone(),
                role_name: role.role_name.clone(),
                taken_by: TakenBy::Unnamable,
            });
            continue;
        };
        if let Some(first) = profiles.iter().find(|p| p.name == name) {
            collisions.push(Collision {
                name,
                account_id: account.account_id.clone(),
                role_name: role.role_name.clone(),
                taken_by: TakenBy::Generated {
                    account_id: first.account_id.clone(),
                    role_name: first.role_name.clone(),
                },
            });
            continue;
        }
        profiles.push(GeneratedProfile {
            name,
            account_id: account.account_id.clone(),
            role_name: role.role_name.clone(),
        });
    }
    (profiles, collisions)
}
