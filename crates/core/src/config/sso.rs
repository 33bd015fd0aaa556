//! SSO settings: `[sso-session]` or legacy profile keys (docs/config-files.md §5, docs/sso-oidc-and-login.md §5 item 1).

use super::files::{ConfigSet, Section};
use super::provenance::ValueSource;
use crate::Error;

/// Role credentials from the SSO portal (GetRoleCredentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSource {
    /// The profile holding the SSO settings (for `awscred login --profile`).
    pub profile: String,
    /// The `[sso-session]` name; `None` for a legacy profile (start URL in the profile).
    pub session_name: Option<String>,
    /// `sso_start_url`, exactly as configured (it keys the token cache when there is no session).
    pub start_url: String,
    /// `sso_region`: where the portal and SSO-OIDC are called.
    pub sso_region: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
    /// `sso_registration_scopes` of the session; `None` when not configured.
    pub registration_scopes: Option<Vec<String>>,
}

impl SsoSource {
    /// The command that logs in for this source.
    pub fn login_command(&self) -> String {
        self.login_hint().command()
    }

    /// Which login fixes this source: its sso-session (if any) and its profile.
    pub fn login_hint(&self) -> crate::LoginHint {
        crate::LoginHint {
            sso_session: self.session_name.clone(),
            profile: Some(self.profile.clone()),
            console_login: None,
        }
    }
}

/// What `awscred login` was asked to log in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTarget<'a> {
    /// `--profile NAME`: the profile's `sso_session`, or its legacy `sso_start_url`.
    Profile(&'a str),
    /// `--sso-session NAME`.
    SsoSession(&'a str),
}

/// What a login needs (docs/sso-oidc-and-login.md §5 item 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoLogin {
    /// The `[sso-session]` name; `None` for a legacy profile.
    pub session_name: Option<String>,
    /// `sso_start_url` as configured.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// `sso_registration_scopes`, split on `,`, trimmed, empties dropped; `None` when not
    /// configured (the registration cache key tells the two apart). Always `None` for legacy.
    pub registration_scopes: Option<Vec<String>>,
}

/// The login settings for `target`.
pub fn sso_login_config(set: &ConfigSet, target: LoginTarget<'_>) -> Result<SsoLogin, Error> {
    sso_login_config_with(set, target, None)
}

/// The login settings for `target`, with `derived_region` standing in for a missing
/// `sso_region` (the region a vanity start URL led to, see [`crate::start_url`]).
pub fn sso_login_config_with(
    set: &ConfigSet,
    target: LoginTarget<'_>,
    derived_region: Option<&str>,
) -> Result<SsoLogin, Error> {
    let settings = login_settings(set, target)?;
    let region = match (settings.region, derived_region) {
        (Some(region), _) => region,
        (None, Some(derived)) => derived.to_string(),
        (None, None) => return Err(settings.missing_region),
    };
    Ok(SsoLogin {
        session_name: settings.session_name,
        start_url: settings.start_url,
        region,
        registration_scopes: settings.registration_scopes,
    })
}

/// The start URL a login for `target` uses and its `sso_region` when configured: what a
/// vanity start URL is resolved from before the login proper.
pub fn login_start_url(
    set: &ConfigSet,
    target: LoginTarget<'_>,
) -> Result<(String, Option<String>), Error> {
    let settings = login_settings(set, target)?;
    Ok((settings.start_url, settings.region))
}

/// What a login reads from the config, `sso_region` still optional.
struct LoginSettings {
    session_name: Option<String>,
    start_url: String,
    region: Option<String>,
    /// The error when `sso_region` is missing and nothing stands in for it.
    missing_region: Error,
    registration_scopes: Option<Vec<String>>,
}

fn login_settings(set: &ConfigSet, target: LoginTarget<'_>) -> Result<LoginSettings, Error> {
    let (profile, session_name) = match target {
        LoginTarget::SsoSession(name) => (None, Some(name)),
        LoginTarget::Profile(name) => {
            let p = set
                .profile(name)
                .ok_or_else(|| missing_profile_in(set, name))?;
            // A role profile logs in to the SSO profile its credentials come from.
            let p = sso_source_of(set, p);
            (Some(p), p.value("sso_session"))
        }
    };
    if let Some(session_name) = session_name {
        let session = find_session(set, session_name, profile)?;
        if let Some(p) = profile {
            check_consistent(p, session)?;
        }
        let missing = |keys: &[&str]| {
            Error::Config(format!(
                "Missing the following required SSO configuration values: {}. Add them to [sso-session {session_name}].",
                keys.join(", ")
            ))
        };
        let Some(start_url) = session.value("sso_start_url") else {
            let keys: &[&str] = if session.has("sso_region") {
                &["sso_start_url"]
            } else {
                &["sso_start_url", "sso_region"]
            };
            return Err(missing(keys));
        };
        let region = checked_region(session, "sso-session ")?;
        return Ok(LoginSettings {
            session_name: Some(session_name.to_string()),
            start_url: start_url.to_string(),
            region,
            missing_region: missing(&["sso_region"]),
            registration_scopes: scopes(session),
        });
    }
    let Some(p) = profile else {
        return Err(Error::InvalidInput(
            "no profile or sso-session to log in to".into(),
        ));
    };
    let missing = |keys: &[&str]| {
        Error::Config(format!(
            "Missing the following required SSO configuration values: {}. To make sure the profile \"{}\" is \
             properly configured to use SSO, set sso_session to an [sso-session] section that has sso_start_url \
             and sso_region.",
            keys.join(", "),
            p.name()
        ))
    };
    let Some(start_url) = p.value("sso_start_url") else {
        let keys: &[&str] = if p.has("sso_region") {
            &["sso_start_url"]
        } else {
            &["sso_start_url", "sso_region"]
        };
        return Err(missing(keys));
    };
    Ok(LoginSettings {
        session_name: None,
        start_url: start_url.to_string(),
        region: checked_region(p, "profile ")?,
        missing_region: missing(&["sso_region"]),
        registration_scopes: None,
    })
}

/// The profile whose SSO settings `p`'s credentials come from: `p` itself unless it is a role
/// profile with a `source_profile` chain (followed without revisiting a profile) that ends in
/// one with SSO settings.
fn sso_source_of<'a>(set: &'a ConfigSet, p: &'a Section) -> &'a Section {
    let has_sso = |s: &Section| s.has("sso_session") || s.has("sso_start_url");
    let mut current = p;
    let mut seen = vec![p.name()];
    while !has_sso(current) {
        let Some(next) = current.value("source_profile").and_then(|n| set.profile(n)) else {
            return p;
        };
        if seen.contains(&next.name()) {
            return p;
        }
        seen.push(next.name());
        current = next;
    }
    current
}

/// `sso_region` of `section` (`[<prefix>NAME]`), checked, an error naming its file, line and
/// key when it cannot be a region.
fn checked_region(section: &Section, prefix: &str) -> Result<Option<String>, Error> {
    let Some(region) = section.value("sso_region") else {
        return Ok(None);
    };
    let region = region.trim();
    crate::endpoint::validate_region(region).map_err(|e| {
        match ValueSource::key(section, prefix, "sso_region") {
            Some(source) => source.error(&e),
            None => e,
        }
    })?;
    Ok(Some(region.to_string()))
}

/// The SSO credential source of profile `p`, if it is configured for one (botocore applies the
/// SSO provider only when `sso_account_id` or `sso_role_name` is set).
pub(crate) fn sso_credentials(set: &ConfigSet, p: &Section) -> Result<Option<SsoSource>, Error> {
    if !p.has("sso_account_id") && !p.has("sso_role_name") {
        return Ok(None);
    }
    let session = match p.value("sso_session") {
        Some(name) => {
            let session = find_session(set, name, Some(p))?;
            check_consistent(p, session)?;
            Some((name, session))
        }
        None => None,
    };
    // The session's values win over the profile's (they were just checked to be equal).
    let get = |key: &str| {
        session
            .and_then(|(_, s)| s.value(key))
            .or_else(|| p.value(key))
    };
    let required = [
        "sso_start_url",
        "sso_region",
        "sso_role_name",
        "sso_account_id",
    ];
    let missing: Vec<&str> = required.into_iter().filter(|k| get(k).is_none()).collect();
    if !missing.is_empty() {
        return Err(Error::Config(format!(
            "The profile \"{}\" is configured to use SSO but is missing required configuration: {}",
            p.name(),
            missing.join(", ")
        )));
    }
    match session {
        Some((_, s)) if s.has("sso_region") => checked_region(s, "sso-session ")?,
        _ => checked_region(p, "profile ")?,
    };
    Ok(Some(SsoSource {
        profile: p.name().to_string(),
        session_name: session.map(|(n, _)| n.to_string()),
        start_url: get("sso_start_url").unwrap_or_default().to_string(),
        sso_region: get("sso_region").unwrap_or_default().to_string(),
        account_id: get("sso_account_id").unwrap_or_default().to_string(),
        role_name: get("sso_role_name").unwrap_or_default().to_string(),
        registration_scopes: session.and_then(|(_, s)| scopes(s)),
    }))
}

/// The error for a profile with `sso_session` but neither `sso_account_id` nor `sso_role_name`:
/// it can log in and give a token, not role credentials.
pub(crate) fn token_only_error(set: &ConfigSet, p: &Section, session_name: &str) -> Error {
    if let Err(e) = find_session(set, session_name, Some(p)).and_then(|s| check_consistent(p, s)) {
        return e;
    }
    Error::Config(format!(
        "The profile \"{}\" sets sso_session but neither sso_account_id nor sso_role_name, so the selected profile \
         will resolve an access token instead of credentials. Add sso_account_id and sso_role_name to \
         [profile {}] to get role credentials.",
        p.name(),
        p.name()
    ))
}

/// The error for a profile that does not exist; it says when the config file itself is
/// missing.
pub(crate) fn missing_profile_in(set: &ConfigSet, name: &str) -> Error {
    match set.missing_config_file() {
        Some(file) => Error::Config(format!(
            "The config profile ({name}) could not be found: the config file {file} does not exist. \
             Create it (see `awscred login --help`), or point AWS_CONFIG_FILE at the file you use"
        )),
        None => Error::Config(format!("The config profile ({name}) could not be found")),
    }
}

fn find_session<'a>(
    set: &'a ConfigSet,
    name: &str,
    profile: Option<&Section>,
) -> Result<&'a Section, Error> {
    set.sso_session(name).ok_or_else(|| {
        let referenced = match profile {
            Some(p) => format!(" (sso_session in profile \"{}\")", p.name()),
            None => String::new(),
        };
        Error::Config(format!(
            "The specified sso-session does not exist: \"{name}\"{referenced}. Add an [sso-session {name}] \
             section to the config file."
        ))
    })
}

/// botocore: every key of the session that the profile also sets must have the same value.
fn check_consistent(p: &Section, session: &Section) -> Result<(), Error> {
    for (key, value) in session.iter() {
        if let Some(mine) = p.value(key)
            && mine != value
        {
            return Err(Error::Config(format!(
                "The value for {key} is inconsistent between profile \"{}\" ({mine}) and sso-session \"{}\" \
                     ({value}). Remove {key} from the profile.",
                p.name(),
                session.name()
            )));
        }
    }
    Ok(())
}

fn scopes(session: &Section) -> Option<Vec<String>> {
    let raw = session.get("sso_registration_scopes")?;
    Some(
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}
