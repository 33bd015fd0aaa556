//! What the environment and the profile select: the profile, the region and the endpoints
//! (docs/config-files.md §1, §7, §8).

use super::env::Env;
use super::files::{ConfigSet, Section};
use super::provenance::ValueSource;
use crate::{EndpointConfig, Error, Service};

/// The profile to use: `explicit` (`--profile`), then `AWS_PROFILE`, then `AWS_DEFAULT_PROFILE`
/// (the AWS CLI v2 order), then `default`.
pub fn select_profile(env: &Env, explicit: Option<&str>) -> String {
    explicit
        .filter(|p| !p.is_empty())
        .or_else(|| env.first(&["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]))
        .unwrap_or("default")
        .to_string()
}

/// The region: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's `region`.
pub fn select_region(env: &Env, set: &ConfigSet, profile: &str) -> Option<String> {
    env.first(&["AWS_REGION", "AWS_DEFAULT_REGION"])
        .or_else(|| set.profile(profile).and_then(|p| p.value("region")))
        .map(|r| r.trim().to_string())
}

/// What endpoint resolution for `service` starts from, for `profile`. For `Sso` and `SsoOidc`
/// the region is `sso_region` (from the SSO settings, passed in); for `Sts` it is
/// [`select_region`]. A configured URL comes from, in order: `AWS_ENDPOINT_URL_<SSO|SSO_OIDC|STS>`,
/// `AWS_ENDPOINT_URL`, the profile's `[services]` section, the profile's `endpoint_url` — all
/// skipped when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls` is true.
pub fn endpoint_config(
    env: &Env,
    set: &ConfigSet,
    profile: &str,
    service: Service,
    sso_region: Option<&str>,
) -> Result<EndpointConfig, Error> {
    let p = set.profile(profile);
    let setting = |env_name: &str, key: &str| -> bool {
        env.flag(env_name)
            .or_else(|| {
                p.and_then(|p| p.value(key))
                    .map(|v| v.trim().eq_ignore_ascii_case("true"))
            })
            .unwrap_or(false)
    };
    let region = match service {
        Service::Sts | Service::Signin => {
            let region = select_region(env, set, profile);
            if let Some(r) = &region
                && let Err(e) = crate::endpoint::validate_region(r)
            {
                return Err(region_source(env, p).map_or(e.clone(), |s| s.error(&e)));
            }
            region
        }
        Service::Sso | Service::SsoOidc => sso_region.map(str::to_string),
    };
    let url = if setting(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    ) {
        None
    } else {
        match configured_url(env, set, p, service)? {
            Some((url, source)) => {
                crate::endpoint::check_custom_url(service, &url).map_err(|e| source.error(&e))?;
                Some(url)
            }
            None => None,
        }
    };
    Ok(EndpointConfig {
        region,
        use_fips: setting("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
        use_dual_stack: setting("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
        url,
    })
}

/// Where [`select_region`]'s answer came from.
fn region_source(env: &Env, p: Option<&Section>) -> Option<ValueSource> {
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if env.get(name).is_some() {
            return Some(ValueSource::Env(name.to_string()));
        }
    }
    p.and_then(|p| ValueSource::key(p, "profile ", "region"))
}

/// The configured endpoint URL and where it was set.
fn configured_url(
    env: &Env,
    set: &ConfigSet,
    p: Option<&Section>,
    service: Service,
) -> Result<Option<(String, ValueSource)>, Error> {
    let id = match service {
        Service::Sso => "sso",
        Service::SsoOidc => "sso_oidc",
        Service::Sts => "sts",
        Service::Signin => "signin",
    };
    let env_name = format!("AWS_ENDPOINT_URL_{}", id.to_ascii_uppercase());
    for name in [env_name.as_str(), "AWS_ENDPOINT_URL"] {
        if let Some(url) = env.get(name) {
            return Ok(Some((
                url.trim().to_string(),
                ValueSource::Env(name.into()),
            )));
        }
    }
    let Some(p) = p else { return Ok(None) };
    if let Some(name) = p.value("services") {
        let services = set.services(name).ok_or_else(|| {
            Error::Config(format!(
                "The profile \"{}\" is configured to use the services section \"{name}\" (services = {name}) but \
                 the \"{name}\" services configuration does not exist. Add a [services {name}] section.",
                p.name()
            ))
        })?;
        if let Some(url) = services
            .sub_properties(id)
            .and_then(|m| m.get("endpoint_url").cloned())
            && !url.is_empty()
        {
            let source = ValueSource::key(services, "services ", id)
                .map(|s| s.nested("endpoint_url"))
                .unwrap_or_else(|| {
                    ValueSource::Env(format!("[services {name}] {id}.endpoint_url"))
                });
            return Ok(Some((url, source)));
        }
    }
    Ok(p.value("endpoint_url").map(|u| {
        let source = ValueSource::key(p, "profile ", "endpoint_url")
            .unwrap_or_else(|| ValueSource::Env("endpoint_url".into()));
        (u.trim().to_string(), source)
    }))
}
