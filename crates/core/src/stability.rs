//! Static stability for instance credentials: when IMDS is unreachable, or hands back
//! credentials that have already expired, keep serving the last good credentials for a short,
//! jittered extension instead of failing every caller during the outage.
//!
//! The rule follows the AWS SDKs' static stability for IMDS (AWS SDKs and Tools reference
//! guide, "static stability"; aws-sdk-js-v3 `getExtendedInstanceMetadataCredentials`: 5 minutes
//! plus up to 5 minutes of jitter; aws-config's `ImdsCredentialsProvider` extends expired
//! credentials the same way). Each extension is bounded (5–10 min), after which the source is
//! asked again; one warning is given per outage, not per caller.

use std::time::{Duration, SystemTime};

use crate::{Credentials, Error, TransportKind};

/// The shortest extension.
pub const EXTENSION_BASE: Duration = Duration::from_secs(5 * 60);
/// The jitter window added to [`EXTENSION_BASE`]: extensions are 5 to 10 minutes.
pub const EXTENSION_JITTER: Duration = Duration::from_secs(5 * 60);

/// How far past the extension extended credentials say they expire: the widest refresh
/// window of [`crate::cache::refresh_at`].
const CACHE_MARGIN: Duration = Duration::from_secs(crate::cache::REFRESH_WINDOW.as_secs() * 3 / 2);

/// What [`StaticStability::serve`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The credentials to hand out. When extended, their expiry is [`Served::retry_at`] plus
    /// the widest in-memory refresh window ([`crate::cache::REFRESH_WINDOW`] × 1.5), so that a
    /// cache refreshing "five minutes before expiry" asks the source again after the extension,
    /// not at once.
    pub credentials: Credentials,
    /// When the source should be asked again: the end of the extension (now for fresh ones).
    pub retry_at: SystemTime,
    /// Set once per outage: the warning to show.
    pub warning: Option<String>,
    /// These are the last good credentials (or expired ones) served past a failure.
    pub extended: bool,
}

/// The memory of the last good credentials of one source. Pure: time and jitter come in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticStability {
    last_good: Option<Credentials>,
    warned: bool,
}

impl StaticStability {
    /// Nothing remembered yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The credentials last served as good.
    pub fn last_good(&self) -> Option<&Credentials> {
        self.last_good.as_ref()
    }

    /// Decides what to serve after a fetch that gave `result` at `now`. `jitter` in [0, 1)
    /// picks the extension within 5–10 minutes (see [`crate::transport::jitter_from_bits`]).
    ///
    /// * Fresh credentials are served and remembered.
    /// * Credentials already expired are served with an extension (IMDS keeps handing them out
    ///   during an outage of its credential refresh; AWS keeps accepting them for a while).
    /// * A failure that says the service is unreachable or unwell (transport errors, 5xx,
    ///   throttling, a malformed answer) serves the last good credentials with an extension.
    /// * Any other failure (IMDS disabled, no role attached, v1 refused) is returned: serving
    ///   old credentials would hide a configuration change.
    pub fn serve(
        &mut self,
        result: Result<Credentials, Error>,
        now: SystemTime,
        jitter: f64,
    ) -> Result<Served, Error> {
        match result {
            Ok(credentials) if credentials.expiry().is_none_or(|e| e > now) => {
                self.warned = false;
                self.last_good = Some(credentials.clone());
                Ok(Served {
                    credentials,
                    retry_at: now,
                    warning: None,
                    extended: false,
                })
            }
            Ok(expired) => {
                let why =
                    "the instance metadata service returned credentials that have already expired";
                Ok(self.extend(expired, why, now, jitter))
            }
            Err(e) if is_outage(&e) => match self.last_good.clone() {
                Some(last) => Ok(self.extend(last, &e.to_string(), now, jitter)),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    fn extend(
        &mut self,
        credentials: Credentials,
        why: &str,
        now: SystemTime,
        jitter: f64,
    ) -> Served {
        let extension = extension(jitter);
        let until = now + extension;
        let warning = (!self.warned).then(|| {
            format!(
                "Attempting credential expiration extension due to a credential service availability issue \
                 ({why}). These credentials are used for {} more minutes, then a refresh is tried again.",
                extension.as_secs().div_ceil(60)
            )
        });
        self.warned = true;
        let extended = Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            credentials.session_token().map(str::to_string),
            Some(until + CACHE_MARGIN),
        )
        .with_account_id(credentials.account_id().map(str::to_string));
        self.last_good = Some(extended.clone());
        Served {
            credentials: extended,
            retry_at: until,
            warning,
            extended: true,
        }
    }
}

/// The extension for a jitter in [0, 1): [`EXTENSION_BASE`] plus that share of
/// [`EXTENSION_JITTER`], whole seconds.
pub fn extension(jitter: f64) -> Duration {
    let share = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let extra = (EXTENSION_JITTER.as_secs() as f64 * share).floor() as u64;
    EXTENSION_BASE + Duration::from_secs(extra.min(EXTENSION_JITTER.as_secs()))
}

/// Failures that mean "the service is not answering well right now".
fn is_outage(e: &Error) -> bool {
    match e {
        Error::Transport { kind, .. } => !matches!(kind, TransportKind::Tls),
        Error::Throttled(_) | Error::MalformedResponse { .. } => true,
        Error::Service(s) => s.status >= 500,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000 + secs)
    }

    fn creds(expiry: SystemTime) -> Credentials {
        Credentials::new("ASIA1", "SECRETKEY", Some("tok".into()), Some(expiry))
            .with_account_id(Some("123456789012".into()))
    }

    fn outage() -> Error {
        Error::Transport {
            kind: TransportKind::Timeout,
            message: "timed out".into(),
        }
    }

    #[test]
    fn extension_is_five_to_ten_minutes() {
        assert_eq!(extension(0.0), Duration::from_secs(300));
        assert_eq!(extension(0.5), Duration::from_secs(450));
        assert_eq!(extension(0.999_999), Duration::from_secs(599));
        assert_eq!(extension(f64::NAN), Duration::from_secs(300));
        assert_eq!(extension(7.0), Duration::from_secs(600));
    }

    #[test]
    fn fresh_credentials_pass_through() {
        let mut s = StaticStability::new();
        let served = s.serve(Ok(creds(t(3600))), t(0), 0.5).unwrap();
        assert!(!served.extended);
        assert_eq!(served.warning, None);
        assert_eq!(served.credentials, creds(t(3600)));
    }

    #[test]
    fn an_outage_serves_the_last_good_with_one_warning() {
        let mut s = StaticStability::new();
        s.serve(Ok(creds(t(600))), t(0), 0.0).unwrap();
        let first = s.serve(Err(outage()), t(700), 0.0).unwrap();
        assert!(first.extended);
        assert_eq!(first.retry_at, t(700 + 300));
        assert_eq!(first.credentials.expiry(), Some(t(700 + 300 + 450)));
        // A cache refreshing in its window asks again only after the extension.
        for jitter in [0.0, 0.5, 0.999] {
            let at = crate::cache::refresh_at(first.credentials.expiry(), jitter).unwrap();
            assert!(at >= first.retry_at, "jitter {jitter}");
        }
        assert_eq!(first.credentials.account_id(), Some("123456789012"));
        let warning = first.warning.unwrap();
        assert!(warning.contains("timed out"), "{warning}");
        assert!(!warning.contains("SECRETKEY"));
        let second = s.serve(Err(outage()), t(1000), 1.0 - f64::EPSILON).unwrap();
        assert_eq!(second.warning, None, "one warning per outage");
        assert_eq!(second.retry_at, t(1000 + 599));
        // Recovery, then a new outage warns again.
        s.serve(Ok(creds(t(5000))), t(1600), 0.0).unwrap();
        assert!(
            s.serve(Err(outage()), t(6000), 0.0)
                .unwrap()
                .warning
                .is_some()
        );
    }

    #[test]
    fn expired_credentials_from_the_source_are_extended() {
        let mut s = StaticStability::new();
        let served = s.serve(Ok(creds(t(0))), t(10), 0.2).unwrap();
        assert!(served.extended);
        assert_eq!(served.retry_at, t(10 + 360));
        assert!(served.warning.unwrap().contains("already expired"));
    }

    #[test]
    fn without_last_good_or_on_configuration_errors_the_error_stands() {
        let mut s = StaticStability::new();
        assert_eq!(s.serve(Err(outage()), t(0), 0.0).unwrap_err(), outage());
        s.serve(Ok(creds(t(600))), t(0), 0.0).unwrap();
        let config = Error::Config("no IAM role".into());
        assert_eq!(
            s.serve(Err(config.clone()), t(700), 0.0).unwrap_err(),
            config
        );
        let denied = Error::Service(crate::ServiceError {
            status: 401,
            code: "401".into(),
            message: String::new(),
            request_id: None,
        });
        assert!(s.serve(Err(denied), t(700), 0.0).is_err());
        let unavailable = Error::Service(crate::ServiceError {
            status: 503,
            code: "503".into(),
            message: String::new(),
            request_id: None,
        });
        assert!(s.serve(Err(unavailable), t(700), 0.0).unwrap().extended);
    }
}
