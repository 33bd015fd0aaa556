//! The sources servers run on, planned and resolved without I/O: `credential_source` =
//! Ec2InstanceMetadata / EcsContainer under role chains, the default chain's order and its
//! error, web identity from the environment (and its AWS CLI cache entry), IMDS token reuse and
//! static stability through `ResolveFlow`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use awscred_core::config::{ConfigSet, Env, Platform, Source, default_plan, plan};
use awscred_core::flow::{Effect, Flow, Input, Step};
use awscred_core::resolve::{ResolveFlow, ResolveRequest, Resolved};
use awscred_core::{Error, TransportKind};

const NOW: u64 = 1_800_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

fn config(text: &str) -> ConfigSet {
    ConfigSet::load(Some(("config", text.as_bytes())), None).unwrap()
}

fn iso(t: SystemTime) -> String {
    awscred_core::time::format_z(t)
}

#[test]
fn credential_source_imds_and_container_are_the_base_of_role_chains() {
    let text = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\ncredential_source = Ec2InstanceMetadata\n\
                [profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = a\n\
                [profile c]\nrole_arn = arn:aws:iam::123456789012:role/C\nsource_profile = b\n\
                [profile e]\nrole_arn = arn:aws:iam::123456789012:role/E\ncredential_source = EcsContainer\n\
                [default]\nec2_metadata_service_endpoint = http://127.0.0.1:1234\n";
    let set = config(text);
    let env = Env::from_pairs([("AWS_EC2_METADATA_V1_DISABLED", "true")]);
    let p = plan(&set, "c", &env, now()).unwrap();
    let Source::Imds(imds) = &p.source else {
        panic!("{:?}", p.source)
    };
    assert!(imds.v1_disabled);
    // The selected profile's IMDS settings apply (botocore's session reads them).
    assert_eq!(imds.endpoint, "http://169.254.169.254");
    let roles: Vec<&str> = p.chain.iter().map(|s| s.role_arn.as_str()).collect();
    assert_eq!(
        roles,
        [
            "arn:aws:iam::123456789012:role/A",
            "arn:aws:iam::123456789012:role/B",
            "arn:aws:iam::123456789012:role/C"
        ]
    );

    let env = Env::from_pairs([(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://127.0.0.1:9/creds",
    )]);
    let p = plan(&set, "e", &env, now()).unwrap();
    assert!(matches!(&p.source, Source::Container(c) if c.uri == "http://127.0.0.1:9/creds"));
    assert_eq!(p.chain.len(), 1);
}

#[test]
fn default_chain_order() {
    let empty = ConfigSet::default();
    // Nothing configured: the instance metadata service, with the reasons for the others.
    let p = default_plan(&empty, "default", &Env::default(), now()).unwrap();
    assert!(matches!(p.source, Source::Imds(_)));
    let order: Vec<&str> = p.passed_over.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(
        order,
        [
            "environment",
            "web identity",
            "profile \"default\"",
            "container"
        ]
    );

    // A container endpoint comes before IMDS.
    let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")]);
    let p = default_plan(&empty, "default", &env, now()).unwrap();
    assert!(matches!(&p.source, Source::Container(c) if c.uri == "http://169.254.170.2/v2/creds"));

    // Web identity from the environment comes before the container and before the profile's
    // own SSO or keys (botocore's profile provider order).
    let env = Env::from_pairs([
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
        ("AWS_ROLE_SESSION_NAME", "ci-run"),
    ]);
    let keys = config("[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n");
    let p = default_plan(&keys, "default", &env, now()).unwrap();
    let Source::WebIdentity(w) = &p.source else {
        panic!("{:?}", p.source)
    };
    assert_eq!(w.role_arn, "arn:aws:iam::123456789012:role/ci");
    assert_eq!(w.token_file, "/var/run/token");
    assert_eq!(w.role_session_name.as_deref(), Some("ci-run"));
    assert_eq!(w.token_file_source, "AWS_WEB_IDENTITY_TOKEN_FILE");

    // Each environment variable wins over the profile's key on its own.
    let profile = config(
        "[default]\nweb_identity_token_file = /profile/token\nrole_arn = arn:aws:iam::1:role/p\nrole_session_name = p\n",
    );
    let env = Env::from_pairs([("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/env")]);
    let Source::WebIdentity(w) = default_plan(&profile, "default", &env, now())
        .unwrap()
        .source
    else {
        panic!()
    };
    assert_eq!(
        (
            w.token_file.as_str(),
            w.role_arn.as_str(),
            w.role_session_name.as_deref()
        ),
        (
            "/profile/token",
            "arn:aws:iam::123456789012:role/env",
            Some("p")
        )
    );

    // A profile's role_arn (the assume-role provider) comes before web identity.
    let role = config(
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/R\ncredential_source = Ec2InstanceMetadata\n",
    );
    let env = Env::from_pairs([
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
    ]);
    let p = default_plan(&role, "default", &env, now()).unwrap();
    assert!(matches!(p.source, Source::Imds(_)));
    assert_eq!(p.chain.len(), 1);
    assert!(p.passed_over.is_empty());

    // The profile's keys come before the container and IMDS.
    let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")]);
    assert!(matches!(
        default_plan(&keys, "default", &env, now()).unwrap().source,
        Source::Static(_)
    ));

    // A profile with only a region passes to the container/IMDS; a profile named by
    // AWS_PROFILE must exist.
    let region_only = config("[default]\nregion = eu-west-1\n");
    let p = default_plan(&region_only, "default", &Env::default(), now()).unwrap();
    assert!(matches!(p.source, Source::Imds(_)));
    assert_eq!(p.region.as_deref(), Some("eu-west-1"));
    assert!(default_plan(&empty, "ci", &Env::default(), now()).is_err());

    // Web identity without a role is an error, as in botocore.
    let env = Env::from_pairs([("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")]);
    let e = default_plan(&empty, "default", &env, now()).unwrap_err();
    assert!(e.to_string().contains("AWS_ROLE_ARN"), "{e}");
}

/// A driver of files in memory and a scripted network.
struct World {
    files: BTreeMap<PathBuf, Vec<u8>>,
    sent: Vec<http::Request<Vec<u8>>>,
}

impl World {
    fn new() -> Self {
        World {
            files: BTreeMap::new(),
            sent: Vec::new(),
        }
    }

    fn run(
        &mut self,
        request: ResolveRequest,
        at: SystemTime,
        mut net: impl FnMut(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error>,
    ) -> Result<Resolved, Error> {
        let mut flow = ResolveFlow::new(request);
        loop {
            let input = match flow.next_step(at) {
                Step::Done(r) => return r,
                Step::Effect(Effect::Read(p)) => Input::File(Ok(self.files.get(&p).cloned())),
                Step::Effect(Effect::Write { path, contents }) => {
                    self.files.insert(path, contents);
                    Input::Written(Ok(()))
                }
                Step::Effect(Effect::Send(r)) => {
                    let answer = net(&r);
                    self.sent.push(r);
                    Input::Response(answer)
                }
                Step::Effect(other) => panic!("unexpected {:?}", other.kind()),
            };
            flow.handle(input, at);
        }
    }
}

fn request(env: &[(&str, &str)]) -> ResolveRequest {
    let mut pairs = vec![("HOME", "/home")];
    pairs.extend_from_slice(env);
    let mut r = ResolveRequest::new(Env::from_pairs(pairs));
    r.platform = Platform::Unix;
    r
}

fn ok(body: &str) -> Result<http::Response<Vec<u8>>, Error> {
    Ok(http::Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

fn imds(
    expiry: SystemTime,
) -> impl FnMut(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
    move |r| match r.uri().path() {
        "/latest/api/token" => ok("TOKEN-1"),
        "/latest/meta-data/iam/security-credentials/" => ok("web"),
        "/latest/meta-data/iam/security-credentials/web" => ok(&format!(
            r#"{{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"sk","Token":"st","Expiration":"{}"}}"#,
            iso(expiry)
        )),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn default_chain_resolves_from_imds_and_reuses_the_token() {
    let mut w = World::new();
    let env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")];
    let first = w
        .run(
            request(&env),
            now(),
            imds(now() + Duration::from_secs(6 * 3600)),
        )
        .unwrap();
    assert_eq!(first.credentials.access_key_id(), "ASIAIMDS");
    assert_eq!(w.sent.len(), 3);
    assert_eq!(w.sent[0].method(), http::Method::PUT);
    assert!(first.metadata.imds_token.is_some());

    let mut again = request(&env);
    again.metadata = first.metadata.clone();
    w.sent.clear();
    w.run(
        again,
        now() + Duration::from_secs(3600),
        imds(now() + Duration::from_secs(6 * 3600)),
    )
    .unwrap();
    assert_eq!(w.sent.len(), 2, "the session token is reused");
    assert_eq!(w.sent[0].headers()["x-aws-ec2-metadata-token"], "TOKEN-1");
}

#[test]
fn static_stability_serves_the_last_good_credentials_through_an_outage() {
    let mut w = World::new();
    let env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")];
    let first = w
        .run(request(&env), now(), imds(now() + Duration::from_secs(900)))
        .unwrap();
    let mut later = request(&env);
    later.metadata = first.metadata.clone();
    let outage_at = now() + Duration::from_secs(1000);
    let served = w
        .run(later, outage_at, |_| {
            Err(Error::Transport {
                kind: TransportKind::Timeout,
                message: "timed out".into(),
            })
        })
        .unwrap();
    assert_eq!(served.credentials.access_key_id(), "ASIAIMDS");
    let expiry = served.credentials.expiry().unwrap();
    assert!(expiry > outage_at + Duration::from_secs(300), "extended");
    assert!(expiry <= outage_at + Duration::from_secs(600 + 450));
    assert_eq!(served.warnings.len(), 1);
    assert!(served.warnings[0].message.contains("extension"));

    // Without anything remembered, the outage is the error, listing the whole chain.
    let e = w
        .run(request(&env), outage_at, |_| {
            Err(Error::Transport {
                kind: TransportKind::Connect,
                message: "connection refused".into(),
            })
        })
        .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::Config(_)));
    for part in [
        "Unable to locate credentials",
        "  - environment: AWS_ACCESS_KEY_ID is not set",
        "  - web identity:",
        "  - profile \"default\":",
        "  - container:",
        "  - instance metadata (http://127.0.0.1:1):",
        "connection refused",
    ] {
        assert!(text.contains(part), "{part} in\n{text}");
    }
}

#[test]
fn container_source_reads_the_token_file_and_sends_it() {
    let mut w = World::new();
    w.files
        .insert("/run/token".into(), b"pod-identity-token".to_vec());
    let env = [
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:9/v1/credentials",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/run/token"),
    ];
    let body = format!(
        r#"{{"AccessKeyId":"ASIAPOD","SecretAccessKey":"sk","Token":"st","Expiration":"{}","AccountId":"123456789012"}}"#,
        iso(now() + Duration::from_secs(3600))
    );
    let r = w
        .run(request(&env), now(), |r| {
            assert_eq!(r.headers()["authorization"], "pod-identity-token");
            ok(&body)
        })
        .unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIAPOD");
    assert_eq!(r.credentials.account_id(), Some("123456789012"));
    // Rotated by EKS: the next resolution sends the new token.
    w.files.insert("/run/token".into(), b"rotated".to_vec());
    w.run(request(&env), now(), |r| {
        assert_eq!(r.headers()["authorization"], "rotated");
        ok(&body)
    })
    .unwrap();
}

#[test]
fn web_identity_from_the_environment_fills_and_reuses_the_cli_cache() {
    let mut w = World::new();
    w.files
        .insert("/var/run/token".into(), b"eyJ.oidc.token".to_vec());
    let env = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
        ("AWS_ROLE_SESSION_NAME", "ci-run"),
        ("AWS_REGION", "eu-west-1"),
    ];
    let expiry = iso(now() + Duration::from_secs(3600));
    let xml = format!(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEB</AccessKeyId>\
         <SecretAccessKey>sk</SecretAccessKey><SessionToken>st</SessionToken><Expiration>{expiry}</Expiration>\
         </Credentials><AssumedRoleUser><AssumedRoleId>AROA:ci-run</AssumedRoleId>\
         <Arn>arn:aws:sts::123456789012:assumed-role/ci/ci-run</Arn></AssumedRoleUser>\
         </AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
         </AssumeRoleWithWebIdentityResponse>"
    );
    let r = w.run(request(&env), now(), |r| {
        assert!(String::from_utf8_lossy(r.body()).contains("RoleSessionName=ci-run"));
        ok(&xml)
    });
    let r = r.unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIAWEB");
    assert!(!r.from_cli_cache);
    // The AWS CLI's key: sha1 of {"RoleArn": …, "RoleSessionName": …}.
    let key = awscred_core::cli_cache::assume_role_cache_key(
        &awscred_core::cli_cache::AssumeRoleKeyInput {
            role_arn: "arn:aws:iam::123456789012:role/ci",
            role_session_name: Some("ci-run"),
            external_id: None,
            serial_number: None,
            duration_seconds: None,
            policy: None,
        },
    )
    .unwrap();
    let path = PathBuf::from(format!("/home/.aws/cli/cache/{key}.json"));
    assert!(w.files.contains_key(&path), "{:?}", w.files.keys());
    let again = w
        .run(request(&env), now(), |_| panic!("served from the cache"))
        .unwrap();
    assert!(again.from_cli_cache);
    assert_eq!(again.credentials.access_key_id(), "ASIAWEB");
}

#[test]
fn no_metadata_type_shows_a_secret() {
    use awscred_core::Secret;
    use awscred_core::container::{
        Authorization, ContainerFetch, ContainerSettings, GetContainerCredentials,
    };
    use awscred_core::imds::{
        GetInstanceCredentials, GetRoleName, ImdsFetch, ImdsSettings, SessionToken, TokenAnswer,
    };
    use awscred_core::metadata::{MetadataMemory, RequestLimits};
    use awscred_core::stability::StaticStability;

    const TOKEN: &str = "IMDSTOKENzz01";
    const AUTH: &str = "PODTOKENzz02";
    const SECRET: &str = "SECRETKEYzz03";
    let limits = RequestLimits::new(Duration::from_secs(1), 1);
    let session = SessionToken::new(TOKEN, Duration::from_secs(21_600), now());
    let mut stability = StaticStability::new();
    stability
        .serve(
            Ok(awscred_core::Credentials::new(
                "ASIA",
                SECRET,
                Some(TOKEN.into()),
                Some(now() + Duration::from_secs(3600)),
            )),
            now(),
            0.5,
        )
        .unwrap();
    let settings = ContainerSettings::relative("/creds")
        .unwrap()
        .with_authorization(Some(Authorization::Token(Secret::new(AUTH))));
    let shown = [
        format!("{session:?}"),
        format!(
            "{:?}",
            TokenAnswer::Token {
                value: Secret::new(TOKEN),
                ttl: Duration::from_secs(1)
            }
        ),
        format!(
            "{:?}",
            GetRoleName {
                endpoint: "http://127.0.0.1".into(),
                token: Some(Secret::new(TOKEN)),
                limits
            }
        ),
        format!(
            "{:?}",
            GetInstanceCredentials {
                endpoint: "http://127.0.0.1".into(),
                token: Some(Secret::new(TOKEN)),
                role_name: "r".into(),
                limits
            }
        ),
        format!(
            "{:?}",
            GetContainerCredentials {
                uri: "http://127.0.0.1/".into(),
                authorization: Some(Secret::new(AUTH)),
                limits
            }
        ),
        format!("{settings:#?}"),
        format!("{:?}", ContainerFetch::new(settings.clone())),
        format!(
            "{:#?}",
            ImdsFetch::new(ImdsSettings::default(), Some(session.clone()))
        ),
        format!(
            "{:#?}",
            MetadataMemory {
                imds_token: Some(session),
                imds_stability: stability
            }
        ),
    ];
    for text in shown {
        for secret in [TOKEN, AUTH, SECRET] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
