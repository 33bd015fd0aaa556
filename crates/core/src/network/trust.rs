//! Which certificate authorities a client trusts.
//!
//! Without configuration: the Mozilla roots (as the AWS CLI trusts its bundled certifi roots,
//! botocore `httpsession.get_cert_path`) plus the operating system's store, so that a
//! corporate CA installed on the machine works with nothing set. With `AWS_CA_BUNDLE` or
//! the profile's `ca_bundle` (botocore `configprovider`: `ca_bundle`, environment first), or
//! failing both `REQUESTS_CA_BUNDLE` (botocore `EndpointCreator._get_verify_value`): the
//! certificates of that PEM file and nothing else, as botocore hands the file to OpenSSL in
//! place of its defaults. An empty or blank value is an error, as in AWS CLI 2.36.6
//! (`EndpointCreator._validate_verify_value`).
//!
//! This file is the decision only; the certificates it names are `anchors.rs`'s (the crate's
//! `trust-anchors` and `mozilla-roots` features).

use std::path::PathBuf;

use crate::Error;
use crate::config::{Env, Section};

/// Where a client's trusted certificates come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TrustChoice {
    /// The Mozilla roots plus the operating system's store.
    #[default]
    Defaults,
    /// Only the certificates of this PEM bundle.
    Bundle(CaBundle),
}

/// A configured CA bundle: its path and the setting that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBundle {
    /// The file, as configured (relative paths are relative to the working directory, as in
    /// botocore).
    pub path: PathBuf,
    /// Which setting gave it.
    pub setting: BundleSetting,
}

/// The setting a CA bundle came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleSetting {
    /// An environment variable: `AWS_CA_BUNDLE` or `REQUESTS_CA_BUNDLE`.
    Env(&'static str),
    /// `ca_bundle` in a profile.
    Profile {
        /// The profile's name.
        profile: String,
        /// Where it was set (`file line N`), when known.
        location: Option<String>,
    },
}

impl std::fmt::Display for BundleSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleSetting::Env(name) => f.write_str(name),
            BundleSetting::Profile { profile, location } => {
                write!(f, "ca_bundle in profile {profile}")?;
                match location {
                    Some(at) => write!(f, " ({at})"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl TrustChoice {
    /// The choice `env` and the selected `profile` make: `AWS_CA_BUNDLE`, then the profile's
    /// `ca_bundle`, then `REQUESTS_CA_BUNDLE`, else the defaults. A setting that is present
    /// but empty or blank is a [`Error::Config`] naming it, even when a later one is set
    /// (botocore stops at the first one present).
    pub fn from_env(env: &Env, profile: Option<&Section>) -> Result<TrustChoice, Error> {
        let from_profile = profile.and_then(|p| {
            p.get("ca_bundle").map(|value| {
                let location = p
                    .origin("ca_bundle")
                    .map(|o| format!("{} line {}", o.file, o.line));
                (
                    value,
                    BundleSetting::Profile {
                        profile: p.name().to_string(),
                        location,
                    },
                )
            })
        });
        let chosen = env
            .raw("AWS_CA_BUNDLE")
            .map(|v| (v, BundleSetting::Env("AWS_CA_BUNDLE")))
            .or(from_profile)
            .or_else(|| {
                env.raw("REQUESTS_CA_BUNDLE")
                    .map(|v| (v, BundleSetting::Env("REQUESTS_CA_BUNDLE")))
            });
        let Some((value, setting)) = chosen else {
            return Ok(TrustChoice::Defaults);
        };
        if value.trim().is_empty() {
            return Err(Error::Config(format!(
                "invalid CA bundle: {setting} is set but empty; set it to the path of a PEM file \
                 of CA certificates, or remove it to trust the default roots"
            )));
        }
        Ok(TrustChoice::Bundle(CaBundle {
            path: PathBuf::from(value.trim()),
            setting,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigSet, FileKind, parse};

    fn profile_with(value: &str) -> ConfigSet {
        let text = format!("[profile dev]\nca_bundle = {value}\n");
        ConfigSet::from_parsed(
            Some(parse("config", &text, FileKind::Config).unwrap()),
            None,
        )
    }

    #[test]
    fn precedence_env_then_profile_then_requests() {
        let set = profile_with("/p.pem");
        let p = set.profile("dev");
        let env = Env::from_pairs([
            ("AWS_CA_BUNDLE", "/e.pem"),
            ("REQUESTS_CA_BUNDLE", "/r.pem"),
        ]);
        let TrustChoice::Bundle(b) = TrustChoice::from_env(&env, p).unwrap() else {
            panic!()
        };
        assert_eq!(
            (b.path.to_str().unwrap(), b.setting.to_string()),
            ("/e.pem", "AWS_CA_BUNDLE".into())
        );
        let env = Env::from_pairs([("REQUESTS_CA_BUNDLE", "/r.pem")]);
        let TrustChoice::Bundle(b) = TrustChoice::from_env(&env, p).unwrap() else {
            panic!()
        };
        assert_eq!(b.path.to_str().unwrap(), "/p.pem");
        assert_eq!(
            b.setting.to_string(),
            "ca_bundle in profile dev (config line 2)"
        );
        let TrustChoice::Bundle(b) = TrustChoice::from_env(&env, None).unwrap() else {
            panic!()
        };
        assert_eq!(b.setting, BundleSetting::Env("REQUESTS_CA_BUNDLE"));
        assert_eq!(
            TrustChoice::from_env(&Env::default(), None).unwrap(),
            TrustChoice::Defaults
        );
    }

    #[test]
    fn empty_values_are_errors_naming_the_setting() {
        let e =
            TrustChoice::from_env(&Env::from_pairs([("AWS_CA_BUNDLE", "  ")]), None).unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.contains("AWS_CA_BUNDLE is set but empty")),
            "{e}"
        );
        let set = profile_with("");
        let e = TrustChoice::from_env(&Env::default(), set.profile("dev")).unwrap_err();
        assert!(e.to_string().contains("ca_bundle in profile dev"), "{e}");
        // An empty AWS_CA_BUNDLE is not skipped in favour of the profile.
        let set = profile_with("/p.pem");
        assert!(
            TrustChoice::from_env(
                &Env::from_pairs([("AWS_CA_BUNDLE", "")]),
                set.profile("dev")
            )
            .is_err()
        );
    }
}
