//! Profile → plan: the cross-SDK assume-role suite, the recorded profile cases, and every error.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::Error;
use awscred_core::config::{
    ConfigSet, Env, LoginTarget, Plan, Source, SsoLogin, env_credentials, plan, select_profile,
    sso_login_config,
};
use serde_json::{Map, Value, json};

fn testdata_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AWSCRED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "test data missing at {}",
            dir.display()
        );
        eprintln!("skipping: no test data at {}", dir.display());
        None
    }
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn config(text: &str) -> ConfigSet {
    ConfigSet::load(Some(("config", text.as_bytes())), None).unwrap()
}

fn plan_of(text: &str, profile: &str) -> Result<Plan, Error> {
    plan(&config(text), profile, &Env::default(), now())
}

fn config_error(text: &str, profile: &str) -> String {
    match plan_of(text, profile) {
        Err(Error::Config(m)) => m,
        other => panic!("expected a config error, got {other:?}"),
    }
}

/// The cross-SDK suite's shape: `[{AccessKey|AssumeRole|WebIdentityToken|Sso: {...}}]`.
fn chain_json(plan: &Plan) -> Value {
    let mut out = Vec::new();
    let some = |m: &mut Map<String, Value>, k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    };
    let mut m = Map::new();
    let kind = match &plan.source {
        Source::Static(c) => {
            some(&mut m, "access_key_id", Some(c.access_key_id()));
            some(&mut m, "secret_access_key", Some(c.secret_access_key()));
            some(&mut m, "account_id", c.account_id());
            "AccessKey"
        }
        Source::WebIdentity(w) => {
            some(&mut m, "role_arn", Some(&w.role_arn));
            some(&mut m, "web_identity_token_file", Some(&w.token_file));
            some(&mut m, "role_session_name", w.role_session_name.as_deref());
            "WebIdentityToken"
        }
        Source::LoginSession(l) => {
            some(&mut m, "login_session", Some(&l.login_session));
            "LoginSession"
        }
        Source::Sso(s) => {
            some(&mut m, "sso_account_id", Some(&s.account_id));
            some(&mut m, "sso_region", Some(&s.sso_region));
            some(&mut m, "sso_role_name", Some(&s.role_name));
            some(&mut m, "sso_start_url", Some(&s.start_url));
            some(&mut m, "sso_session", s.session_name.as_deref());
            "Sso"
        }
        Source::Process(p) => {
            some(&mut m, "command", Some(&p.command));
            "CredentialProcess"
        }
        Source::Imds(_) => "Ec2InstanceMetadata",
        Source::Container(_) => "EcsContainer",
    };
    match &plan.source {
        Source::Imds(_) | Source::Container(_) => out.push(json!({ "NamedSource": kind })),
        _ => out.push(json!({ kind: m })),
    }
    for step in &plan.chain {
        let mut m = Map::new();
        some(&mut m, "role_arn", Some(&step.role_arn));
        some(
            &mut m,
            "role_session_name",
            step.role_session_name.as_deref(),
        );
        some(&mut m, "external_id", step.external_id.as_deref());
        out.push(json!({ "AssumeRole": m }));
    }
    Value::Array(out)
}

/// The suite's `profiles`/`sso_sessions` written as a config file.
fn render(input: &Value) -> String {
    let mut text = String::new();
    for (section, prefix) in [("profiles", "profile"), ("sso_sessions", "sso-session")] {
        for (name, props) in input[section].as_object().into_iter().flatten() {
            text.push_str(&format!("[{prefix} {name}]\n"));
            for (k, v) in props.as_object().expect("properties") {
                text.push_str(&format!("{k} = {}\n", v.as_str().expect("string value")));
            }
        }
    }
    text
}

/// Our message (botocore's wording, naming profile and key) for each error case of the suite.
const SUITE_ERRORS: &[(&str, &str)] = &[
    (
        "role_arn without source source_profile",
        "Partial credentials found in assume-role, missing: source_profile or credential_source (profile \"A\" sets role_arn)",
    ),
    (
        "source profile and credential source both present",
        "The profile \"A\" contains both source_profile and credential_source. Keep only one.",
    ),
    (
        "partial credentials error (missing secret)",
        "Partial credentials found in profile \"B\", missing: aws_secret_access_key",
    ),
    (
        "partial credentials error (missing access key)",
        "Partial credentials found in profile \"B\", missing: aws_access_key_id",
    ),
    (
        "missing credentials error (empty source profile)",
        "The source profile \"B\" must have credentials (it is the source_profile of profile \"A\")",
    ),
    (
        "profile only contains configuration",
        "Unable to locate credentials: the profile \"A\" has none of sso_account_id/sso_role_name, role_arn, web_identity_token_file, login_session, credential_process or aws_access_key_id/aws_secret_access_key",
    ),
    (
        "missing source profile",
        "The source_profile \"B\" referenced in the profile \"A\" does not exist.",
    ),
    (
        "missing root profile (should never happen in practice)",
        "The config profile (A) could not be found",
    ),
    (
        "assume role profile infinite loop",
        "Infinite loop in credential configuration detected. Attempting to load from profile \"A\" (the source_profile of profile \"B\") which has already been visited. Visited profiles: A -> B -> A",
    ),
    (
        "infinite loop with static credentials",
        "Infinite loop in credential configuration detected. Attempting to load from profile \"A\" (the source_profile of profile \"B\") which has already been visited. Visited profiles: A -> B -> A",
    ),
    (
        "web identity role",
        "The profile \"A\" is configured to assume role with web identity (web_identity_token_file) but has no role ARN configured. Ensure that the profile has the role_arn configuration set.",
    ),
    (
        "invalid SSO credentials configuration: missing account ID",
        "The profile \"A\" is configured to use SSO but is missing required configuration: sso_account_id",
    ),
    (
        "invalid SSO credentials configuration: missing role name",
        "The profile \"A\" is configured to use SSO but is missing required configuration: sso_role_name",
    ),
    (
        "invalid SSO token configuration: sso_region must be in sso-session",
        "The profile \"A\" sets sso_session but neither sso_account_id nor sso_role_name, so the selected profile will resolve an access token instead of credentials. Add sso_account_id and sso_role_name to [profile A] to get role credentials.",
    ),
    (
        "invalid SSO token configuration: sso-session not found",
        "The specified sso-session does not exist: \"oops\" (sso_session in profile \"A\"). Add an [sso-session oops] section to the config file.",
    ),
];

/// Cases where the suite expects a chain and awscred answers differently on purpose.
const SUITE_EXCEPTIONS: &[(&str, &str)] = &[(
    "SSO token profile selected",
    "a profile with sso_session but no account/role gives a token, not credentials: plan() refuses it and \
         sso_login_config() returns the session the suite expects",
)];

#[test]
fn cross_sdk_assume_role_suite() {
    let Some(dir) = testdata_dir() else { return };
    let suite: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("profile/assume-role-tests.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for case in suite.as_array().expect("cases") {
        let docs = case["docs"].as_str().expect("docs");
        let input = &case["input"];
        let set = config(&render(input));
        let selected = input["selected_profile"].as_str().expect("selected");
        let result = plan(&set, selected, &Env::default(), now());
        match docs {
            "SSO token profile selected" => {
                let e = result.unwrap_err().to_string();
                assert!(
                    e.contains("will resolve an access token instead of credentials"),
                    "{e}"
                );
                let login = sso_login_config(&set, LoginTarget::Profile(selected)).unwrap();
                let expected = &case["output"]["ProfileChain"][0]["Sso"];
                assert_eq!(
                    login.session_name.as_deref(),
                    expected["sso_session"].as_str()
                );
                assert_eq!(Some(login.region.as_str()), expected["sso_region"].as_str());
                assert_eq!(
                    Some(login.start_url.as_str()),
                    expected["sso_start_url"].as_str()
                );
            }
            _ if case["output"].get("Error").is_some() => {
                let (_, expected) = SUITE_ERRORS
                    .iter()
                    .find(|(d, _)| *d == docs)
                    .unwrap_or_else(|| panic!("no expected message for `{docs}`"));
                assert_eq!(result, Err(Error::Config(expected.to_string())), "{docs}");
            }
            _ => {
                let plan = result.unwrap_or_else(|e| panic!("{docs}: {e}"));
                assert_eq!(chain_json(&plan), case["output"]["ProfileChain"], "{docs}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 28);
    for (docs, _) in SUITE_EXCEPTIONS {
        assert!(
            suite.as_array().unwrap().iter().any(|c| c["docs"] == *docs),
            "stale exception {docs}"
        );
    }
}

fn recorded(dir: &std::path::Path, case: &str) -> (ConfigSet, Env) {
    let base = dir.join("recorded").join(case);
    let read = |p: &str| std::fs::read(base.join("fs/home/.aws").join(p)).ok();
    let (config, credentials) = (read("config"), read("credentials"));
    let set = ConfigSet::load(
        config.as_deref().map(|b| ("config", b)),
        credentials.as_deref().map(|b| ("credentials", b)),
    )
    .unwrap();
    let env: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("env.json")).unwrap()).unwrap();
    let env = Env::from_pairs(
        env.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
    );
    (set, env)
}

#[test]
fn recorded_profile_cases() {
    let Some(dir) = testdata_dir() else { return };
    for case in [
        "profile-provider-sso_token",
        "profile-provider-invalid_sso_credentials_config",
    ] {
        let (set, env) = recorded(&dir, case);
        let e = plan(&set, &select_profile(&env, None), &env, now())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("selected profile will resolve an access token instead of credentials"),
            "{case}: {e}"
        );
    }
    let bytes =
        std::fs::read(dir.join("recorded/profile-provider-invalid_config/fs/home/.aws/config"))
            .unwrap();
    let e = ConfigSet::load(Some(("/home/.aws/config", &bytes)), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/home/.aws/config:2: Property did not have a name"
    );

    let (set, env) = recorded(
        &dir,
        "profile-provider-credential_process_account_id_fallback",
    );
    let p = plan(&set, "default", &env, now()).unwrap();
    match &p.source {
        Source::Process(proc) => {
            assert!(proc.command.starts_with("echo eyAiVmVyc2lvbiI6"));
            assert!(proc.command.ends_with("| base64 --decode"));
            assert_eq!(proc.account_id.as_deref(), Some("123456789001"));
        }
        other => panic!("{other:?}"),
    }
    assert!(p.chain.is_empty());

    let (set, env) = recorded(&dir, "profile-provider-region_override");
    let p = plan(&set, &select_profile(&env, None), &env, now()).unwrap();
    assert_eq!(p.region.as_deref(), Some("us-east-2"));
    assert_eq!(p.chain.len(), 1);
    assert!(matches!(&p.source, Source::Static(c) if c.access_key_id() == "AKIAFAKE"));

    let (set, env) = recorded(&dir, "default-chain-sso_assume_role");
    let p = plan(&set, &select_profile(&env, None), &env, now()).unwrap();
    assert_eq!(p.region.as_deref(), Some("us-west-2"));
    match &p.source {
        Source::Sso(s) => {
            assert_eq!(s.session_name, None);
            assert_eq!(s.start_url, "https://ssotest.awsapps.com/start");
            assert_eq!(s.sso_region, "us-east-2");
            assert_eq!(s.login_command(), "awscred login --profile sso-test");
        }
        other => panic!("{other:?}"),
    }
    let (set, env) = recorded(&dir, "profile-provider-sso_credentials");
    match plan(&set, "default", &env, now()).unwrap().source {
        Source::Sso(s) => {
            assert_eq!(s.session_name.as_deref(), Some("dev"));
            assert_eq!(
                (s.account_id.as_str(), s.role_name.as_str()),
                ("012345678901", "SampleRole")
            );
            assert_eq!(s.login_command(), "awscred login --sso-session dev");
            assert_eq!(s.registration_scopes, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn role_parameters_and_defaults() {
    let text = "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\nexternal_id = ext\n\
                duration_seconds = 3600\nmfa_serial = arn:aws:iam::1:mfa/me\n\
                [profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\nrole_session_name = named\n\
                duration_seconds = soon\n\
                [profile c]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = d\n\
                [profile d]\nrole_arn = arn:aws:iam::1:role/D\nsource_profile = e\n\
                [profile e]\nrole_arn = arn:aws:iam::1:role/E\nsource_profile = e\naws_access_key_id = AK\n\
                aws_secret_access_key = SK\naws_session_token = TOK\naws_account_id = 111\n";
    let p = plan_of(text, "a").unwrap();
    let roles: Vec<&str> = p.chain.iter().map(|s| s.role_arn.as_str()).collect();
    // e's own role_arn is skipped: a source profile with static keys gives those keys (botocore).
    assert_eq!(
        roles,
        [
            "arn:aws:iam::1:role/D",
            "arn:aws:iam::1:role/C",
            "arn:aws:iam::1:role/B",
            "arn:aws:iam::1:role/A"
        ]
    );
    let profiles: Vec<&str> = p.chain.iter().map(|s| s.profile.as_str()).collect();
    assert_eq!(profiles, ["d", "c", "b", "a"]);
    let a = p.chain.last().unwrap();
    assert_eq!(a.external_id.as_deref(), Some("ext"));
    assert_eq!(a.duration_seconds, Some(3600));
    assert_eq!(a.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
    assert_eq!(a.role_session_name, None);
    assert_eq!(a.session_name(), "botocore-session-1700000000");
    let b = &p.chain[2];
    assert_eq!(b.session_name(), "named");
    assert_eq!(b.duration_seconds, None);
    assert_eq!(
        p.mfa_serials().collect::<Vec<_>>(),
        ["arn:aws:iam::1:mfa/me"]
    );
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(
        p.warnings[0].to_string(),
        "config:11: duration_seconds = soon in profile \"b\" is not a whole number of seconds and is ignored (as the AWS CLI does)"
    );
    match &p.source {
        Source::Static(c) => {
            assert_eq!(c.access_key_id(), "AK");
            assert_eq!(c.session_token(), Some("TOK"));
            assert_eq!(c.account_id(), Some("111"));
        }
        other => panic!("{other:?}"),
    }
    // The plan's Debug never shows the secret.
    assert!(!format!("{p:?}").contains("SK\"") && !format!("{p:?}").contains("TOK"));
}

#[test]
fn role_with_sso_source_and_web_identity() {
    let text = "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = s\n\
                [profile s]\nsso_session = corp\nsso_account_id = 123\nsso_role_name = Admin\nsso_region = us-east-1\n\
                aws_access_key_id = IGNORED\naws_secret_access_key = IGNORED\n\
                [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
                sso_registration_scopes = sso:account:access , ,codewhisperer:completions\n\
                [profile w]\nrole_arn = arn:aws:iam::1:role/W\nweb_identity_token_file = /t\n";
    let p = plan_of(text, "a").unwrap();
    match &p.source {
        Source::Sso(s) => {
            assert_eq!(s.profile, "s");
            assert_eq!(s.session_name.as_deref(), Some("corp"));
            assert_eq!(s.start_url, "https://d-1.awsapps.com/start");
            assert_eq!(
                s.registration_scopes,
                Some(vec![
                    "sso:account:access".to_string(),
                    "codewhisperer:completions".to_string()
                ])
            );
        }
        other => panic!("static keys must lose to SSO: {other:?}"),
    }
    let w = plan_of(text, "w").unwrap();
    match &w.source {
        Source::WebIdentity(s) => {
            assert_eq!(s.session_name(), "botocore-session-1700000000");
            assert_eq!(s.token_file, "/t");
        }
        other => panic!("{other:?}"),
    }
    assert!(w.chain.is_empty());
}

#[test]
fn process_and_static_keys_follow_botocore_order() {
    // Credentials-file keys beat credential_process; config-file keys lose to it.
    let set = ConfigSet::load(
        Some(("config", b"[profile p]\ncredential_process = run\n[profile q]\ncredential_process = run\naws_access_key_id = A\naws_secret_access_key = S\n")),
        Some(("credentials", b"[p]\naws_access_key_id = A\naws_secret_access_key = S\n")),
    )
    .unwrap();
    assert!(matches!(
        plan(&set, "p", &Env::default(), now()).unwrap().source,
        Source::Static(_)
    ));
    assert!(matches!(
        plan(&set, "q", &Env::default(), now()).unwrap().source,
        Source::Process(_)
    ));
}

#[test]
fn credential_source_environment() {
    let text = "[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Environment\n\
                [profile b]\nrole_arn = arn:aws:iam::1:role/B\ncredential_source = environment\n";
    let set = config(text);
    let env = Env::from_pairs([
        ("AWS_ACCESS_KEY_ID", "AKENV"),
        ("AWS_SECRET_ACCESS_KEY", "SKENV"),
        ("AWS_SECURITY_TOKEN", "TKENV"),
        ("AWS_CREDENTIAL_EXPIRATION", "2026-11-22T10:00:00Z"),
        ("AWS_ACCOUNT_ID", "999"),
    ]);
    let p = plan(&set, "a", &env, now()).unwrap();
    match &p.source {
        Source::Static(c) => {
            assert_eq!(c.access_key_id(), "AKENV");
            assert_eq!(c.session_token(), Some("TKENV"));
            assert_eq!(c.account_id(), Some("999"));
            assert!(c.expiry().is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(p.warnings.is_empty());
    let p = plan(&set, "b", &env, now()).unwrap();
    assert_eq!(
        p.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        [
            "config:6: credential_source = environment is read as Environment; the AWS CLI only accepts the exact spelling Environment"
        ]
    );
    assert_eq!(
        plan(&set, "a", &Env::default(), now())
            .unwrap_err()
            .to_string(),
        "Error when retrieving credentials from Environment: No credentials found in credential_source referenced in profile \"a\" (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    );
    let partial = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKENV")]);
    assert_eq!(
        plan(&set, "a", &partial, now()).unwrap_err().to_string(),
        "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY (AWS_ACCESS_KEY_ID is set)"
    );
    let bad_time = Env::from_pairs([
        ("AWS_ACCESS_KEY_ID", "A"),
        ("AWS_SECRET_ACCESS_KEY", "S"),
        ("AWS_CREDENTIAL_EXPIRATION", "tomorrow"),
    ]);
    assert_eq!(
        env_credentials(&bad_time).unwrap_err().to_string(),
        "AWS_CREDENTIAL_EXPIRATION `tomorrow` is not an ISO 8601 time such as 2026-11-22T10:00:00Z"
    );
    assert_eq!(env_credentials(&Env::default()), Ok(None));
}

#[test]
fn credential_source_errors() {
    // EcsContainer without the container variables has nothing to use.
    assert_eq!(
        config_error(
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\ncredential_source = EcsContainer\n",
            "a"
        ),
        "Error when retrieving credentials from EcsContainer: No credentials found in credential_source referenced in \
         profile \"a\" (set AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI)"
    );
    assert_eq!(
        config_error(
            "[profile a]\nrole_arn = r\ncredential_source = Laptop\n",
            "a"
        ),
        "The credential source \"Laptop\" referenced in profile \"a\" is not valid. Use one of: Environment, Ec2InstanceMetadata, EcsContainer (credential_source)"
    );
}

#[test]
fn sso_errors() {
    let session =
        "[sso-session s]\nsso_start_url = https://a.awsapps.com/start\nsso_region = us-east-1\n";
    assert_eq!(
        config_error(
            &format!(
                "[profile p]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\nsso_region = eu-west-1\n{session}"
            ),
            "p"
        ),
        "The value for sso_region is inconsistent between profile \"p\" (eu-west-1) and sso-session \"s\" (us-east-1). Remove sso_region from the profile."
    );
    assert_eq!(
        config_error(
            &format!(
                "[profile p]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\nsso_start_url = https://b.awsapps.com/start\n{session}"
            ),
            "p"
        ),
        "The value for sso_start_url is inconsistent between profile \"p\" (https://b.awsapps.com/start) and sso-session \"s\" (https://a.awsapps.com/start). Remove sso_start_url from the profile."
    );
    // Equal values are fine (docs/divergences.md).
    assert!(plan_of(&format!("[profile p]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\nsso_region = us-east-1\n{session}"), "p").is_ok());
    assert_eq!(
        config_error(
            "[profile p]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n",
            "p"
        ),
        "The specified sso-session does not exist: \"nope\" (sso_session in profile \"p\"). Add an [sso-session nope] section to the config file."
    );
    assert_eq!(
        config_error(
            "[profile p]\nsso_session = s\nsso_account_id = 1\n[sso-session s]\nsso_region = us-east-1\n",
            "p"
        ),
        "The profile \"p\" is configured to use SSO but is missing required configuration: sso_start_url, sso_role_name"
    );
    assert_eq!(
        config_error("[profile p]\nsso_role_name = R\n", "p"),
        "The profile \"p\" is configured to use SSO but is missing required configuration: sso_start_url, sso_region, sso_account_id"
    );
    // A token-only profile used as a role's source.
    assert_eq!(
        config_error(
            &format!(
                "[profile a]\nrole_arn = r\nsource_profile = p\n[profile p]\nsso_session = s\n{session}"
            ),
            "a"
        ),
        "The source profile \"p\" must have credentials (it is the source_profile of profile \"a\"); it sets sso_session without sso_account_id and sso_role_name, which gives a token, not credentials"
    );
}

#[test]
fn chain_errors() {
    assert_eq!(
        config_error("[profile a]\nrole_arn = r\nsource_profile = a\n", "a"),
        "Infinite loop in credential configuration detected. Attempting to load from profile \"a\" (the source_profile of profile \"a\") which has already been visited. Visited profiles: a -> a"
    );
    assert_eq!(
        config_error(
            "[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r\nsource_profile = c\n[profile c]\nrole_arn = r\nsource_profile = b\n",
            "a"
        ),
        "Infinite loop in credential configuration detected. Attempting to load from profile \"b\" (the source_profile of profile \"c\") which has already been visited. Visited profiles: a -> b -> c -> b"
    );
    assert_eq!(
        config_error("[profile a]\nweb_identity_token_file = /t\n", "a"),
        "The profile \"a\" is configured to assume role with web identity (web_identity_token_file) but has no role ARN configured. Ensure that the profile has the role_arn configuration set."
    );
    assert_eq!(
        config_error(
            "[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nweb_identity_token_file = /t\n",
            "a"
        ),
        "The profile \"b\" is configured to assume role with web identity (web_identity_token_file) but has no role ARN configured. Ensure that the profile has the role_arn configuration set."
    );
    assert_eq!(
        config_error("[profile a]\naws_session_token = T\n", "a"),
        "Partial credentials found in profile \"a\", missing: aws_access_key_id, aws_secret_access_key"
    );
    // Empty values count as unset.
    assert_eq!(
        config_error(
            "[profile a]\nrole_arn = r\nsource_profile =\ncredential_source = \n",
            "a"
        ),
        "Partial credentials found in assume-role, missing: source_profile or credential_source (profile \"a\" sets role_arn)"
    );
}

#[test]
fn login_config() {
    let text = "[profile legacy]\nsso_start_url = https://l.awsapps.com/start\nsso_region = eu-west-1\n\
                [profile half]\nsso_start_url = https://l.awsapps.com/start\n\
                [profile modern]\nsso_session = s\n\
                [profile wrong]\nsso_session = s\nsso_region = us-west-2\n\
                [profile lost]\nsso_session = gone\n\
                [profile bare]\nsso_session = t\n\
                [sso-session s]\nsso_start_url = https://d.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes =\n\
                [sso-session t]\n";
    let set = config(text);
    assert_eq!(
        sso_login_config(&set, LoginTarget::Profile("legacy")),
        Ok(SsoLogin {
            session_name: None,
            start_url: "https://l.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            registration_scopes: None
        })
    );
    let modern = SsoLogin {
        session_name: Some("s".into()),
        start_url: "https://d.awsapps.com/start".into(),
        region: "us-east-1".into(),
        registration_scopes: Some(vec![]),
    };
    assert_eq!(
        sso_login_config(&set, LoginTarget::Profile("modern")),
        Ok(modern.clone())
    );
    assert_eq!(
        sso_login_config(&set, LoginTarget::SsoSession("s")),
        Ok(modern)
    );
    let err = |t| sso_login_config(&set, t).unwrap_err().to_string();
    assert_eq!(
        err(LoginTarget::Profile("half")),
        "Missing the following required SSO configuration values: sso_region. To make sure the profile \"half\" is properly configured to use SSO, set sso_session to an [sso-session] section that has sso_start_url and sso_region."
    );
    assert_eq!(
        err(LoginTarget::Profile("wrong")),
        "The value for sso_region is inconsistent between profile \"wrong\" (us-west-2) and sso-session \"s\" (us-east-1). Remove sso_region from the profile."
    );
    assert_eq!(
        err(LoginTarget::Profile("lost")),
        "The specified sso-session does not exist: \"gone\" (sso_session in profile \"lost\"). Add an [sso-session gone] section to the config file."
    );
    assert_eq!(
        err(LoginTarget::SsoSession("gone")),
        "The specified sso-session does not exist: \"gone\". Add an [sso-session gone] section to the config file."
    );
    assert_eq!(
        err(LoginTarget::Profile("bare")),
        "Missing the following required SSO configuration values: sso_start_url, sso_region. Add them to [sso-session t]."
    );
    assert_eq!(
        err(LoginTarget::Profile("nobody")),
        "The config profile (nobody) could not be found"
    );
}

/// docs/cli-cache-and-credential-process.md §1 vectors: the AWS CLI's AssumeRole cache file name is sha1 of these parameters.
#[test]
fn cli_cache_key_of_a_role_step() {
    use sha1::{Digest, Sha1};
    let sha = |s: &str| hex::encode(Sha1::digest(s.as_bytes()));
    let env = Env::from_pairs([("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "S")]);
    let set = config(
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n\
         [profile b]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\nexternal_id = e\n\
         role_session_name = mysess\nduration_seconds = 3600\n\
         [profile c]\nrole_arn = arn:aws:iam::1:role/\u{e9}\"\\\nsource_profile = k\nmfa_serial = m\u{1f600}\n\
         [profile k]\naws_access_key_id = A\naws_secret_access_key = S\n",
    );
    let key =
        |profile: &str| plan(&set, profile, &env, now()).unwrap().chain[0].cli_cache_key_json();
    assert_eq!(
        key("a"),
        r#"{"RoleArn": "arn:aws:iam::123456789012:role/r"}"#
    );
    assert_eq!(sha(&key("a")), "6dc9e6e1e186b9f293814df3266de783142c48a2");
    assert_eq!(
        key("b"),
        r#"{"DurationSeconds": 3600, "ExternalId": "e", "RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "mysess"}"#
    );
    assert_eq!(sha(&key("b")), "bb15fa436436b84086c3d56fe4d4550ecf14b570");
    assert_eq!(
        key("c"),
        r#"{"RoleArn": "arn:aws:iam::1:role/\u00e9\"\\", "SerialNumber": "m\ud83d\ude00"}"#
    );
}

/// botocore's profile providers: web identity, SSO, credentials-file keys, login, process,
/// config-file keys. A `login_session` profile may be a role's `source_profile`.
#[test]
fn login_session_sits_between_shared_credentials_and_credential_process() {
    let arn = "arn:aws:sts::111122223333:assumed-role/Admin/me";
    let text = format!(
        "[profile c]\nlogin_session = {arn}\ncredential_process = never\naws_access_key_id = A\n\
         aws_secret_access_key = S\n[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = c\n"
    );
    let p = plan_of(&text, "c").unwrap();
    match &p.source {
        Source::LoginSession(l) => {
            assert_eq!((l.login_session.as_str(), l.profile.as_str()), (arn, "c"))
        }
        other => panic!("{other:?}"),
    }
    let chained = plan_of(&text, "r").unwrap();
    assert!(matches!(chained.source, Source::LoginSession(_)));
    assert_eq!(chained.chain.len(), 1);
    // Keys in the credentials file win over the login session.
    let set = ConfigSet::load(
        Some((
            "config",
            format!("[profile c]\nlogin_session = {arn}\n").as_bytes(),
        )),
        Some((
            "credentials",
            b"[c]\naws_access_key_id = A\naws_secret_access_key = S\n".as_slice(),
        )),
    )
    .unwrap();
    let p = plan(&set, "c", &Env::default(), now()).unwrap();
    assert!(matches!(p.source, Source::Static(_)), "{:?}", p.source);
}
