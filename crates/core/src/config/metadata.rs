//! The settings of the sources servers run on, decided from the environment and the selected
//! profile as botocore 1.44 reads them (`botocore/configprovider.py`,
//! `create_credential_resolver`, `ContainerProvider`, `AssumeRoleWithWebIdentityProvider`):
//! an environment variable wins over the profile's key.

use std::path::PathBuf;
use std::time::Duration;

use super::env::Env;
use super::files::{ConfigSet, Section};
use crate::Error;
use crate::container::{self, Authorization, ContainerSettings};
use crate::imds::{self, ImdsSettings};
use crate::metadata::RequestLimits;

/// How to reach IMDS for `profile` (the selected profile, whose keys botocore's session reads):
///
/// * endpoint: `AWS_EC2_METADATA_SERVICE_ENDPOINT` / `ec2_metadata_service_endpoint`, else by
///   `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` / `ec2_metadata_service_endpoint_mode`
///   (`IPv4` → `http://169.254.169.254`, `IPv6` → `http://[fd00:ec2::254]`, any case), else by
///   the older `AWS_IMDS_USE_IPV6` / `imds_use_ipv6`; a custom endpoint wins over the mode.
/// * `AWS_EC2_METADATA_DISABLED=true` (environment only, as botocore) disables IMDS.
/// * `AWS_EC2_METADATA_V1_DISABLED` / `ec2_metadata_v1_disabled` refuses the IMDSv1 fallback.
/// * `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout` (whole seconds, default 1) and
///   `AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts` (default 1).
pub fn imds_settings(env: &Env, set: &ConfigSet, profile: &str) -> Result<ImdsSettings, Error> {
    let p = set.profile(profile);
    let setting = |env_name: &'static str, key: &'static str| -> Option<(String, String)> {
        if let Some(v) = env.get(env_name) {
            return Some((v.trim().to_string(), env_name.to_string()));
        }
        p.and_then(|p| setting_in(p, key))
    };
    let flag =
        |env_name, key| setting(env_name, key).is_some_and(|(v, _)| v.eq_ignore_ascii_case("true"));

    let (endpoint, endpoint_source) = match setting(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "ec2_metadata_service_endpoint",
    ) {
        Some((url, source)) => (check_endpoint(&url, &source)?, source),
        None => match setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        ) {
            Some((mode, source)) => match mode.to_ascii_lowercase().as_str() {
                "ipv4" => (imds::IPV4_ENDPOINT.to_string(), source),
                "ipv6" => (imds::IPV6_ENDPOINT.to_string(), source),
                _ => {
                    return Err(Error::Config(format!(
                        "Invalid endpoint mode {mode} for the instance metadata service ({source}). Valid modes: \
                         IPv4, IPv6"
                    )));
                }
            },
            None if flag("AWS_IMDS_USE_IPV6", "imds_use_ipv6") => (
                imds::IPV6_ENDPOINT.to_string(),
                "AWS_IMDS_USE_IPV6 / imds_use_ipv6".to_string(),
            ),
            None => (
                imds::IPV4_ENDPOINT.to_string(),
                "the default endpoint".to_string(),
            ),
        },
    };
    let timeout = match setting("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout") {
        Some((v, source)) => Duration::from_secs(whole_number(&v, &source)?.into()),
        None => imds::DEFAULT_TIMEOUT,
    };
    let attempts = match setting(
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "metadata_service_num_attempts",
    ) {
        Some((v, source)) => whole_number(&v, &source)?,
        None => imds::DEFAULT_ATTEMPTS,
    };
    Ok(ImdsSettings {
        endpoint,
        endpoint_source,
        disabled: env.flag("AWS_EC2_METADATA_DISABLED").unwrap_or(false),
        v1_disabled: flag("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled"),
        limits: RequestLimits::new(timeout, attempts),
        token_ttl: imds::TOKEN_TTL,
    })
}

/// The container endpoint the environment configures, `None` when neither
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` nor `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set
/// (botocore's `ContainerProvider` only runs when one is). The relative URI wins; the
/// `Authorization` comes from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, else
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
pub fn container_settings(env: &Env) -> Result<Option<ContainerSettings>, Error> {
    let settings = if let Some(relative) = env.get(container::ENV_RELATIVE_URI) {
        ContainerSettings::relative(relative.trim())?
    } else if let Some(full) = env.get(container::ENV_FULL_URI) {
        ContainerSettings::full(full.trim())?
    } else {
        return Ok(None);
    };
    let authorization = if let Some(file) = env.get(container::ENV_TOKEN_FILE) {
        Some(Authorization::File(PathBuf::from(file)))
    } else {
        env.get(container::ENV_TOKEN)
            .map(|t| Authorization::Token(crate::Secret::new(t)))
    };
    Ok(Some(settings.with_authorization(authorization)))
}

/// A profile key's value and a description of where it was set.
fn setting_in(p: &Section, key: &'static str) -> Option<(String, String)> {
    let value = p.value(key)?.trim().to_string();
    let source = match p.origin(key) {
        Some(o) => format!("{key} in profile \"{}\" ({}:{})", p.name(), o.file, o.line),
        None => format!("{key} in profile \"{}\"", p.name()),
    };
    Some((value, source))
}

fn check_endpoint(url: &str, source: &str) -> Result<String, Error> {
    let parsed = url.parse::<http::Uri>().ok();
    let valid = parsed.as_ref().is_some_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty())
    });
    if !valid {
        return Err(Error::Config(format!(
            "Invalid endpoint for the instance metadata service: `{url}` ({source}); use a URL such as \
             http://169.254.169.254"
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// botocore converts these with `int()`; awscred also refuses 0, which would disable the limit.
fn whole_number(value: &str, source: &str) -> Result<u32, Error> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::Config(format!(
            "{source} = `{value}` is not a whole number of at least 1"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(config: &str) -> ConfigSet {
        ConfigSet::load(Some(("config", config.as_bytes())), None).unwrap()
    }

    #[test]
    fn defaults_are_ipv4_one_second_one_attempt() {
        let s = imds_settings(&Env::default(), &ConfigSet::default(), "default").unwrap();
        assert_eq!(s, ImdsSettings::default());
        assert_eq!(s.limits, RequestLimits::new(Duration::from_secs(1), 1));
    }

    #[test]
    fn environment_wins_over_the_profile() {
        let cfg = set(
            "[default]\nec2_metadata_service_endpoint = http://10.0.0.1/\n\
             ec2_metadata_service_endpoint_mode = IPv6\nmetadata_service_timeout = 3\n\
             metadata_service_num_attempts = 2\nec2_metadata_v1_disabled = true\n",
        );
        let s = imds_settings(&Env::default(), &cfg, "default").unwrap();
        assert_eq!(s.endpoint, "http://10.0.0.1");
        assert!(
            s.endpoint_source
                .contains("ec2_metadata_service_endpoint in profile")
        );
        assert_eq!(s.limits, RequestLimits::new(Duration::from_secs(3), 2));
        assert!(s.v1_disabled);
        let env = Env::from_pairs([
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
            ("AWS_METADATA_SERVICE_TIMEOUT", "5"),
            ("AWS_EC2_METADATA_V1_DISABLED", "false"),
            ("AWS_EC2_METADATA_DISABLED", "TRUE"),
        ]);
        let s = imds_settings(&env, &cfg, "default").unwrap();
        assert_eq!(s.endpoint, "http://127.0.0.1:9");
        assert_eq!(s.limits.read_timeout, Duration::from_secs(5));
        assert_eq!(s.limits.max_attempts, 2);
        assert!(!s.v1_disabled);
        assert!(s.disabled);
    }

    #[test]
    fn endpoint_mode_picks_the_address() {
        let env = Env::from_pairs([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6")]);
        let s = imds_settings(&env, &ConfigSet::default(), "default").unwrap();
        assert_eq!(s.endpoint, "http://[fd00:ec2::254]");
        let env = Env::from_pairs([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv4")]);
        let s = imds_settings(&env, &ConfigSet::default(), "default").unwrap();
        assert_eq!(s.endpoint, "http://169.254.169.254");
        let env = Env::from_pairs([("AWS_IMDS_USE_IPV6", "true")]);
        let s = imds_settings(&env, &ConfigSet::default(), "default").unwrap();
        assert_eq!(s.endpoint, "http://[fd00:ec2::254]");
        let env = Env::from_pairs([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5")]);
        let e = imds_settings(&env, &ConfigSet::default(), "default").unwrap_err();
        assert!(
            e.to_string()
                .contains("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_their_source() {
        for (name, value) in [
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"),
            ("AWS_METADATA_SERVICE_TIMEOUT", "1.5"),
            ("AWS_METADATA_SERVICE_TIMEOUT", "0"),
            ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "many"),
        ] {
            let env = Env::from_pairs([(name, value)]);
            let e = imds_settings(&env, &ConfigSet::default(), "default").unwrap_err();
            assert!(e.to_string().contains(name), "{name}: {e}");
        }
        let cfg = set("[profile p]\nmetadata_service_timeout = soon\n");
        let e = imds_settings(&Env::default(), &cfg, "p").unwrap_err();
        assert!(e.to_string().contains("config:2"), "{e}");
    }

    #[test]
    fn container_settings_from_the_environment() {
        assert_eq!(container_settings(&Env::default()).unwrap(), None);
        let env = Env::from_pairs([
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/x",
            ),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok"),
        ]);
        let s = container_settings(&env).unwrap().unwrap();
        assert_eq!(s.uri, "http://169.254.170.2/v2/credentials/x");
        assert_eq!(
            s.authorization,
            Some(Authorization::Token(crate::Secret::new("tok")))
        );
        let env = Env::from_pairs([
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://169.254.170.23/v1/credentials",
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t"),
        ]);
        let s = container_settings(&env).unwrap().unwrap();
        assert_eq!(s.authorization, Some(Authorization::File("/t".into())));
        let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/")]);
        assert!(container_settings(&env).is_err());
    }
}
