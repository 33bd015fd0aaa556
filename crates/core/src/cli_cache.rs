//! The AWS CLI's role-credential cache, `~/.aws/cli/cache/<key>.json` (docs/cli-cache-and-credential-process.md §1).
//!
//! The AWS CLI (not botocore alone, not Go, not Rust) keeps the credentials of SSO roles and
//! assumed roles here. awscred computes the same keys and writes the same bytes, so each tool
//! reuses what the other fetched.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::cache_codec::py_json::{self, Node, Separators};
use crate::cache_codec::{parse_object, sha1_hex};
use crate::{Credentials, Error};

/// A cached entry is reused only while it has at least this long left
/// (`DEFAULT_EXPIRY_WINDOW_SECONDS`).
pub const REUSE_WINDOW: Duration = crate::cache::CLI_CACHE_REUSE_WINDOW;

/// How an SSO profile names its login, the last part of the SSO cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoKeyPart<'a> {
    /// The profile uses `sso_session = <name>`.
    SessionName(&'a str),
    /// A legacy profile: its `sso_start_url` as configured.
    StartUrl(&'a str),
}

/// The cache key of SSO role credentials: SHA-1 hex of
/// `json.dumps({"accountId", "roleName", "sessionName"|"startUrl"}, sort_keys=True,
/// separators=(',', ':'))`.
pub fn sso_cache_key(account_id: &str, role_name: &str, part: SsoKeyPart<'_>) -> String {
    let mut args = Map::new();
    args.insert("accountId".into(), account_id.into());
    args.insert("roleName".into(), role_name.into());
    match part {
        SsoKeyPart::SessionName(s) => args.insert("sessionName".into(), s.into()),
        SsoKeyPart::StartUrl(u) => args.insert("startUrl".into(), u.into()),
    };
    sha1_hex(py_json::dumps(&Value::Object(args), Separators::Compact).as_bytes())
}

/// The AssumeRole parameters that make up the cache key (the ones built from config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssumeRoleKeyInput<'a> {
    /// `role_arn`.
    pub role_arn: &'a str,
    /// `role_session_name`; `None` when the session name was generated (it is left out of the
    /// key so that the key stays stable).
    pub role_session_name: Option<&'a str>,
    /// `external_id`.
    pub external_id: Option<&'a str>,
    /// `mfa_serial`.
    pub serial_number: Option<&'a str>,
    /// `duration_seconds`.
    pub duration_seconds: Option<u32>,
    /// An inline session policy, as the JSON text passed to STS (parsed so its keys sort).
    pub policy: Option<&'a str>,
}

/// The cache key of assumed-role credentials: SHA-1 hex of
/// `json.dumps(assume_kwargs, sort_keys=True)` with the default separators. Fails only when
/// the policy is not JSON (the AWS CLI fails the same way).
pub fn assume_role_cache_key(input: &AssumeRoleKeyInput<'_>) -> Result<String, Error> {
    let mut args = Map::new();
    args.insert("RoleArn".into(), input.role_arn.into());
    let optional = [
        ("RoleSessionName", input.role_session_name),
        ("ExternalId", input.external_id),
        ("SerialNumber", input.serial_number),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            args.insert(k.into(), v.into());
        }
    }
    if let Some(d) = input.duration_seconds {
        args.insert("DurationSeconds".into(), d.into());
    }
    if let Some(p) = input.policy {
        let policy: Value = serde_json::from_str(p).map_err(|e| {
            Error::Config(format!(
                "the role's session policy is not valid JSON (line {}, column {}); fix the policy",
                e.line(),
                e.column()
            ))
        })?;
        args.insert("Policy".into(), policy);
    }
    Ok(sha1_hex(
        py_json::dumps(&Value::Object(args), Separators::Default).as_bytes(),
    ))
}

/// A cache file's name: `<key>.json`.
pub fn cache_file_name(key: &str) -> String {
    format!("{key}.json")
}

/// Reads a cache entry (SSO or AssumeRole shape) into credentials, with their account id
/// (`Credentials.AccountId`, else the account of `AssumedRoleUser.Arn`). `Expiration` is
/// required and may end in `Z`, `UTC` or an offset.
pub fn parse_entry(bytes: &[u8]) -> Result<Credentials, Error> {
    let map = parse_object(bytes, "AWS CLI credential cache entry")?;
    let Some(Value::Object(c)) = map.get("Credentials") else {
        return Err(invalid("`Credentials` is missing or not an object"));
    };
    let text = |name: &str| match c.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let required = |name: &str| {
        text(name).ok_or_else(|| invalid(&format!("`Credentials.{name}` is missing or empty")))
    };
    let access_key_id = required("AccessKeyId")?;
    let secret_access_key = required("SecretAccessKey")?;
    let expiry = crate::time::parse(&required("Expiration")?)
        .ok_or_else(|| invalid("`Credentials.Expiration` is not a timestamp"))?;
    let account_id = text("AccountId").or_else(|| arn_account(&map));
    Ok(Credentials::new(
        access_key_id,
        secret_access_key,
        text("SessionToken"),
        Some(expiry),
    )
    .with_account_id(account_id))
}

/// Whether cached credentials may be used at `now`: at least 15 minutes left.
pub fn is_reusable(credentials: &Credentials, now: SystemTime) -> bool {
    credentials
        .expiry()
        .and_then(|e| e.duration_since(now).ok())
        .is_some_and(|left| left >= REUSE_WINDOW)
}

/// Whether a cache file holds SSO role credentials (`"ProviderType": "sso"`), the entries
/// `logout` deletes.
pub fn is_sso_entry(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .is_some_and(|v| v.get("ProviderType").and_then(Value::as_str) == Some("sso"))
}

/// The SSO entry exactly as the AWS CLI writes it:
/// `{"ProviderType": "sso", "Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
/// "Expiration": "…Z", "AccountId"}}` (absent optional parts left out). Credentials without an
/// expiry cannot be cached.
pub fn sso_entry(credentials: &Credentials) -> Result<Vec<u8>, Error> {
    let creds = credentials_object(credentials, crate::time::format_z)?;
    let entry = ordered(vec![("ProviderType", "sso".into()), ("Credentials", creds)]);
    Ok(py_json::dumps_node(&entry, Separators::Default).into_bytes())
}

/// The parts of an AssumeRole answer the AWS CLI caches (the whole parsed response).
#[derive(Debug, Clone, Copy)]
pub struct AssumeRoleEntry<'a> {
    /// The credentials, with their expiry and (when known) account id.
    pub credentials: &'a Credentials,
    /// `AssumedRoleUser.AssumedRoleId`.
    pub assumed_role_id: &'a str,
    /// `AssumedRoleUser.Arn`.
    pub arn: &'a str,
    /// `PackedPolicySize`, when STS sent it.
    pub packed_policy_size: Option<u64>,
    /// `SourceIdentity`, when STS sent it.
    pub source_identity: Option<&'a str>,
    /// botocore's `ResponseMetadata`.
    pub metadata: ResponseMetadata<'a>,
}

/// botocore's `ResponseMetadata` of a response.
#[derive(Debug, Clone, Copy)]
pub struct ResponseMetadata<'a> {
    /// `RequestId` (from the response body).
    pub request_id: &'a str,
    /// `HTTPStatusCode`.
    pub http_status: u16,
    /// `HTTPHeaders`, in response order; botocore lower-cases the names.
    pub http_headers: &'a [(String, String)],
    /// `RetryAttempts`: how many retries the call took.
    pub retry_attempts: u32,
}

/// The AssumeRole entry exactly as the AWS CLI writes it: `{"Credentials": {…, "Expiration":
/// "…UTC", "AccountId"}, "AssumedRoleUser": {"AssumedRoleId", "Arn"}, ["PackedPolicySize",]
/// ["SourceIdentity",] "ResponseMetadata": {"RequestId", "HTTPStatusCode", "HTTPHeaders",
/// "RetryAttempts"}}`.
pub fn assume_role_entry(entry: &AssumeRoleEntry<'_>) -> Result<Vec<u8>, Error> {
    let creds = credentials_object(entry.credentials, crate::time::format_utc_suffix)?;
    let user = ordered(vec![
        ("AssumedRoleId", entry.assumed_role_id.into()),
        ("Arn", entry.arn.into()),
    ]);
    let m = &entry.metadata;
    let headers = ordered(
        m.http_headers
            .iter()
            .map(|(k, v)| (k.as_str(), Node::from(v.as_str())))
            .collect(),
    );
    let metadata = ordered(vec![
        ("RequestId", m.request_id.into()),
        ("HTTPStatusCode", m.http_status.into()),
        ("HTTPHeaders", headers),
        ("RetryAttempts", m.retry_attempts.into()),
    ]);
    let mut top = vec![("Credentials", creds), ("AssumedRoleUser", user)];
    if let Some(size) = entry.packed_policy_size {
        top.push(("PackedPolicySize", size.into()));
    }
    if let Some(s) = entry.source_identity {
        top.push(("SourceIdentity", s.into()));
    }
    top.push(("ResponseMetadata", metadata));
    Ok(py_json::dumps_node(&ordered(top), Separators::Default).into_bytes())
}

/// An object whose members keep this order.
fn ordered(pairs: Vec<(&str, Node)>) -> Node {
    Node::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn credentials_object(c: &Credentials, format: fn(SystemTime) -> String) -> Result<Node, Error> {
    let expiry = c.expiry().ok_or_else(|| {
        Error::InvalidInput("credentials without an expiry cannot be cached".into())
    })?;
    let mut pairs = vec![
        ("AccessKeyId", c.access_key_id().into()),
        ("SecretAccessKey", c.secret_access_key().into()),
    ];
    if let Some(t) = c.session_token() {
        pairs.push(("SessionToken", t.into()));
    }
    pairs.push(("Expiration", format(expiry).into()));
    if let Some(a) = c.account_id() {
        pairs.push(("AccountId", a.into()));
    }
    Ok(ordered(pairs))
}

fn arn_account(map: &Map<String, Value>) -> Option<String> {
    let arn = map.get("AssumedRoleUser")?.get("Arn")?.as_str()?;
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

fn invalid(what: &str) -> Error {
    Error::InvalidInput(format!(
        "AWS CLI credential cache entry is unusable: {what}; it will be fetched again"
    ))
}
