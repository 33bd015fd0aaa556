//! Profile names from a template such as `{account_name}.{role_name}`.

use crate::Error;
use crate::sso::AccountInfo;

/// The template used when none is given.
pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

/// A parsed name template: literal text and the placeholders `{account_name}` (the account id
/// when the account has no name), `{account_id}`, `{role_name}` and `{sso_session}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    AccountName,
    AccountId,
    RoleName,
    SsoSession,
}

impl Template {
    /// Parses `text`; an unknown placeholder or an unclosed `{` is an error naming it.
    pub fn parse(text: &str) -> Result<Template, Error> {
        let mut parts = Vec::new();
        let mut rest = text;
        let bad = |what: String| {
            Error::InvalidInput(format!(
                "--template {text:?}: {what}; the placeholders are {{account_name}}, {{account_id}}, {{role_name}} and {{sso_session}}"
            ))
        };
        while let Some(open) = rest.find('{') {
            if rest[..open].contains('}') {
                return Err(bad("a `}` has no `{`".into()));
            }
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(bad("a `{` is not closed".into()));
            };
            parts.push(match &after[..close] {
                "account_name" => Part::AccountName,
                "account_id" => Part::AccountId,
                "role_name" => Part::RoleName,
                "sso_session" => Part::SsoSession,
                other => return Err(bad(format!("unknown placeholder {{{other}}}"))),
            });
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(bad("a `}` has no `{`".into()));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if !parts
            .iter()
            .any(|p| matches!(p, Part::AccountName | Part::AccountId))
            || !parts.iter().any(|p| matches!(p, Part::RoleName))
        {
            return Err(bad(
                "it must use {account_name} or {account_id}, and {role_name}, or every role would get the same name".into(),
            ));
        }
        Ok(Template { parts })
    }

    /// The name for `role` in `account`, before [`sanitize_profile_name`].
    pub fn render(&self, session: &str, account: &AccountInfo, role: &str) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::AccountName => out.push_str(
                    account
                        .account_name
                        .as_deref()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(&account.account_id),
                ),
                Part::AccountId => out.push_str(&account.account_id),
                Part::RoleName => out.push_str(role),
                Part::SsoSession => out.push_str(session),
            }
        }
        out
    }
}

impl Default for Template {
    fn default() -> Template {
        // The default template is valid: parse cannot fail on it.
        Template::parse(DEFAULT_TEMPLATE).unwrap_or(Template { parts: Vec::new() })
    }
}

/// `name` made into a profile name the config format accepts: letters, digits and
/// `_ - / . % @ : +` (the characters the cross-SDK file spec allows, which awscred's parser
/// checks too). Any run of other characters (spaces, brackets, `#`, non-ASCII) between two
/// letters or digits becomes one `-`, and is dropped elsewhere; leading and trailing `-` are
/// dropped. `None` when nothing is left.
pub fn sanitize_profile_name(name: &str) -> Option<String> {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c) {
            // A dash only between two letters or digits: `prod].x` is `prod.x`, not `prod-.x`.
            if pending_dash
                && c.is_ascii_alphanumeric()
                && out.ends_with(|p: char| p.is_ascii_alphanumeric())
            {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else {
            pending_dash = true;
        }
    }
    let out = out.trim_matches('-').to_string();
    // `default` would be the [default] profile: never generate it.
    (!out.is_empty() && out != "default").then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: Option<&str>) -> AccountInfo {
        AccountInfo {
            account_id: "111122223333".into(),
            account_name: name.map(String::from),
            email_address: None,
        }
    }

    #[test]
    fn renders_placeholders() {
        let t = Template::parse("{sso_session}-{account_name}.{role_name}@{account_id}").unwrap();
        assert_eq!(
            t.render("corp", &account(Some("Prod")), "Admin"),
            "corp-Prod.Admin@111122223333"
        );
        assert_eq!(
            Template::default().render("corp", &account(None), "Admin"),
            "111122223333.Admin"
        );
    }

    #[test]
    fn bad_templates_say_why() {
        for (t, says) in [
            ("{account}.{role_name}", "unknown placeholder {account}"),
            ("{account_id.{role_name}", "unknown placeholder"),
            ("{account_id}.{role_name", "not closed"),
            ("{account_id}}{role_name}", "has no `{`"),
            ("{account_id}", "must use"),
        ] {
            let e = Template::parse(t).unwrap_err().to_string();
            assert!(e.contains(says), "{t}: {e}");
        }
    }

    #[test]
    fn sanitises_to_the_allowed_characters() {
        assert_eq!(
            sanitize_profile_name("My Account [prod].Admin#1").as_deref(),
            Some("My-Account-prod.Admin-1")
        );
        assert_eq!(sanitize_profile_name("  é  ").as_deref(), None);
        assert_eq!(sanitize_profile_name("default"), None);
        assert_eq!(sanitize_profile_name("a--b").as_deref(), Some("a--b"));
        assert_eq!(
            sanitize_profile_name("a:b+c%d@e/f").as_deref(),
            Some("a:b+c%d@e/f")
        );
    }
}
