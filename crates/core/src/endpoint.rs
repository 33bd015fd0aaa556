//! Endpoints for sso (portal), sso-oidc and sts in every partition (docs/sso-portal.md §5, docs/sso-oidc-and-login.md §4, docs/sts.md §2).
//!
//! This is the endpoint rule sets of the three services reduced to what they compute: a custom
//! URL wins; otherwise the region picks a partition (explicit pseudo-regions, then each
//! partition's region pattern, else `aws`), and the partition's DNS suffixes give the host.
//! Region names are validated first, because they are pasted into a host name: nothing a caller
//! passes may change which host is contacted.

use crate::Error;

/// The services awscred talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// The SSO portal (`portal.sso`).
    Sso,
    /// SSO-OIDC (`oidc`).
    SsoOidc,
    /// STS (`sts`).
    Sts,
    /// AWS Sign-In (`signin`): the token endpoint of console login sessions (`aws login`).
    /// Its host puts the region first (`us-east-1.signin.aws.amazon.com`), see
    /// `docs/login-session.md` §4.
    Signin,
}

/// What endpoint resolution starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointConfig {
    /// The region (`sso_region` for sso and sso-oidc, the session region for sts).
    pub region: Option<String>,
    /// `use_fips_endpoint`.
    pub use_fips: bool,
    /// `use_dualstack_endpoint`.
    pub use_dual_stack: bool,
    /// A configured endpoint URL (AWS_ENDPOINT_URL_*, `[services]`, `endpoint_url`), used verbatim.
    pub url: Option<String>,
}

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Base URL without a trailing `/`, e.g. `https://portal.sso.us-east-1.amazonaws.com`.
    pub url: String,
    /// The region requests to it are signed for.
    pub signing_region: String,
}

/// The region requests are signed for when a custom URL is configured without a region, and
/// for STS's `aws-global` pseudo-region.
const DEFAULT_SIGNING_REGION: &str = "us-east-1";

/// The longest region name accepted (a DNS label).
const MAX_REGION_LEN: usize = 63;

/// One AWS partition as `partitions.json` describes it (docs/sso-portal.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Partition {
    name: &'static str,
    /// Region prefixes: a region `<prefix>-<word>-<digits>` belongs here.
    prefixes: &'static [&'static str],
    /// Region names listed explicitly (pseudo-regions the pattern does not match).
    regions: &'static [&'static str],
    dns_suffix: &'static str,
    dual_stack_dns_suffix: &'static str,
}

/// In `partitions.json` order; `aws` is also the fallback for unknown names.
const PARTITIONS: &[Partition] = &[
    Partition {
        name: "aws",
        prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
        regions: &["aws-global"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
    },
    Partition {
        name: "aws-cn",
        prefixes: &["cn"],
        regions: &["aws-cn-global"],
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
    },
    Partition {
        name: "aws-us-gov",
        prefixes: &["us-gov"],
        regions: &["aws-us-gov-global"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
    },
    Partition {
        name: "aws-iso",
        prefixes: &["us-iso"],
        regions: &["aws-iso-global"],
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
    },
    Partition {
        name: "aws-iso-b",
        prefixes: &["us-isob"],
        regions: &["aws-iso-b-global"],
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
    },
    Partition {
        name: "aws-iso-e",
        prefixes: &["eu-isoe"],
        regions: &[],
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
    },
    Partition {
        name: "aws-iso-f",
        prefixes: &["us-isof"],
        regions: &[],
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
    },
    Partition {
        name: "aws-eusc",
        prefixes: &["eusc-de"],
        regions: &[],
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
    },
];

impl Service {
    /// The host label of the plain and the FIPS endpoint.
    fn host_prefixes(self) -> (&'static str, &'static str) {
        match self {
            Service::Sso => ("portal.sso", "portal.sso-fips"),
            Service::SsoOidc => ("oidc", "oidc-fips"),
            Service::Sts => ("sts", "sts-fips"),
            Service::Signin => ("signin", "signin-fips"),
        }
    }

    /// The name used in messages and in `AWS_ENDPOINT_URL_<NAME>`.
    fn display_name(self) -> &'static str {
        match self {
            Service::Sso => "sso",
            Service::SsoOidc => "sso-oidc",
            Service::Sts => "sts",
            Service::Signin => "signin",
        }
    }

    /// The setting that provides this service's region, for the missing-region hint.
    fn region_setting(self) -> &'static str {
        match self {
            Service::Sso | Service::SsoOidc => "`sso_region`",
            Service::Sts | Service::Signin => "`region` (or AWS_REGION)",
        }
    }
}

/// Resolves the endpoint of `service` the way the AWS CLI v2's endpoint rule sets do.
///
/// A configured URL is used verbatim (trailing `/` removed) and cannot be combined with FIPS or
/// dual-stack. Otherwise a region is required; see the tables in docs/sso-portal.md §5, docs/sso-oidc-and-login.md §4 and docs/sts.md §2 for the results.
pub fn resolve(service: Service, config: &EndpointConfig) -> Result<Endpoint, Error> {
    if let Some(region) = &config.region {
        validate_region(region)?;
    }
    if let Some(url) = &config.url {
        if config.use_fips {
            return Err(Error::Config(
                "Invalid Configuration: FIPS and custom endpoint are not supported".into(),
            ));
        }
        if config.use_dual_stack {
            return Err(Error::Config(
                "Invalid Configuration: Dualstack and custom endpoint are not supported".into(),
            ));
        }
        let url = validate_custom_url(service, url)?;
        let signing_region = config
            .region
            .clone()
            .unwrap_or_else(|| DEFAULT_SIGNING_REGION.into());
        return Ok(Endpoint {
            url,
            signing_region,
        });
    }
    let Some(region) = config.region.as_deref() else {
        return Err(Error::Config(format!(
            "Invalid Configuration: Missing Region (the {} endpoint needs a region: set {})",
            service.display_name(),
            service.region_setting()
        )));
    };
    let partition = partition_of(region);
    if service == Service::Signin {
        return signin_host(region, partition, config).map(|host| Endpoint {
            url: format!("https://{host}"),
            signing_region: region.to_owned(),
        });
    }
    let (plain, fips) = service.host_prefixes();
    let host = match (config.use_fips, config.use_dual_stack) {
        (true, true) => format!("{fips}.{region}.{}", partition.dual_stack_dns_suffix),
        // GovCloud endpoints are FIPS endpoints already and have no `-fips` host.
        (true, false) if partition.name == "aws-us-gov" => {
            format!("{plain}.{region}.amazonaws.com")
        }
        (true, false) => format!("{fips}.{region}.{}", partition.dns_suffix),
        (false, true) => format!("{plain}.{region}.{}", partition.dual_stack_dns_suffix),
        (false, false) if service == Service::Sts && region == "aws-global" => {
            return Ok(Endpoint {
                url: "https://sts.amazonaws.com".into(),
                signing_region: DEFAULT_SIGNING_REGION.into(),
            });
        }
        (false, false) => format!("{plain}.{region}.{}", partition.dns_suffix),
    };
    Ok(Endpoint {
        url: format!("https://{host}"),
        signing_region: region.to_owned(),
    })
}

/// The Sign-In host of `region`: botocore's `signin` endpoint rule set (data/signin/
/// 2023-01-01/endpoint-rule-set-1.json) for the token endpoint, whose hosts put the region
/// first and use the partition's sign-in domain. FIPS and dual-stack sign-in endpoints are not
/// offered for it; awscred says so rather than guess a host.
fn signin_host(
    region: &str,
    partition: &Partition,
    config: &EndpointConfig,
) -> Result<String, Error> {
    if config.use_fips || config.use_dual_stack {
        return Err(Error::Unsupported(format!(
            "FIPS or dual-stack endpoints for AWS Sign-In (login_session profiles, region {region}); \
             set AWS_ENDPOINT_URL_SIGNIN to the endpoint to use"
        )));
    }
    let domain = match partition.name {
        "aws" => "signin.aws.amazon.com",
        "aws-cn" => "signin.amazonaws.cn",
        "aws-us-gov" => "signin.amazonaws-us-gov.com",
        "aws-iso" => "signin.c2shome.ic.gov",
        "aws-iso-b" => "signin.sc2shome.sgov.gov",
        other => {
            return Err(Error::Unsupported(format!(
                "AWS Sign-In in the {other} partition (region {region}); set AWS_ENDPOINT_URL_SIGNIN \
                 to its endpoint"
            )));
        }
    };
    Ok(format!("{region}.{domain}"))
}

/// Checks that `region` is a plausible region name: 1 to 63 characters of `a-z`, `0-9` and `-`,
/// not starting or ending with `-`. Region names become part of a host name and of the SigV4
/// scope, so anything else (dots, slashes, `#`, `@`, upper case, spaces) is refused.
pub fn validate_region(region: &str) -> Result<(), Error> {
    let problem = if region.is_empty() {
        Some("it is empty")
    } else if region.len() > MAX_REGION_LEN {
        Some("it is longer than 63 characters")
    } else if region.bytes().any(|b| b.is_ascii_uppercase())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Some("region names are lower case")
    } else if !region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only lower-case letters, digits and `-` are allowed")
    } else if region.starts_with('-') || region.ends_with('-') {
        Some("it cannot start or end with `-`")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(why) => Err(Error::InvalidInput(format!(
            "{} is not a valid region name: {why} (expected something like `us-east-1`)",
            quoted(region)
        ))),
    }
}

/// The name of the partition `region` belongs to (`aws`, `aws-cn`, `aws-us-gov`, …); unknown
/// names fall back to `aws` like the rule sets do.
pub fn partition_name(region: &str) -> &'static str {
    partition_of(region).name
}

/// The partition `region` belongs to; unknown names fall back to `aws` like the rule sets do.
fn partition_of(region: &str) -> &'static Partition {
    let fallback = &PARTITIONS[0];
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| {
            PARTITIONS.iter().find(|p| {
                p.prefixes
                    .iter()
                    .any(|pre| matches_region_pattern(region, pre))
            })
        })
        .unwrap_or(fallback)
}

/// `^<prefix>-\w+-\d+$`, the shape of every partition's `regionRegex`.
fn matches_region_pattern(region: &str, prefix: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let Some((word, number)) = rest.rsplit_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a configured endpoint URL for `service` the way [`resolve`] does, so a caller that
/// knows where the URL was set can say so in the error.
pub fn check_custom_url(service: Service, url: &str) -> Result<(), Error> {
    validate_custom_url(service, url).map(|_| ())
}

/// A custom endpoint must be an absolute `http`/`https` URL with a host and nothing the
/// operations could not append a path to (no query, fragment or user info). `http` is accepted
/// here (emulators, proxies); the drivers refuse it except on loopback.
fn validate_custom_url(service: Service, url: &str) -> Result<String, Error> {
    let invalid = |why: &str| {
        Error::Config(format!(
            "the configured {} endpoint URL {} is not usable: {why}",
            service.display_name(),
            quoted(url)
        ))
    };
    if url
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(invalid("it contains spaces or control characters"));
    }
    if url.contains('#') || url.contains('?') {
        return Err(invalid("it cannot have a query or fragment"));
    }
    let uri: http::Uri = url
        .parse()
        .map_err(|_| invalid("it is not a URL (expected e.g. `https://host:port`)"))?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http") => {}
        Some(_) => return Err(invalid("the scheme must be `https` or `http`")),
        None => return Err(invalid("it needs a scheme, e.g. `https://`")),
    }
    let Some(authority) = uri.authority() else {
        return Err(invalid("it has no host"));
    };
    if authority.as_str().contains('@') {
        return Err(invalid("it cannot contain a user name or password"));
    }
    if authority.host().is_empty() {
        return Err(invalid("it has no host"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// `value` for an error message: Debug-quoted (control characters escaped) and cut short.
fn quoted(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() > MAX {
        let cut: String = value.chars().take(MAX).collect();
        format!("{cut:?}…")
    } else {
        format!("{value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_pattern() {
        assert!(matches_region_pattern("us-east-1", "us"));
        assert!(!matches_region_pattern("us-gov-west-1", "us"));
        assert!(matches_region_pattern("us-gov-west-1", "us-gov"));
        assert!(!matches_region_pattern("us-east-", "us"));
        assert!(!matches_region_pattern("us--1", "us"));
        assert!(!matches_region_pattern("useast-1", "us"));
        assert!(!matches_region_pattern("us-east-1a", "us"));
    }

    #[test]
    fn partition_lookup() {
        let name = |r| partition_of(r).name;
        assert_eq!(name("us-east-1"), "aws");
        assert_eq!(name("mx-central-1"), "aws");
        assert_eq!(name("aws-global"), "aws");
        assert_eq!(name("cn-northwest-1"), "aws-cn");
        assert_eq!(name("aws-cn-global"), "aws-cn");
        assert_eq!(name("us-gov-east-1"), "aws-us-gov");
        assert_eq!(name("us-iso-west-1"), "aws-iso");
        assert_eq!(name("us-isob-east-1"), "aws-iso-b");
        assert_eq!(name("eu-isoe-west-1"), "aws-iso-e");
        assert_eq!(name("us-isof-south-1"), "aws-iso-f");
        assert_eq!(name("eusc-de-east-1"), "aws-eusc");
        assert_eq!(name("eusc-fr-east-1"), "aws");
        assert_eq!(name("mars-north-1"), "aws");
    }
}

/// Refuses to send anything over plain HTTP unless it stays on this machine.
///
/// Bearer tokens, client secrets and signed requests must not cross a network in clear text;
/// `http://` is still useful for local emulators and test doubles on loopback.
pub fn check_transport_security(uri: &http::Uri) -> Result<(), Error> {
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if uri.host().is_some_and(is_loopback_host) => Ok(()),
        Some("http") => Err(Error::InvalidInput(format!(
            "refusing to send credentials over plain HTTP to {}; use an https:// endpoint (http:// is allowed only for 127.0.0.1, ::1 and localhost)",
            uri.host().unwrap_or("an unknown host")
        ))),
        _ => Err(Error::InvalidInput(format!(
            "the endpoint `{uri}` is not an http(s) URL"
        ))),
    }
}

/// Whether `host` (as found in a URI, IPv6 in brackets) names this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod transport_tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "https://sts.amazonaws.com/",
            "http://127.0.0.1:8080/",
            "http://[::1]:1/",
            "http://localhost/",
            "http://127.9.9.9/",
        ] {
            assert!(
                check_transport_security(&ok.parse().unwrap()).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://sts.amazonaws.com/",
            "http://10.0.0.1/",
            "http://localhost.evil.com/",
            "http://127.0.0.1.evil.com/",
        ] {
            let e = check_transport_security(&bad.parse().unwrap())
                .unwrap_err()
                .to_string();
            assert!(e.contains("plain HTTP"), "{bad}: {e}");
        }
    }
}
