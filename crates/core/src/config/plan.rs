//! One profile resolved into the calls that give its credentials (docs/config-files.md §4–§6), following
//! botocore's `AssumeRoleProvider` and profile provider order.

use std::time::{SystemTime, UNIX_EPOCH};

use super::env::{Env, env_credentials};
use super::files::{ConfigSet, Section};
use super::metadata::{container_settings, imds_settings};
use super::select::select_region;
use super::sso::{SsoSource, missing_profile_in, sso_credentials, token_only_error};
use super::{FileKind, Warning};
use crate::container::ContainerSettings;
use crate::imds::ImdsSettings;
use crate::{Credentials, Error};

/// How to get credentials for a profile: a source, then AssumeRole calls in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The selected profile.
    pub profile: String,
    /// The region for STS (`AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`).
    pub region: Option<String>,
    /// Where the first credentials come from.
    pub source: Source,
    /// The AssumeRole calls, in the order they are made: each uses the credentials the one before
    /// it (or the source) returned. Empty when the source's credentials are the answer.
    pub chain: Vec<RoleStep>,
    /// Settings read differently from the AWS CLI, or ignored.
    pub warnings: Vec<Warning>,
    /// When the default chain chose the source ([`default_plan`]): each source it looked at
    /// before, and why that one gave nothing, in chain order. Empty for a named profile.
    pub passed_over: Vec<PassedOver>,
}

/// A source of the default chain that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassedOver {
    /// The source (`environment`, `profile "default"`, `web identity`, `container`).
    pub source: String,
    /// Why it gave no credentials.
    pub reason: String,
}

impl Plan {
    /// The MFA device serials the chain needs token codes for, in call order.
    pub fn mfa_serials(&self) -> impl Iterator<Item = &str> {
        self.chain.iter().filter_map(|s| s.mfa_serial.as_deref())
    }
}

/// Where the first credentials of a plan come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// IAM Identity Center role credentials (needs a logged-in SSO token).
    Sso(SsoSource),
    /// Keys from a profile (`aws_access_key_id`…, account from `aws_account_id`) or, through
    /// `credential_source = Environment`, from the environment.
    Static(Credentials),
    /// AssumeRoleWithWebIdentity with a token read from a file.
    WebIdentity(WebIdentitySource),
    /// A `credential_process` command.
    Process(ProcessSource),
    /// The EC2 instance role, from the instance metadata service
    /// (`credential_source = Ec2InstanceMetadata`, or the end of the default chain).
    Imds(ImdsSettings),
    /// The container credentials endpoint of ECS or EKS Pod Identity
    /// (`credential_source = EcsContainer`, or the default chain).
    Container(ContainerSettings),
    /// A console login session (`login_session`, written by `aws login`): its cached
    /// credentials, refreshed through AWS Sign-In when due.
    LoginSession(LoginSessionSource),
}

/// A `login_session` profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSessionSource {
    /// The profile holding it.
    pub profile: String,
    /// `login_session`: the session's ARN, whose SHA-256 names the cache file.
    pub login_session: String,
}

/// AssumeRoleWithWebIdentity settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentitySource {
    /// The profile holding them (the selected profile when they come from the environment).
    pub profile: String,
    /// Where the token file setting came from, for messages: `web_identity_token_file of
    /// profile "ci"` or `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub token_file_source: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `web_identity_token_file`: its contents are the token.
    pub token_file: String,
    /// `role_session_name` when configured.
    pub role_session_name: Option<String>,
    /// `botocore-session-<epoch seconds>`, used when `role_session_name` is `None`.
    pub generated_session_name: String,
}

impl WebIdentitySource {
    /// The session name to send.
    pub fn session_name(&self) -> &str {
        self.role_session_name
            .as_deref()
            .unwrap_or(&self.generated_session_name)
    }

    /// The AssumeRoleWithWebIdentity parameters as the AWS CLI serialises them for its cache
    /// key: botocore's `AssumeRoleWithWebIdentityCredentialFetcher` hashes its assume-role
    /// arguments, `RoleArn` and, when configured, `RoleSessionName` (never the token), with
    /// `json.dumps(sort_keys=True)`. The cache file is `sha1(this).json`.
    pub fn cli_cache_key_json(&self) -> String {
        let mut out = format!("{{\"RoleArn\": {}", python_json_string(&self.role_arn));
        if let Some(n) = &self.role_session_name {
            out.push_str(&format!(", \"RoleSessionName\": {}", python_json_string(n)));
        }
        out.push('}');
        out
    }
}

/// A `credential_process` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSource {
    /// The profile holding it.
    pub profile: String,
    /// The command line, to be split like a POSIX shell (no shell runs it).
    pub command: String,
    /// `aws_account_id` of the profile: the account when the process prints none.
    pub account_id: Option<String>,
}

/// One AssumeRole call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleStep {
    /// The profile with the `role_arn`.
    pub profile: String,
    /// `role_arn` → `RoleArn`.
    pub role_arn: String,
    /// `role_session_name` → `RoleSessionName`, when configured. When `None`, send
    /// [`RoleStep::generated_session_name`] and leave it out of the CLI cache key.
    pub role_session_name: Option<String>,
    /// `botocore-session-<epoch seconds>`.
    pub generated_session_name: String,
    /// `external_id` → `ExternalId`.
    pub external_id: Option<String>,
    /// `duration_seconds` → `DurationSeconds`; not sent when `None`.
    pub duration_seconds: Option<u32>,
    /// `mfa_serial` → `SerialNumber`: the caller must supply a `TokenCode` for it.
    pub mfa_serial: Option<String>,
}

impl RoleStep {
    /// The session name to send.
    pub fn session_name(&self) -> &str {
        self.role_session_name
            .as_deref()
            .unwrap_or(&self.generated_session_name)
    }

    /// The AssumeRole parameters as the AWS CLI serialises them for its cache key (docs/cli-cache-and-credential-process.md §1):
    /// Python's `json.dumps(kwargs, sort_keys=True)` of `RoleArn` and, when configured,
    /// `RoleSessionName`, `ExternalId`, `SerialNumber`, `DurationSeconds`. A generated session
    /// name and the MFA token code are never part of it. The cache file is `sha1(this).json`.
    pub fn cli_cache_key_json(&self) -> String {
        let mut fields: Vec<(&str, String)> = Vec::new();
        if let Some(d) = self.duration_seconds {
            fields.push(("DurationSeconds", d.to_string()));
        }
        if let Some(e) = &self.external_id {
            fields.push(("ExternalId", python_json_string(e)));
        }
        fields.push(("RoleArn", python_json_string(&self.role_arn)));
        if let Some(n) = &self.role_session_name {
            fields.push(("RoleSessionName", python_json_string(n)));
        }
        if let Some(m) = &self.mfa_serial {
            fields.push(("SerialNumber", python_json_string(m)));
        }
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", body.join(", "))
    }
}

/// A JSON string as Python's `json.dumps` writes it with `ensure_ascii=True`.
fn python_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// Resolves `profile` into a [`Plan`]. `env` is used for the region and for
/// `credential_source = Environment`; `now` names generated role sessions. Environment
/// credentials that override a profile (no `--profile` given) are the caller's choice: see
/// [`super::env_credentials`].
pub fn plan(set: &ConfigSet, profile: &str, env: &Env, now: SystemTime) -> Result<Plan, Error> {
    match try_plan(set, profile, env, now)? {
        Some(plan) => Ok(plan),
        None => Err(set
            .profile(profile)
            .map(|p| no_credentials(set, p))
            .unwrap_or_else(|| missing_profile_in(set, profile))),
    }
}

/// [`plan`], with `None` for a profile that configures no credentials at all (botocore's
/// providers all return nothing for it, and the default chain moves on).
fn try_plan(
    set: &ConfigSet,
    profile: &str,
    env: &Env,
    now: SystemTime,
) -> Result<Option<Plan>, Error> {
    let mut planner = Planner {
        set,
        env,
        selected: profile,
        generated: generated_session_name(now),
        visited: vec![profile.to_string()],
        steps: Vec::new(),
        warnings: Vec::new(),
    };
    let p = set
        .profile(profile)
        .ok_or_else(|| missing_profile_in(set, profile))?;
    let source = if has_assume_role(p) {
        planner.assume_role(p)?
    } else {
        match planner.profile_source(p)? {
            Some(s) => s,
            None => return Ok(None),
        }
    };
    planner.steps.reverse();
    Ok(Some(Plan {
        profile: profile.to_string(),
        region: select_region(env, set, profile),
        source,
        chain: planner.steps,
        warnings: planner.warnings,
        passed_over: Vec::new(),
    }))
}

/// The default credential chain for `profile` when no profile was named explicitly (the AWS
/// CLI without `--profile`), in botocore 1.44's `create_credential_resolver` order after the
/// environment keys (which the caller checks first, see [`super::env_credentials`]):
///
/// 1. the profile's `role_arn` (botocore's `AssumeRoleProvider`);
/// 2. web identity — each of `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`,
///    `AWS_ROLE_SESSION_NAME` wins over the profile's `web_identity_token_file`, `role_arn`,
///    `role_session_name` (`AssumeRoleWithWebIdentityProvider`);
/// 3. the profile's other sources (SSO, keys, `credential_process`);
/// 4. the container endpoint, when `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
///    `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set;
/// 5. the instance metadata service.
///
/// The first source that is configured is the plan; [`Plan::passed_over`] says why the ones
/// before it were not. As in botocore, a configured source that then fails ends the chain
/// (the next source is not tried: a task whose container credentials fail must not silently
/// run as the instance's role). A profile selected by `AWS_PROFILE` must exist; `default` may
/// be missing.
pub fn default_plan(
    set: &ConfigSet,
    profile: &str,
    env: &Env,
    now: SystemTime,
) -> Result<Plan, Error> {
    let mut passed_over = vec![PassedOver {
        source: "environment".into(),
        reason: "AWS_ACCESS_KEY_ID is not set".into(),
    }];
    let p = set.profile(profile);
    if p.is_none() && profile != "default" {
        return Err(missing_profile_in(set, profile));
    }
    if p.is_some_and(has_assume_role) {
        return plan(set, profile, env, now);
    }
    let pass = |passed_over: Vec<PassedOver>, source: Source, warnings: Vec<Warning>| Plan {
        profile: profile.to_string(),
        region: select_region(env, set, profile),
        source,
        chain: Vec::new(),
        warnings,
        passed_over,
    };
    let env_token_file = env.get("AWS_WEB_IDENTITY_TOKEN_FILE");
    let profile_token_file = p.and_then(|p| p.value("web_identity_token_file"));
    if let Some(token_file) = env_token_file.or(profile_token_file) {
        let token_file_source = match (env_token_file, p) {
            (Some(_), _) => "AWS_WEB_IDENTITY_TOKEN_FILE".to_string(),
            (None, Some(p)) => format!("web_identity_token_file of profile \"{}\"", p.name()),
            (None, None) => unreachable!("a token file came from somewhere"),
        };
        let role_arn = env
            .get("AWS_ROLE_ARN")
            .or_else(|| p.and_then(|p| p.value("role_arn")))
            .ok_or_else(|| {
                Error::Config(format!(
                    "The provided profile or the current environment is configured to assume role with web \
                     identity ({token_file_source}) but has no role ARN configured. Ensure that the profile \
                     has the role_arn configuration set or the AWS_ROLE_ARN env var is set."
                ))
            })?;
        let role_session_name = env
            .get("AWS_ROLE_SESSION_NAME")
            .or_else(|| p.and_then(|p| p.value("role_session_name")))
            .map(str::to_string);
        let source = Source::WebIdentity(WebIdentitySource {
            profile: profile.to_string(),
            token_file_source,
            role_arn: role_arn.to_string(),
            token_file: token_file.to_string(),
            role_session_name,
            generated_session_name: generated_session_name(now),
        });
        return Ok(pass(passed_over, source, Vec::new()));
    }
    passed_over.push(PassedOver {
        source: "web identity".into(),
        reason:
            "AWS_WEB_IDENTITY_TOKEN_FILE is not set and the profile has no web_identity_token_file"
                .into(),
    });
    match p {
        Some(section) => match try_plan(set, profile, env, now)? {
            Some(plan) => return Ok(plan),
            None => passed_over.push(PassedOver {
                source: format!("profile \"{profile}\""),
                reason: no_credentials(set, section).to_string(),
            }),
        },
        None => passed_over.push(PassedOver {
            source: "profile \"default\"".into(),
            reason: "there is no [default] profile in the config or credentials file".into(),
        }),
    }
    if let Some(container) = container_settings(env)? {
        return Ok(pass(passed_over, Source::Container(container), Vec::new()));
    }
    passed_over.push(PassedOver {
        source: "container".into(),
        reason: "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
            .into(),
    });
    let imds = imds_settings(env, set, profile)?;
    Ok(pass(passed_over, Source::Imds(imds), Vec::new()))
}

fn generated_session_name(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("botocore-session-{secs}")
}

struct Planner<'a> {
    set: &'a ConfigSet,
    env: &'a Env,
    /// The selected profile: its keys configure IMDS, as botocore's session reads them.
    selected: &'a str,
    generated: String,
    visited: Vec<String>,
    /// Outermost role first; reversed at the end into call order.
    steps: Vec<RoleStep>,
    warnings: Vec<Warning>,
}

const STATIC_KEYS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

fn has_static(p: &Section) -> bool {
    STATIC_KEYS.iter().any(|k| p.has(k))
}

/// botocore's `_has_assume_role_config_vars`: web identity profiles also carry `role_arn`.
fn has_assume_role(p: &Section) -> bool {
    p.has("role_arn") && !p.has("web_identity_token_file")
}

impl<'a> Planner<'a> {
    /// `_load_creds_via_assume_role`: records `p`'s role and resolves what it assumes from.
    fn assume_role(&mut self, p: &'a Section) -> Result<Source, Error> {
        let name = p.name();
        let step = RoleStep {
            profile: name.to_string(),
            role_arn: p.value("role_arn").unwrap_or_default().to_string(),
            role_session_name: p.value("role_session_name").map(str::to_string),
            generated_session_name: self.generated.clone(),
            external_id: p.value("external_id").map(str::to_string),
            duration_seconds: self.duration_seconds(p),
            mfa_serial: p.value("mfa_serial").map(str::to_string),
        };
        self.steps.push(step);
        match (p.value("source_profile"), p.value("credential_source")) {
            (Some(_), Some(_)) => Err(Error::Config(format!(
                "The profile \"{name}\" contains both source_profile and credential_source. Keep only one."
            ))),
            (None, None) => Err(Error::Config(format!(
                "Partial credentials found in assume-role, missing: source_profile or credential_source \
                 (profile \"{name}\" sets role_arn)"
            ))),
            (None, Some(cs)) => self.credential_source(p, cs),
            (Some(source), None) => {
                let sp = self.validate_source_profile(name, source)?;
                self.visited.push(source.to_string());
                if has_static(sp) || !has_assume_role(sp) {
                    self.profile_source(sp)?.ok_or_else(|| {
                        Error::Config(format!(
                            "The source profile \"{source}\" must have credentials (it is the source_profile of \
                             profile \"{name}\"){}",
                            token_hint(sp)
                        ))
                    })
                } else {
                    self.assume_role(sp)
                }
            }
        }
    }

    /// botocore's `_validate_source_profile`: it must exist, and may be visited again only by
    /// referencing itself with static keys (keys and role in one profile).
    fn validate_source_profile(&self, parent: &str, source: &str) -> Result<&'a Section, Error> {
        let sp = self.set.profile(source).ok_or_else(|| {
            Error::Config(format!(
                "The source_profile \"{source}\" referenced in the profile \"{parent}\" does not exist."
            ))
        })?;
        let seen = self.visited.iter().any(|v| v == source);
        if seen && (source != parent || !has_static(sp)) {
            let mut path = self.visited.clone();
            path.push(source.to_string());
            return Err(Error::Config(format!(
                "Infinite loop in credential configuration detected. Attempting to load from profile \"{source}\" \
                 (the source_profile of profile \"{parent}\") which has already been visited. Visited profiles: {}",
                path.join(" -> ")
            )));
        }
        Ok(sp)
    }

    /// The profile provider chain botocore runs for a profile without an AssumeRole to do:
    /// web identity, SSO, credentials-file keys, `credential_process`, config-file keys.
    fn profile_source(&mut self, p: &'a Section) -> Result<Option<Source>, Error> {
        if p.has("web_identity_token_file") {
            if !p.has("role_arn") {
                return Err(web_identity_without_role(p));
            }
            return Ok(Some(Source::WebIdentity(WebIdentitySource {
                profile: p.name().to_string(),
                token_file_source: format!("web_identity_token_file of profile \"{}\"", p.name()),
                role_arn: p.value("role_arn").unwrap_or_default().to_string(),
                token_file: p
                    .value("web_identity_token_file")
                    .unwrap_or_default()
                    .to_string(),
                role_session_name: p.value("role_session_name").map(str::to_string),
                generated_session_name: self.generated.clone(),
            })));
        }
        if let Some(sso) = sso_credentials(self.set, p)? {
            return Ok(Some(Source::Sso(sso)));
        }
        let keys_in_credentials_file = p
            .origin("aws_access_key_id")
            .is_some_and(|o| o.kind == FileKind::Credentials);
        if has_static(p) && keys_in_credentials_file {
            return static_credentials(p).map(Some);
        }
        // botocore's LoginProvider sits between the shared-credentials and process providers.
        if let Some(session) = p.value("login_session").filter(|s| !s.is_empty()) {
            return Ok(Some(Source::LoginSession(LoginSessionSource {
                profile: p.name().to_string(),
                login_session: session.to_string(),
            })));
        }
        if let Some(command) = p.value("credential_process") {
            return Ok(Some(Source::Process(ProcessSource {
                profile: p.name().to_string(),
                command: command.to_string(),
                account_id: p.value("aws_account_id").map(str::to_string),
            })));
        }
        if has_static(p) {
            return static_credentials(p).map(Some);
        }
        Ok(None)
    }

    /// `credential_source`: exact names as botocore; other cases accepted with a warning.
    fn credential_source(&mut self, p: &Section, value: &str) -> Result<Source, Error> {
        const NAMES: [&str; 3] = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];
        let name = p.name();
        let canonical = match NAMES.iter().find(|n| n.eq_ignore_ascii_case(value)) {
            Some(c) => *c,
            None => {
                return Err(Error::Config(format!(
                    "The credential source \"{value}\" referenced in profile \"{name}\" is not valid. \
                     Use one of: Environment, Ec2InstanceMetadata, EcsContainer (credential_source)"
                )));
            }
        };
        if canonical != value
            && let Some(origin) = p.origin("credential_source")
        {
            self.warnings.push(Warning::at(
                    origin,
                    format!(
                        "credential_source = {value} is read as {canonical}; the AWS CLI only accepts the exact \
                         spelling {canonical}"
                    ),
                ));
        }
        match canonical {
            "Ec2InstanceMetadata" => {
                return imds_settings(self.env, self.set, self.selected).map(Source::Imds);
            }
            "EcsContainer" => {
                return match container_settings(self.env)? {
                    Some(c) => Ok(Source::Container(c)),
                    None => Err(Error::Config(format!(
                        "Error when retrieving credentials from EcsContainer: No credentials found in \
                         credential_source referenced in profile \"{name}\" (set \
                         AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI)"
                    ))),
                };
            }
            _ => {}
        }
        match env_credentials(self.env)? {
            Some(c) => Ok(Source::Static(c)),
            None => Err(Error::Config(format!(
                "Error when retrieving credentials from Environment: No credentials found in credential_source \
                 referenced in profile \"{name}\" (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            ))),
        }
    }

    /// botocore sends `int(duration_seconds)` and silently ignores what is not an integer; we
    /// ignore it too, with a warning.
    fn duration_seconds(&mut self, p: &Section) -> Option<u32> {
        let raw = p.value("duration_seconds")?;
        match raw.trim().parse::<u32>() {
            Ok(v) => Some(v),
            Err(_) => {
                if let Some(origin) = p.origin("duration_seconds") {
                    self.warnings.push(Warning::at(
                        origin,
                        format!(
                            "duration_seconds = {raw} in profile \"{}\" is not a whole number of seconds and is \
                             ignored (as the AWS CLI does)",
                            p.name()
                        ),
                    ));
                }
                None
            }
        }
    }
}

fn static_credentials(p: &Section) -> Result<Source, Error> {
    let missing: Vec<&str> = ["aws_access_key_id", "aws_secret_access_key"]
        .into_iter()
        .filter(|k| !p.has(k))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Config(format!(
            "Partial credentials found in profile \"{}\", missing: {}",
            p.name(),
            missing.join(", ")
        )));
    }
    let credentials = Credentials::new(
        p.value("aws_access_key_id").unwrap_or_default(),
        p.value("aws_secret_access_key").unwrap_or_default(),
        p.value("aws_session_token")
            .or_else(|| p.value("aws_security_token"))
            .map(str::to_string),
        None,
    )
    .with_account_id(p.value("aws_account_id").map(str::to_string));
    Ok(Source::Static(credentials))
}

fn no_credentials(set: &ConfigSet, p: &Section) -> Error {
    if let Some(session) = p.value("sso_session") {
        return token_only_error(set, p, session);
    }
    if p.has("web_identity_token_file") {
        return web_identity_without_role(p);
    }
    Error::Config(format!(
        "Unable to locate credentials: the profile \"{}\" has none of sso_account_id/sso_role_name, role_arn, \
         web_identity_token_file, login_session, credential_process or aws_access_key_id/aws_secret_access_key",
        p.name()
    ))
}

fn token_hint(p: &Section) -> &'static str {
    if p.has("sso_session") {
        "; it sets sso_session without sso_account_id and sso_role_name, which gives a token, not credentials"
    } else {
        ""
    }
}

fn web_identity_without_role(p: &Section) -> Error {
    Error::Config(format!(
        "The profile \"{}\" is configured to assume role with web identity (web_identity_token_file) but has no \
         role ARN configured. Ensure that the profile has the role_arn configuration set.",
        p.name()
    ))
}
