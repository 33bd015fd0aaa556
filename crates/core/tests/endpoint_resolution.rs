//! Endpoint resolution against the tables of docs/sso-portal.md §5 (sso), docs/sso-oidc-and-login.md §4 (sso-oidc) and docs/sts.md §2 (sts).

use awscred_core::endpoint::{resolve, validate_region};
use awscred_core::{Endpoint, EndpointConfig, Error, Service};

fn config(region: &str, use_fips: bool, use_dual_stack: bool) -> EndpointConfig {
    EndpointConfig {
        region: Some(region.into()),
        use_fips,
        use_dual_stack,
        url: None,
    }
}

fn url(service: Service, region: &str, fips: bool, dual: bool) -> String {
    match resolve(service, &config(region, fips, dual)) {
        Ok(Endpoint {
            url,
            signing_region,
        }) => {
            assert_eq!(signing_region, region, "signing region for {url}");
            url
        }
        Err(e) => panic!("{service:?} {region} fips={fips} dual={dual}: {e}"),
    }
}

/// (region, plain, FIPS, dual-stack, FIPS+dual-stack) host names.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn check_table(service: Service, rows: &[Row]) {
    for (region, plain, fips, dual, both) in rows {
        assert_eq!(
            url(service, region, false, false),
            format!("https://{plain}")
        );
        assert_eq!(url(service, region, true, false), format!("https://{fips}"));
        assert_eq!(url(service, region, false, true), format!("https://{dual}"));
        assert_eq!(url(service, region, true, true), format!("https://{both}"));
    }
}

#[test]
fn sso_portal_table() {
    check_table(
        Service::Sso,
        &[
            (
                "us-east-1",
                "portal.sso.us-east-1.amazonaws.com",
                "portal.sso-fips.us-east-1.amazonaws.com",
                "portal.sso.us-east-1.api.aws",
                "portal.sso-fips.us-east-1.api.aws",
            ),
            (
                "cn-north-1",
                "portal.sso.cn-north-1.amazonaws.com.cn",
                "portal.sso-fips.cn-north-1.amazonaws.com.cn",
                "portal.sso.cn-north-1.api.amazonwebservices.com.cn",
                "portal.sso-fips.cn-north-1.api.amazonwebservices.com.cn",
            ),
            (
                "us-gov-west-1",
                "portal.sso.us-gov-west-1.amazonaws.com",
                "portal.sso.us-gov-west-1.amazonaws.com",
                "portal.sso.us-gov-west-1.api.aws",
                "portal.sso-fips.us-gov-west-1.api.aws",
            ),
            (
                "eusc-de-east-1",
                "portal.sso.eusc-de-east-1.amazonaws.eu",
                "portal.sso-fips.eusc-de-east-1.amazonaws.eu",
                "portal.sso.eusc-de-east-1.api.amazonwebservices.eu",
                "portal.sso-fips.eusc-de-east-1.api.amazonwebservices.eu",
            ),
            (
                "eu-west-1",
                "portal.sso.eu-west-1.amazonaws.com",
                "portal.sso-fips.eu-west-1.amazonaws.com",
                "portal.sso.eu-west-1.api.aws",
                "portal.sso-fips.eu-west-1.api.aws",
            ),
        ],
    );
}

#[test]
fn sso_oidc_table() {
    check_table(
        Service::SsoOidc,
        &[
            (
                "us-east-1",
                "oidc.us-east-1.amazonaws.com",
                "oidc-fips.us-east-1.amazonaws.com",
                "oidc.us-east-1.api.aws",
                "oidc-fips.us-east-1.api.aws",
            ),
            (
                "cn-north-1",
                "oidc.cn-north-1.amazonaws.com.cn",
                "oidc-fips.cn-north-1.amazonaws.com.cn",
                "oidc.cn-north-1.api.amazonwebservices.com.cn",
                "oidc-fips.cn-north-1.api.amazonwebservices.com.cn",
            ),
            (
                "us-gov-west-1",
                "oidc.us-gov-west-1.amazonaws.com",
                "oidc.us-gov-west-1.amazonaws.com",
                "oidc.us-gov-west-1.api.aws",
                "oidc-fips.us-gov-west-1.api.aws",
            ),
            (
                "eusc-de-east-1",
                "oidc.eusc-de-east-1.amazonaws.eu",
                "oidc-fips.eusc-de-east-1.amazonaws.eu",
                "oidc.eusc-de-east-1.api.amazonwebservices.eu",
                "oidc-fips.eusc-de-east-1.api.amazonwebservices.eu",
            ),
        ],
    );
}

#[test]
fn sts_table() {
    check_table(
        Service::Sts,
        &[
            (
                "us-east-1",
                "sts.us-east-1.amazonaws.com",
                "sts-fips.us-east-1.amazonaws.com",
                "sts.us-east-1.api.aws",
                "sts-fips.us-east-1.api.aws",
            ),
            (
                "cn-north-1",
                "sts.cn-north-1.amazonaws.com.cn",
                "sts-fips.cn-north-1.amazonaws.com.cn",
                "sts.cn-north-1.api.amazonwebservices.com.cn",
                "sts-fips.cn-north-1.api.amazonwebservices.com.cn",
            ),
            (
                "us-gov-east-1",
                "sts.us-gov-east-1.amazonaws.com",
                "sts.us-gov-east-1.amazonaws.com",
                "sts.us-gov-east-1.api.aws",
                "sts-fips.us-gov-east-1.api.aws",
            ),
        ],
    );
}

#[test]
fn iso_partitions_use_their_suffixes() {
    let cases = [
        ("us-iso-east-1", "c2s.ic.gov", "api.aws.ic.gov"),
        ("us-isob-east-1", "sc2s.sgov.gov", "api.aws.scloud"),
        ("eu-isoe-west-1", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
        ("us-isof-south-1", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    ];
    for (region, dns, dual) in cases {
        assert_eq!(
            url(Service::Sts, region, false, false),
            format!("https://sts.{region}.{dns}")
        );
        assert_eq!(
            url(Service::Sts, region, true, false),
            format!("https://sts-fips.{region}.{dns}")
        );
        assert_eq!(
            url(Service::SsoOidc, region, false, true),
            format!("https://oidc.{region}.{dual}")
        );
        assert_eq!(
            url(Service::Sso, region, true, true),
            format!("https://portal.sso-fips.{region}.{dual}")
        );
    }
}

#[test]
fn unknown_regions_fall_back_to_aws() {
    assert_eq!(
        url(Service::Sts, "mars-north-1", false, false),
        "https://sts.mars-north-1.amazonaws.com"
    );
    assert_eq!(
        url(Service::Sso, "xx", false, true),
        "https://portal.sso.xx.api.aws"
    );
}

#[test]
fn sts_aws_global() {
    let ep = resolve(Service::Sts, &config("aws-global", false, false)).unwrap();
    assert_eq!(ep.url, "https://sts.amazonaws.com");
    assert_eq!(ep.signing_region, "us-east-1");
    // Only the plain variant is special in the rule set; FIPS keeps the pseudo-region.
    assert_eq!(
        url(Service::Sts, "aws-global", true, false),
        "https://sts-fips.aws-global.amazonaws.com"
    );
    // Not special for the SSO services.
    assert_eq!(
        url(Service::Sso, "aws-global", false, false),
        "https://portal.sso.aws-global.amazonaws.com"
    );
}

#[test]
fn missing_region() {
    for service in [Service::Sso, Service::SsoOidc, Service::Sts] {
        let err = resolve(service, &EndpointConfig::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.starts_with("Invalid Configuration: Missing Region")),
            "{err}"
        );
    }
    assert!(
        resolve(
            Service::Sso,
            &EndpointConfig {
                region: None,
                ..Default::default()
            }
        )
        .unwrap_err()
        .to_string()
        .contains("sso_region")
    );
}

#[test]
fn custom_url_is_used_verbatim() {
    let cfg = |url: &str, region: Option<&str>| EndpointConfig {
        region: region.map(Into::into),
        url: Some(url.into()),
        ..Default::default()
    };
    let ep = resolve(Service::Sso, &cfg("http://aws.global-env-override/", None)).unwrap();
    assert_eq!(ep.url, "http://aws.global-env-override");
    assert_eq!(ep.signing_region, "us-east-1");
    let ep = resolve(
        Service::Sts,
        &cfg("http://127.0.0.1:8080/prefix//", Some("eu-west-1")),
    )
    .unwrap();
    assert_eq!(ep.url, "http://127.0.0.1:8080/prefix");
    assert_eq!(ep.signing_region, "eu-west-1");
    let ep = resolve(
        Service::SsoOidc,
        &cfg("https://[::1]:443", Some("aws-global")),
    )
    .unwrap();
    assert_eq!(ep.url, "https://[::1]:443");
    assert_eq!(ep.signing_region, "aws-global");
}

#[test]
fn custom_url_with_fips_or_dual_stack_is_refused() {
    let mut cfg = EndpointConfig {
        url: Some("https://example.com".into()),
        use_fips: true,
        ..Default::default()
    };
    assert_eq!(
        resolve(Service::Sts, &cfg).unwrap_err(),
        Error::Config("Invalid Configuration: FIPS and custom endpoint are not supported".into())
    );
    cfg.use_fips = false;
    cfg.use_dual_stack = true;
    assert_eq!(
        resolve(Service::Sso, &cfg).unwrap_err(),
        Error::Config(
            "Invalid Configuration: Dualstack and custom endpoint are not supported".into()
        )
    );
}

#[test]
fn bad_custom_urls_are_refused() {
    for bad in [
        "",
        "example.com",
        "ftp://example.com",
        "https://",
        "https:///path",
        "https://user:pw@example.com",
        "https://example.com/?x=1",
        "https://example.com/#frag",
        "https://exa mple.com",
        "https://example.com\n",
        "/just/a/path",
    ] {
        let cfg = EndpointConfig {
            url: Some(bad.into()),
            region: Some("us-east-1".into()),
            ..Default::default()
        };
        match resolve(Service::Sts, &cfg) {
            Err(Error::Config(m)) => assert!(m.contains("endpoint URL"), "{bad:?}: {m}"),
            other => panic!("{bad:?} accepted: {other:?}"),
        }
    }
}

#[test]
fn regions_that_could_change_the_host_are_refused() {
    for bad in [
        "",
        "us-east-1.evil.com#",
        "us-east-1.evil.com",
        "a/b",
        "us-east-1@evil",
        "us east 1",
        "us-east-1\n",
        "-us-east-1",
        "us-east-1-",
        "US-EAST-1",
        "us_east_1",
        "ü-east-1",
        &"a".repeat(64),
    ] {
        let err = validate_region(bad).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{bad:?}: {err:?}");
        assert!(err.to_string().contains("region"), "{err}");
        // The resolver validates before building anything, with or without a custom URL.
        let cfg = config(bad, false, false);
        assert!(
            matches!(resolve(Service::Sts, &cfg), Err(Error::InvalidInput(_))),
            "{bad:?}"
        );
        let cfg = EndpointConfig {
            url: Some("https://example.com".into()),
            ..cfg
        };
        assert!(
            matches!(resolve(Service::Sso, &cfg), Err(Error::InvalidInput(_))),
            "{bad:?}"
        );
    }
    let err = validate_region("US-EAST-1").unwrap_err().to_string();
    assert!(
        err.contains("\"US-EAST-1\"") && err.contains("lower case"),
        "{err}"
    );
    for good in [
        "us-east-1",
        "aws-global",
        "a",
        "eusc-de-east-1",
        &"a".repeat(63),
    ] {
        validate_region(good).unwrap();
    }
}
