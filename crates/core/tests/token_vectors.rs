//! Every cache-file vector of docs/sso-oidc-and-login.md §5, docs/token-cache.md, docs/cli-cache-and-credential-process.md §1 and docs/test-vectors.md, byte for byte. Expected bytes not
//! in the spec were produced by CPython's `json.dumps` the way the AWS CLI calls it.

use std::time::{Duration, SystemTime};

use awscred_core::Credentials;
use awscred_core::cli_cache::{
    self, AssumeRoleEntry, AssumeRoleKeyInput, ResponseMetadata, SsoKeyPart,
};
use awscred_core::registration::{
    Registration, RegistrationKeyInput, RegistrationKind, registration_cache_key,
    registration_file_name,
};
use awscred_core::time::from_epoch_secs;
use awscred_core::token::{CachedToken, TokenGrant, token_cache_key, token_file_name};

fn at(text: &str) -> SystemTime {
    awscred_core::time::parse(text).unwrap()
}

#[test]
fn token_file_names() {
    for (key, hex) in [
        ("admin", "d033e22ae348aeb5660fc2140aec35850c4da997"),
        ("dev", "34c6fceca75e456f25e7e99531e2425c6c1de443"),
        ("my-sso", "0ad374308c5a4e22f723adf10145eafad7c4031c"),
        (
            "https://d-92671207e4.awsapps.com/start",
            "13f9d35043871d073ab260e020f0ffde092cb14b",
        ),
    ] {
        assert_eq!(token_cache_key(key), hex);
        assert_eq!(token_file_name(key), format!("{hex}.json"));
    }
}

const CLI_TOKEN: &str = r#"{"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1", "accessToken": "aoa-token", "expiresAt": "2026-11-22T10:00:00Z", "clientId": "cid-1", "clientSecret": "csecret", "registrationExpiresAt": "2027-02-20T02:00:00Z", "refreshToken": "aor-token"}"#;

#[test]
fn cli_token_example_round_trips_byte_for_byte() {
    let token = CachedToken::parse(CLI_TOKEN.as_bytes()).unwrap();
    assert_eq!(token.access_token, "aoa-token");
    assert_eq!(token.expires_at, at("2026-11-22T10:00:00Z"));
    assert_eq!(
        token.registration_expires_at,
        Some(at("2027-02-20T02:00:00Z"))
    );
    assert_eq!(token.refresh_token.as_deref(), Some("aor-token"));
    assert_eq!(token.region.as_deref(), Some("us-east-1"));
    assert_eq!(String::from_utf8(token.to_json()).unwrap(), CLI_TOKEN);
}

#[test]
fn login_token_matches_the_cli() {
    let registration = Registration {
        client_id: "cid-1".into(),
        client_secret: "csecret".into(),
        expires_at: at("2027-02-20T02:00:00Z"),
        scopes: None,
        grant_types: None,
    };
    let grant = TokenGrant {
        access_token: "aoa-token".into(),
        expires_in: 28_800,
        refresh_token: Some("aor-token".into()),
    };
    let now = at("2026-11-22T02:00:00Z");
    let token = CachedToken::from_login(
        "https://d-123.awsapps.com/start",
        "us-east-1",
        &grant,
        &registration,
        now,
    );
    assert_eq!(String::from_utf8(token.to_json()).unwrap(), CLI_TOKEN);
}

#[test]
fn non_ascii_is_escaped_like_python() {
    let mut token = CachedToken::parse(CLI_TOKEN.as_bytes()).unwrap();
    token.access_token = "aoa-t\u{e9}st/\u{2603}".into();
    token.client_id = Some("cid".into());
    token.client_secret = Some("csec".into());
    token.refresh_token = Some("rt".into());
    let want = r#"{"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1", "accessToken": "aoa-t\u00e9st/\u2603", "expiresAt": "2026-11-22T10:00:00Z", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2027-02-20T02:00:00Z", "refreshToken": "rt"}"#;
    assert_eq!(String::from_utf8(token.to_json()).unwrap(), want);
}

#[test]
fn lenient_token_reads() {
    // Rust SDK style: other key order, fractions, different case; Go style: offsets.
    let text = r#"{"AccessToken":"a","EXPIRESAT":"2026-11-22T10:00:00.123456Z","refreshtoken":"r","unknownKey":{"n":[1,2.5]}}"#;
    let t = CachedToken::parse(text.as_bytes()).unwrap();
    assert_eq!(t.access_token, "a");
    assert_eq!(
        t.expires_at,
        at("2026-11-22T10:00:00Z") + Duration::from_micros(123_456)
    );
    assert_eq!(t.refresh_token.as_deref(), Some("r"));
    assert_eq!(t.unknown.keys().collect::<Vec<_>>(), ["unknownKey"]);
    assert_eq!(
        String::from_utf8(t.to_json()).unwrap(),
        r#"{"accessToken": "a", "expiresAt": "2026-11-22T10:00:00Z", "refreshToken": "r", "unknownKey": {"n": [1, 2.5]}}"#
    );
    for form in [
        "2026-11-22T10:00:00UTC",
        "2026-11-22T10:00:00+00:00",
        "2026-11-22T11:00:00+01:00",
    ] {
        let text = format!(r#"{{"accessToken": "a", "expiresAt": "{form}"}}"#);
        assert_eq!(
            CachedToken::parse(text.as_bytes()).unwrap().expires_at,
            at("2026-11-22T10:00:00Z")
        );
    }
    // The exact key wins over a case variant.
    let both =
        r#"{"accessToken": "exact", "ACCESSTOKEN": "other", "expiresAt": "2026-11-22T10:00:00Z"}"#;
    let t = CachedToken::parse(both.as_bytes()).unwrap();
    assert_eq!(t.access_token, "exact");
    assert!(t.unknown.is_empty());
}

#[test]
fn unusable_tokens_are_errors_that_do_not_leak() {
    for bad in [
        "",
        "[]",
        "{",
        r#"{"expiresAt": "2026-11-22T10:00:00Z"}"#,
        r#"{"accessToken": "SECRETVALUE"}"#,
        r#"{"accessToken": "SECRETVALUE", "expiresAt": "soon"}"#,
        r#"{"accessToken": "", "expiresAt": "2026-11-22T10:00:00Z"}"#,
        r#"{"accessToken": 5, "expiresAt": "2026-11-22T10:00:00Z"}"#,
    ] {
        let err = CachedToken::parse(bad.as_bytes()).unwrap_err();
        assert!(!err.to_string().contains("SECRETVALUE"), "{err}");
    }
}

/// The token files of the AWS SDK test suites (written by hand or by other SDKs) all read.
#[test]
fn sdk_test_suite_token_files_parse() {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/recorded"
    );
    let root = std::path::Path::new(root);
    if !root.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "test data missing at {}",
            root.display()
        );
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.to_string_lossy().contains(".aws/sso/cache/") {
                files.push(path);
            }
        }
    }
    assert!(
        files.len() >= 5,
        "expected the SDK token fixtures, found {}",
        files.len()
    );
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let token =
            CachedToken::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again = CachedToken::parse(&token.to_json()).unwrap();
        assert_eq!(again, token, "{}", path.display());
    }
}

#[test]
fn registration_cache_keys() {
    let scopes = vec!["sso:account:access".to_string()];
    let mut input = RegistrationKeyInput {
        start_url: "https://d-123.awsapps.com/start",
        region: "us-east-1",
        scopes: Some(&scopes),
        session_name: Some("my-sso"),
    };
    assert_eq!(
        registration_cache_key(&input),
        "41703fba9789c2c8f9b7faa73b70bebb72c62cc9"
    );
    input.scopes = None;
    assert_eq!(
        registration_cache_key(&input),
        "4a61d5c0d0268ea975225ec49ec41d69c98d0633"
    );
    assert_eq!(
        registration_file_name(&input),
        "4a61d5c0d0268ea975225ec49ec41d69c98d0633.json"
    );
}

#[test]
fn registration_files_match_the_cli() {
    let pkce = r#"{"clientId": "cid", "clientSecret": "cs", "expiresAt": "2027-02-20T02:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#;
    let reg = Registration::parse(pkce.as_bytes()).unwrap();
    assert_eq!(reg.kind(), RegistrationKind::AuthorizationCode);
    assert_eq!(String::from_utf8(reg.to_json()).unwrap(), pkce);

    let device =
        r#"{"clientId": "cid", "clientSecret": "cs", "expiresAt": "2027-02-20T02:00:00Z"}"#;
    let reg = Registration::parse(device.as_bytes()).unwrap();
    assert_eq!(reg.kind(), RegistrationKind::DeviceCode);
    assert_eq!(String::from_utf8(reg.to_json()).unwrap(), device);
    assert!(!format!("{reg:?}").contains("\"cs\""));
}

#[test]
fn registration_reuse_rule() {
    let expires = at("2027-02-20T02:00:00Z");
    let reg = Registration {
        client_id: "c".into(),
        client_secret: "s".into(),
        expires_at: expires,
        scopes: None,
        grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
    };
    let window = Duration::from_secs(900);
    assert!(reg.is_reusable(RegistrationKind::AuthorizationCode, expires - window));
    assert!(!reg.is_reusable(
        RegistrationKind::AuthorizationCode,
        expires - window + Duration::from_secs(1)
    ));
    assert!(!reg.is_reusable(RegistrationKind::DeviceCode, expires - window));
    let device = Registration {
        grant_types: None,
        ..reg.clone()
    };
    assert!(device.is_reusable(RegistrationKind::DeviceCode, expires - window));
    assert!(!device.is_reusable(RegistrationKind::AuthorizationCode, expires - window));
}

#[test]
fn cli_sso_cache_keys() {
    assert_eq!(
        cli_cache::sso_cache_key("123456789012", "Admin", SsoKeyPart::SessionName("my-sso")),
        "c30b99aca80d8f5b3178e353f05b2abcc9a4ccd3"
    );
    assert_eq!(
        cli_cache::sso_cache_key(
            "123456789012",
            "Admin",
            SsoKeyPart::StartUrl("https://d-123.awsapps.com/start")
        ),
        "6898efe139a134a0f1e40a5325c9e4a0f4e25fee"
    );
    // Non-ASCII session names are hashed in their `\u` form, as Python does.
    assert_eq!(
        cli_cache::sso_cache_key(
            "123456789012",
            "Admin",
            SsoKeyPart::SessionName("caf\u{e9}")
        ),
        "b580aad2a661eda102bbf1cc1d4b3445f306e0be"
    );
}

#[test]
fn cli_assume_role_cache_keys() {
    let arn = "arn:aws:iam::123456789012:role/r";
    let plain = AssumeRoleKeyInput {
        role_arn: arn,
        ..Default::default()
    };
    assert_eq!(
        cli_cache::assume_role_cache_key(&plain).unwrap(),
        "6dc9e6e1e186b9f293814df3266de783142c48a2"
    );
    let full = AssumeRoleKeyInput {
        role_arn: arn,
        role_session_name: Some("mysess"),
        external_id: Some("e"),
        duration_seconds: Some(3600),
        ..Default::default()
    };
    assert_eq!(
        cli_cache::assume_role_cache_key(&full).unwrap(),
        "bb15fa436436b84086c3d56fe4d4550ecf14b570"
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"x":1.5}}}]}"#;
    let with_policy = AssumeRoleKeyInput {
        role_arn: arn,
        policy: Some(policy),
        ..Default::default()
    };
    assert_eq!(
        cli_cache::assume_role_cache_key(&with_policy).unwrap(),
        "6332bad0ee1b45cb6403057de6e5948c11a0413d"
    );
    let broken = AssumeRoleKeyInput {
        role_arn: arn,
        policy: Some("{"),
        ..Default::default()
    };
    assert!(cli_cache::assume_role_cache_key(&broken).is_err());
}

fn creds(account: Option<&str>) -> Credentials {
    Credentials::new(
        "ASIA2",
        "S2",
        Some("T2".into()),
        Some(at("2026-11-22T03:04:43Z")),
    )
    .with_account_id(account.map(String::from))
}

const SSO_ENTRY: &str = r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA2", "SecretAccessKey": "S2", "SessionToken": "T2", "Expiration": "2026-11-22T03:04:43Z", "AccountId": "123456789012"}}"#;

#[test]
fn sso_entry_matches_the_cli() {
    let bytes = cli_cache::sso_entry(&creds(Some("123456789012"))).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), SSO_ENTRY);
    assert_eq!(
        cli_cache::parse_entry(SSO_ENTRY.as_bytes()).unwrap(),
        creds(Some("123456789012"))
    );
    assert!(cli_cache::is_sso_entry(SSO_ENTRY.as_bytes()));
    let no_expiry = Credentials::new("A", "S", None, None);
    assert!(cli_cache::sso_entry(&no_expiry).is_err());
}

const ASSUME_ROLE_ENTRY: &str = r#"{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2026-11-22T03:04:43UTC", "AccountId": "123456789012"}, "AssumedRoleUser": {"AssumedRoleId": "AROA123:sess", "Arn": "arn:aws:sts::123456789012:assumed-role/r/sess"}, "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": 200, "HTTPHeaders": {"x-amzn-requestid": "req-1", "content-type": "text/xml", "content-length": "1491", "date": "Sun, 22 Nov 2026 02:04:43 GMT"}, "RetryAttempts": 0}}"#;

#[test]
fn assume_role_entry_matches_the_cli() {
    let c = Credentials::new(
        "ASIA",
        "S",
        Some("T".into()),
        Some(at("2026-11-22T03:04:43Z")),
    )
    .with_account_id(Some("123456789012".into()));
    let headers: Vec<(String, String)> = [
        ("x-amzn-requestid", "req-1"),
        ("content-type", "text/xml"),
        ("content-length", "1491"),
        ("date", "Sun, 22 Nov 2026 02:04:43 GMT"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let entry = AssumeRoleEntry {
        credentials: &c,
        assumed_role_id: "AROA123:sess",
        arn: "arn:aws:sts::123456789012:assumed-role/r/sess",
        packed_policy_size: None,
        source_identity: None,
        metadata: ResponseMetadata {
            request_id: "req-1",
            http_status: 200,
            http_headers: &headers,
            retry_attempts: 0,
        },
    };
    let bytes = cli_cache::assume_role_entry(&entry).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), ASSUME_ROLE_ENTRY);
    assert_eq!(
        cli_cache::parse_entry(ASSUME_ROLE_ENTRY.as_bytes()).unwrap(),
        c
    );
    assert!(!cli_cache::is_sso_entry(ASSUME_ROLE_ENTRY.as_bytes()));
}

#[test]
fn entry_reads_are_lenient_and_reuse_needs_15_minutes() {
    for form in [
        "2026-11-22T03:04:43Z",
        "2026-11-22T03:04:43UTC",
        "2026-11-22T03:04:43+00:00",
    ] {
        let text = format!(
            r#"{{"Credentials": {{"AccessKeyId": "ASIA2", "SecretAccessKey": "S2", "SessionToken": "T2", "Expiration": "{form}"}}, "AssumedRoleUser": {{"Arn": "arn:aws:sts::123456789012:assumed-role/r/s"}}}}"#
        );
        // The account comes from the assumed-role ARN when the entry has no AccountId.
        assert_eq!(
            cli_cache::parse_entry(text.as_bytes()).unwrap(),
            creds(Some("123456789012"))
        );
    }
    let c = creds(None);
    let expiry = at("2026-11-22T03:04:43Z");
    assert!(cli_cache::is_reusable(
        &c,
        expiry - Duration::from_secs(900)
    ));
    assert!(!cli_cache::is_reusable(
        &c,
        expiry - Duration::from_secs(899)
    ));
    assert!(!cli_cache::is_reusable(
        &Credentials::new("A", "S", None, None),
        from_epoch_secs(0).unwrap()
    ));
    for bad in [
        "{}",
        r#"{"Credentials": {"AccessKeyId": "A"}}"#,
        "nope",
        r#"{"Credentials": []}"#,
    ] {
        assert!(cli_cache::parse_entry(bad.as_bytes()).is_err(), "{bad}");
    }
    assert!(!cli_cache::is_sso_entry(b"{\"ProviderType\": \"SSO\"}"));
}
