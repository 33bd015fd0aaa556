//! Profile, region and endpoint selection from the environment and the profile (docs/config-files.md §1, §8).

use awscred_core::config::{ConfigSet, Env, endpoint_config, select_profile, select_region};
use awscred_core::{EndpointConfig, Service};

fn config(text: &str) -> ConfigSet {
    ConfigSet::load(Some(("config", text.as_bytes())), None).unwrap()
}

#[test]
fn profile_selection_order() {
    let both = Env::from_pairs([("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "d")]);
    assert_eq!(select_profile(&both, Some("x")), "x");
    assert_eq!(select_profile(&both, None), "p");
    assert_eq!(
        select_profile(
            &Env::from_pairs([("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "d")]),
            None
        ),
        "d"
    );
    assert_eq!(select_profile(&Env::default(), None), "default");
    assert_eq!(select_profile(&Env::default(), Some("")), "default");
}

#[test]
fn region_selection_order() {
    let set = config("[profile p]\nregion = eu-west-1\n");
    let env = |pairs: &[(&str, &str)]| Env::from_pairs(pairs.iter().copied());
    assert_eq!(
        select_region(
            &env(&[("AWS_REGION", "a"), ("AWS_DEFAULT_REGION", "b")]),
            &set,
            "p"
        )
        .as_deref(),
        Some("a")
    );
    assert_eq!(
        select_region(&env(&[("AWS_DEFAULT_REGION", "b")]), &set, "p").as_deref(),
        Some("b")
    );
    assert_eq!(
        select_region(&env(&[]), &set, "p").as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(select_region(&env(&[]), &set, "other"), None);
}

#[test]
fn endpoint_url_order() {
    let text = "[profile p]\nservices = svc\nendpoint_url = http://profile\nregion = eu-west-1\n\
                [profile plain]\nendpoint_url = http://profile\n\
                [profile off]\nignore_configured_endpoint_urls = TRUE\nendpoint_url = http://profile\n\
                [profile broken]\nservices = missing\n\
                [services svc]\nsts =\n  endpoint_url = http://services-sts\nsso_oidc =\n  endpoint_url = http://services-oidc\n";
    let set = config(text);
    let url = |env: &[(&str, &str)], profile: &str, service: Service| {
        endpoint_config(
            &Env::from_pairs(env.iter().copied()),
            &set,
            profile,
            service,
            Some("us-east-2"),
        )
        .unwrap()
        .url
    };
    let all = [
        ("AWS_ENDPOINT_URL_STS", "http://env-sts"),
        ("AWS_ENDPOINT_URL_SSO", "http://env-sso"),
        ("AWS_ENDPOINT_URL_SSO_OIDC", "http://env-oidc"),
        ("AWS_ENDPOINT_URL", "http://env-global"),
    ];
    assert_eq!(
        url(&all, "p", Service::Sts).as_deref(),
        Some("http://env-sts")
    );
    assert_eq!(
        url(&all, "p", Service::Sso).as_deref(),
        Some("http://env-sso")
    );
    assert_eq!(
        url(&all, "p", Service::SsoOidc).as_deref(),
        Some("http://env-oidc")
    );
    assert_eq!(
        url(&all[3..], "p", Service::Sts).as_deref(),
        Some("http://env-global")
    );
    assert_eq!(
        url(&[], "p", Service::Sts).as_deref(),
        Some("http://services-sts")
    );
    assert_eq!(
        url(&[], "p", Service::SsoOidc).as_deref(),
        Some("http://services-oidc")
    );
    assert_eq!(
        url(&[], "p", Service::Sso).as_deref(),
        Some("http://profile")
    );
    assert_eq!(
        url(&[], "plain", Service::Sts).as_deref(),
        Some("http://profile")
    );
    assert_eq!(url(&[], "nobody", Service::Sts), None);
    assert_eq!(url(&all, "off", Service::Sts), None);
    assert_eq!(
        url(
            &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")],
            "p",
            Service::Sts
        ),
        None
    );
    // The environment's `false` beats the profile's `true`.
    assert_eq!(
        url(
            &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")],
            "off",
            Service::Sts
        )
        .as_deref(),
        Some("http://profile")
    );
    let e = endpoint_config(&Env::default(), &set, "broken", Service::Sts, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The profile \"broken\" is configured to use the services section \"missing\" (services = missing) but the \"missing\" services configuration does not exist. Add a [services missing] section."
    );
}

#[test]
fn regions_and_flags() {
    let set = config(
        "[profile p]\nregion = eu-west-1\nuse_fips_endpoint = true\nuse_dualstack_endpoint = True\n[profile q]\n",
    );
    let env = Env::from_pairs([("AWS_REGION", "ap-south-1")]);
    assert_eq!(
        endpoint_config(&env, &set, "p", Service::Sts, Some("us-east-2")).unwrap(),
        EndpointConfig {
            region: Some("ap-south-1".into()),
            use_fips: true,
            use_dual_stack: true,
            url: None
        }
    );
    assert_eq!(
        endpoint_config(&env, &set, "p", Service::Sso, Some("us-east-2"))
            .unwrap()
            .region
            .as_deref(),
        Some("us-east-2")
    );
    let env = Env::from_pairs([
        ("AWS_USE_FIPS_ENDPOINT", "false"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
    ]);
    let c = endpoint_config(&env, &set, "q", Service::SsoOidc, None).unwrap();
    assert_eq!(
        (c.use_fips, c.use_dual_stack, c.region),
        (false, true, None)
    );
    let c = endpoint_config(&env, &set, "p", Service::Sts, None).unwrap();
    assert_eq!(
        (c.use_fips, c.region.as_deref()),
        (false, Some("eu-west-1"))
    );
}

/// The recorded endpoint-override cases: the STS URL they were recorded against.
#[test]
fn recorded_endpoint_overrides() {
    let dir = std::env::var_os("AWSCRED_TESTDATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata").into())
        .join("recorded");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "test data missing at {}",
            dir.display()
        );
        return;
    }
    for (case, service, expected) in [
        (
            "profile-provider-assume_role_override_global_env_url",
            Service::Sts,
            "http://aws.global-env-override",
        ),
        (
            "profile-provider-assume_role_override_global_profile_url",
            Service::Sts,
            "http://aws.global-profile-override",
        ),
        (
            "profile-provider-assume_role_override_service_env_url",
            Service::Sts,
            "http://aws.sts-env-override",
        ),
        (
            "profile-provider-assume_role_override_service_profile_url",
            Service::Sts,
            "http://aws.service-profile-override",
        ),
        (
            "profile-provider-sso_override_global_env_url",
            Service::Sso,
            "http://aws.global-env-override",
        ),
    ] {
        let base = dir.join(case);
        let config = std::fs::read(base.join("fs/home/.aws/config")).unwrap();
        let set = ConfigSet::load(Some(("config", &config)), None).unwrap();
        let env: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(base.join("env.json")).unwrap()).unwrap();
        let env = Env::from_pairs(
            env.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
        );
        let traffic = std::fs::read_to_string(base.join("http-traffic.json")).unwrap();
        assert!(
            traffic.contains(expected),
            "{case}: the recording does not call {expected}"
        );
        let c = endpoint_config(
            &env,
            &set,
            &select_profile(&env, None),
            service,
            Some("us-east-1"),
        )
        .unwrap();
        assert_eq!(c.url.as_deref(), Some(expected), "{case}");
    }
}
