//! The SSO token cache, `~/.aws/sso/cache/<sha1>.json` (docs/token-cache.md).
//!
//! Files are read leniently (any of the peers may have written them: exact-case or
//! differently-cased keys, `Z`/`UTC`/offset timestamps, fractions) and written exactly as the AWS
//! CLI writes them, so that the CLI, botocore, the Go and the Rust SDKs all read them back.
//! Keys the library does not know are kept and written back.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::cache_codec::py_json::{self, Separators};
use crate::cache_codec::{parse_object, sha1_hex, take_key};
use crate::registration::Registration;
use crate::{Error, Secret};

/// Within this much of expiry a refresh is attempted, but failure is not fatal (botocore's
/// advisory window).
pub const ADVISORY_REFRESH_WINDOW: Duration = crate::cache::SSO_TOKEN_ADVISORY_REFRESH_WINDOW;
/// Within this much of expiry the token must be refreshed; failures propagate (botocore's
/// mandatory window).
pub const MANDATORY_REFRESH_WINDOW: Duration = crate::cache::SSO_TOKEN_MANDATORY_REFRESH_WINDOW;
/// At most one refresh attempt per this interval (botocore's `_attempt_timeout`).
pub const MIN_TIME_BETWEEN_REFRESHES: Duration = crate::cache::SSO_TOKEN_MIN_TIME_BETWEEN_REFRESHES;

const ACCESS_TOKEN: &str = "accessToken";
const EXPIRES_AT: &str = "expiresAt";
const REFRESH_TOKEN: &str = "refreshToken";
const CLIENT_ID: &str = "clientId";
const CLIENT_SECRET: &str = "clientSecret";
const REGISTRATION_EXPIRES_AT: &str = "registrationExpiresAt";
const REGION: &str = "region";
const START_URL: &str = "startUrl";

const KNOWN_KEYS: [&str; 8] = [
    START_URL,
    REGION,
    ACCESS_TOKEN,
    EXPIRES_AT,
    CLIENT_ID,
    CLIENT_SECRET,
    REGISTRATION_EXPIRES_AT,
    REFRESH_TOKEN,
];

/// The cache key of a token: the lower-case hex SHA-1 of the sso-session name (profiles with
/// `sso_session`) or of the `sso_start_url` exactly as configured (legacy profiles).
pub fn token_cache_key(session_name_or_start_url: &str) -> String {
    sha1_hex(session_name_or_start_url.as_bytes())
}

/// The token's file name in `~/.aws/sso/cache`: `<sha1 hex>.json`.
pub fn token_file_name(session_name_or_start_url: &str) -> String {
    format!("{}.json", token_cache_key(session_name_or_start_url))
}

/// An SSO access token as cached on disk.
///
/// Fields are public so flows can build and inspect tokens; `unknown` holds every key this
/// library does not interpret, so a rewrite loses nothing another tool put there. The secrets
/// are [`Secret`]s; `Debug` is written out only to show timestamps as text and the unknown
/// keys without their values (which could be anything, secrets included).
#[derive(Clone, PartialEq)]
pub struct CachedToken {
    /// The bearer token sent to the SSO portal.
    pub access_token: Secret,
    /// When the access token stops working.
    pub expires_at: SystemTime,
    /// The OIDC refresh token, when the login or last refresh returned one.
    pub refresh_token: Option<Secret>,
    /// The OIDC client the token was issued to.
    pub client_id: Option<String>,
    /// That client's secret.
    pub client_secret: Option<Secret>,
    /// When that client registration expires; no refresh after that.
    pub registration_expires_at: Option<SystemTime>,
    /// The SSO region (used by `logout`).
    pub region: Option<String>,
    /// The configured start URL.
    pub start_url: Option<String>,
    /// Every other key of the file, written back after the known ones. Keys that equal a known
    /// key ignoring case are shadowed by it and not written.
    pub unknown: Map<String, Value>,
}

/// What to do with a cached token now (docs/token-cache.md §3 and docs/divergences.md, following botocore).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshDecision {
    /// The token is good as it is.
    UseAsIs,
    /// Less than 15 minutes left: try to refresh; if that fails, keep using the old token.
    RefreshAdvisory,
    /// Less than 10 minutes left (or already expired): refresh now; a failure is an error.
    RefreshMandatory,
    /// Expired and not refreshable: the user must log in again.
    Expired,
}

/// How the token is keyed, which decides whether it may be refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Keyed by an sso-session name: refreshable.
    SsoSession,
    /// Keyed by a legacy profile's start URL: never refreshed, used until it expires.
    LegacyStartUrl,
}

/// The parts of a CreateToken answer a cached token needs. `Debug` hides the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The new access token.
    pub access_token: Secret,
    /// Its lifetime in seconds (`expiresIn`).
    pub expires_in: u64,
    /// A new refresh token, when the service rotated it.
    pub refresh_token: Option<Secret>,
}

impl CachedToken {
    /// A token with just an access token and its expiry: not refreshable, no region or start
    /// URL, no unknown keys. Set the other (public) fields to add them, e.g.
    /// `CachedToken { refresh_token: Some(r), ..CachedToken::new(a, t) }`.
    pub fn new(access_token: impl Into<Secret>, expires_at: SystemTime) -> CachedToken {
        CachedToken {
            access_token: access_token.into(),
            expires_at,
            refresh_token: None,
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            region: None,
            start_url: None,
            unknown: Map::new(),
        }
    }

    /// The same token, refreshable with this client registration and refresh token.
    pub fn with_refresh(
        mut self,
        refresh_token: impl Into<Secret>,
        registration: &Registration,
    ) -> CachedToken {
        self.refresh_token = Some(refresh_token.into());
        self.client_id = Some(registration.client_id.clone());
        self.client_secret = Some(registration.client_secret.clone());
        self.registration_expires_at = Some(registration.expires_at);
        self
    }

    /// The same token, tagged with the SSO region and start URL it belongs to.
    pub fn with_session(mut self, region: impl Into<String>, start_url: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self.start_url = Some(start_url.into());
        self
    }

    /// The token a login writes (docs/sso-oidc-and-login.md §8): configured start URL and SSO region, the grant,
    /// and the client registration that obtained it (kept so the token can be refreshed).
    pub fn from_login(
        start_url: &str,
        region: &str,
        grant: &TokenGrant,
        registration: &Registration,
        now: SystemTime,
    ) -> CachedToken {
        let token = CachedToken::new(grant.access_token.clone(), add_secs(now, grant.expires_in))
            .with_session(region, start_url);
        CachedToken {
            refresh_token: grant.refresh_token.clone(),
            client_id: Some(registration.client_id.clone()),
            client_secret: Some(registration.client_secret.clone()),
            registration_expires_at: Some(registration.expires_at),
            ..token
        }
    }

    /// Reads a token file. Requires `accessToken` (non-empty string) and `expiresAt` (a
    /// timestamp); keys match exactly or, failing that, ignoring case (as aws-config does).
    /// An optional field with an unusable value is treated as absent (the token still works
    /// until it expires; it just cannot be refreshed).
    pub fn parse(bytes: &[u8]) -> Result<CachedToken, Error> {
        let mut map = parse_object(bytes, "SSO token cache file")?;
        let mut take = |name: &str| take_key(&mut map, name);

        let access_token = match take(ACCESS_TOKEN) {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(_) => return Err(invalid_token("`accessToken` is not a non-empty string")),
            None => return Err(invalid_token("`accessToken` is missing")),
        };
        let expires_at = match take(EXPIRES_AT) {
            Some(Value::String(s)) => crate::time::parse(&s)
                .ok_or_else(|| invalid_token("`expiresAt` is not an RFC 3339 timestamp"))?,
            Some(_) => return Err(invalid_token("`expiresAt` is not a string")),
            None => return Err(invalid_token("`expiresAt` is missing")),
        };
        let refresh_token = take(REFRESH_TOKEN).and_then(string).map(Secret::from);
        let client_id = take(CLIENT_ID).and_then(string);
        let client_secret = take(CLIENT_SECRET).and_then(string).map(Secret::from);
        let registration_expires_at = take(REGISTRATION_EXPIRES_AT)
            .and_then(string)
            .and_then(|s| crate::time::parse(&s));
        let region = take(REGION).and_then(string);
        let start_url = take(START_URL).and_then(string);
        Ok(CachedToken {
            access_token: access_token.into(),
            expires_at,
            refresh_token,
            client_id,
            client_secret,
            registration_expires_at,
            region,
            start_url,
            unknown: map,
        })
    }

    /// The file as the AWS CLI writes it: one line, `json.dumps` default separators, ASCII
    /// only, keys `startUrl, region, accessToken, expiresAt, clientId, clientSecret,
    /// registrationExpiresAt, refreshToken` (those present), then the unknown keys in code-point
    /// order; timestamps `%Y-%m-%dT%H:%M:%SZ`; no trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let s = |v: &str| Value::String(v.to_string());
        let t = |v: SystemTime| Value::String(crate::time::format_z(v));
        let known: [(&str, Option<Value>); 8] = [
            (START_URL, self.start_url.as_deref().map(s)),
            (REGION, self.region.as_deref().map(s)),
            (ACCESS_TOKEN, Some(s(self.access_token.expose()))),
            (EXPIRES_AT, Some(t(self.expires_at))),
            (CLIENT_ID, self.client_id.as_deref().map(s)),
            (CLIENT_SECRET, self.client_secret.as_deref().map(s)),
            (REGISTRATION_EXPIRES_AT, self.registration_expires_at.map(t)),
            (REFRESH_TOKEN, self.refresh_token.as_deref().map(s)),
        ];
        let known: Vec<(&str, Value)> = known
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let unknown = self
            .unknown
            .iter()
            .filter(|(k, _)| !KNOWN_KEYS.iter().any(|known| known.eq_ignore_ascii_case(k)));
        let pairs = known
            .iter()
            .map(|(k, v)| (*k, v))
            .chain(unknown.map(|(k, v)| (k.as_str(), v)));
        py_json::dumps_ordered(pairs, Separators::Default).into_bytes()
    }

    /// Whether the token carries everything a refresh needs and its client registration is
    /// still valid at `now`.
    pub fn can_refresh(&self, now: SystemTime) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_some_and(|t| t > now)
    }

    /// The token after a successful refresh: new access token, `expiresAt = now + expiresIn`,
    /// the new refresh token or else the old one (docs/divergences.md: harmless for every reader);
    /// everything else, unknown keys included, kept.
    pub fn refreshed(&self, grant: &TokenGrant, now: SystemTime) -> CachedToken {
        CachedToken {
            access_token: grant.access_token.clone(),
            expires_at: add_secs(now, grant.expires_in),
            refresh_token: grant
                .refresh_token
                .clone()
                .or_else(|| self.refresh_token.clone()),
            ..self.clone()
        }
    }
}

/// Decides what to do with `token` at `now` (botocore's `SSOTokenProvider` wrapped in
/// `DeferredRefreshableToken`): refresh inside the 15-minute advisory / 10-minute mandatory
/// windows when the token is refreshable — sso-session origin, refresh fields present,
/// registration unexpired, and no attempt in the last 60 s (`last_attempt`); otherwise use the
/// token until it expires, and after that a login is needed.
pub fn refresh_decision(
    token: &CachedToken,
    origin: TokenOrigin,
    now: SystemTime,
    last_attempt: Option<SystemTime>,
) -> RefreshDecision {
    // `None` means the token expires at or before `now`.
    let remaining = token
        .expires_at
        .duration_since(now)
        .ok()
        .filter(|d| !d.is_zero());
    if remaining.is_some_and(|r| r >= ADVISORY_REFRESH_WINDOW) {
        return RefreshDecision::UseAsIs;
    }
    let attempt_allowed = last_attempt.is_none_or(|last| {
        now.duration_since(last)
            .is_ok_and(|since| since >= MIN_TIME_BETWEEN_REFRESHES)
    });
    let refreshable =
        origin == TokenOrigin::SsoSession && token.can_refresh(now) && attempt_allowed;
    match (remaining, refreshable) {
        (Some(r), true) if r >= MANDATORY_REFRESH_WINDOW => RefreshDecision::RefreshAdvisory,
        (_, true) => RefreshDecision::RefreshMandatory,
        (Some(_), false) => RefreshDecision::UseAsIs,
        (None, false) => RefreshDecision::Expired,
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &self.access_token)
            .field("expires_at", &crate::time::format_z(self.expires_at))
            .field("refresh_token", &self.refresh_token)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field(
                "registration_expires_at",
                &self.registration_expires_at.map(crate::time::format_z),
            )
            .field("region", &self.region)
            .field("start_url", &self.start_url)
            // Values of unknown keys could be anything, secrets included.
            .field("unknown_keys", &self.unknown.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn add_secs(now: SystemTime, secs: u64) -> SystemTime {
    now.checked_add(Duration::from_secs(secs)).unwrap_or(now)
}

fn string(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn invalid_token(what: &str) -> Error {
    Error::InvalidInput(format!(
        "the cached SSO token is unusable: {what}; log in again to replace it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_epoch_secs;

    fn at(secs: u64) -> SystemTime {
        from_epoch_secs(secs as i64).unwrap()
    }

    fn refreshable(expires_at: SystemTime) -> CachedToken {
        CachedToken {
            access_token: "ACCESSTOKEN".into(),
            expires_at,
            refresh_token: Some("REFRESHTOKEN".into()),
            client_id: Some("cid".into()),
            client_secret: Some("CLIENTSECRET".into()),
            registration_expires_at: Some(at(2_000_000_000)),
            region: Some("us-east-1".into()),
            start_url: Some("https://d-123.awsapps.com/start".into()),
            unknown: Map::new(),
        }
    }

    #[test]
    fn decision_windows() {
        let now = at(1_800_000_000);
        let min = |m: u64| now + Duration::from_secs(m * 60);
        let d = |t: &CachedToken| refresh_decision(t, TokenOrigin::SsoSession, now, None);
        assert_eq!(d(&refreshable(min(15))), RefreshDecision::UseAsIs);
        assert_eq!(
            d(&refreshable(min(15) - Duration::from_secs(1))),
            RefreshDecision::RefreshAdvisory
        );
        assert_eq!(d(&refreshable(min(10))), RefreshDecision::RefreshAdvisory);
        assert_eq!(
            d(&refreshable(min(10) - Duration::from_secs(1))),
            RefreshDecision::RefreshMandatory
        );
        assert_eq!(d(&refreshable(now)), RefreshDecision::RefreshMandatory);
        assert_eq!(d(&refreshable(at(1))), RefreshDecision::RefreshMandatory);
    }

    #[test]
    fn not_refreshable_means_use_until_expiry() {
        let now = at(1_800_000_000);
        let soon = now + Duration::from_secs(60);
        let legacy = refresh_decision(&refreshable(soon), TokenOrigin::LegacyStartUrl, now, None);
        assert_eq!(legacy, RefreshDecision::UseAsIs);
        let gone = refresh_decision(&refreshable(now), TokenOrigin::LegacyStartUrl, now, None);
        assert_eq!(gone, RefreshDecision::Expired);

        let mut no_refresh = refreshable(soon);
        no_refresh.refresh_token = None;
        assert_eq!(
            refresh_decision(&no_refresh, TokenOrigin::SsoSession, now, None),
            RefreshDecision::UseAsIs
        );
        let mut reg_gone = refreshable(now);
        reg_gone.registration_expires_at = Some(now);
        assert_eq!(
            refresh_decision(&reg_gone, TokenOrigin::SsoSession, now, None),
            RefreshDecision::Expired
        );
    }

    #[test]
    fn one_attempt_per_minute() {
        let now = at(1_800_000_000);
        let t = refreshable(now + Duration::from_secs(300));
        let recent = Some(now - Duration::from_secs(59));
        let old = Some(now - Duration::from_secs(60));
        assert_eq!(
            refresh_decision(&t, TokenOrigin::SsoSession, now, recent),
            RefreshDecision::UseAsIs
        );
        assert_eq!(
            refresh_decision(&t, TokenOrigin::SsoSession, now, old),
            RefreshDecision::RefreshMandatory
        );
        let expired = refreshable(now);
        assert_eq!(
            refresh_decision(&expired, TokenOrigin::SsoSession, now, recent),
            RefreshDecision::Expired
        );
    }

    #[test]
    fn refreshed_keeps_old_refresh_token_and_unknown_keys() {
        let now = at(1_800_000_000);
        let mut old = refreshable(now);
        old.unknown.insert("x".into(), Value::Bool(true));
        let grant = TokenGrant {
            access_token: "NEW".into(),
            expires_in: 3600,
            refresh_token: None,
        };
        let new = old.refreshed(&grant, now);
        assert_eq!(new.access_token, "NEW");
        assert_eq!(new.expires_at, now + Duration::from_secs(3600));
        assert_eq!(new.refresh_token.as_deref(), Some("REFRESHTOKEN"));
        assert_eq!(new.unknown, old.unknown);
        let rotated = TokenGrant {
            refresh_token: Some("R2".into()),
            ..grant
        };
        assert_eq!(
            old.refreshed(&rotated, now).refresh_token.as_deref(),
            Some("R2")
        );
    }

    #[test]
    fn constructor_builds_what_a_login_writes() {
        let now = at(1_800_000_000);
        let registration = Registration {
            client_id: "cid".into(),
            client_secret: "CLIENTSECRET".into(),
            expires_at: at(2_000_000_000),
            scopes: None,
            grant_types: None,
        };
        let grant = TokenGrant {
            access_token: "ACCESSTOKEN".into(),
            expires_in: 3600,
            refresh_token: Some("REFRESHTOKEN".into()),
        };
        let built = CachedToken::new("ACCESSTOKEN", now + Duration::from_secs(3600))
            .with_refresh("REFRESHTOKEN", &registration)
            .with_session("us-east-1", "https://d-123.awsapps.com/start");
        let logged_in = CachedToken::from_login(
            "https://d-123.awsapps.com/start",
            "us-east-1",
            &grant,
            &registration,
            now,
        );
        assert_eq!(built, logged_in);
        let bare = CachedToken::new("A", now);
        assert!(!bare.can_refresh(now - Duration::from_secs(1)));
        assert_eq!(
            String::from_utf8(bare.to_json()).unwrap(),
            "{\"accessToken\": \"A\", \"expiresAt\": \"2027-01-15T08:00:00Z\"}"
        );
    }

    #[test]
    fn debug_redacts() {
        let text = format!("{:?}", refreshable(at(1)));
        for secret in ["ACCESSTOKEN", "REFRESHTOKEN", "CLIENTSECRET"] {
            assert!(!text.contains(secret), "{text}");
        }
        let grant = TokenGrant {
            access_token: "AT".into(),
            expires_in: 1,
            refresh_token: Some("RT".into()),
        };
        let text = format!("{grant:?}");
        assert!(!text.contains("\"AT\"") && !text.contains("RT\""), "{text}");
    }
}
